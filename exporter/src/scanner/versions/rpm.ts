// RPM version ordering: [epoch:]version[-release], each part compared with rpmvercmp (rpm's lib/rpmvercmp.c):
// runs of digits compare as numbers and beat runs of letters, '~' sorts before everything (even the end),
// '^' sorts after the end but before anything else, other characters only separate runs.
// An "epoch" that is not all digits is not an epoch (module streams like "1.m+e2:1"): the whole string is the
// version then. A missing epoch is 0.
import { InvalidVersionError, basicVersionProblem, compareDigitStrings, compareStrings } from './errors.js';

export interface RpmVersion {
  epoch: string;
  version: string;
  /** "" when absent; otherwise includes the leading '-' so "1-" sorts after "1" as rpm does */
  release: string;
}

export function parseRpmVersion(version: string): RpmVersion {
  const basic = basicVersionProblem(version);
  if (basic) throw new InvalidVersionError('rpm', version, basic);
  let epoch = '0';
  let vr = version;
  const colon = version.indexOf(':');
  if (colon >= 0 && /^[0-9]+$/.test(version.slice(0, colon))) {
    epoch = version.slice(0, colon);
    vr = version.slice(colon + 1);
  }
  const dash = vr.indexOf('-');
  if (dash < 0) return { epoch, version: vr, release: '' };
  return { epoch, version: vr.slice(0, dash), release: vr.slice(dash) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** rpmvercmp over one part. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '' || b === '') return a === '' ? -1 : 1;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !isDigit(a.charCodeAt(i)) && !isAlpha(a.charCodeAt(i)) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isDigit(b.charCodeAt(j)) && !isAlpha(b.charCodeAt(j)) && b[j] !== '~' && b[j] !== '^') j++;
    const at = a[i] === '~';
    const bt = b[j] === '~';
    if (at || bt) {
      if (at && bt) {
        i++;
        j++;
        continue;
      }
      return at ? -1 : 1;
    }
    const ac = a[i] === '^';
    const bc = b[j] === '^';
    if (ac || bc) {
      if (ac && bc) {
        i++;
        j++;
        continue;
      }
      // '^' is newer than the end of the other string, older than anything else there
      if (ac) return j >= b.length ? 1 : -1;
      return i >= a.length ? -1 : 1;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a.charCodeAt(i));
    const test = numeric ? isDigit : isAlpha;
    const si = i;
    while (i < a.length && test(a.charCodeAt(i))) i++;
    const sj = j;
    while (j < b.length && test(b.charCodeAt(j))) j++;
    // a's run type decides; b having no run of that type means they differ in kind: numbers beat letters
    if (sj === j) return numeric ? 1 : -1;
    const d = numeric ? compareDigitStrings(a.slice(si, i), b.slice(sj, j)) : compareStrings(a.slice(si, i), b.slice(sj, j));
    if (d !== 0) return d;
  }
  const ra = i < a.length;
  const rb = j < b.length;
  if (ra === rb) return 0;
  return ra ? 1 : -1;
}

export function compareRpmParsed(a: RpmVersion, b: RpmVersion): number {
  return compareDigitStrings(a.epoch, b.epoch) || rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

export function compareRpm(a: string, b: string): number {
  return compareRpmParsed(parseRpmVersion(a), parseRpmVersion(b));
}
