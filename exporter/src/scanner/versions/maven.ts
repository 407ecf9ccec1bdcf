// Maven version ordering per the POM reference's "Version Order Specification" (the rules Maven's
// ComparableVersion implements): the version is split into tokens at '.', '-' and every digit/letter transition
// (a transition counts as '-'); empty tokens are "0". Trailing null tokens (0, "", final, ga, release) are dropped
// from the end and again before each remaining '-'. Tokens compare pairwise, the shorter version padded with nulls:
//   qualifiers  alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp < others (A-Z)
//   separators  ".qualifier" < "-qualifier" < "-number" < ".number"
// a, b, m directly followed by a digit mean alpha, beta, milestone; comparison ignores case.
// Maven's own order is not transitive for some mixes of '.' and '-' qualifiers (1-alpha < 1 < 1.sp < 1-alpha);
// this follows Maven there rather than invent a different answer.
import { InvalidVersionError, basicVersionProblem, compareDigitStrings, compareStrings } from './errors.js';

interface Token {
  sep: '.' | '-';
  numeric: boolean;
  /** digits without leading zeros, or the normalised qualifier */
  value: string;
}
export interface MavenVersion {
  tokens: Token[];
}

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };

function isNullToken(t: Token): boolean {
  return t.numeric ? t.value === '0' : t.value === '';
}

export function parseMavenVersion(version: string): MavenVersion {
  const basic = basicVersionProblem(version);
  if (basic) throw new InvalidVersionError('maven', version, basic);
  const tokens: Token[] = [];
  const chunks = version.toLowerCase().split(/([.-])/);
  for (let c = 0; c < chunks.length; c += 2) {
    const chunk = chunks[c] ?? '';
    let sep: Token['sep'] = c === 0 ? '.' : chunks[c - 1] === '-' ? '-' : '.';
    const parts = chunk.length === 0 ? ['0'] : (chunk.match(/[0-9]+|[^0-9]+/g) ?? ['0']);
    parts.forEach((part, k) => {
      if (k > 0) sep = '-';
      if (/^[0-9]/.test(part)) {
        tokens.push({ sep, numeric: true, value: part.replace(/^0+(?=.)/, '') });
        return;
      }
      let q = part;
      const followedByDigit = k < parts.length - 1;
      if (followedByDigit) q = q === 'a' ? 'alpha' : q === 'b' ? 'beta' : q === 'm' ? 'milestone' : q;
      tokens.push({ sep, numeric: false, value: ALIASES[q] ?? q });
    });
  }
  // trim trailing nulls, then again before each remaining '-' going backwards
  let i = tokens.length - 1;
  while (i > 0) {
    const t = tokens[i];
    if (t && isNullToken(t)) {
      tokens.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && tokens[i]?.sep !== '-') i--;
    i--;
  }
  return { tokens };
}

function qualifierRank(q: string): number {
  const i = QUALIFIERS.indexOf(q);
  return i >= 0 ? i : QUALIFIERS.length;
}

function compareQualifiers(a: string, b: string): number {
  const ra = qualifierRank(a);
  const rb = qualifierRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return ra === QUALIFIERS.length ? compareStrings(a, b) : 0;
}

/** ".qualifier" < "-qualifier" < "-number" < ".number" */
function separatorClass(t: Token): number {
  if (t.numeric) return t.sep === '-' ? 2 : 3;
  return t.sep === '-' ? 1 : 0;
}

function compareTokens(a: Token, b: Token): number {
  if (a.sep !== b.sep) return separatorClass(a) < separatorClass(b) ? -1 : 1;
  if (a.numeric && b.numeric) return compareDigitStrings(a.value, b.value);
  if (a.numeric !== b.numeric) return a.numeric ? 1 : -1;
  return compareQualifiers(a.value, b.value);
}

/** An absent token (padding) against a present one: it is 0 against numbers and "" against qualifiers. */
function compareNullWith(t: Token): number {
  return t.numeric ? compareDigitStrings('0', t.value) : compareQualifiers('', t.value);
}

export function compareMavenParsed(a: MavenVersion, b: MavenVersion): number {
  const n = Math.max(a.tokens.length, b.tokens.length);
  for (let i = 0; i < n; i++) {
    const x = a.tokens[i];
    const y = b.tokens[i];
    const d = x === undefined ? (y === undefined ? 0 : compareNullWith(y)) : y === undefined ? -compareNullWith(x) : compareTokens(x, y);
    if (d !== 0) return d;
  }
  return 0;
}

export function compareMaven(a: string, b: string): number {
  return compareMavenParsed(parseMavenVersion(a), parseMavenVersion(b));
}
