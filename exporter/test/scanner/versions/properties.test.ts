// Order laws over seeded random versions: reflexivity, antisymmetry and transitivity (of both < and =) for every
// ordering, plus agreement of the lenient semver path with the `semver` package on strictly valid versions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import semver from 'semver';
import { ORDERINGS, type OrderingName } from '../../../src/scanner/versions/index.js';
import { compareSemverParsed, parseSemverVersion } from '../../../src/scanner/versions/semver.js';
import { type Rand, chance, int, pick, seededRandom } from './seeded-random.js';

const digits = (r: Rand): string => (chance(r, 0.15) ? '0' + String(int(r, 0, 9)) : String(int(r, 0, 12)));
const word = (r: Rand, words: readonly string[]): string => pick(r, words);

const GENERATORS: Record<OrderingName, (r: Rand) => string> = {
  dpkg: (r) => {
    const seg = (): string => (chance(r, 0.6) ? digits(r) : word(r, ['a', 'b', 'rc', 'dfsg', 'deb12u', 'ubuntu']));
    let up = String(int(r, 0, 5));
    for (let i = int(r, 0, 4); i > 0; i--) up += pick(r, ['.', '+', '~', '.', '']) + seg();
    let v = chance(r, 0.15) ? `${int(r, 0, 2)}:${up}` : up;
    if (chance(r, 0.7)) {
      let rev = seg();
      for (let i = int(r, 0, 2); i > 0; i--) rev += pick(r, ['.', '+', '~', '']) + seg();
      v += '-' + rev;
    }
    return v;
  },
  apk: (r) => {
    let v = String(int(r, 0, 5));
    for (let i = int(r, 0, 3); i > 0; i--) v += '.' + digits(r);
    if (chance(r, 0.2)) v += pick(r, ['a', 'b', 'z']);
    for (let i = int(r, 0, 2); i > 0; i--) v += '_' + pick(r, ['alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p']) + (chance(r, 0.6) ? String(int(r, 0, 3)) : '');
    if (chance(r, 0.1)) v += '~' + pick(r, ['abc', 'f00']);
    if (chance(r, 0.7)) v += '-r' + String(int(r, 0, 4));
    // apk also orders malformed tails; include some so they are part of the order laws too
    if (chance(r, 0.1)) v += pick(r, ['_blah', '.x', 'uff', '-1', 'A']);
    return v;
  },
  rpm: (r) => {
    const seg = (): string => (chance(r, 0.6) ? digits(r) : word(r, ['a', 'b', 'el', 'rc', 'git']));
    let v = seg();
    for (let i = int(r, 0, 4); i > 0; i--) v += pick(r, ['.', '_', '+', '~', '^', '']) + seg();
    if (chance(r, 0.15)) v = `${int(r, 0, 2)}:${v}`;
    if (chance(r, 0.6)) v += '-' + seg() + (chance(r, 0.5) ? '.' + seg() : '');
    return v;
  },
  semver: (r) => semverGen(r, true),
  pep440: (r) => {
    if (chance(r, 0.08)) return pick(r, ['0.1-bulbasaur', '1.0-foo-bar', 'abc', '2.x', '1.0.preview', 'x-1.0']);
    let v = chance(r, 0.05) ? `${int(r, 0, 2)}!` : '';
    v += String(int(r, 0, 3));
    for (let i = int(r, 0, 3); i > 0; i--) v += '.' + String(int(r, 0, 3));
    if (chance(r, 0.3)) v += pick(r, ['a', 'b', 'rc', 'alpha', 'c', 'pre']) + String(int(r, 0, 2));
    if (chance(r, 0.2)) v += pick(r, ['.post', '-', 'post', '.r']) + String(int(r, 0, 2));
    if (chance(r, 0.2)) v += '.dev' + String(int(r, 0, 2));
    if (chance(r, 0.15)) v += '+' + pick(r, ['local', 'ubuntu', '1', 'a.1', '2.b']);
    return v;
  },
  maven: (r) => {
    let v = String(int(r, 0, 3));
    for (let i = int(r, 0, 3); i > 0; i--) v += '.' + String(int(r, 0, 3));
    // '-' before qualifiers and numbers only: Maven itself is intransitive when '.qualifier' meets '-qualifier'
    for (let i = int(r, 0, 2); i > 0; i--) {
      v += '-' + (chance(r, 0.5) ? String(int(r, 0, 3)) : pick(r, ['alpha', 'beta', 'milestone', 'rc', 'cr', 'SNAPSHOT', 'ga', 'final', 'sp', 'foo']));
    }
    return v;
  },
};

function semverGen(r: Rand, lenient: boolean): string {
  let v = (lenient && chance(r, 0.2) ? 'v' : '') + `${int(r, 0, 3)}.${int(r, 0, 3)}.${int(r, 0, 3)}`;
  if (chance(r, 0.5)) {
    const ids: string[] = [];
    for (let i = int(r, 1, 3); i > 0; i--) ids.push(pick(r, ['alpha', 'beta', 'rc', '0', '1', '2', '10', 'x-y', '20210101000000', 'abcdef012345']));
    v += '-' + ids.join('.');
  }
  if (chance(r, 0.2)) v += '+' + pick(r, ['build', 'incompatible', '001']);
  if (lenient && chance(r, 0.05)) v = v.replace(/^(v?\d+\.\d+\.\d+)/, '$1.7');
  return v;
}

function checkLaws(name: OrderingName, versions: string[]): void {
  const o = ORDERINGS[name];
  const parsed = versions.map((v) => o.parse(v));
  const n = versions.length;
  const m: number[][] = parsed.map((a) => parsed.map((b) => o.compare(a, b)));
  const at = (i: number, j: number): number => m[i]?.[j] ?? NaN;
  for (let i = 0; i < n; i++) {
    assert.equal(at(i, i), 0, `${name}: ${versions[i]} not equal to itself`);
    for (let j = 0; j < n; j++) {
      assert.ok([-1, 0, 1].includes(at(i, j)), `${name}: compare returned ${at(i, j)}`);
      assert.equal(at(i, j) + at(j, i), 0, `${name}: antisymmetry fails for ${versions[i]} vs ${versions[j]}`);
    }
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const ij = at(i, j);
      if (ij > 0) continue;
      for (let k = 0; k < n; k++) {
        const jk = at(j, k);
        if (jk > 0) continue;
        const ik = at(i, k);
        const a = versions[i];
        const b = versions[j];
        const c = versions[k];
        if (ij === 0 && jk === 0) assert.equal(ik, 0, `${name}: ${a} = ${b} = ${c} but ${a} vs ${c} is ${ik}`);
        else assert.equal(ik, -1, `${name}: ${a} <= ${b} <= ${c} (one strict) but ${a} vs ${c} is ${ik}`);
      }
    }
}

describe('order laws over random versions', () => {
  for (const name of Object.keys(GENERATORS) as OrderingName[]) {
    test(`${name}: reflexive, antisymmetric, transitive`, () => {
      const r = seededRandom(0x5eed + name.length * 7919);
      const gen = GENERATORS[name];
      const set = new Set<string>();
      while (set.size < 90) set.add(gen(r));
      const versions = [...set];
      checkLaws(name, versions);
      // the sample must not be degenerate: several distinct ranks
      const o = ORDERINGS[name];
      const sorted = [...versions].sort((x, y) => o.compare(o.parse(x), o.parse(y)));
      const distinct = sorted.filter((v, i) => i === 0 || o.compare(o.parse(sorted[i - 1] ?? v), o.parse(v)) !== 0);
      assert.ok(distinct.length > 30, `${name}: only ${distinct.length} distinct ranks`);
    });
  }

  test('semver: the lenient path agrees with the semver package on valid versions', () => {
    const r = seededRandom(42);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const a = semverGen(r, false);
      const b = semverGen(r, false);
      const pa = { ...parseSemverVersion(a), strict: undefined };
      const pb = { ...parseSemverVersion(b), strict: undefined };
      assert.equal(compareSemverParsed(pa, pb), semver.compare(a, b), `${a} vs ${b}`);
      compared++;
    }
    assert.equal(compared, 3000);
  });
});
