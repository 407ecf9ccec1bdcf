// The one entry point to version orderings: pick the ordering by OSV ecosystem name, compare, validate.
// Every ordering parses first and throws InvalidVersionError on what it cannot order; nothing guesses.
import { compareApkParsed, parseApkVersion } from './apk.js';
import { compareDpkgParsed, parseDpkgVersion } from './dpkg.js';
import { type OrderingName, InvalidVersionError, UnsupportedEcosystemError } from './errors.js';
import { compareMavenParsed, parseMavenVersion } from './maven.js';
import { comparePythonParsed, parsePythonVersion } from './pep440.js';
import { compareRpmParsed, parseRpmVersion } from './rpm.js';
import { compareSemverParsed, parseSemverVersion } from './semver.js';

export { InvalidVersionError, UnsupportedEcosystemError, MAX_VERSION_LENGTH } from './errors.js';
export type { OrderingName } from './errors.js';

/** A version ordering. `parse` throws InvalidVersionError; parsed values can be kept and compared many times. */
export interface VersionOrdering<P = unknown> {
  readonly name: OrderingName;
  parse(version: string): P;
  /** -1, 0 or 1 */
  compare(a: P, b: P): number;
}

function ordering<P>(name: OrderingName, parse: (v: string) => P, compare: (a: P, b: P) => number): VersionOrdering<P> {
  return { name, parse, compare };
}

export const ORDERINGS: Readonly<Record<OrderingName, VersionOrdering>> = {
  dpkg: ordering('dpkg', parseDpkgVersion, compareDpkgParsed),
  apk: ordering('apk', parseApkVersion, compareApkParsed),
  rpm: ordering('rpm', parseRpmVersion, compareRpmParsed),
  semver: ordering('semver', parseSemverVersion, compareSemverParsed),
  pep440: ordering('pep440', parsePythonVersion, comparePythonParsed),
  maven: ordering('maven', parseMavenVersion, compareMavenParsed),
};

// OSV ecosystem base names (the part before the first ':'), lower-cased.
const BY_ECOSYSTEM: Record<string, OrderingName> = {
  debian: 'dpkg',
  ubuntu: 'dpkg',
  alpine: 'apk',
  chainguard: 'apk',
  wolfi: 'apk',
  'red hat': 'rpm',
  'rocky linux': 'rpm',
  almalinux: 'rpm',
  opensuse: 'rpm',
  suse: 'rpm',
  mageia: 'rpm',
  'azure linux': 'rpm',
  npm: 'semver',
  go: 'semver',
  'crates.io': 'semver',
  hex: 'semver',
  pypi: 'pep440',
  maven: 'maven',
};

/** The ordering's name for an ecosystem such as "Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19", "PyPI". */
export function orderingNameFor(ecosystem: string): OrderingName | undefined {
  const base = ecosystem.split(':', 1)[0]?.trim().toLowerCase() ?? '';
  return BY_ECOSYSTEM[base];
}

/** The ordering for an ecosystem; throws UnsupportedEcosystemError when there is none. */
export function orderingFor(ecosystem: string): VersionOrdering {
  const name = orderingNameFor(ecosystem);
  if (!name) throw new UnsupportedEcosystemError(ecosystem);
  return ORDERINGS[name];
}

/**
 * Compares two versions of one ecosystem: negative when a < b, 0 when equal, positive when a > b (exactly -1/0/1).
 * Throws InvalidVersionError for a version the ordering cannot read, UnsupportedEcosystemError for an unknown
 * ecosystem.
 */
export function compareVersions(ecosystem: string, a: string, b: string): number {
  const o = orderingFor(ecosystem);
  return o.compare(o.parse(a), o.parse(b));
}

/** True when the ecosystem has an ordering and it accepts the version. */
export function isValidVersion(ecosystem: string, version: string): boolean {
  const name = orderingNameFor(ecosystem);
  if (!name) return false;
  try {
    ORDERINGS[name].parse(version);
    return true;
  } catch (e) {
    if (e instanceof InvalidVersionError) return false;
    throw e;
  }
}
