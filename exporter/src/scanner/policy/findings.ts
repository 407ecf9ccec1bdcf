// Small questions policies and reports ask about findings, answered in one place so they agree.
import type { Finding } from '../types.js';

/** A fix exists when the advisory names a fixed version. */
export function isFixable(f: Finding): boolean {
  return typeof f.fixedVersion === 'string' && f.fixedVersion.trim() !== '';
}

/** Suppressed findings stay in reports but never count for policies, exit codes or remediation. */
export function isActive(f: Finding): boolean {
  return f.suppressed === undefined;
}
