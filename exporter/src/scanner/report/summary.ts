// Counts per severity, shared by the table, the JSON report and the metrics the service exports.
import type { Finding, Severity } from '../types.js';
import { isActive, isFixable } from '../policy/findings.js';
import { SEVERITIES } from '../policy/severity.js';

export interface SeverityCounts {
  /** Every finding at this severity, suppressed ones included */
  total: number;
  /** Unsuppressed findings with a fixed version */
  fixable: number;
  suppressed: number;
}

export type SeveritySummary = Record<Severity, SeverityCounts>;

export function summarizeFindings(findings: readonly Finding[]): SeveritySummary {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, { total: 0, fixable: 0, suppressed: 0 }])) as SeveritySummary;
  for (const f of findings) {
    const c = out[f.severity] ?? out.UNKNOWN;
    c.total++;
    if (!isActive(f)) c.suppressed++;
    else if (isFixable(f)) c.fixable++;
  }
  return out;
}
