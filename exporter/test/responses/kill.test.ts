// Kills from the kernel, end to end: the real vigil-loader (under the real supervisor) arms a kill, the BPF programs
// deliver it in the target's own context, real podman containers and real host processes die of SIGKILL, and what
// must never be signalled (pid 1, Vigil, ignored processes) survives — refused by the Responder, the loader and the
// BPF side each.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Responder } from '../../src/responses/index.js';
import { ensureBusyboxImage, PODMAN_RUN_FLAGS, removeContainer, runDetached } from '../support/podman.js';
import { kernelTestSkipReason, podmanSkipReason } from '../support/privileges.js';
import { buildBpf, containerExit, containerPid, LiveLoader, processState, sleep, startTicks, waitUntil } from './harness.js';

const IMAGE = 'localhost/vigil-responses:1';
const skip = kernelTestSkipReason() ?? podmanSkipReason();
const tag = randomBytes(4).toString('hex');

describe('kill from the kernel', { skip }, () => {
  const L = new LiveLoader();
  let responder: Responder;
  const sent: string[] = [];
  const children: ChildProcess[] = [];
  const containers: string[] = [];

  before(async () => {
    buildBpf();
    ensureBusyboxImage(IMAGE);
    await L.start();
    responder = new Responder({
      dryRun: false,
      rateLimit: { perMinute: 60, burst: 10 },
      protect: { tgids: () => [process.pid, L.sup.pid ?? 0] },
      sendLoaderCommand: (line) => {
        sent.push(line);
        return L.sup.command(line);
      },
      cgroupDirFor: () => undefined,
    });
    L.onLog((text) => responder.noteLoaderLog(text));
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const name of containers) removeContainer(name);
    await L.stop();
  });

  function container(name: string, args: string[]): { id: string; pid: number } {
    const full = `vigil-resp-${name}-${tag}`;
    containers.push(full);
    const id = runDetached(IMAGE, full, args, ['--network', 'none']);
    return { id, pid: containerPid(id) };
  }

  test('a busy loop in a container is killed at its next syscall entry: SIGKILL, confirmed, container exits 137', async () => {
    const { id, pid } = container('loop', ['sh', '-c', 'while true; do cat /etc/hostname >/dev/null; done']);
    const [o] = await responder.respond(['kill'], { pid, containerId: id, rule: 'Test kill' });
    assert.ok(o, 'one outcome');
    assert.equal(o.result, 'done', `outcome: ${JSON.stringify(o)}`);
    assert.equal(o.action, 'kill');
    assert.deepEqual(o.target, { pid, container: id });
    assert.match(o.reason ?? '', /from the kernel at its next syscall entry/);
    assert.equal(await L.waitExit(pid), 9, 'the EXIT event says SIGKILL');
    await L.waitLog('the loader to report delivery at sys_enter', (t) => t.startsWith(`kill ${pid} 9: delivered at sys_enter`));
    const state = await waitUntil('podman to see the exit', () => {
      const s = containerExit(id);
      return s.status === 'exited' ? s : undefined;
    });
    assert.equal(state.exitCode, 137, 'killed by signal 9');
    assert.ok(sent.some((l) => new RegExp(`^kill ${pid} 9 start=\\d+$`).test(l)), 'armed with the start time');
  });

  test('a process asleep in a blocking call is signalled through its pidfd by the loader\'s fallback', async () => {
    const { id, pid } = container('sleeper', ['sleep', '1000']);
    await waitUntil('the sleeper to block', () => (processState(pid) === 'S' ? true : undefined));
    const [o] = await responder.respond(['kill'], { pid, containerId: id, rule: 'Test kill' });
    assert.equal(o?.result, 'done', `outcome: ${JSON.stringify(o)}`);
    assert.match(o?.reason ?? '', /pidfd/);
    assert.equal(await L.waitExit(pid), 9);
    await L.waitLog('the loader to report the pidfd fallback', (t) => t.startsWith(`kill ${pid} 9: delivered by pidfd after`));
  });

  test('a spin loop without syscalls is killed when it leaves a CPU (sched_switch)', async () => {
    // three spinners on this machine's CPUs: the scheduler must switch them, and dash runs `:` without a syscall
    const spinners = [0, 1, 2].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    children.push(...spinners);
    const victim = spinners[0]!.pid!;
    await sleep(100);
    const exited = new Promise<NodeJS.Signals | null>((r) => spinners[0]!.once('exit', (_c, s) => r(s)));
    assert.equal(await L.raw(`kill ${victim} 9 fallback=0`), `ok kill ${victim} 9 fallback=0`);
    const notice = await L.waitLog('the delivery notice', (t) => t.startsWith(`kill ${victim} 9: `));
    assert.match(notice, /^kill \d+ 9: delivered at sched_switch/);
    assert.equal(await exited, 'SIGKILL');
    assert.equal(await L.waitExit(victim), 9);
    for (const s of spinners.slice(1)) assert.equal(s.exitCode, null, 'the other spinners live on');
  });

  test('pid 1 is refused by the Responder (nothing sent) and by the loader, and stays alive', async () => {
    const before1 = startTicks(1);
    const n = sent.length;
    const [o] = await responder.respond(['kill'], { pid: 1, containerId: 'host', rule: 'Test kill' });
    assert.equal(o?.result, 'refused');
    assert.match(o?.reason ?? '', /pid 1/);
    assert.equal(sent.length, n, 'no command reached the loader');
    assert.equal(await L.raw('kill 1 9'), 'error kill 1 9: refusing to signal pid 1 (init)');
    assert.equal(await L.raw('kill 1 9 fallback=0'), 'error kill 1 9 fallback=0: refusing to signal pid 1 (init)');
    await sleep(200);
    assert.equal(startTicks(1), before1, 'pid 1 is the same process');
  });

  test('Vigil itself (the test process, registered as ignored) is refused by the Responder and by the loader', async () => {
    const n = sent.length;
    const [o] = await responder.respond(['kill'], { pid: process.pid, rule: 'Test kill' });
    assert.equal(o?.result, 'refused');
    assert.match(o?.reason ?? '', /Vigil/);
    const [o2] = await responder.respond(['kill'], { pid: L.sup.pid!, rule: 'Test kill' });
    assert.equal(o2?.result, 'refused', 'the loader is protected too');
    assert.equal(sent.length, n);
    assert.match(await L.raw(`kill ${process.pid} 9`), /^error kill \d+ 9: refusing to signal the loader's parent \(Vigil\)$/);
    assert.match(await L.raw(`kill ${L.sup.pid} 9`), /^error kill \d+ 9: refusing to signal the loader itself$/);
  });

  test('the BPF side refuses a process that became ignored after it was armed', async () => {
    // blocks in read(2) until we write; then it calls execve, a syscall entry with the kill still armed
    const child = spawn('sh', ['-c', 'read x; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(child);
    const pid = child.pid!;
    await waitUntil('the child to block in read', () => (processState(pid) === 'S' ? true : undefined));
    await sleep(50);
    assert.equal(await L.raw(`kill ${pid} 9 fallback=0`), `ok kill ${pid} 9 fallback=0`);
    assert.equal(await L.raw(`ignore-tgid ${pid}`), `ok ignore-tgid ${pid}`);
    child.stdin!.write('go\n');
    const notice = await L.waitLog('the refusal notice', (t) => t.startsWith(`kill ${pid} 9: `));
    assert.equal(notice, `kill ${pid} 9: refused in the kernel: an ignored process (Vigil)`);
    await sleep(200);
    assert.equal(child.exitCode, null, 'still alive');
    assert.equal(child.signalCode, null);
    // and a new arm is refused up front now that it is ignored
    assert.equal(await L.raw(`kill ${pid} 9`), `error kill ${pid} 9: refusing to signal an ignored process (Vigil)`);
    await L.raw(`unignore-tgid ${pid}`);
    child.kill('SIGKILL');
  });

  test('kernel threads, reused pids and bad arguments are refused by the loader', async () => {
    assert.equal(await L.raw('kill 2 9'), 'error kill 2 9: refusing to signal a kernel thread');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    const pid = child.pid!;
    const st = await waitUntil('the start time', () => startTicks(pid));
    assert.equal(await L.raw(`kill ${pid} 9 start=${st + 1}`), `error kill ${pid} 9 start=${st + 1}: no such process (start time differs: the pid names another process now)`);
    assert.equal(child.exitCode, null);
    for (const bad of ['kill', 'kill x 9', 'kill 5', 'kill 5 0', 'kill 5 65', 'kill 5 9 fallback=20000', 'kill 5 9 bogus=1', 'kill-cancel 5', 'kill-clear now']) {
      assert.match(await L.raw(bad), /^error /, `"${bad}" is an error`);
    }
    assert.equal(await L.raw('kill 4194303 9'), 'error kill 4194303 9: no such process');
    child.kill('SIGKILL');
  });

  test('kill-cancel and kill-clear disarm: an armed process that wakes up later lives', async () => {
    const a = spawn('sh', ['-c', 'read x; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const b = spawn('sh', ['-c', 'read x; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(a, b);
    await waitUntil('both to block', () => (processState(a.pid!) === 'S' && processState(b.pid!) === 'S' ? true : undefined));
    await sleep(50);
    assert.match(await L.raw(`kill ${a.pid} 9 fallback=0`), /^ok /);
    assert.match(await L.raw(`kill ${b.pid} 9 fallback=0`), /^ok /);
    assert.equal(await L.raw(`kill-cancel ${a.pid}`), `ok kill-cancel ${a.pid}`);
    assert.equal(await L.raw('kill-clear'), 'ok kill-clear');
    a.stdin!.write('go\n');
    b.stdin!.write('go\n');
    await sleep(300);
    assert.equal(a.exitCode ?? a.signalCode, null, 'a lives');
    assert.equal(b.exitCode ?? b.signalCode, null, 'b lives');
    assert.ok(!L.logs.some((t) => t.startsWith(`kill ${a.pid} 9: delivered`) || t.startsWith(`kill ${b.pid} 9: delivered`)));
  });

  test('an armed process that exits on its own leaves nothing armed behind (cleared at exit)', async () => {
    const child = spawn('sh', ['-c', 'read x; exit 0'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(child);
    const pid = child.pid!;
    await waitUntil('the child to block', () => (processState(pid) === 'S' ? true : undefined));
    await sleep(50);
    assert.match(await L.raw(`kill ${pid} 15 fallback=0`), /^ok /);
    // SIGTERM is armed; make it exit without another syscall entry by killing it from here first
    process.kill(pid, 'SIGKILL');
    const notice = await L.waitLog('the notice', (t) => t.startsWith(`kill ${pid} 15: `));
    assert.equal(notice, `kill ${pid} 15: exited before delivery`);
  });

  test('the exec guard kills a matching program in a container before its first instruction; the host is spared unless asked', async () => {
    const dir = `/tmp/vigil-resp-${tag}`;
    assert.equal(await L.raw(`exec-kill-add ${dir}/`), `ok exec-kill-add ${dir}/`);
    const hostDir = mkdtempSync(join(tmpdir(), 'vigil-resp-exec-'));
    try {
      // in a container: the copy is killed (sh sees 128 + 9) and prints nothing; the original busybox is fine
      const name = `vigil-resp-exec-${tag}`;
      containers.push(name);
      const r = spawnSync('podman', ['run', '--rm', '--name', name, ...PODMAN_RUN_FLAGS, '--network', 'none', IMAGE, 'sh', '-c',
        `mkdir -p ${dir} && cp /bin/busybox ${dir}/bb && ${dir}/bb echo guarded-ran; echo rc=$?; echo still-here`], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `podman run: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /guarded-ran/, 'the guarded program never ran');
      assert.match(r.stdout, /rc=137/);
      assert.match(r.stdout, /still-here/);
      await L.waitLog('the exec-kill notice', (t) => /^exec-kill \d+: killed at exec \(comm bb\)$/.test(t));

      // on the host the same kind of prefix applies only with exec-kill-add-host
      const prog = join(hostDir, 'guarded');
      copyFileSync('/bin/true', prog);
      chmodSync(prog, 0o755);
      assert.match(await L.raw(`exec-kill-add ${hostDir}/`), /^ok /);
      assert.equal(spawnSync(prog).status, 0, 'a host process is not guarded by a containers-only prefix');
      assert.match(await L.raw(`exec-kill-add-host ${hostDir}/`), /^ok /);
      const killed = spawnSync(prog);
      assert.equal(killed.signal, 'SIGKILL', 'guarded on the host now');
      assert.match(await L.raw(`exec-kill-del ${hostDir}/`), /^ok /);
      assert.match(await L.raw(`exec-kill-del ${hostDir}/`), /^error .*no such prefix/);
      assert.equal(spawnSync(prog).status, 0, 'deleting the prefix lifts the guard');
      assert.match(await L.raw('exec-kill-add relative/path'), /^error .*absolute/);
    } finally {
      assert.equal(await L.raw('exec-kill-clear'), 'ok exec-kill-clear');
      rmSync(hostDir, { recursive: true, force: true });
    }
  });
});
