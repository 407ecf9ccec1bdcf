// The process table: seeded from the real /proc (a child with a known executable, arguments and cwd, whose
// name contains ')' and spaces), then driven by exec/fork/exit calls as the event stream would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessTable, parseProcStat, parseStatusUid, splitCmdline } from '../../src/procs/process-table.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProcessTable seeded from the real /proc', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let exe = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-procs-'));
    exe = join(dir, 'we)ird (name');
    copyFileSync('/bin/sleep', exe);
    child = spawn(exe, ['30', '1'], { cwd: dir, stdio: 'ignore' });
    await new Promise((r) => child!.once('spawn', r));
    // Wait until the child has exec'd (its comm is the new name).
    for (let i = 0; i < 100 && !readFileSync(`/proc/${child.pid}/comm`, 'utf8').startsWith('we)ird'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('a known process: comm with ")" and spaces, exe, args, cwd, ppid, uid, start time', async () => {
    const table = new ProcessTable();
    const added = await table.seedFromProc('/proc', (pid) => (pid === child!.pid ? 4242 : undefined));
    assert.ok(added > 3, `seeded ${added}`);
    const p = table.get(child!.pid!);
    assert.ok(p);
    assert.equal(p.comm, 'we)ird (name');
    assert.equal(p.exe, exe);
    assert.deepEqual(p.args, ['30', '1'], 'argv[0] is not an argument (Falco proc.args)');
    assert.equal(p.cwd, dir);
    assert.equal(p.ppid, process.pid);
    assert.equal(p.uid, process.geteuid?.());
    assert.equal(p.cgroupId, 4242);
    const uptimeNs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1e9;
    assert.ok(p.startNs > 0 && p.startNs <= uptimeNs + 2e7, `startNs ${p.startNs} uptime ${uptimeNs}`);
    assert.ok(uptimeNs - p.startNs < 60e9, 'started within the last minute');
    assert.equal(table.parent(child!.pid!)?.pid, process.pid);
    assert.equal(table.parent(child!.pid!)?.exe, process.execPath);
    // Kernel threads have no executable and no command line.
    const kthreadd = table.get(2);
    if (kthreadd && kthreadd.ppid === 0) {
      assert.equal(kthreadd.exe, '');
      assert.deepEqual(kthreadd.args, []);
    }
    assert.equal(table.stats().seeded, added);
  });

  test('seeding never overwrites what events already said, and tolerates vanished processes', async () => {
    const table = new ProcessTable();
    table.exec({ pid: child!.pid!, ppid: 1, comm: 'from-event', exe: '/x', args: ['x'], uid: 7 });
    await table.seedFromProc();
    assert.equal(table.get(child!.pid!)?.comm, 'from-event');
    assert.equal(await table.readProc('/proc', 4194300), undefined);
    assert.ok(table.stats().seedErrors >= 1);
  });

  test('a /proc with malformed entries: each is skipped and counted', async () => {
    const fake = join(dir, 'proc');
    mkdirSync(join(fake, '10'), { recursive: true });
    writeFileSync(join(fake, '10', 'stat'), 'garbage without parens');
    writeFileSync(join(fake, '10', 'status'), 'Uid:\t0\t0\t0\t0\n');
    writeFileSync(join(fake, '10', 'cmdline'), '');
    mkdirSync(join(fake, '11')); // vanished: no files at all
    mkdirSync(join(fake, '12'));
    writeFileSync(join(fake, '12', 'stat'), '12 (ok) S 1 12 12 34816 12 4194560 100 0 0 0 1 2 0 0 20 0 1 0 5000 1000 100 18446744073709551615\n');
    writeFileSync(join(fake, '12', 'status'), 'Name:\tok\nUid:\t1000\t1001\t1000\t1000\n');
    writeFileSync(join(fake, '12', 'cmdline'), 'ok\0--flag\0');
    writeFileSync(join(fake, '12', 'loginuid'), '1000');
    mkdirSync(join(fake, 'self'));
    const table = new ProcessTable();
    assert.equal(await table.seedFromProc(fake), 1);
    const p = table.get(12);
    assert.deepEqual(p, { pid: 12, ppid: 1, comm: 'ok', exe: '', args: ['--flag'], cwd: '', uid: 1001, startNs: 50e9, cgroupId: 0, loginuid: 1000, tty: 34816 });
    assert.equal(table.stats().seedErrors, 2);
  });
});

describe('ProcessTable driven by events', () => {
  function shellTree() {
    const c = clock();
    const t = new ProcessTable({ exitGraceMs: 5000, now: c.now });
    t.exec({ pid: 1, ppid: 0, comm: 'systemd', exe: '/usr/lib/systemd/systemd', args: ['/sbin/init'], uid: 0, startNs: 1 });
    t.fork({ pid: 100, ppid: 1, startNs: 10 });
    t.exec({ pid: 100, comm: 'bash', exe: '/usr/bin/bash', args: ['bash', '-l'], cwd: '/root', uid: 0, loginuid: 1000, tty: 34816, cgroupId: 9 });
    t.fork({ pid: 200, ppid: 100, startNs: 20 });
    t.exec({ pid: 200, comm: 'curl', exe: '/usr/bin/curl', args: ['curl', '-s', 'http://x'], uid: 0 });
    return { t, c };
  }

  test('fork copies the parent, exec replaces the image; ancestry for proc.pname / proc.aname[N]', () => {
    const { t } = shellTree();
    const curl = t.get(200)!;
    assert.equal(curl.ppid, 100);
    assert.equal(curl.cwd, '/root', 'inherited through fork');
    assert.equal(curl.loginuid, 1000);
    assert.equal(curl.tty, 34816);
    assert.equal(curl.cgroupId, 9);
    assert.equal(curl.startNs, 20, 'exec keeps the start time of the fork');
    assert.equal(t.parent(200)?.comm, 'bash');
    assert.deepEqual(t.parent(200)?.args, ['bash', '-l']);
    assert.deepEqual(t.ancestors(200, 5).map((p) => p.comm), ['bash', 'systemd']);
    assert.deepEqual(t.ancestors(200, 1).map((p) => p.comm), ['bash']);
    assert.deepEqual(t.ancestors(1, 3), []);
    assert.equal(t.stats().unknownParents, 0, 'pid 0 is no parent to look for');
    t.fork({ pid: 300, ppid: 999 });
    assert.equal(t.stats().unknownParents, 1, 'a fork from a process the table never saw');
    assert.equal(t.get(300)?.comm, '');
  });

  test('exited processes stay for the grace period, then are swept', () => {
    const { t, c } = shellTree();
    t.exit(200);
    const gone = t.get(200)!;
    assert.equal(gone.exitedAt, c.now());
    assert.equal(t.parent(200)?.comm, 'bash', 'late events still resolve');
    c.advance(4000);
    assert.equal(t.sweep(), 0);
    t.exit(100);
    c.advance(1500);
    assert.equal(t.sweep(), 1);
    assert.equal(t.get(200), undefined);
    assert.ok(t.get(100));
    c.advance(5000);
    assert.equal(t.sweep(), 1);
    assert.equal(t.stats().live, 1);
  });

  test('exits sweep on their own: no caller timer is needed for the grace period', () => {
    const c = clock();
    const t = new ProcessTable({ exitGraceMs: 2000, now: c.now });
    for (let pid = 10; pid < 20; pid++) t.fork({ pid, ppid: 1 });
    for (let pid = 10; pid < 15; pid++) t.exit(pid);
    c.advance(2500);
    t.exit(15); // this exit's sweep drops the five that exited 2.5 s ago
    assert.equal(t.stats().exited, 1);
    assert.equal(t.get(10), undefined);
    assert.ok(t.get(15)?.exitedAt);
  });

  test('hard cap: exited entries go first, then the oldest live ones', () => {
    const c = clock();
    const t = new ProcessTable({ maxEntries: 4, now: c.now });
    for (const pid of [1, 2, 3, 4]) t.exec({ pid, comm: `p${pid}`, exe: '', args: [], uid: 0 });
    t.exit(3);
    t.fork({ pid: 5, ppid: 1 });
    assert.equal(t.get(3), undefined);
    assert.equal(t.stats().evictedExited, 1);
    t.fork({ pid: 6, ppid: 1 });
    assert.equal(t.size, 4);
    assert.equal(t.stats().evictedLive, 1);
    assert.ok(t.get(6));
  });

  test('pid reuse, loops, bounds and bad input', () => {
    const c = clock();
    const t = new ProcessTable({ maxArgs: 3, maxArgsBytes: 20, now: c.now });
    t.exec({ pid: 10, ppid: 11, comm: 'a', exe: '/a', args: ['a'], uid: 0 });
    t.exec({ pid: 11, ppid: 10, comm: 'b', exe: '/b', args: ['b'], uid: 0 });
    assert.deepEqual(t.ancestors(10, 10).map((p) => p.pid), [11], 'a ppid loop ends');
    t.fork({ pid: 10, ppid: 11 });
    assert.equal(t.stats().reusedPids, 1, 'a fork onto a live pid means its exit was missed');
    t.exec({ pid: 12, comm: 'c', exe: '/c', args: ['1', '2', '3', '4', '5'], uid: 0 });
    assert.deepEqual(t.get(12)?.args, ['1', '2', '3']);
    t.exec({ pid: 13, comm: 'd', exe: '/d', args: ['x'.repeat(15), 'y'.repeat(15)], uid: 0 });
    assert.deepEqual(t.get(13)?.args, ['x'.repeat(15)]);
    assert.equal(t.stats().argsTruncated, 2);
    assert.equal(t.exec({ pid: -1, comm: '', exe: '', args: [], uid: 0 }), undefined);
    assert.equal(t.fork({ pid: 5000000, ppid: 1 }), undefined);
    t.exec({ pid: 14, comm: 'e', exe: '/e', args: [], uid: 0, loginuid: 4294967295 });
    assert.equal(t.get(14)?.loginuid, undefined, 'unset loginuid');
  });

  test('parsers: stat with hostile comm, status uid, cmdline', () => {
    const s = parseProcStat('42 (a) b) (c) R 7 42 42 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n');
    assert.deepEqual(s, { pid: 42, comm: 'a) b) (c', state: 'R', ppid: 7, ttyNr: 0, startTicks: 12345 });
    assert.equal(parseProcStat('42 no parens'), undefined);
    assert.equal(parseProcStat('42 (x) R'), undefined);
    assert.equal(parseStatusUid('Name:\tx\nUid:\t1000\t0\t0\t0\n'), 0);
    assert.equal(parseStatusUid('Name:\tx\n'), undefined);
    assert.deepEqual(splitCmdline(Buffer.from('a\0b c\0\0d\0')), ['a', 'b c', '', 'd']);
    assert.deepEqual(splitCmdline(Buffer.alloc(0)), []);
  });
});
