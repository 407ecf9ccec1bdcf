// Severity order, parsing and weights shared by policies, suppressions, reports and exit codes.
import type { Severity } from '../types.js';

/** Highest first. UNKNOWN (an advisory nobody rated) sorts below LOW; see atLeast for how thresholds treat it. */
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN', 'NONE'];

const RANK: Record<Severity, number> = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, UNKNOWN: 1, NONE: 0 };

/** Remediation weights: one critical outweighs several highs, so upgrades that remove criticals sort first. */
const WEIGHT: Record<Severity, number> = { CRITICAL: 16, HIGH: 8, MEDIUM: 4, LOW: 2, UNKNOWN: 1, NONE: 0 };

// Findings come from a database built from outside data: a severity outside the union ranks as UNKNOWN
// rather than turning comparisons into NaN.
export function severityRank(s: Severity): number {
  return RANK[s] ?? RANK.UNKNOWN;
}

export function severityWeight(s: Severity): number {
  return WEIGHT[s] ?? WEIGHT.UNKNOWN;
}

/** Sort comparator: most severe first. */
export function compareSeverityDesc(a: Severity, b: Severity): number {
  return severityRank(b) - severityRank(a);
}

/**
 * Whether `s` reaches `threshold`. An unrated advisory could be anything, so a LOW threshold (the "everything"
 * setting) includes UNKNOWN; MEDIUM and above do not, or every unrated advisory would fail strict pipelines.
 */
export function atLeast(s: Severity, threshold: Severity): boolean {
  if (severityRank(s) === RANK.UNKNOWN && threshold === 'LOW') return true;
  return severityRank(s) >= severityRank(threshold);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RANK, value);
}

/** Case-insensitive parse for CLI flags and config files; throws with the accepted values listed. */
export function parseSeverity(text: string): Severity {
  const upper = text.trim().toUpperCase();
  if (isSeverity(upper)) return upper;
  throw new Error(`unknown severity "${text}" (expected one of ${SEVERITIES.join(', ')})`);
}
