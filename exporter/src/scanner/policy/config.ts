// The policy file: which policies run, at which severity, with which parameters. A broken policy file is fatal
// (SourceFileError with file:line:column): silently dropping a policy would let images pass that should fail.
//
//   policies:
//     vulnerabilities: { severities: [CRITICAL, HIGH], fixableOnly: true }
//     non-root-user: { enabled: false }
//     allowed-registries: { registries: [ghcr.io/my-org] }   # optional policies run once listed
import { z } from 'zod';
import type { Severity } from '../types.js';
import { issuesFromZod, keyPositionOf, parseSource, SourceFileError, type SourceIssue } from './config-source.js';
import { POLICIES, policyById } from './registry.js';
import { severitySchema } from './schema-helpers.js';

export interface PolicySetting {
  id: string;
  enabled: boolean;
  severity: Severity;
  /** Parameters as parsed by the policy's own schema (defaults applied). */
  params: Record<string, unknown>;
}

export interface PolicyConfig {
  /** One entry per known policy, in registry order. */
  policies: PolicySetting[];
}

const MAX_POLICY_FILE_BYTES = 1024 * 1024;

const fileShape = z.strictObject({
  version: z.literal(1, { error: 'only version 1 exists' }).optional(),
  policies: z.record(z.string(), z.unknown()).nullable().optional(),
});

const switches = z.looseObject({ enabled: z.boolean().optional(), severity: severitySchema.optional() });

/** The built-in policy set: default-enabled policies with default parameters. */
export function defaultPolicyConfig(): PolicyConfig {
  return {
    policies: POLICIES.map((def) => {
      const parsed = def.defaultEnabled ? def.params.safeParse({}) : undefined;
      return {
        id: def.id,
        enabled: def.defaultEnabled && parsed?.success === true,
        severity: def.defaultSeverity,
        params: parsed?.success ? (parsed.data as Record<string, unknown>) : {},
      };
    }),
  };
}

/** Parses a policy file's text; `file` is only used in error positions. Throws SourceFileError. */
export function parsePolicyConfig(text: string, file: string): PolicyConfig {
  const src = parseSource(text, file, { maxBytes: MAX_POLICY_FILE_BYTES });
  const value = src.value ?? {};
  const shape = fileShape.safeParse(value);
  if (!shape.success) throw new SourceFileError(issuesFromZod(src, shape.error));

  const config = defaultPolicyConfig();
  const issues: SourceIssue[] = [];
  for (const [id, raw] of Object.entries(shape.data.policies ?? {})) {
    const path = ['policies', id];
    const def = policyById(id);
    if (!def) {
      const { line, column } = keyPositionOf(src, path);
      issues.push({ file, line, column, path: path.join('.'), message: `unknown policy "${id}" (known: ${POLICIES.map((p) => p.id).join(', ')})` });
      continue;
    }
    const block = raw ?? {};
    const sw = switches.safeParse(block);
    if (!sw.success) {
      issues.push(...issuesFromZod(src, sw.error, path));
      continue;
    }
    const setting = config.policies.find((p) => p.id === id);
    if (!setting) continue;
    const { enabled, severity, ...rest } = sw.data;
    if (severity) setting.severity = severity;
    // A listed policy runs unless switched off; a switched-off one need not carry valid parameters.
    if (enabled === false) {
      setting.enabled = false;
      continue;
    }
    const params = def.params.safeParse(rest);
    if (!params.success) {
      issues.push(...issuesFromZod(src, params.error, path));
      continue;
    }
    setting.enabled = true;
    setting.params = params.data as Record<string, unknown>;
  }
  if (issues.length > 0) throw new SourceFileError(issues);
  return config;
}
