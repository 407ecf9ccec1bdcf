// cgroup id → path against the real unified hierarchy (cgroups created for the test, a real process moved into
// one), and the walk's bounds and rescan rate limit on fixture trees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, rmdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupLayout, type CgroupLayout } from '../../src/cgroups/mounts.js';
import { CgroupResolver, cgroupIdKey } from '../../src/containers/cgroup-resolver.js';
import { LruMap } from '../../src/containers/lru.js';
import { attributionPath, candidatePaths, parseProcCgroup } from '../../src/containers/proc-cgroup.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fixtureLayout(dir: string): CgroupLayout {
  return { mode: 'v2', unified: { mountPoint: dir, root: '/', fsType: 'cgroup2', controllers: [] }, v1: new Map() };
}

describe('cgroupIdKey', () => {
  test('numbers, bigints and decimal strings map to one key; junk does not', () => {
    assert.equal(cgroupIdKey(44), '44');
    assert.equal(cgroupIdKey(44n), '44');
    assert.equal(cgroupIdKey('0044'), '44');
    assert.equal(cgroupIdKey(2n ** 63n + 5n), '9223372036854775813');
    assert.equal(cgroupIdKey(-1), undefined);
    assert.equal(cgroupIdKey(1.5), undefined);
    assert.equal(cgroupIdKey(2 ** 60), undefined, 'beyond 2^53 a number is not exact');
    assert.equal(cgroupIdKey(2n ** 64n), undefined);
    assert.equal(cgroupIdKey('12a'), undefined);
  });
});

describe('/proc/<pid>/cgroup', () => {
  const hybrid = '9:name=systemd:/libpod_parent/libpod-x\n4:memory:/kubepods/pod1/abc\n2:cpu,cpuacct:/kubepods/pod1/abc\n0::/system.slice/containerd.service\n';
  test('parses v2 and v1 lines, including controller lists and ":" in paths', () => {
    const pc = parseProcCgroup(hybrid + '5:devices:/we:ird\n');
    assert.equal(pc.unified, '/system.slice/containerd.service');
    assert.equal(pc.v1.get('memory'), '/kubepods/pod1/abc');
    assert.equal(pc.v1.get('cpuacct'), '/kubepods/pod1/abc');
    assert.equal(pc.v1.get('devices'), '/we:ird');
    assert.equal(attributionPath(pc, true), '/system.slice/containerd.service');
    assert.equal(attributionPath(pc, false), '/kubepods/pod1/abc');
    assert.deepEqual(candidatePaths(pc), ['/system.slice/containerd.service', '/kubepods/pod1/abc', '/libpod_parent/libpod-x', '/we:ird']);
  });
  test('ignores malformed lines', () => {
    assert.deepEqual(parseProcCgroup('junk\n1:cpu:relative\n'), { v1: new Map() });
  });
});

describe('LruMap', () => {
  test('evicts the least recently used', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    assert.deepEqual(m.set('c', 3), ['b', 2]);
    assert.deepEqual([...m.keys()], ['a', 'c']);
    assert.equal(m.evictions, 1);
  });
});

describe('CgroupResolver on fixture trees', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cgtree-'));
    let d = dir;
    for (let i = 0; i < 8; i++) mkdirSync((d = join(d, `l${i}`)));
    for (let i = 0; i < 10; i++) mkdirSync(join(dir, `s${i}`));
    writeFileSync(join(dir, 'cgroup.procs'), ''); // files are not cgroups
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('indexes every directory by inode, relative to the hierarchy root', async () => {
    const r = new CgroupResolver({ layout: fixtureLayout(dir) });
    await r.rescan();
    const deep = join(dir, 'l0/l1/l2/l3/l4/l5/l6/l7');
    assert.equal(r.lookupId(statSync(deep).ino), '/l0/l1/l2/l3/l4/l5/l6/l7');
    assert.equal(r.lookupId(statSync(dir).ino), '/');
    assert.equal(r.stats().indexed, 1 + 8 + 10);
  });

  test('depth and entry bounds hold and are counted', async () => {
    const shallow = new CgroupResolver({ layout: fixtureLayout(dir), maxDepth: 3 });
    await shallow.rescan();
    assert.equal(shallow.lookupId(statSync(join(dir, 'l0/l1/l2')).ino), '/l0/l1/l2');
    assert.equal(shallow.lookupId(statSync(join(dir, 'l0/l1/l2/l3')).ino), undefined);
    assert.equal(shallow.stats().walkTruncated, 1);
    const few = new CgroupResolver({ layout: fixtureLayout(dir), maxEntries: 5 });
    await few.rescan();
    assert.equal(few.stats().indexed, 5);
    assert.equal(few.stats().walkTruncated, 1);
  });

  test('a miss rescans, at most once per interval; a still-unknown id is remembered', async () => {
    const r = new CgroupResolver({ layout: fixtureLayout(dir), minRescanIntervalMs: 200, negativeTtlMs: 60_000 });
    await r.rescan();
    mkdirSync(join(dir, 'late'));
    const lateIno = statSync(join(dir, 'late')).ino;
    assert.equal(r.lookupId(lateIno), undefined, 'not indexed yet');
    // A new cgroup (an id above everything indexed) is walked for soon, not after the full interval.
    const t0 = Date.now();
    assert.equal(await r.resolveId(lateIno), '/late');
    assert.ok(Date.now() - t0 < 190, `found quickly (${Date.now() - t0} ms)`);
    assert.equal(r.stats().rescans, 2);

    // Hammer an id that does not exist and is not new (below the indexed ids): one rescan per interval, then
    // none at all (negative cache).
    const bogus = 1;
    const start = Date.now();
    const results = await Promise.all(Array.from({ length: 50 }, () => r.resolveId(bogus)));
    assert.ok(results.every((x) => x === undefined));
    const rescans = r.stats().rescans;
    assert.ok(rescans <= 2 + Math.ceil((Date.now() - start) / 200) + 1, `rescans ${rescans}`);
    for (let i = 0; i < 1000; i++) r.lookupId(bogus);
    await sleep(450);
    assert.equal(r.stats().rescans, rescans, 'remembered as unknown: no more rescans');
    assert.ok(r.stats().negativeHits >= 1000);
    r.stop();
  });

  test('a cgroup created while a walk is running is found, not remembered as unknown', async () => {
    const r = new CgroupResolver({ layout: fixtureLayout(dir), minRescanIntervalMs: 50, negativeTtlMs: 60_000 });
    await r.rescan();
    for (let i = 0; i < 5; i++) {
      const walking = r.rescan();
      mkdirSync(join(dir, `racy-${i}`));
      const ino = statSync(join(dir, `racy-${i}`)).ino;
      assert.equal(await r.resolveId(ino), `/racy-${i}`);
      await walking;
    }
    r.stop();
  });

  test('removed directories leave the index on the next scan; LRU bound on the cache', async () => {
    const small = new CgroupResolver({ layout: fixtureLayout(dir), cacheSize: 8 });
    await small.rescan();
    assert.equal(small.stats().indexed, 8, 'the walk stops at the cache bound');
    assert.equal(small.stats().walkTruncated, 1);

    const full = new CgroupResolver({ layout: fixtureLayout(dir) });
    mkdirSync(join(dir, 'gone'));
    const gone = statSync(join(dir, 'gone')).ino;
    await full.rescan();
    assert.equal(full.lookupId(gone), '/gone');
    rmdirSync(join(dir, 'gone'));
    await full.rescan();
    assert.equal(full.lookupId(gone), undefined);
    assert.equal(full.cgroupExists('/gone'), false);
    assert.equal(full.cgroupExists('/s1'), true);
    assert.equal(full.cgroupExists('/../etc'), undefined, 'not a path in the hierarchy');
  });
});

describe('CgroupResolver on the real unified hierarchy', () => {
  const layout = detectCgroupLayout();
  const skip = process.getuid?.() !== 0 ? 'needs root to create cgroups' : !layout.unified ? 'no cgroup v2 hierarchy mounted' : undefined;
  if (skip && process.env['CI'] === 'true') throw new Error(`CI=true: ${skip}`);
  const name = `vigil-resolver-test-${process.pid}`;
  let base = '';
  let child: ChildProcess | undefined;
  before(() => {
    if (skip || !layout.unified) return;
    base = join(layout.unified.mountPoint, name);
    mkdirSync(join(base, 'inner'), { recursive: true });
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    for (const d of [join(base, 'inner'), base]) if (base && existsSync(d)) rmdirSync(d);
  });

  test('an id (directory inode, what BPF reports) resolves to its cgroup path', { skip }, async () => {
    const r = new CgroupResolver({ layout, minRescanIntervalMs: 0 });
    const id = statSync(join(base, 'inner')).ino;
    assert.equal(await r.resolveId(id), `/${name}/inner`);
    assert.equal(await r.resolveId(BigInt(id)), `/${name}/inner`);
    assert.equal(r.idForPath(`/${name}/inner`), String(id));
    assert.ok(r.stats().lastRescanMs < 5000);
  });

  test('pid → cgroup through /proc/<pid>/cgroup for a process moved into the cgroup', { skip }, async () => {
    child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    writeFileSync(join(base, 'inner', 'cgroup.procs'), String(pid));
    const r = new CgroupResolver({ layout });
    const pc = r.procCgroup(pid);
    assert.equal(pc?.unified, `/${name}/inner`);
    assert.equal(r.pathForPid(pid), `/${name}/inner`);
    assert.equal(r.idForPath(pc?.unified ?? ''), String(statSync(join(base, 'inner')).ino));
    assert.equal(r.procCgroup(0), undefined);
    assert.equal(r.procCgroup(4194305), undefined);
    const gone = new Promise((res) => child?.once('exit', res));
    child.kill('SIGKILL');
    await gone;
    await sleep(50);
    assert.equal(r.procCgroup(pid), undefined, 'exited');
    assert.ok(r.stats().procReadErrors >= 1);
  });
});
