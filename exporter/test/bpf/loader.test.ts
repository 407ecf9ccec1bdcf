// The real sensor on the real kernel: builds bpf/, runs bpf/build/vigil-loader, reads its frames with a small
// local splitter (not the exporter's decoder, so that a bug there cannot hide one here) and checks what real
// processes, files and sockets produce. Field offsets come from bpf/build/vigil-layout, i.e. from the C header.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, realpathSync, rmSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { kernelTestSkipReason } from '../support/privileges.js';

const repo = resolve(import.meta.dirname, '../../..');
const bpfDir = resolve(repo, 'bpf');
const loaderBin = resolve(bpfDir, 'build/vigil-loader');
const layoutBin = resolve(bpfDir, 'build/vigil-layout');

const skip = kernelTestSkipReason();

// ---- layout, straight from the C header ----

interface CLayout {
  constants: Record<string, number>;
  structs: Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }>;
}
let layout: CLayout;

function K(name: string): number {
  const v = layout.constants[name];
  if (v === undefined) throw new Error(`no constant ${name} in vigil-layout output`);
  return v;
}
function off(struct: string, field: string): number {
  const f = layout.structs[struct]?.fields[field];
  if (!f) throw new Error(`no field ${struct}.${field} in vigil-layout output`);
  return f.offset;
}
function sizeOf(struct: string): number {
  const s = layout.structs[struct];
  if (!s) throw new Error(`no struct ${struct} in vigil-layout output`);
  return s.size;
}

// ---- minimal decoding ----

interface Rec {
  buf: Buffer;
  type: number;
  pid: number;
  tid: number;
  cgroupId: bigint;
  flags: number;
}

function rec(buf: Buffer): Rec {
  return {
    buf,
    type: buf.readUInt32LE(off('vigil_hdr', 'type')),
    pid: buf.readUInt32LE(off('vigil_hdr', 'pid')),
    tid: buf.readUInt32LE(off('vigil_hdr', 'tid')),
    cgroupId: buf.readBigUInt64LE(off('vigil_hdr', 'cgroup_id')),
    flags: buf.readUInt32LE(off('vigil_hdr', 'flags')),
  };
}

/** The strings after a record's fixed part, in the order of the given *_len fields. */
function strings(r: Rec, struct: string, lenFields: string[]): string[] {
  let p = sizeOf(struct);
  return lenFields.map((f) => {
    const n = r.buf.readUInt16LE(off(struct, f));
    const s = r.buf.subarray(p, p + n).toString('utf8');
    p += n;
    return s;
  });
}

interface Exec {
  pid: number;
  ppid: number;
  cgroupId: bigint;
  exe: string;
  filename: string;
  argv: string[];
  cwd: string;
}
function asExec(r: Rec): Exec {
  const [exe, filename, argv, cwd] = strings(r, 'vigil_exec', ['exe_len', 'filename_len', 'argv_len', 'cwd_len', 'env_len']);
  return {
    pid: r.pid,
    ppid: r.buf.readUInt32LE(off('vigil_exec', 'ppid')),
    cgroupId: r.cgroupId,
    exe: exe!,
    filename: filename!,
    argv: argv!.split('\0'),
    cwd: cwd!,
  };
}

interface Open {
  pid: number;
  res: bigint;
  flags: number;
  path: string;
}
function asOpen(r: Rec): Open {
  return {
    pid: r.pid,
    res: r.buf.readBigInt64LE(off('vigil_open', 'res')),
    flags: r.buf.readUInt32LE(off('vigil_open', 'flags')),
    path: strings(r, 'vigil_open', ['path_len'])[0]!,
  };
}

interface Sock {
  pid: number;
  res: bigint;
  syscall: number;
  family: number;
  sport: number;
  dport: number;
  saddr: Buffer;
  daddr: Buffer;
}
function asSock(r: Rec): Sock {
  const at = (f: string): number => off('vigil_sock', f);
  return {
    pid: r.pid,
    res: r.buf.readBigInt64LE(at('res')),
    syscall: r.buf.readUInt32LE(at('syscall')),
    family: r.buf.readUInt16LE(at('family')),
    sport: r.buf.readUInt16LE(at('sport')),
    dport: r.buf.readUInt16LE(at('dport')),
    saddr: r.buf.subarray(at('saddr'), at('saddr') + 16),
    daddr: r.buf.subarray(at('daddr'), at('daddr') + 16),
  };
}

function logText(r: Rec): string {
  const n = r.buf.readUInt32LE(off('vigil_msg_log', 'text_len'));
  const p = sizeOf('vigil_msg_log');
  return r.buf.subarray(p, p + n).toString('utf8');
}

interface Counters {
  syscalls: bigint;
  execs: bigint;
  forks: bigint;
  exits: bigint;
  opens: bigint;
  connects: bigint;
  accepts: bigint;
  bytes_sent: bigint;
  bytes_received: bigint;
}
function countersOf(r: Rec, cgroupId: bigint): Counters | undefined {
  const count = r.buf.readUInt32LE(off('vigil_msg_counters', 'count'));
  const es = sizeOf('vigil_cgroup_counters');
  const c0 = off('vigil_cgroup_counters', 'c');
  for (let i = 0; i < count; i++) {
    const base = sizeOf('vigil_msg_counters') + i * es;
    if (r.buf.readBigUInt64LE(base + off('vigil_cgroup_counters', 'cgroup_id')) !== cgroupId) continue;
    const field = (f: string): bigint => r.buf.readBigUInt64LE(base + c0 + off('vigil_counters', f));
    return {
      syscalls: field('syscalls'),
      execs: field('execs'),
      forks: field('forks'),
      exits: field('exits'),
      opens: field('opens'),
      connects: field('connects'),
      accepts: field('accepts'),
      bytes_sent: field('bytes_sent'),
      bytes_received: field('bytes_received'),
    };
  }
  return undefined;
}

/** emitted/dropped/filtered of one event type, summed over CPUs. */
function typeStats(r: Rec, type: number): { emitted: bigint; dropped: bigint; filtered: bigint } {
  const ncpu = r.buf.readUInt32LE(off('vigil_msg_stats', 'ncpu'));
  const ntypes = r.buf.readUInt32LE(off('vigil_msg_stats', 'ntypes'));
  const es = sizeOf('vigil_type_stats');
  const out = { emitted: 0n, dropped: 0n, filtered: 0n };
  for (let c = 0; c < ncpu; c++) {
    const base = sizeOf('vigil_msg_stats') + (c * ntypes + type) * es;
    out.emitted += r.buf.readBigUInt64LE(base + off('vigil_type_stats', 'emitted'));
    out.dropped += r.buf.readBigUInt64LE(base + off('vigil_type_stats', 'dropped'));
    out.filtered += r.buf.readBigUInt64LE(base + off('vigil_type_stats', 'filtered'));
  }
  return out;
}

// ---- the loader process ----

class Loader {
  readonly child: ChildProcessWithoutNullStreams;
  readonly records: Rec[] = [];
  readonly exited: Promise<number | string>; /* the exit code, or the name of the signal that ended it */
  stderr = '';
  private pending = Buffer.alloc(0);

  constructor(args: string[] = []) {
    this.child = spawn(loaderBin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.push(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((res) => this.child.on('exit', (code, signal) => res(code ?? signal ?? 'unknown')));
  }

  private push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 4) {
      const n = buf.readUInt32LE(0);
      if (buf.length < 4 + n) break;
      const r = rec(Buffer.from(buf.subarray(4, 4 + n)));
      assert.equal(r.buf.readUInt32LE(off('vigil_hdr', 'size')), n, 'hdr.size equals the frame length');
      this.records.push(r);
      buf = buf.subarray(4 + n);
    }
    this.pending = Buffer.from(buf);
  }

  /** First record from index `from` on that `pick` accepts, waiting for it to arrive. */
  async waitFor<T>(what: string, pick: (r: Rec) => T | undefined, from = 0, timeoutMs = 5000): Promise<{ value: T; index: number }> {
    const deadline = Date.now() + timeoutMs;
    let i = from;
    for (;;) {
      for (; i < this.records.length; i++) {
        const v = pick(this.records[i]!);
        if (v !== undefined) return { value: v, index: i };
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; loader stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends one control line and returns the index of its LOG reply. */
  async command(line: string, expect: 'ok' | 'error' = 'ok'): Promise<{ text: string; index: number }> {
    const from = this.records.length;
    this.child.stdin.write(line + '\n');
    const r = await this.waitFor(`reply to "${line.slice(0, 40)}"`, (x) => {
      if (x.type !== K('VIGIL_MSG_LOG')) return undefined;
      const t = logText(x);
      return t === `ok ${line}` || t.startsWith(`error ${line.slice(0, 40)}`) ? t : undefined;
    }, from);
    assert.ok(r.value.startsWith(`${expect} `), `"${line.slice(0, 40)}" should be answered ${expect}, got: ${r.value}`);
    return { text: r.value, index: r.index };
  }

  /** COUNTERS and STATS taken now. */
  async snapshot(): Promise<{ counters: Rec; stats: Rec }> {
    const { index } = await this.command('snapshot');
    const counters = await this.waitFor('COUNTERS', (x) => (x.type === K('VIGIL_MSG_COUNTERS') ? x : undefined), index);
    const stats = await this.waitFor('STATS', (x) => (x.type === K('VIGIL_MSG_STATS') ? x : undefined), counters.index);
    return { counters: counters.value, stats: stats.value };
  }
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ pid: number; code: number | null }> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { cwd, stdio: 'ignore' });
    c.on('error', rej);
    c.on('exit', (code) => res({ pid: c.pid!, code }));
  });
}

function bpftoolProgIds(): Set<number> {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as { id: number }[];
  return new Set(progs.map((p) => p.id));
}

/** Inode of this process's cgroup v2 directory, which is what bpf_get_current_cgroup_id() returns. */
function ownCgroupV2Inode(): bigint | undefined {
  const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[f.indexOf('-') + 1] === 'cgroup2');
  if (!line || !mount || !mount[4]) return undefined;
  return statSync(join(mount[4], line.slice(3)), { bigint: true }).ino;
}

describe('vigil-loader on the real kernel', { skip }, () => {
  let L: Loader;
  let hello: { hooks: Record<string, string>; prog_ids: number[]; loader_pid: number; ringbuf_bytes: number };
  let ncpu = 0;
  let work = '';
  let cgroupId = 0n;

  before(async () => {
    execFileSync('make', ['-s', '-C', bpfDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    layout = JSON.parse(execFileSync(layoutBin, { encoding: 'utf8' })) as CLayout;
    work = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-bpf-')));
    L = new Loader(['--interval-ms', '200']);
  });

  after(async () => {
    if (L && L.child.exitCode === null) {
      L.child.kill('SIGTERM');
      await L.exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('HELLO comes first: ABI, CPUs, clock offset, hook states', async () => {
    const { value: first } = await L.waitFor('the first frame', (r) => r, 0, 10000);
    assert.equal(first.type, K('VIGIL_MSG_HELLO'), 'the first frame is HELLO');
    assert.equal(first.buf.readUInt32LE(off('vigil_msg_hello', 'abi_version')), K('VIGIL_ABI_VERSION'));
    ncpu = first.buf.readUInt32LE(off('vigil_msg_hello', 'ncpu'));
    assert.ok(ncpu >= 1);
    const jl = first.buf.readUInt32LE(off('vigil_msg_hello', 'json_len'));
    hello = JSON.parse(first.buf.subarray(sizeOf('vigil_msg_hello'), sizeOf('vigil_msg_hello') + jl).toString()) as typeof hello;
    assert.equal(hello.loader_pid, L.child.pid);
    assert.equal(hello.ringbuf_bytes, 4 << 20);
    for (const h of ['sys_enter', 'sched_switch', 'sched_process_exec', 'sched_process_fork', 'sched_process_exit'])
      assert.match(hello.hooks[h] ?? 'missing', /^(tp_btf|raw_tp)$/, `hook ${h}`);
    for (const h of ['sys_exit_openat', 'sys_exit_connect', 'sys_exit_accept4']) assert.equal(hello.hooks[h], 'tracepoint', `hook ${h}`);
    // module syscalls do not exist on kernels without CONFIG_MODULES: reported, not fatal
    assert.match(hello.hooks.sys_exit_finit_module ?? 'missing', /^(tracepoint|unavailable|failed:\w+)$/);
    assert.ok(hello.prog_ids.length >= 20, 'program ids are listed');
    const offset = first.buf.readBigInt64LE(off('vigil_msg_hello', 'realtime_offset_ns'));
    const ts = first.buf.readBigUInt64LE(off('vigil_hdr', 'ts_ns'));
    const wallMs = Number((ts + offset) / 1000000n);
    assert.ok(Math.abs(wallMs - Date.now()) < 10000, `boot time + offset is wall time (off by ${wallMs - Date.now()} ms)`);
  });

  test('a shell that runs cat and exits 3: EXEC, FORK, OPEN and EXIT with the right details', async () => {
    const from = L.records.length;
    const sh = await run('/bin/sh', ['-c', 'cat /etc/hostname >/dev/null; exit 3'], work);
    assert.equal(sh.code, 3);
    const EXEC = K('VIGIL_EV_EXEC');

    const { value: shExec } = await L.waitFor('EXEC of sh', (r) => (r.type === EXEC && r.pid === sh.pid ? asExec(r) : undefined), from);
    assert.equal(shExec.exe, realpathSync('/bin/sh'), 'exe is the resolved executable');
    assert.equal(shExec.filename, '/bin/sh', 'filename is what execve was given');
    assert.deepEqual(shExec.argv, ['/bin/sh', '-c', 'cat /etc/hostname >/dev/null; exit 3']);
    assert.equal(shExec.cwd, work);
    assert.equal(shExec.ppid, process.pid);
    cgroupId = shExec.cgroupId;
    const inode = ownCgroupV2Inode();
    if (inode !== undefined) assert.equal(cgroupId, inode, 'hdr.cgroup_id is the inode of the cgroup v2 directory');

    const { value: spawnFork } = await L.waitFor('FORK of the test process', (r) =>
      r.type === K('VIGIL_EV_FORK') && r.pid === process.pid && r.buf.readUInt32LE(off('vigil_fork', 'child_pid')) === sh.pid ? r : undefined, from);
    assert.equal(spawnFork.buf.readUInt32LE(off('vigil_fork', 'clone_flags_thread')), 0);

    const { value: catExec } = await L.waitFor('EXEC of cat', (r) => (r.type === EXEC && r.buf.readUInt32LE(off('vigil_exec', 'ppid')) === sh.pid ? asExec(r) : undefined), from);
    assert.deepEqual(catExec.argv, ['cat', '/etc/hostname']);
    assert.equal(catExec.exe, realpathSync('/bin/cat'));
    await L.waitFor('FORK of sh', (r) =>
      r.type === K('VIGIL_EV_FORK') && r.pid === sh.pid && r.buf.readUInt32LE(off('vigil_fork', 'child_pid')) === catExec.pid ? r : undefined, from);

    const { value: open } = await L.waitFor('OPEN of /etc/hostname', (r) => {
      if (r.type !== K('VIGIL_EV_OPEN') || r.pid !== catExec.pid) return undefined;
      const o = asOpen(r);
      return o.path === realpathSync('/etc/hostname') ? o : undefined;
    }, from);
    assert.ok(open.res >= 0n, `opened: fd ${open.res}`);
    assert.ok(open.path.startsWith('/'), 'the path is absolute');

    const { value: exit } = await L.waitFor('EXIT of sh', (r) => (r.type === K('VIGIL_EV_EXIT') && r.pid === sh.pid ? r : undefined), from);
    assert.equal(exit.buf.readUInt32LE(off('vigil_exit', 'exit_code')), 3);
    assert.equal(exit.buf.readUInt32LE(off('vigil_exit', 'signal')), 0);
  });

  test('a TCP connect to a local listener: CONNECT on the client side, ACCEPT on the server side, bytes counted', async () => {
    const before = countersOf((await L.snapshot()).counters, cgroupId);
    assert.ok(before, `cgroup ${cgroupId} is in COUNTERS`);
    const from = L.records.length;
    let server: Server | undefined;
    let client: Socket | undefined;
    try {
      const accepted = new Promise<Socket>((res) => {
        server = createServer((s) => res(s));
      });
      await new Promise<void>((res) => server!.listen(0, '127.0.0.1', () => res()));
      const port = (server!.address() as AddressInfo).port;
      client = connect(port, '127.0.0.1');
      await new Promise<void>((res, rej) => client!.once('connect', () => res()).once('error', rej));
      const peer = await accepted;
      const localPort = client.localPort!;

      const { value: c } = await L.waitFor('CONNECT', (r) => {
        if (r.type !== K('VIGIL_EV_CONNECT') || r.pid !== process.pid) return undefined;
        const s = asSock(r);
        return s.dport === port ? s : undefined;
      }, from);
      assert.equal(c.family, 2, 'AF_INET');
      assert.deepEqual([...c.daddr.subarray(0, 4)], [127, 0, 0, 1]);
      assert.ok(c.res === 0n || c.res === -115n, `connect result 0 or -EINPROGRESS, got ${c.res}`);
      assert.equal(c.sport, localPort, 'the local port the kernel bound');

      const { value: a } = await L.waitFor('ACCEPT', (r) => {
        if (r.type !== K('VIGIL_EV_ACCEPT') || r.pid !== process.pid) return undefined;
        const s = asSock(r);
        return s.sport === port && s.dport === localPort ? s : undefined;
      }, from);
      assert.ok(a.res >= 0n, 'the new fd');
      assert.deepEqual([...a.daddr.subarray(0, 4)], [127, 0, 0, 1], 'peer address');
      assert.ok(a.syscall === K('VIGIL_SOCK_ACCEPT') || a.syscall === K('VIGIL_SOCK_ACCEPT4'));

      const payload = 100000;
      const received = new Promise<void>((res) => {
        let got = 0;
        peer.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= payload) res();
        });
      });
      client.write(Buffer.alloc(payload, 7));
      await received;
      const after = countersOf((await L.snapshot()).counters, cgroupId)!;
      assert.ok(after.connects >= before.connects + 1n, `connects ${before.connects} -> ${after.connects}`);
      assert.ok(after.accepts >= before.accepts + 1n, `accepts ${before.accepts} -> ${after.accepts}`);
      assert.ok(after.bytes_sent >= before.bytes_sent + BigInt(payload), `bytes_sent ${before.bytes_sent} -> ${after.bytes_sent}`);
      assert.ok(after.bytes_received >= before.bytes_received + BigInt(payload), `bytes_received ${before.bytes_received} -> ${after.bytes_received}`);
      peer.destroy();
    } finally {
      client?.destroy();
      server?.close();
    }
  });

  test('the prefix filter passes matching opens, suppresses the rest and counts them as filtered', async () => {
    mkdirSync(join(work, 'match'));
    mkdirSync(join(work, 'other'));
    writeFileSync(join(work, 'match/a.txt'), 'a');
    writeFileSync(join(work, 'other/b.txt'), 'b');
    const OPEN = K('VIGIL_EV_OPEN');
    const before = typeStats((await L.snapshot()).stats, OPEN);

    await L.command('open-mode prefixes');
    await L.command('open-writes 0');
    await L.command('open-failed 0');
    await L.command(`prefix-add ${work}/match/`);
    try {
      const from = L.records.length;
      const cat = await run('/bin/cat', [join(work, 'match/a.txt'), join(work, 'other/b.txt')]);
      assert.equal(cat.code, 0);
      await L.waitFor('OPEN of match/a.txt', (r) => (r.type === OPEN && r.pid === cat.pid && asOpen(r).path === join(work, 'match/a.txt') ? r : undefined), from);
      const { index: exitAt } = await L.waitFor('EXIT of cat', (r) => (r.type === K('VIGIL_EV_EXIT') && r.pid === cat.pid ? r : undefined), from);
      const leaked = L.records.slice(from, exitAt).filter((r) => r.type === OPEN && r.pid === cat.pid && asOpen(r).path.includes('/other/'));
      assert.deepEqual(leaked.map((r) => asOpen(r).path), [], 'no OPEN outside the prefixes');
      const afterStats = typeStats((await L.snapshot()).stats, OPEN);
      assert.ok(afterStats.filtered > before.filtered, `filtered grew: ${before.filtered} -> ${afterStats.filtered}`);

      // writes and failures pass on their own switches, whatever the prefixes
      await L.command('open-writes 1');
      await L.command('open-failed 1');
      const from2 = L.records.length;
      const sh = await run('/bin/sh', ['-c', `echo x > ${work}/other/w.txt; cat ${work}/other/missing 2>/dev/null; true`]);
      assert.equal(sh.code, 0);
      const { value: w } = await L.waitFor('OPEN for writing', (r) => (r.type === OPEN && r.pid === sh.pid && asOpen(r).path === join(work, 'other/w.txt') ? asOpen(r) : undefined), from2);
      assert.notEqual(w.flags & 3, 0, 'opened for writing');
      const { value: miss } = await L.waitFor('failed OPEN', (r) => (r.type === OPEN && asOpen(r).path === join(work, 'other/missing') ? asOpen(r) : undefined), from2);
      assert.equal(miss.res, -2n, '-ENOENT');
    } finally {
      await L.command('open-mode all');
      await L.command('prefix-clear');
    }
  });

  test('COUNTERS of the test cgroup grow with syscalls, execs and opens; STATS count emitted events', async () => {
    assert.notEqual(cgroupId, 0n, 'the cgroup id was learnt from an exec');
    const first = await L.snapshot();
    const c0 = countersOf(first.counters, cgroupId);
    assert.ok(c0, `cgroup ${cgroupId} is in COUNTERS`);
    const r = await run('/bin/sh', ['-c', 'for i in 1 2 3; do /bin/true; done; cat /etc/hostname >/dev/null']);
    assert.equal(r.code, 0);
    await L.waitFor('EXIT of sh', (x) => (x.type === K('VIGIL_EV_EXIT') && x.pid === r.pid ? x : undefined));
    const second = await L.snapshot();
    const c1 = countersOf(second.counters, cgroupId)!;
    assert.ok(c1.syscalls > c0.syscalls, `syscalls ${c0.syscalls} -> ${c1.syscalls}`);
    assert.ok(c1.execs >= c0.execs + 5n, `execs ${c0.execs} -> ${c1.execs} (sh, 3 x true, cat)`);
    assert.ok(c1.forks >= c0.forks + 4n, `forks ${c0.forks} -> ${c1.forks}`);
    assert.ok(c1.exits >= c0.exits + 5n, `exits ${c0.exits} -> ${c1.exits}`);
    assert.ok(c1.opens > c0.opens, `opens ${c0.opens} -> ${c1.opens}`);

    assert.equal(second.stats.buf.readUInt32LE(off('vigil_msg_stats', 'ncpu')), ncpu);
    assert.equal(second.stats.buf.readUInt32LE(off('vigil_msg_stats', 'ntypes')), K('VIGIL_EV_TYPE_COUNT'));
    const execs = typeStats(second.stats, K('VIGIL_EV_EXEC'));
    assert.ok(execs.emitted >= 5n, `EXEC emitted ${execs.emitted}`);
    assert.equal(execs.dropped, 0n, 'nothing dropped at this rate');
    // periodic snapshots arrive without being asked (interval 200 ms)
    const periodicFrom = L.records.length;
    await L.waitFor('a periodic STATS', (x) => (x.type === K('VIGIL_MSG_STATS') ? x : undefined), periodicFrom, 3000);
  });

  test('malformed commands get an error reply and change nothing', async () => {
    await L.command('events 0xzz', 'error');
    await L.command('events 0x100000', 'error');
    await L.command('open-mode sideways', 'error');
    await L.command('open-writes 2', 'error');
    await L.command('prefix-add ', 'error');
    await L.command(`prefix-add /${'x'.repeat(300)}`, 'error');
    await L.command('ignore-tgid -1', 'error');
    await L.command('interval-ms 5', 'error');
    await L.command('frobnicate', 'error');
    const from = L.records.length;
    L.child.stdin.write('x'.repeat(5000) + '\n');
    await L.waitFor('reply to an overlong line', (r) => (r.type === K('VIGIL_MSG_LOG') && /^error x+\.\.\.: line longer than 4096 bytes$/.test(logText(r)) ? r : undefined), from);
    // still every event type, every open
    const cat = await run('/bin/cat', ['/etc/hostname']);
    await L.waitFor('OPEN after the bad commands', (r) => (r.type === K('VIGIL_EV_OPEN') && r.pid === cat.pid && asOpen(r).path === realpathSync('/etc/hostname') ? r : undefined), from);
  });

  test('quit detaches everything: none of the loader\'s programs is left in the kernel', async () => {
    const ids = hello.prog_ids;
    const loadedBefore = bpftoolProgIds();
    assert.ok(ids.every((id) => loadedBefore.has(id)), 'the programs HELLO lists are loaded');
    await L.command('quit');
    const code = await Promise.race([L.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 10000))]);
    assert.equal(code, 0, `exit status after quit (stderr: ${L.stderr})`);
    const loadedAfter = bpftoolProgIds();
    assert.deepEqual(ids.filter((id) => loadedAfter.has(id)), [], 'no program of ours survives');
  });
});

describe('vigil-loader lifecycle', { skip }, () => {
  before(() => {
    execFileSync('make', ['-s', '-C', bpfDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    layout = JSON.parse(execFileSync(layoutBin, { encoding: 'utf8' })) as CLayout;
  });

  test('EOF on stdin (the exporter died) detaches and exits 0', async () => {
    const L = new Loader();
    const { value: h } = await L.waitFor('HELLO', (r) => (r.type === K('VIGIL_MSG_HELLO') ? r : undefined), 0, 10000);
    const jl = h.buf.readUInt32LE(off('vigil_msg_hello', 'json_len'));
    const ids = (JSON.parse(h.buf.subarray(sizeOf('vigil_msg_hello'), sizeOf('vigil_msg_hello') + jl).toString()) as { prog_ids: number[] }).prog_ids;
    L.child.stdin.end();
    assert.equal(await L.exited, 0, `exit status after EOF (stderr: ${L.stderr})`);
    const loaded = bpftoolProgIds();
    assert.deepEqual(ids.filter((id) => loaded.has(id)), []);
  });

  test('without syscall tracepoints the generic sys_exit hook still yields OPEN and CONNECT, and says so', async () => {
    const L = new Loader(['--no-syscall-tracepoints']);
    let server: Server | undefined;
    let client: Socket | undefined;
    try {
      const { value: h } = await L.waitFor('HELLO', (r) => (r.type === K('VIGIL_MSG_HELLO') ? r : undefined), 0, 10000);
      const jl = h.buf.readUInt32LE(off('vigil_msg_hello', 'json_len'));
      const json = JSON.parse(h.buf.subarray(sizeOf('vigil_msg_hello'), sizeOf('vigil_msg_hello') + jl).toString()) as {
        hooks: Record<string, string>;
        tracefs: boolean;
      };
      assert.equal(json.tracefs, false);
      assert.match(json.hooks.sys_exit ?? 'missing', /^(tp_btf|raw_tp)$/);
      assert.equal(json.hooks.sys_exit_openat, 'unavailable');
      await L.waitFor('the warning about the fallback', (r) => (r.type === K('VIGIL_MSG_LOG') && /generic sys_exit/.test(logText(r)) ? r : undefined));

      const cat = await run('/bin/cat', ['/etc/hostname']);
      await L.waitFor('OPEN via sys_exit', (r) => (r.type === K('VIGIL_EV_OPEN') && r.pid === cat.pid && asOpen(r).path === realpathSync('/etc/hostname') ? r : undefined));

      server = createServer((s) => s.destroy());
      await new Promise<void>((res) => server!.listen(0, '127.0.0.1', () => res()));
      const port = (server.address() as AddressInfo).port;
      client = connect(port, '127.0.0.1');
      await new Promise<void>((res, rej) => client!.once('connect', () => res()).once('error', rej));
      const localPort = client.localPort; // before the server's close makes it undefined
      const { value: c } = await L.waitFor('CONNECT via sys_exit', (r) => {
        if (r.type !== K('VIGIL_EV_CONNECT') || r.pid !== process.pid) return undefined;
        const x = asSock(r);
        return x.dport === port ? x : undefined;
      });
      assert.equal(c.sport, localPort);
      await L.command('quit');
      assert.equal(await L.exited, 0, `exit status after quit (stderr: ${L.stderr})`);
    } finally {
      client?.destroy();
      server?.close();
      if (L.child.exitCode === null) L.child.kill('SIGTERM');
    }
  });

  test('without the privilege to use bpf() it says so in one line and exits 3 (do not restart)', (t) => {
    if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv (util-linux) is not installed');
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', loaderBin], {
      encoding: 'utf8',
      input: '',
    });
    assert.equal(r.status, 3, `exit status (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '', 'no frames');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, 'exactly one line');
    assert.match(lines[0]!, /^vigil-loader: bpf\(\) not permitted/);
  });

  test('a bad option is a usage error (2) and loads nothing', () => {
    const r = spawnSync(loaderBin, ['--ringbuf-bytes', '1000'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--ringbuf-bytes must be a power of two/);
  });
});
