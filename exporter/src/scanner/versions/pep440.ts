// Python package version ordering: PEP 440 as `packaging.version.Version` implements it, plus the pre-PEP 440
// "legacy" versions that older `packaging` (and PyPI data from that time, e.g. "0.1-bulbasaur") still ordered:
// a legacy version always sorts before every PEP 440 version and legacy versions order by setuptools' old key.
import { InvalidVersionError, basicVersionProblem, compareDigitStrings, compareStrings } from './errors.js';

// PEP 440's appendix regex (packaging.version.VERSION_PATTERN), anchored.
const PEP440 = new RegExp(
  '^v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i',
);

/** Ordered key of a PEP 440 version. `null` stands for packaging's -Infinity / +Infinity markers per field. */
export interface Pep440Version {
  kind: 'pep440';
  epoch: string;
  /** release numbers with trailing zeros removed (1.0.0 == 1) */
  release: string[];
  /** [rank, number]; rank -1 = "dev-only sorts before any pre" , 0 a, 1 b, 2 rc, 3 = no pre-release */
  pre: [number, string];
  /** undefined = no post-release (sorts first) */
  post: string | undefined;
  /** undefined = no dev-release (sorts last) */
  dev: string | undefined;
  /** undefined = no local label (sorts first) */
  local: (string | { n: string })[] | undefined;
}

export interface LegacyPythonVersion {
  kind: 'legacy';
  parts: string[];
}

export type PythonVersion = Pep440Version | LegacyPythonVersion;

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

function parsePep440(version: string): Pep440Version | undefined {
  const m = PEP440.exec(version);
  if (!m || !m.groups) return undefined;
  const g = m.groups;
  const release = (g.release ?? '0').split('.');
  while (release.length > 1 && /^0+$/.test(release[release.length - 1] ?? '')) release.pop();
  if (release.length === 1 && /^0+$/.test(release[0] ?? '')) release.length = 0;
  const hasPre = g.pre_l !== undefined;
  const post = g.post_n1 ?? (g.post_l !== undefined ? (g.post_n2 ?? '0') : undefined);
  const dev = g.dev_l !== undefined ? (g.dev_n ?? '0') : undefined;
  let pre: [number, string];
  if (hasPre) pre = [PRE_RANK[(g.pre_l ?? '').toLowerCase()] ?? 2, g.pre_n ?? '0'];
  // packaging: a dev release of a final version sorts before its pre-releases (1.0.dev0 < 1.0a0)
  else if (post === undefined && dev !== undefined) pre = [-1, '0'];
  else pre = [3, '0'];
  const local = g.local?.toLowerCase().split(/[-_.]/).map((s) => (/^[0-9]+$/.test(s) ? { n: s } : s));
  return { kind: 'pep440', epoch: g.epoch ?? '0', release, pre, post, dev, local };
}

const LEGACY_SPLIT = /([0-9]+|[a-z]+|\.|-)/;
const LEGACY_REPLACE: Record<string, string> = { pre: 'c', preview: 'c', '-': 'final-', rc: 'c', dev: '@' };

/** setuptools/packaging LegacyVersion key: zero-padded numbers, '*'-prefixed words, trailing noise dropped. */
function parseLegacy(version: string): LegacyPythonVersion {
  const parts: string[] = [];
  const pieces = version.toLowerCase().split(LEGACY_SPLIT);
  const emit = (part: string): void => {
    if (part.startsWith('*')) {
      if (part < '*final') while (parts.length > 0 && parts[parts.length - 1] === '*final-') parts.pop();
      while (parts.length > 0 && parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  };
  for (const raw of pieces) {
    const part = LEGACY_REPLACE[raw] ?? raw;
    if (part === '' || part === '.') continue;
    emit(/^[0-9]/.test(part) ? part.padStart(8, '0') : '*' + part);
  }
  emit('*final');
  return { kind: 'legacy', parts };
}

export function parsePythonVersion(version: string): PythonVersion {
  const basic = basicVersionProblem(version);
  if (basic) throw new InvalidVersionError('pep440', version, basic);
  return parsePep440(version) ?? parseLegacy(version);
}

function compareNumberLists(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareDigitStrings(a[i] ?? '0', b[i] ?? '0');
    if (d !== 0) return d;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareOptional(a: string | undefined, b: string | undefined, missing: -1 | 1): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? missing : -missing;
  return compareDigitStrings(a, b);
}

function compareLocal(a: Pep440Version['local'], b: Pep440Version['local']): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) break;
    // numeric segments sort after alphanumeric ones
    if (typeof x === 'string' && typeof y === 'string') {
      const d = compareStrings(x, y);
      if (d !== 0) return d;
    } else if (typeof x !== 'string' && typeof y !== 'string') {
      const d = compareDigitStrings(x.n, y.n);
      if (d !== 0) return d;
    } else return typeof x === 'string' ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// Python compares str by code point; JS `<` compares UTF-16 units, which differs only for astral characters.
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

export function comparePythonParsed(a: PythonVersion, b: PythonVersion): number {
  if (a.kind === 'legacy' || b.kind === 'legacy') {
    if (a.kind !== b.kind) return a.kind === 'legacy' ? -1 : 1;
    const ap = (a as LegacyPythonVersion).parts;
    const bp = (b as LegacyPythonVersion).parts;
    const n = Math.min(ap.length, bp.length);
    for (let i = 0; i < n; i++) {
      const d = compareCodePoints(ap[i] ?? '', bp[i] ?? '');
      if (d !== 0) return d;
    }
    return ap.length === bp.length ? 0 : ap.length < bp.length ? -1 : 1;
  }
  return (
    compareDigitStrings(a.epoch, b.epoch) ||
    compareNumberLists(a.release, b.release) ||
    (a.pre[0] !== b.pre[0] ? (a.pre[0] < b.pre[0] ? -1 : 1) : compareDigitStrings(a.pre[1], b.pre[1])) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareLocal(a.local, b.local)
  );
}

export function comparePython(a: string, b: string): number {
  return comparePythonParsed(parsePythonVersion(a), parsePythonVersion(b));
}
