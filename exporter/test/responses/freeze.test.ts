// Freezing real podman containers through the real cgroup freezer (v1 freezer.state and v2 cgroup.freeze, both
// present on this hybrid machine), thawing them, and refusing every directory that is not a container's own.
// Progress is watched from the host: the container writes an increasing counter to a bind-mounted file.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createCgroupLocator, Responder, type ContainerCgroupDirs, type ResponderOptions } from '../../src/responses/index.js';
import { ensureBusyboxImage, removeContainer, runDetached } from '../support/podman.js';
import { kernelTestSkipReason, podmanSkipReason } from '../support/privileges.js';
import { buildBpf, containerPid, LiveLoader, sleep, waitUntil } from './harness.js';

const IMAGE = 'localhost/vigil-responses:1';
const FREEZER_ROOT = '/sys/fs/cgroup/freezer';
function freezerSkipReason(): string | undefined {
  if (existsSync(join(FREEZER_ROOT, 'freezer.state')) || existsSync(FREEZER_ROOT) || existsSync('/sys/fs/cgroup/unified/cgroup.controllers') || existsSync('/sys/fs/cgroup/cgroup.controllers')) return undefined;
  if (process.env.CI === 'true') throw new Error('CI=true requires this test to run, but no cgroup freezer (v1 or v2) is mounted');
  return 'no cgroup freezer (v1 or v2) is mounted';
}
const skip = podmanSkipReason() ?? freezerSkipReason();
const tag = randomBytes(4).toString('hex');

describe('freeze a container', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'vigil-resp-freeze-'));
  const locate = createCgroupLocator();
  let id = '';
  let pid = 0;
  let dirs: ContainerCgroupDirs = {};
  const name = `vigil-resp-freeze-${tag}`;
  const sent: string[] = [];

  /** The container's counter; the shell truncates the file before each write, so an empty read is retried. */
  async function counter(): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const text = readFileSync(join(work, 'n'), 'utf8').trim();
      if (/^\d+$/.test(text)) return Number(text);
      await sleep(2);
    }
    throw new Error('the counter file stays empty: is the container frozen mid-write?');
  }
  async function progressing(ms = 300): Promise<boolean> {
    const a = await counter();
    await sleep(ms);
    return (await counter()) > a;
  }
  function responder(over: Partial<ResponderOptions> = {}): Responder {
    return new Responder({
      dryRun: false,
      rateLimit: { perMinute: 60, burst: 10 },
      protect: { tgids: [process.pid] },
      sendLoaderCommand: async (line) => {
        sent.push(line);
        return `error ${line}: no loader in this test`;
      },
      cgroupDirFor: locate,
      ...over,
    });
  }
  const v1State = (): string => readFileSync(join(dirs.v1Freezer!, 'freezer.state'), 'utf8').trim();
  const v2Frozen = (): string | undefined => /^frozen (\d)$/m.exec(readFileSync(join(dirs.v2!, 'cgroup.events'), 'utf8'))?.[1];

  before(async () => {
    ensureBusyboxImage(IMAGE);
    id = runDetached(IMAGE, name, ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /out/n; sleep 0.02; done'], [
      '--network', 'none', '-v', `${work}:/out`,
    ]);
    pid = containerPid(id);
    await waitUntil('the counter to start', async () => (existsSync(join(work, 'n')) && (await counter()) > 2 ? true : undefined));
  });

  after(async () => {
    // never leave a frozen container behind: podman cannot remove it while its tasks are frozen
    await responder().thaw(id).catch(() => undefined);
    removeContainer(name);
    rmSync(work, { recursive: true, force: true });
  });

  test('the locator finds the container\'s own freezer (v1) and unified (v2) cgroups, by id and by pid', async () => {
    const byId = await locate(id);
    assert.ok(byId, 'found');
    dirs = byId;
    if (existsSync(join(FREEZER_ROOT, 'libpod_parent'))) assert.equal(byId.v1Freezer, `${FREEZER_ROOT}/libpod_parent/libpod-${id}`);
    assert.ok(byId.v2?.endsWith(`libpod-${id}`), `v2 dir ${byId.v2}`);
    const fresh = createCgroupLocator();
    assert.deepEqual(await fresh(id, { pid }), byId, 'the pid hint leads to the same directories');
    assert.equal(await fresh('f'.repeat(64)), undefined, 'an unknown container has none');
    assert.equal(await fresh('../../etc'), undefined, 'a malformed id is not looked up');
  });

  test('dry-run reports dry-run and the container keeps running', async () => {
    const [o] = await responder({ dryRun: true }).respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(o?.result, 'dry-run', JSON.stringify(o));
    assert.match(o?.reason ?? '', /would freeze/);
    if (dirs.v1Freezer) assert.equal(v1State(), 'THAWED');
    assert.ok(await progressing(), 'still making progress');
  });

  test('freeze (v1 freezer preferred on a hybrid node) stops the container; thaw lets it go on', async (t) => {
    if (!dirs.v1Freezer) return t.skip('this machine has no v1 freezer hierarchy');
    const r = responder();
    const [o] = await r.respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(o?.result, 'done', JSON.stringify(o));
    assert.match(o?.reason ?? '', /frozen through v1/);
    assert.equal(v1State(), 'FROZEN');
    assert.equal(await progressing(), false, 'no progress while frozen');
    assert.deepEqual(r.stats().frozen, [id]);
    const [again] = await r.respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(again?.result, 'done');
    assert.match(again?.reason ?? '', /already frozen/);
    const th = await r.thaw(id);
    assert.equal(th.result, 'done', JSON.stringify(th));
    assert.equal(v1State(), 'THAWED');
    assert.ok(await progressing(), 'progress again after thaw');
    assert.deepEqual(r.stats().frozen, []);
    assert.equal(r.stats().actions.freeze.done, 2);
  });

  test('freeze through the unified hierarchy (cgroup.freeze) when only a v2 cgroup is given', async (t) => {
    if (!dirs.v2 || !existsSync(join(dirs.v2, 'cgroup.freeze'))) return t.skip('no cgroup.freeze in the unified hierarchy');
    const v2 = dirs.v2;
    const r = responder({ cgroupDirFor: () => ({ v2 }) });
    const [o] = await r.respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(o?.result, 'done', JSON.stringify(o));
    assert.match(o?.reason ?? '', /frozen through v2/);
    assert.equal(v2Frozen(), '1');
    assert.equal(await progressing(), false, 'no progress while frozen');
    const th = await r.thaw(id);
    assert.equal(th.result, 'done', JSON.stringify(th));
    assert.equal(v2Frozen(), '0');
    assert.ok(await progressing(), 'progress again after thaw');
  });

  test('the rate limit refuses a freeze past the burst, and thaw is never limited', async () => {
    let now = 1_000_000;
    const r = responder({ rateLimit: { perMinute: 1, burst: 1 }, now: () => now });
    const [first] = await r.respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(first?.result, 'done', JSON.stringify(first));
    assert.equal((await r.thaw(id)).result, 'done');
    const [second] = await r.respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(second?.result, 'rate-limited', JSON.stringify(second));
    assert.ok(await progressing(), 'not frozen');
    now += 60_000; // one token per minute
    const [third] = await r.respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(third?.result, 'done', JSON.stringify(third));
    assert.equal((await r.thaw(id)).result, 'done');
    assert.deepEqual(r.stats().actions.freeze, { done: 2, 'dry-run': 0, refused: 0, 'rate-limited': 1, failed: 0 });
  });

  test('directories that are not the container\'s own cgroup are refused and left alone', async () => {
    const other = 'e'.repeat(64);
    const cases: [string, ContainerCgroupDirs | undefined, RegExp, 'refused' | 'failed'][] = [
      ['the freezer root', { v1Freezer: FREEZER_ROOT }, /not the cgroup of container/, 'refused'],
      ['another container\'s cgroup', { v1Freezer: `${FREEZER_ROOT}/libpod_parent/libpod-${other}` }, /not the cgroup of container/, 'refused'],
      ['a climbing path', { v1Freezer: `${FREEZER_ROOT}/libpod_parent/../libpod_parent/libpod-${id}` }, /not a normalized absolute path/, 'refused'],
      ['a conmon scope', { v2: `/sys/fs/cgroup/unified/libpod_parent/libpod-conmon-${id}` }, /not the cgroup of container/, 'refused'],
      ['nothing found', undefined, /no cgroup found/, 'failed'],
    ];
    for (const [what, given, why, result] of cases) {
      const [o] = await responder({ cgroupDirFor: () => given }).respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
      assert.equal(o?.result, result, `${what}: ${JSON.stringify(o)}`);
      assert.match(o?.reason ?? '', why, what);
    }
    // a directory named like the container but not on a cgroup filesystem
    const fake = join(work, `libpod-${id}`);
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, 'freezer.state'), 'THAWED\n');
    const [o] = await responder({ cgroupDirFor: () => ({ v1Freezer: fake }) }).respond(['freeze'], { pid, containerId: id, rule: 'Test freeze' });
    assert.equal(o?.result, 'refused');
    assert.match(o?.reason ?? '', /not on a cgroup v1 filesystem/);
    assert.equal(readFileSync(join(fake, 'freezer.state'), 'utf8'), 'THAWED\n', 'untouched');
    // host processes and malformed ids
    const [host] = await responder().respond(['freeze'], { pid: process.pid, rule: 'Test freeze' });
    assert.equal(host?.result, 'refused');
    assert.match(host?.reason ?? '', /host processes are never frozen/);
    const [bad] = await responder().respond(['freeze'], { pid, containerId: 'libpod_parent', rule: 'Test freeze' });
    assert.equal(bad?.result, 'refused');
    assert.ok(await progressing(), 'the container was never frozen');
  });

  test('a container cgroup holding a protected process (Vigil) is refused', async (t) => {
    if (!existsSync(FREEZER_ROOT)) return t.skip('no v1 freezer hierarchy to build a test cgroup in');
    const fakeId = randomBytes(32).toString('hex');
    const parent = join(FREEZER_ROOT, `vigil-resp-test-${tag}`);
    const dir = join(parent, `libpod-${fakeId}`);
    mkdirSync(dir, { recursive: true });
    const guarded: ChildProcess = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(guarded.pid));
      const r = responder({ protect: { tgids: () => [process.pid, guarded.pid!] }, cgroupDirFor: () => ({ v1Freezer: dir }) });
      const [o] = await r.respond(['freeze'], { containerId: fakeId, pid: guarded.pid!, rule: 'Test freeze' });
      assert.equal(o?.result, 'refused', JSON.stringify(o));
      assert.match(o?.reason ?? '', new RegExp(`holds pid ${guarded.pid}`));
      assert.equal(readFileSync(join(dir, 'freezer.state'), 'utf8').trim(), 'THAWED');
      // the same cgroup without the protection is frozen: the refusal was the protection's doing
      const r2 = responder({ cgroupDirFor: () => ({ v1Freezer: dir }) });
      const [o2] = await r2.respond(['freeze'], { containerId: fakeId, pid: guarded.pid!, rule: 'Test freeze' });
      assert.equal(o2?.result, 'done', JSON.stringify(o2));
      assert.equal((await r2.thaw(fakeId)).result, 'done');
    } finally {
      guarded.kill('SIGKILL');
      await new Promise((r) => (guarded.exitCode !== null || guarded.signalCode !== null ? r(undefined) : guarded.once('exit', r)));
      await waitUntil('the cgroup to empty', () => (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() === '' ? true : undefined));
      rmdirSync(dir);
      rmdirSync(parent);
    }
  });

  test('kill and freeze together: the process is killed first, then its container frozen', { skip: kernelTestSkipReason() }, async () => {
    buildBpf();
    const L = new LiveLoader();
    await L.start();
    const helperName = `vigil-resp-both-${tag}`;
    try {
      const cid = runDetached(IMAGE, helperName, ['sh', '-c', 'sleep 1000 & while true; do sleep 0.05; done'], ['--network', 'none']);
      const initPid = containerPid(cid);
      const sleeper = await waitUntil('the background sleep', () => {
        const kids = readFileSync(`/proc/${initPid}/task/${initPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
        return kids.find((k) => readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'sleep' && readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('1000'));
      });
      const r = responder({ sendLoaderCommand: (line) => L.sup.command(line) });
      L.onLog((t) => r.noteLoaderLog(t));
      const outcomes = await r.respond(['freeze', 'kill'], { pid: sleeper, containerId: cid, rule: 'Test both' });
      assert.deepEqual(outcomes.map((o) => [o.action, o.result]), [['kill', 'done'], ['freeze', 'done']], JSON.stringify(outcomes));
      assert.equal(await L.waitExit(sleeper), 9);
      assert.equal((await r.thaw(cid)).result, 'done');
    } finally {
      removeContainer(helperName);
      await L.stop();
    }
  });
});
