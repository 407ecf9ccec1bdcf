// The shape of a policy's outcome and of what a policy may look at.
import type { Severity } from '../types.js';
import type { ScanResult } from '../report/types.js';

export interface PolicyResult {
  /** Stable kebab-case id, as used in policy files: "vulnerabilities", "os-end-of-life", ... */
  id: string;
  title: string;
  severity: Severity;
  violated: boolean;
  /** Human-readable lines: why it was violated, or what was checked. Never contains secret values. */
  details: string[];
}

export interface PolicyContext {
  /** The date policies evaluate against (EOL dates, image age, expiry); injected so results are reproducible. */
  now: Date;
}

/** What policies read. Suppressed findings are present but marked; policies must skip them. */
export type PolicyInput = Pick<ScanResult, 'image' | 'findings'>;
