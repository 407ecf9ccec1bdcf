// `--fail-on SEVERITY`: the exit status a CI job acts on.
import type { Finding, Severity } from '../types.js';
import { isActive } from '../policy/findings.js';
import { atLeast } from '../policy/severity.js';
import type { PolicyResult } from '../policy/types.js';

export interface ExitCodeOptions {
  /** Policy results to consider (from evaluatePolicies). */
  policies?: readonly PolicyResult[];
  /**
   * Fail on violated policies: true for any violation, or a severity to fail only on violations at or above it.
   * Default: policies do not affect the exit code.
   */
  failOnPolicy?: boolean | Severity;
}

/**
 * 1 when an unsuppressed finding is at or above `failOn` (or, when asked, a policy is violated), else 0.
 * `failOn` undefined/null means findings never fail the run. Severity order: CRITICAL > HIGH > MEDIUM > LOW >
 * UNKNOWN > NONE, so `--fail-on LOW` also fails on unrated advisories.
 */
export function exitCodeFor(result: { findings: readonly Finding[] }, failOn?: Severity | null, options: ExitCodeOptions = {}): 0 | 1 {
  if (failOn && result.findings.some((f) => isActive(f) && atLeast(f.severity, failOn))) return 1;
  const fp = options.failOnPolicy;
  if (fp !== undefined && fp !== false) {
    const threshold: Severity = fp === true ? 'NONE' : fp;
    if ((options.policies ?? []).some((p) => p.violated && atLeast(p.severity, threshold))) return 1;
  }
  return 0;
}
