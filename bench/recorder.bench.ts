// Flight recorder hot path and memory. Single process, single thread (the recorder runs on vigil node's main
// thread), on events shaped like the decoder's (docs/events.md), with strings made the way the decoder makes
// them (Buffer#toString, so flat, not concatenated).
//  1. record(): a mix of 60% open, 10% each exec, fork, exit and connect over 50 containers, rings at their
//     caps (so every record also evicts), timed over VIGIL_BENCH_EVENTS records (default 2,000,000) after a
//     warm-up; median of 5 rounds. Event time advances 10 us per event (a node at 100k events/s). Once with
//     no capture open, once with an alert about once per second of event time (every 100,003 events, so in
//     changing containers), i.e. about 15 captures open at any time. Reported per CPU second of this process
//     (process.cpuUsage) and per wall second: the machine is shared, wall time includes waiting for the CPU.
//  2. memory: 100,000 distinct events recorded into rings big enough to keep them all; the events themselves
//     are dropped, gc() runs, and the heap growth is compared with the recorder's own estimate (stats().bytes).
//  3. finalize: a late alert over a full ring (4,096 entries): copy, sort, process tree and tiles.

import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { FlightRecorder } from '../exporter/src/recorder/recorder.js';
import type { AncestorInfo, ContainerRef, VigilEvent } from '../exporter/src/events/types.js';

if (typeof globalThis.gc !== 'function') {
  // Memory figures need a forced collection; run again with it exposed.
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = globalThis.gc as () => void;

const T0 = 1_764_801_600_000;
const flat = (s: string): string => Buffer.from(s).toString();
const hex = (n: number): string => n.toString(16).padStart(2, '0').repeat(32);

const containers: ContainerRef[] = Array.from({ length: 50 }, (_, i) => ({ id: hex(i + 1), runtime: 'podman', name: `app-${i}`, image: 'localhost/vigil-demo:1' }));
// The process table hands out cached ancestor objects; only the array is per event.
const sharedAncestors: AncestorInfo[] = [
  { pid: 500, name: 'sh', exe: '/bin/busybox', cmdline: 'sh -c while true; do work; done' },
  { pid: 400, name: 'conmon', exe: '/usr/bin/conmon', cmdline: 'conmon --api-version 1' },
];

// Built the way the decoder and the enricher build them (events/decoder.ts, node/enrich.ts): one literal for
// the common part, the type's own key added after it, then ancestors, container and node added by the
// enricher. Spread-built objects would have other (slower) shapes than what vigil node hands the recorder.
function makeEvent(i: number): VigilEvent {
  const container = containers[i % containers.length]!;
  const pid = 1000 + (i % 997);
  const kind = i % 10;
  const type = kind < 6 ? 'open' : kind === 6 ? 'exec' : kind === 7 ? 'fork' : kind === 8 ? 'exit' : 'connect';
  const proc: Record<string, unknown> = { pid, tid: pid, name: flat(kind === 6 ? 'python3' : 'worker'), uid: 0, gid: 0 };
  const ev: Record<string, unknown> = {
    type, time: '2026-12-03T22:40:01.123456Z', ts: T0 + i * 0.01, cpu: i & 1, cgroup_id: 10_000 + (i % 50), mntns: 4026532801, pidns: 4026532804, proc,
  };
  if (type === 'open') {
    ev['open'] = { syscall: 'openat', path: flat(`/var/lib/app/data/file-${i}.db`), res: 3, flags: 0o2000000, flag_names: ['O_RDONLY', 'O_CLOEXEC'], mode: 0, file_type: 'file', dev: 44, ino: i };
  } else if (type === 'exec') {
    proc.ppid = 500;
    proc.exe = flat('/usr/bin/python3');
    proc.argv = ['python3', '-m', 'job', String(i)];
    proc.cmdline = flat(`python3 -m job ${i}`);
    proc.cwd = flat('/srv');
    proc.euid = 0;
    proc.egid = 0;
    proc.loginuid = -1;
    proc.tty = 0;
    proc.start_ns = 88_000_000_000 + i;
    ev['exec'] = { filename: '/usr/bin/python3', upper_layer: false, memfd: false, overlay: true, cap_effective: '0xa80425fb', cap_permitted: '0xa80425fb' };
  } else if (type === 'fork') {
    ev['fork'] = { child_pid: pid + 1, child_tid: pid + 1, thread: false };
  } else if (type === 'exit') {
    ev['exit'] = { code: 0, signal: 0, core_dumped: false };
  } else {
    ev['net'] = { syscall: 'connect', res: 0, fd: 3, family: 'inet', proto: 'tcp', local: { ip: flat('10.88.0.5'), port: 40_000 + (i % 1000) }, remote: { ip: flat('10.96.0.10'), port: 5432 } };
  }
  ev.ancestors = [sharedAncestors[0]!, sharedAncestors[1]!];
  ev.container = container;
  ev.node = 'node-a';
  return ev as unknown as VigilEvent;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function throughput(alertEvery: number): { rate: number; wallRate: number; stats: ReturnType<FlightRecorder['stats']> } {
  const total = Number(process.env.VIGIL_BENCH_EVENTS ?? 2_000_000);
  // A small pool stays in cache like the decoder's freshly built events do; a big pool would time cache misses
  // on event objects that in vigil node were allocated a moment before.
  const pool = Array.from({ length: 2000 }, (_, i) => makeEvent(i));
  const rates: number[] = [];
  const wallRates: number[] = [];
  let last: FlightRecorder | undefined;
  for (let round = 0; round < 6; round++) {
    let now = T0;
    const rec = new FlightRecorder({ now: () => now });
    // Fill every ring to its cap first, so the timed part evicts on every record.
    let i = 0;
    for (; i < 50 * 4096 + 10_000; i++) {
      const ev = pool[i % pool.length]!;
      ev.ts = T0 + i * 0.01;
      rec.record(ev);
    }
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (const end = i + total; i < end; i++) {
      const ev = pool[i % pool.length]!;
      ev.ts = T0 + i * 0.01;
      rec.record(ev);
      if (alertEvery > 0 && i % alertEvery === 0) {
        now = ev.ts;
        rec.onAlert({ uuid: `u-${i}`, ts: ev.ts, rule: 'bench', priority: 'Notice', containerId: ev.container!.id, pid: ev.proc.pid });
      }
    }
    const ns = Number(process.hrtime.bigint() - start);
    const cpu = process.cpuUsage(cpu0);
    // round 0 is the JIT warm-up
    if (round > 0) {
      rates.push(total / ((cpu.user + cpu.system) / 1e6));
      wallRates.push(total / (ns / 1e9));
    }
    last = rec;
  }
  return { rate: median(rates), wallRate: median(wallRates), stats: last!.stats() };
}

function memory(): { perEntry: number; estimatePerEntry: number; entries: number } {
  const N = 100_000;
  const rec = new FlightRecorder({ maxEntriesPerContainer: N, maxBytesPerContainer: 1 << 30, maxTotalBytes: 1 << 30, maxAgeMs: 1e12 });
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) rec.record(makeEvent(i));
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const s = rec.stats();
  if (s.entries !== N) throw new Error(`kept ${s.entries} of ${N}`);
  return { perEntry: (after - before) / N, estimatePerEntry: s.bytes / N, entries: s.entries };
}

async function finalizeCost(): Promise<{ ms: number; entries: number; processes: number }> {
  const times: number[] = [];
  let entries = 0;
  let processes = 0;
  for (let round = 0; round < 21; round++) {
    const rec = new FlightRecorder({ beforeMs: 60_000, afterMs: 1, now: () => T0 });
    const c = containers[0]!.id;
    for (let i = 0; i < 4096 + 100; i++) rec.record(makeEvent(i * 50)); // all in container 0 (byte bound: ~3,960 kept)
    const start = performance.now();
    const id = rec.onAlert({ uuid: 'u', ts: T0 + (4096 + 50) * 50 * 0.01, rule: 'bench', priority: 'Notice', containerId: c })!;
    times.push(performance.now() - start);
    const d = (await rec.get(id))!;
    if (d.status !== 'complete') throw new Error('the late alert should complete at once');
    entries = d.entries.length;
    processes = d.processes.length;
  }
  return { ms: median(times.slice(1)), entries, processes };
}

console.log(`recorder bench: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} vCPUs, one used), single thread, events pre-built and reused (ts rewritten per record)`);
console.log(`load average at start: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const quiet = throughput(0);
const ev = quiet.stats.evicted;
console.log(`record(): ${(quiet.rate / 1e6).toFixed(2)} M events/s per CPU second (${(1e9 / quiet.rate).toFixed(0)} ns/event; wall ${(quiet.wallRate / 1e6).toFixed(2)} M/s), median of 5 rounds of ${process.env.VIGIL_BENCH_EVENTS ?? 2_000_000} records; rings full (last round evicted ${ev.entries} by entry count, ${ev.bytes} by container bytes, ${ev.total} by total bytes)`);
const alerting = throughput(100_003);
const cs = alerting.stats.captures;
console.log(`record() with ~1 alert/s of event time: ${(alerting.rate / 1e6).toFixed(2)} M events/s per CPU second (wall ${(alerting.wallRate / 1e6).toFixed(2)} M/s); last round: ${cs.created} captures, ${cs.completed} completed, ${cs.open} open at the end, ${cs.closed_early} closed early`);
const mem = memory();
console.log(`memory: ${mem.entries} entries kept: ${(mem.perEntry).toFixed(0)} B/entry measured (heapUsed delta after gc, events dropped) = ${((mem.perEntry * 100_000) / 1048576).toFixed(1)} MiB per 100k entries; the recorder's estimate says ${(mem.estimatePerEntry).toFixed(0)} B/entry (${((mem.estimatePerEntry / mem.perEntry) * 100).toFixed(0)}% of measured)`);
const fin = await finalizeCost();
console.log(`finalize: a late alert over a full ring (${fin.entries} entries, ${fin.processes} root processes): ${fin.ms.toFixed(1)} ms median of 20 (copy, sort, process tree, tiles; runs inside record() or onAlert())`);
