// The dpkg ordering must agree with the real `dpkg --compare-versions` on every pair of a large sample drawn
// from this machine's apt package lists (all versions apt knows, same-package neighbours included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { compareVersions } from '../../../src/scanner/versions/index.js';
import { int, pick, seededRandom } from './seeded-random.js';

const PAIRS = 3000;

function haveDpkg(): boolean {
  try {
    execFileSync('dpkg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** package -> versions, from `apt-cache dumpavail` */
function aptVersions(): Map<string, string[]> {
  const out = execFileSync('apt-cache', ['dumpavail'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const byPackage = new Map<string, string[]>();
  let pkg = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('Package: ')) pkg = line.slice(9).trim();
    else if (line.startsWith('Version: ') && pkg) {
      const list = byPackage.get(pkg) ?? [];
      list.push(line.slice(9).trim());
      byPackage.set(pkg, list);
    }
  }
  return byPackage;
}

/** Runs one shell per shard that prints <, = or > per input pair using the real dpkg. */
async function dpkgCompare(pairs: [string, string][]): Promise<string[]> {
  const script =
    'while IFS=" " read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo "<"; ' +
    'elif dpkg --compare-versions "$a" eq "$b"; then echo "="; else echo ">"; fi; done';
  const shards = 2;
  const size = Math.ceil(pairs.length / shards);
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, s) => {
      const slice = pairs.slice(s * size, (s + 1) * size);
      return new Promise<string[]>((resolve, reject) => {
        const sh = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
        let out = '';
        sh.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        sh.on('error', reject);
        sh.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`sh exited ${code}`))));
        sh.stdin.end(slice.map(([a, b]) => `${a} ${b}\n`).join(''));
      });
    }),
  );
  return parts.flat();
}

test('dpkg ordering agrees with dpkg --compare-versions on real apt versions', { timeout: 60_000 }, async (t) => {
  if (!haveDpkg()) {
    if (process.env.CI === 'true') assert.fail('dpkg is required under CI');
    t.skip('dpkg is not installed on this machine');
    return;
  }
  const byPackage = aptVersions();
  const all = [...new Set([...byPackage.values()].flat())];
  if (all.length < 1000) {
    if (process.env.CI === 'true') assert.fail(`apt knows only ${all.length} versions: run apt-get update`);
    t.skip(`apt knows only ${all.length} versions (run apt-get update)`);
    return;
  }
  const multi = [...byPackage.values()].filter((v) => new Set(v).size > 1);
  const r = seededRandom(20260101);
  const pairs: [string, string][] = [];
  while (pairs.length < PAIRS) {
    const kind = pairs.length % 3;
    if (kind === 0 && multi.length > 0) {
      // neighbours within one package: the comparisons a scanner actually makes
      const vs = pick(r, multi);
      pairs.push([pick(r, vs), pick(r, vs)]);
    } else if (kind === 1) {
      // a version against a small edit of itself (~, +, revision bumps) to probe the close calls
      const v = pick(r, all);
      const edit = pick(r, ['~1', '+b1', '.1', 'a', '-1', '~~', '+deb12u1']);
      const w = edit === '-1' && v.includes('-') ? v : v + edit;
      pairs.push(int(r, 0, 1) === 0 ? [v, w] : [w, v]);
    } else pairs.push([pick(r, all), pick(r, all)]);
  }
  const started = Date.now();
  const real = await dpkgCompare(pairs);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(real.length, pairs.length);
  const disagreements: string[] = [];
  pairs.forEach(([a, b], i) => {
    const ours = compareVersions('Debian:12', a, b);
    const theirs = real[i] === '<' ? -1 : real[i] === '=' ? 0 : 1;
    if (ours !== theirs) disagreements.push(`${a} vs ${b}: dpkg says ${real[i]}, we say ${ours}`);
  });
  t.diagnostic(`${all.length} distinct apt versions; ${pairs.length} pairs checked against dpkg in ${seconds.toFixed(1)} s`);
  assert.deepEqual(disagreements.slice(0, 20), []);
  assert.ok(real.includes('<') && real.includes('>') && real.includes('='), 'sample exercises <, = and >');
});
