// The Responder's decisions before anything is done: safety refusals, dry-run, rate limits, how loader replies are
// read, and that "done" needs confirmation. Real processes and the real /proc throughout; where a loader is needed
// the reply is scripted, because these tests are about the Responder's reading of the loader's documented replies
// (kill.test.ts runs the real loader).

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  ACTIONS_KEY,
  isContainerCgroupName,
  parseKillNotice,
  parseResponseActions,
  Responder,
  type ResponderOptions,
} from '../../src/responses/index.js';
import { TokenBucket } from '../../src/responses/rate-limit.js';
import { parseStat } from '../../src/responses/proc-facts.js';
import { sleep, waitUntil } from './harness.js';

const ID = 'a'.repeat(64);
const children: ChildProcess[] = [];

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

function make(over: Partial<ResponderOptions> = {}): { r: Responder; sent: string[] } {
  const sent: string[] = [];
  const r = new Responder({
    dryRun: false,
    rateLimit: { perMinute: 60, burst: 10 },
    protect: { tgids: [] },
    sendLoaderCommand: async (line) => {
      sent.push(line);
      return `error ${line}: unknown command`;
    },
    cgroupDirFor: () => undefined,
    ...over,
  });
  return { r, sent };
}

after(() => {
  for (const c of children) if (alive(c)) c.kill('SIGKILL');
});

describe('x-vigil-actions', () => {
  test('a list of kill / freeze, absent or empty meaning alert only', () => {
    assert.deepEqual(parseResponseActions(undefined), { ok: true, actions: [] });
    assert.deepEqual(parseResponseActions([]), { ok: true, actions: [] });
    assert.deepEqual(parseResponseActions(['kill']), { ok: true, actions: ['kill'] });
    assert.deepEqual(parseResponseActions(['freeze', 'kill']), { ok: true, actions: ['freeze', 'kill'] });
    assert.equal(ACTIONS_KEY, 'x-vigil-actions');
  });

  test('anything else is an error naming the problem', () => {
    const bad: [unknown, RegExp][] = [
      ['kill', /must be a list/],
      [{ kill: true }, /must be a list/],
      [['kill', 'kill'], /listed twice/],
      [['stop'], /unknown action "stop"/],
      [[42], /unknown action number/],
      [['x'.repeat(1000)], /unknown action "x{40}"/],
    ];
    for (const [value, why] of bad) {
      const p = parseResponseActions(value);
      assert.equal(p.ok, false, JSON.stringify(value).slice(0, 40));
      if (!p.ok) assert.match(p.error, why);
    }
  });
});

describe('loader kill notices', () => {
  test('each line shape of bpf/loader_kill.c is recognised, replies and other lines are not', () => {
    assert.deepEqual(parseKillNotice('kill 123 9: delivered at sys_enter (tid 124, comm sh, 0 ms after arming)'), {
      tgid: 123, signal: 9, outcome: 'delivered', via: 'sys_enter', detail: 'delivered at sys_enter (tid 124, comm sh, 0 ms after arming)',
    });
    assert.equal(parseKillNotice('kill 5 9: delivered at sched_switch (tid 5, comm x, 3 ms after arming)')?.via, 'sched_switch');
    assert.equal(parseKillNotice('kill 5 9: delivered by pidfd after 110 ms (no syscall entry or context switch meanwhile)')?.via, 'pidfd');
    assert.equal(parseKillNotice('kill 5 9: refused in the kernel: an ignored process (Vigil)')?.outcome, 'refused');
    assert.equal(parseKillNotice('kill 5 9: refused: an ignored process (Vigil)')?.outcome, 'refused');
    assert.equal(parseKillNotice('kill 5 9: failed: bpf_send_signal returned EPERM')?.outcome, 'failed');
    assert.equal(parseKillNotice('kill 5 15: exited before delivery')?.outcome, 'exited');
    assert.equal(parseKillNotice('kill 5 9: expired after 10000 ms without delivery')?.outcome, 'expired');
    assert.deepEqual(parseKillNotice('exec-kill 77: killed at exec (comm bb)'), { tgid: 77, signal: 9, outcome: 'delivered', via: 'exec', detail: 'killed at exec (comm bb)' });
    assert.equal(parseKillNotice('exec-kill 77: refused in the kernel: pid 1 (init)')?.outcome, 'refused');
    for (const other of ['ok kill 5 9', 'error kill 5 9: no such process', 'kill notices lost: 3 (queue of 1024 full)', 'killall', '']) {
      assert.equal(parseKillNotice(other), undefined, other);
    }
  });
});

describe('building blocks', () => {
  test('token bucket: burst at once, then the sustained rate', () => {
    const b = new TokenBucket({ perMinute: 6, burst: 2 }, 0);
    assert.equal(b.take(0), true);
    assert.equal(b.take(0), true);
    assert.equal(b.take(0), false, 'burst used up');
    assert.equal(b.take(9_999), false, 'not yet a whole token (6 per minute = one per 10 s)');
    assert.equal(b.take(10_000), true);
    assert.equal(b.available(1_000_000), 2, 'never more than the burst');
    assert.equal(b.take(500_000), true, 'a clock stepping back neither mints nor blocks');
    assert.throws(() => new TokenBucket({ perMinute: -1, burst: 1 }, 0), /perMinute/);
    assert.throws(() => new TokenBucket({ perMinute: 1, burst: 0 }, 0), /burst/);
    assert.throws(() => new TokenBucket({ perMinute: Number.NaN, burst: 1 }, 0), /perMinute/);
  });

  test('container cgroup names: the runtime forms of the id, never conmon or a look-alike', () => {
    for (const n of [`libpod-${ID}`, `libpod-${ID}.scope`, `docker-${ID}.scope`, `crio-${ID}.scope`, `cri-containerd-${ID}.scope`, ID]) {
      assert.equal(isContainerCgroupName(n, ID), true, n);
    }
    for (const n of [`libpod-conmon-${ID}.scope`, `crio-conmon-${ID}.scope`, `${ID}.scope`, `libpod-${'b'.repeat(64)}`, 'libpod_parent', `x-${ID}`, `libpod-${ID}x`, '']) {
      assert.equal(isContainerCgroupName(n, ID), false, n);
    }
    assert.equal(isContainerCgroupName(ID, 'A'.repeat(64)), false, 'ids are lower-case hex');
  });

  test('/proc/<pid>/stat with a hostile comm still parses to the right fields', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 1);
    const f = parseStat(`${process.pid} (a) b ) c)${rest}`);
    assert.ok(f);
    assert.equal(f.comm, 'a) b ) c');
    assert.equal(f.ppid, process.ppid);
    assert.equal(parseStat('garbage'), undefined);
    assert.equal(parseStat('12 (x) R'), undefined);
  });
});

describe('Responder refusals: nothing reaches the loader', () => {
  test('pid 1, Vigil itself, protected pids, kernel threads and malformed pids', async () => {
    const guarded = sleeper();
    const { r, sent } = make({ allowHost: true, protect: { tgids: () => [guarded.pid!] } });
    const kworker = readdirSync('/proc').map(Number).find((p) => {
      try {
        return Number.isInteger(p) && p > 2 && readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === '2';
      } catch {
        return false;
      }
    });
    const cases: [number, RegExp][] = [
      [1, /pid 1 \(init\)/],
      [process.pid, /Vigil/],
      [guarded.pid!, /protected/],
      [2, /kernel thread/],
      [Number.NaN, /invalid pid/],
      [-5, /invalid pid/],
      [1.5, /invalid pid/],
      [5_000_000, /invalid pid/],
      [process.ppid, /ancestor of Vigil/],
    ];
    if (kworker !== undefined) cases.push([kworker, /kernel thread/]);
    for (const [pid, why] of cases) {
      const [o] = await r.respond(['kill'], { pid, rule: 'R' });
      assert.equal(o?.result, 'refused', `pid ${pid}: ${JSON.stringify(o)}`);
      assert.match(o?.reason ?? '', why, `pid ${pid}`);
    }
    assert.deepEqual(sent, []);
    assert.ok(alive(guarded));
    assert.equal(r.stats().actions.kill.refused, cases.length);
  });

  test('host processes need allowHost; a pid claimed to be in a container must be in it', async () => {
    const c = sleeper();
    const { r, sent } = make();
    const [host] = await r.respond(['kill'], { pid: c.pid!, rule: 'R' });
    assert.equal(host?.result, 'refused');
    assert.match(host?.reason ?? '', /not in a container \(allowHost is false\)/);
    const [claimed] = await r.respond(['kill'], { pid: c.pid!, containerId: ID, rule: 'R' });
    assert.equal(claimed?.result, 'refused');
    assert.match(claimed?.reason ?? '', /is not in container aaaaaaaaaaaa/);
    const [bad] = await r.respond(['kill'], { pid: c.pid!, containerId: '../../x', rule: 'R' });
    assert.equal(bad?.result, 'refused');
    assert.deepEqual(sent, []);
    assert.ok(alive(c));
  });

  test('a process that already exited is a failure, not a success', async () => {
    const done = spawnSync('true');
    const { r, sent } = make({ allowHost: true });
    const [o] = await r.respond(['kill'], { pid: done.pid!, rule: 'R' });
    assert.equal(o?.result, 'failed', JSON.stringify(o));
    assert.match(o?.reason ?? '', /exited before the kill/);
    assert.deepEqual(sent, []);
  });
});

describe('Responder: dry-run, rate limit, replies, confirmation', () => {
  test('dry-run reports dry-run and does nothing; the rate limit applies to it and refuses past the burst', async () => {
    const c = sleeper();
    let now = 0;
    const { r, sent } = make({ dryRun: true, allowHost: true, rateLimit: { perMinute: 6, burst: 2 }, now: () => now });
    const results: string[] = [];
    for (let i = 0; i < 3; i++) results.push((await r.respond(['kill'], { pid: c.pid!, rule: 'R' }))[0]!.result);
    assert.deepEqual(results, ['dry-run', 'dry-run', 'rate-limited']);
    now += 10_000;
    const [o] = await r.respond(['kill'], { pid: c.pid!, rule: 'R' });
    assert.equal(o?.result, 'dry-run', 'a token came back after 10 s at 6 per minute');
    assert.match(o?.reason ?? '', /would send SIGKILL/);
    assert.deepEqual(sent, [], 'nothing sent in dry-run');
    await sleep(50);
    assert.ok(alive(c), 'the process lives');
    const s = r.stats();
    assert.equal(s.dryRun, true);
    assert.deepEqual(s.actions.kill, { done: 0, 'dry-run': 3, refused: 0, 'rate-limited': 1, failed: 0 });
    assert.equal(s.tokens.kill, 0);
    assert.equal(s.recent.length, 4);
    assert.equal(s.recent[0]?.rule, 'R');
    r.setDryRun(false);
    assert.equal(r.stats().dryRun, false);
  });

  test('kill comes before freeze whatever the order asked; unknown and repeated actions are not run twice', async () => {
    const c = sleeper();
    const { r } = make({ dryRun: true, allowHost: true });
    const out = await r.respond(['freeze', 'kill', 'kill', 'reboot' as never], { pid: c.pid!, rule: 'R' });
    assert.deepEqual(out.map((o) => o.action), ['kill', 'freeze']);
    assert.equal(out[1]?.result, 'refused', 'freeze of a host process');
    assert.equal(r.stats().unknownActions, 1);
    assert.deepEqual(await r.respond([], { pid: c.pid!, rule: 'R' }), []);
    assert.deepEqual(await r.respond(['kill'], null as never), [{ action: 'kill', result: 'refused', target: {}, reason: 'invalid pid undefined' }]);
  });

  test('loader replies: a refusal is "refused", anything else that is not ok is "failed"', async () => {
    const c = sleeper();
    const replies: [() => Promise<string>, string, RegExp][] = [
      [async () => `error kill ${c.pid} 9: refusing to signal an ignored process (Vigil)`, 'refused', /the loader refused: refusing to signal an ignored/],
      [async () => `error kill ${c.pid} 9: no such process`, 'failed', /exited before the kill/],
      [() => Promise.reject(new Error('loader not running')), 'failed', /did not arm the kill: loader not running/],
      [async () => `error kill ${c.pid} 9: unknown command`, 'failed', /unknown command/],
    ];
    for (const [reply, result, why] of replies) {
      const { r } = make({ allowHost: true, sendLoaderCommand: reply });
      const [o] = await r.respond(['kill'], { pid: c.pid!, rule: 'R' });
      assert.equal(o?.result, result, JSON.stringify(o));
      assert.match(o?.reason ?? '', why);
    }
    assert.ok(alive(c));
  });

  test('"done" only once the process is gone: an armed kill that never lands is reported failed and cancelled', async () => {
    const c = sleeper();
    const sent: string[] = [];
    const { r } = make({
      allowHost: true,
      killConfirmMs: 150,
      sendLoaderCommand: async (line) => {
        sent.push(line);
        return `ok ${line}`; // acknowledged, never delivered
      },
    });
    const t0 = Date.now();
    const [o] = await r.respond(['kill'], { pid: c.pid!, rule: 'R' });
    assert.equal(o?.result, 'failed', JSON.stringify(o));
    assert.match(o?.reason ?? '', /still alive after 150 ms/);
    assert.ok(Date.now() - t0 >= 150);
    assert.match(sent[0] ?? '', new RegExp(`^kill ${c.pid} 9 start=\\d+$`));
    assert.equal(sent[1], `kill-cancel ${c.pid}`);
    assert.ok(alive(c));
  });

  test('a refusal notice from the kernel ends the wait at once', async () => {
    const c = sleeper();
    let r: Responder;
    ({ r } = make({
      allowHost: true,
      killConfirmMs: 5000,
      sendLoaderCommand: async (line) => {
        setTimeout(() => r.noteLoaderLog(`kill ${c.pid} 9: refused in the kernel: an ignored process (Vigil)`), 20);
        return `ok ${line}`;
      },
    }));
    const t0 = Date.now();
    const [o] = await r.respond(['kill'], { pid: c.pid!, rule: 'R' });
    assert.equal(o?.result, 'refused', JSON.stringify(o));
    assert.match(o?.reason ?? '', /the kernel refused: refused in the kernel: an ignored process/);
    assert.ok(Date.now() - t0 < 2000, 'did not wait for the confirmation timeout');
  });

  test('a kill that lands is "done": the process is gone (here the scripted loader kills it itself)', async () => {
    const c = sleeper();
    const { r } = make({
      allowHost: true,
      sendLoaderCommand: async (line) => {
        process.kill(c.pid!, 'SIGKILL');
        return `ok ${line}`;
      },
    });
    const [o] = await r.respond(['kill'], { pid: c.pid!, rule: 'R' });
    assert.equal(o?.result, 'done', JSON.stringify(o));
    await waitUntil('the child to be reaped', () => (alive(c) ? undefined : true));
    assert.equal(c.signalCode, 'SIGKILL');
  });

  test('bad options are rejected with a clear message', () => {
    assert.throws(() => make({ rateLimit: { perMinute: 1, burst: 1.5 } }), /burst/);
    assert.throws(() => make({ killConfirmMs: -1 }), /killConfirmMs/);
    assert.throws(() => make({ sendLoaderCommand: undefined as never }), /sendLoaderCommand/);
  });
});
