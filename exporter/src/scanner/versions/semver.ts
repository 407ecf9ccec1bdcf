// Semantic Versioning 2.0 ordering for npm, Go, crates.io and Hex. Strictly valid versions are compared by the
// `semver` package. OSV data also carries what the package rejects, so those get the same rules here:
// a "v" prefix (Go), numbers beyond 2^53, missing minor/patch ("1.2" = "1.2.0"), and extra dot components
// after the third, which count as build metadata ("1.1.3.4" = "1.1.3"), as osv-scalibr reads them.
// Build metadata never affects order (so Go's "+incompatible" is ignored); Go pseudo-versions
// (v0.0.0-20210101000000-abcdef012345) are ordinary prereleases and order as such.
import semver from 'semver';
import { InvalidVersionError, basicVersionProblem, compareDigitStrings, compareStrings } from './errors.js';

export interface SemverVersion {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
  /** set when the `semver` package accepts the version; then it does the comparing */
  strict: semver.SemVer | undefined;
}

const CORE = /^[vV]?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?/;
const IDENT = /^[0-9A-Za-z-]+$/;

function fail(version: string, reason: string): never {
  throw new InvalidVersionError('semver', version, reason);
}

export function parseSemverVersion(version: string): SemverVersion {
  const basic = basicVersionProblem(version);
  if (basic) fail(version, basic);
  const m = CORE.exec(version);
  if (!m) fail(version, 'does not start with a number');
  const major = m[1] ?? '0';
  const minor = m[2] ?? '0';
  const patch = m[3] ?? '0';
  let rest = version.slice(m[0].length);
  let prerelease: string[] = [];
  if (rest.startsWith('.')) {
    if (m[3] === undefined) fail(version, 'malformed numeric component');
    rest = '';
  } else if (rest.startsWith('-')) {
    const plus = rest.indexOf('+');
    const pre = plus < 0 ? rest.slice(1) : rest.slice(1, plus);
    prerelease = pre.split('.');
    if (prerelease.some((p) => !IDENT.test(p))) fail(version, 'malformed prerelease');
    rest = plus < 0 ? '' : rest.slice(plus);
  }
  if (rest.startsWith('+')) {
    if (!/^\+[0-9A-Za-z.-]+$/.test(rest)) fail(version, 'malformed build metadata');
    rest = '';
  }
  if (rest.length > 0) fail(version, `unexpected ${JSON.stringify(rest.slice(0, 20))}`);
  const strict = semver.parse(version) ?? undefined;
  return { major, minor, patch, prerelease, strict };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return compareDigitStrings(a, b);
  if (an !== bn) return an ? -1 : 1;
  return compareStrings(a, b);
}

export function compareSemverParsed(a: SemverVersion, b: SemverVersion): number {
  if (a.strict && b.strict) return a.strict.compare(b.strict);
  const core = compareDigitStrings(a.major, b.major) || compareDigitStrings(a.minor, b.minor) || compareDigitStrings(a.patch, b.patch);
  if (core !== 0) return core;
  const ap = a.prerelease;
  const bp = b.prerelease;
  if (ap.length === 0 || bp.length === 0) return ap.length === bp.length ? 0 : ap.length === 0 ? 1 : -1;
  const n = Math.min(ap.length, bp.length);
  for (let i = 0; i < n; i++) {
    const d = compareIdentifiers(ap[i] ?? '', bp[i] ?? '');
    if (d !== 0) return d;
  }
  return ap.length === bp.length ? 0 : ap.length < bp.length ? -1 : 1;
}

export function compareSemver(a: string, b: string): number {
  return compareSemverParsed(parseSemverVersion(a), parseSemverVersion(b));
}
