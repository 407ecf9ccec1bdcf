// Debian package version ordering, as dpkg implements it (lib/dpkg/version.c): [epoch:]upstream[-revision].
// Upstream and revision are compared with the same "verrevcmp" walk: alternating runs of non-digits (compared
// character by character, '~' before everything incl. the end, letters before other characters) and runs of digits
// (compared as numbers). Checked against the real `dpkg --compare-versions` by the tests.
import { InvalidVersionError, basicVersionProblem, compareDigitStrings } from './errors.js';

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  /** "" when absent, which orders the same as "0" */
  revision: string;
}

const MAX_EPOCH = 2147483647;
const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]+$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]+$/;

function fail(version: string, reason: string): never {
  throw new InvalidVersionError('dpkg', version, reason);
}

export function parseDpkgVersion(version: string): DpkgVersion {
  const basic = basicVersionProblem(version);
  if (basic) fail(version, basic);
  let rest = version;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const e = rest.slice(0, colon);
    if (e.length === 0) fail(version, 'epoch is empty');
    if (!/^[0-9]+$/.test(e)) fail(version, 'epoch is not a number');
    epoch = Number(e);
    if (!(epoch <= MAX_EPOCH)) fail(version, 'epoch is too big');
    rest = rest.slice(colon + 1);
  }
  let upstream = rest;
  let revision = '';
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) {
    upstream = rest.slice(0, dash);
    revision = rest.slice(dash + 1);
    if (revision.length === 0) fail(version, 'revision is empty');
    if (!REVISION_CHARS.test(revision)) fail(version, 'invalid character in revision');
  }
  if (upstream.length === 0) fail(version, 'upstream version is empty');
  if (!/^[0-9]/.test(upstream)) fail(version, 'upstream version does not start with a digit');
  if (!UPSTREAM_CHARS.test(upstream)) fail(version, 'invalid character in upstream version');
  return { epoch, upstream, revision };
}

/** Weight of one character in a non-digit run; `undefined` is the end of the string. */
function order(c: number | undefined): number {
  if (c === undefined || (c >= 48 && c <= 57)) return 0;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  if (c === 126) return -1; // '~'
  return c + 256;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** dpkg's verrevcmp over one part (upstream or revision). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : undefined);
      const bc = order(j < b.length ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    const si = i;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    const sj = j;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const d = compareDigitStrings(a.slice(si, i), b.slice(sj, j));
    if (d !== 0) return d;
  }
  return 0;
}

export function compareDpkgParsed(a: DpkgVersion, b: DpkgVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export function compareDpkg(a: string, b: string): number {
  return compareDpkgParsed(parseDpkgVersion(a), parseDpkgVersion(b));
}
