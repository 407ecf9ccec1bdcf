// Alpine (apk) version ordering: number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}.
// Suffix order: _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p.
//
// apk-tools orders any string it is given, including malformed ones ("1.2_blah", ".1", "1-ruff"), and Alpine's
// own databases contain a few. To stay a strict, transitive order over that domain, a version is reduced to a key
// compared part by part: numbers, letter, suffixes, revision, then what could not be parsed (the tail). A clean
// version sorts after the same version with a tail; a tail left after "-r" is otherwise ignored; a tail left where
// no "-r" could be read is compared as a string. The commit hash (~hex) is ignored: hashes have no order.
import { InvalidVersionError, basicVersionProblem, compareDigitStrings, compareStrings } from './errors.js';

const SUFFIX_WEIGHT: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, cvs: 5, svn: 6, git: 7, hg: 8, p: 9 };
const NO_SUFFIX_WEIGHT = 4;

export interface ApkVersion {
  /** digit strings of the leading numeric components */
  numbers: string[];
  letter: string;
  suffixes: { weight: number; number: string }[];
  revision: string;
  /** 2: fully parsed; 1: junk after the revision (ignored); 0: junk where no revision could be read */
  tailClass: 0 | 1 | 2;
  tail: string;
}

const NUMBERS = /^[0-9]+(?:\.[0-9]+)*/;
const SUFFIX = /^_(alpha|beta|pre|rc|cvs|svn|git|hg|p)([0-9]*)/;
const HASH = /^~[0-9a-f]+/;
// apk reads one '-' before 'r'; extra dashes ("1--r1") are read the same way rather than left as junk.
const REVISION = /^-+r([0-9]*)/;

export function parseApkVersion(version: string): ApkVersion {
  const basic = basicVersionProblem(version);
  if (basic) throw new InvalidVersionError('apk', version, basic);
  if (!/^[\x21-\x7e]+$/.test(version)) throw new InvalidVersionError('apk', version, 'non-ASCII characters');
  let rest = version;
  const numbers: string[] = [];
  const n = NUMBERS.exec(rest);
  if (n) {
    numbers.push(...n[0].split('.'));
    rest = rest.slice(n[0].length);
  }
  let letter = '';
  if (/^[a-z]/.test(rest)) {
    letter = rest[0] ?? '';
    rest = rest.slice(1);
  }
  const suffixes: ApkVersion['suffixes'] = [];
  for (let m = SUFFIX.exec(rest); m; m = SUFFIX.exec(rest)) {
    suffixes.push({ weight: SUFFIX_WEIGHT[m[1] ?? ''] ?? NO_SUFFIX_WEIGHT, number: m[2] || '0' });
    rest = rest.slice(m[0].length);
  }
  const h = HASH.exec(rest);
  if (h) rest = rest.slice(h[0].length);
  let revision = '0';
  let tailClass: ApkVersion['tailClass'] = 2;
  if (rest.length > 0) {
    const r = REVISION.exec(rest);
    if (r) {
      revision = r[1] || '0';
      rest = rest.slice(r[0].length);
      if (rest.length > 0) tailClass = 1;
    } else {
      tailClass = 0;
    }
  }
  return { numbers, letter, suffixes, revision, tailClass, tail: tailClass === 0 ? rest : '' };
}

/**
 * One numeric component. The first compares as a number; later ones with a leading zero compare as strings
 * (apk/Gentoo: 1.02 < 1.1), and every such string sorts before every component without a leading zero.
 */
function compareNumber(a: string | undefined, b: string | undefined, index: number): number {
  // A missing component sorts before a present one: apk treats 1 < 1.0.
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (index > 0) {
    const az = a.charCodeAt(0) === 48;
    const bz = b.charCodeAt(0) === 48;
    if (az || bz) {
      if (az && bz) return compareStrings(a, b);
      return az ? -1 : 1;
    }
  }
  return compareDigitStrings(a, b);
}

export function compareApkParsed(a: ApkVersion, b: ApkVersion): number {
  const len = Math.max(a.numbers.length, b.numbers.length);
  for (let i = 0; i < len; i++) {
    const d = compareNumber(a.numbers[i], b.numbers[i], i);
    if (d !== 0) return d;
  }
  if (a.letter !== b.letter) return compareStrings(a.letter, b.letter);
  const sl = Math.max(a.suffixes.length, b.suffixes.length);
  for (let i = 0; i < sl; i++) {
    const x = a.suffixes[i] ?? { weight: NO_SUFFIX_WEIGHT, number: '0' };
    const y = b.suffixes[i] ?? { weight: NO_SUFFIX_WEIGHT, number: '0' };
    if (x.weight !== y.weight) return x.weight < y.weight ? -1 : 1;
    const d = compareDigitStrings(x.number, y.number);
    if (d !== 0) return d;
  }
  const r = compareDigitStrings(a.revision, b.revision);
  if (r !== 0) return r;
  if (a.tailClass !== b.tailClass) return a.tailClass < b.tailClass ? -1 : 1;
  return compareStrings(a.tail, b.tail);
}

export function compareApk(a: string, b: string): number {
  return compareApkParsed(parseApkVersion(a), parseApkVersion(b));
}
