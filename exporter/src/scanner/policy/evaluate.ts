// Runs the configured policies over a scan. Pure: the same input, config and date give the same results.
import type { PolicyConfig } from './config.js';
import { defaultPolicyConfig } from './config.js';
import { policyById } from './registry.js';
import { compareSeverityDesc } from './severity.js';
import type { PolicyContext, PolicyInput, PolicyResult } from './types.js';

/**
 * Evaluates every enabled policy. Suppressed findings are ignored by the policies themselves.
 * A policy that throws (a bug, or input no check anticipated) yields a violated result saying so, never a crash
 * and never a silent pass.
 */
export function evaluatePolicies(input: PolicyInput, config: PolicyConfig = defaultPolicyConfig(), ctx: PolicyContext = { now: new Date() }): PolicyResult[] {
  const results: PolicyResult[] = [];
  for (const setting of config.policies) {
    if (!setting.enabled) continue;
    const def = policyById(setting.id);
    if (!def) continue;
    let title = def.id;
    try {
      // Re-parse: configs may be built in code, not only by parsePolicyConfig.
      const params = def.params.parse(setting.params);
      title = def.title(params);
      const outcome = def.check(input, params, ctx);
      results.push({ id: def.id, title, severity: setting.severity, violated: outcome.violated, details: outcome.details });
    } catch (err) {
      results.push({ id: def.id, title, severity: setting.severity, violated: true, details: [`policy could not be evaluated: ${(err as Error).message}`] });
    }
  }
  return results;
}

/** Violated results, most severe first (stable within a severity). */
export function violatedPolicies(results: readonly PolicyResult[]): PolicyResult[] {
  return results.filter((r) => r.violated).sort((a, b) => compareSeverityDesc(a.severity, b.severity));
}
