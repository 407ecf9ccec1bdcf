// Typed failures of the version orderings. A caller that cannot order two versions must learn why, never get a
// made-up answer: a wrong order silently hides (or invents) a vulnerability.

export type OrderingName = 'dpkg' | 'apk' | 'rpm' | 'semver' | 'pep440' | 'maven';

/** The version string is not valid for the ordering (or is hostile: too long, control characters, empty). */
export class InvalidVersionError extends Error {
  override readonly name = 'InvalidVersionError';
  constructor(
    readonly ordering: OrderingName,
    readonly version: string,
    readonly reason: string,
  ) {
    super(`invalid ${ordering} version ${JSON.stringify(version.length > 80 ? version.slice(0, 80) + '…' : version)}: ${reason}`);
  }
}

/** No ordering is known for the ecosystem, so versions in it cannot be compared. */
export class UnsupportedEcosystemError extends Error {
  override readonly name = 'UnsupportedEcosystemError';
  constructor(readonly ecosystem: string) {
    super(`no version ordering for ecosystem ${JSON.stringify(ecosystem)}`);
  }
}

/** Longest version string any ordering accepts; real versions are far shorter, longer ones are hostile input. */
export const MAX_VERSION_LENGTH = 256;

/**
 * Checks shared by every ordering: non-empty, bounded length, no whitespace or control characters. Returns the
 * reason when the string fails, undefined when it passes.
 */
export function basicVersionProblem(version: string): string | undefined {
  if (typeof version !== 'string') return 'not a string';
  if (version.length === 0) return 'empty';
  if (version.length > MAX_VERSION_LENGTH) return `longer than ${MAX_VERSION_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029\ufeff]/.test(version)) return 'contains whitespace or control characters';
  return undefined;
}

/** Sign of a number as -1, 0 or 1, so every ordering returns the same three values. */
export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two strings of decimal digits numerically without limits on their length ("" counts as 0). */
export function compareDigitStrings(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a.charCodeAt(i) === 48) i++;
  let j = 0;
  while (j < b.length && b.charCodeAt(j) === 48) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  for (; i < a.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Plain code-unit string comparison as -1, 0, 1. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
