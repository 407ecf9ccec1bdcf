// Rules engine throughput, events per second on one core: the default ruleset and a 150-rule ruleset in Falco's
// syntax (exporter/test/rules/fixtures/falco-style-rules.yaml). Events are a realistic mix in the documented
// JSON shape (opens dominate, then execs, forks/exits, connects), generated once and cycled; each run times
// engine.evaluate() over RUN_EVENTS events on this thread only (no decoding, no alert rendering: those are
// measured separately below). Runs of the two rulesets are interleaved after a warm-up; the median is reported,
// both per wall-clock second and per CPU second of this process (user + system, so GC is included): on a shared
// machine the wall clock also counts time the thread was not running, the CPU figure is the per-core rate.
//
//   node --import tsx bench/rules-engine.bench.ts        (VIGIL_BENCH_RUNS, VIGIL_BENCH_EVENTS to change)

import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { RuleEngine } from '../exporter/src/rules/engine.js';
import { loadRulesFiles } from '../exporter/src/rules/load.js';
import type { LooseEvent } from '../exporter/src/rules/fields/context.js';

const repo = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.VIGIL_BENCH_RUNS ?? 9);
const RUN_EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 1_000_000);
const DISTINCT = 20_000;

// ---- a deterministic event mix --------------------------------------------------------------------------

let seed = 42;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const containers = [
  { id: 'host', runtime: 'host' },
  { id: '5f0c0e4a9b2d4c6e8f1a3b5c7d9e0f21436587a9bcdef0123456789abcdef012', runtime: 'podman', name: 'web', image: 'docker.io/library/nginx:1.27' },
  { id: '8d2e61f0a7c34b5e9d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f', runtime: 'containerd', name: 'api', image: 'ghcr.io/shop/api:4.2' },
  { id: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80', runtime: 'containerd', name: 'worker', image: 'docker.io/library/python:3.12-slim' },
];
const k8s = { ns: 'shop', pod: 'api-7d9f8c6b5-x2k4q', pod_uid: '0f1e2d3c', container: 'api', workload_kind: 'Deployment', workload: 'api' };
const procs = [
  ['nginx', '/usr/sbin/nginx'], ['python3', '/usr/local/bin/python3.12'], ['node', '/usr/local/bin/node'], ['java', '/opt/java/bin/java'],
  ['bash', '/usr/bin/bash'], ['sh', '/bin/busybox'], ['cat', '/usr/bin/cat'], ['ls', '/usr/bin/ls'], ['grep', '/usr/bin/grep'], ['curl', '/usr/bin/curl'],
  ['systemd', '/usr/lib/systemd/systemd'], ['kubelet', '/usr/bin/kubelet'], ['containerd', '/usr/bin/containerd'], ['sshd', '/usr/sbin/sshd'],
  ['postgres', '/usr/lib/postgresql/16/bin/postgres'], ['cron', '/usr/sbin/cron'], ['ps', '/usr/bin/ps'], ['awk', '/usr/bin/awk'],
] as const;
const ancestorsPool = [
  [{ pid: 900, name: 'bash', exe: '/usr/bin/bash', cmdline: 'bash' }, { pid: 800, name: 'sshd', exe: '/usr/sbin/sshd', cmdline: 'sshd: alice@pts/0' }],
  [{ pid: 700, name: 'containerd-shim', exe: '/usr/bin/containerd-shim-runc-v2', cmdline: 'containerd-shim-runc-v2 -namespace k8s.io' }, { pid: 1, name: 'systemd', exe: '/usr/lib/systemd/systemd', cmdline: 'systemd' }],
  [{ pid: 650, name: 'node', exe: '/usr/local/bin/node', cmdline: 'node server.js' }, { pid: 600, name: 'conmon', exe: '/usr/bin/conmon', cmdline: 'conmon' }],
  [{ pid: 500, name: 'sh', exe: '/bin/busybox', cmdline: 'sh -c run.sh' }, { pid: 400, name: 'python3', exe: '/usr/local/bin/python3.12', cmdline: 'python3 app.py' }],
];
const openPaths = [
  '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/etc/ld.so.cache', '/etc/hosts', '/etc/resolv.conf', '/etc/nsswitch.conf',
  '/etc/passwd', '/etc/group', '/etc/localtime', '/proc/self/stat', '/proc/1234/status', '/proc/meminfo', '/sys/fs/cgroup/memory.max', '/tmp/upload-1.bin',
  '/var/lib/app/data.db', '/var/log/nginx/access.log', '/app/static/index.html', '/usr/share/zoneinfo/UTC', '/dev/null', '/dev/urandom',
  '/etc/ssl/certs/ca-certificates.crt', '/home/alice/.bashrc', '/root/.cache/pip/x', '/etc/shadow', '/usr/bin/ls', '/opt/java/lib/modules',
];
const remotes = [['10.96.0.10', 53], ['93.184.216.34', 443], ['10.244.1.17', 5432], ['172.217.16.14', 443], ['203.0.113.50', 8443], ['127.0.0.1', 6379]] as const;

let n = 0;
function base(type: string): LooseEvent & Record<string, unknown> {
  n++;
  const [name, exe] = pick(procs);
  const c = pick(containers);
  const ev: Record<string, unknown> = {
    type, time: '2026-12-03T22:40:01.123456Z', ts: 1796337601123.456 + n, node: 'node-a', cpu: n % 2, cgroup_id: 10000 + (n % 50),
    mntns: 4026532801, pidns: 4026532804, proc: { pid: 1000 + (n % 3000), tid: 1000 + (n % 3000), name, uid: rnd() < 0.8 ? 0 : 1000, gid: 0 },
    ancestors: pick(ancestorsPool), container: c,
  };
  if (c.id !== 'host' && rnd() < 0.5) ev.k8s = k8s;
  (ev.proc as Record<string, unknown>).exe_hint = exe;
  return ev as LooseEvent & Record<string, unknown>;
}

function makeEvent(): LooseEvent {
  const r = rnd();
  if (r < 0.55) {
    const ev = base('open');
    const write = rnd() < 0.08;
    ev.open = { syscall: rnd() < 0.9 ? 'openat' : 'open', path: pick(openPaths), res: rnd() < 0.95 ? 3 + (n % 20) : -2, flags: write ? 0o1101 : 0o2000000, mode: write ? 0o644 : 0, file_type: 'file', dev: 44, ino: n };
    return ev;
  }
  if (r < 0.70) {
    const ev = base('exec');
    const p = ev.proc as Record<string, unknown>;
    const args = pick([['-c', 'echo ok'], ['/etc/hosts'], ['-la', '/app'], ['https://example.com'], [], ['-m', 'http.server']]);
    p.argv = [p.name, ...args];
    p.cmdline = [p.name, ...args].join(' ');
    p.exe = p.exe_hint;
    Object.assign(p, { ppid: 900, cwd: '/', euid: p.uid, egid: 0, loginuid: -1, tty: rnd() < 0.05 ? 34816 : 0, start_ns: n });
    ev.exec = { filename: String(p.exe), upper_layer: rnd() < 0.01, memfd: false, overlay: true, cap_effective: '0xa80425fb', cap_permitted: '0xa80425fb' };
    return ev;
  }
  if (r < 0.80) {
    const ev = base('fork');
    ev.fork = { child_pid: n, child_tid: n, thread: rnd() < 0.5 };
    return ev;
  }
  if (r < 0.88) {
    const ev = base('exit');
    ev.exit = { code: 0, signal: 0, core_dumped: false };
    return ev;
  }
  if (r < 0.96) {
    const ev = base(rnd() < 0.8 ? 'connect' : 'accept');
    const [ip, port] = pick(remotes);
    ev.net = { syscall: ev.type === 'connect' ? 'connect' : 'accept4', res: rnd() < 0.3 ? -115 : 0, fd: 5, family: 'inet', proto: 'tcp', local: { ip: '10.244.1.9', port: 40000 + (n % 2000) }, remote: { ip, port } };
    return ev;
  }
  const ev = base(pick(['setid', 'ptrace', 'mount']));
  if (ev.type === 'setid') ev.setid = { syscall: 'setresuid', res: 0, ids: [1000, 1000, 1000], euid_before: 0 };
  else if (ev.type === 'ptrace') ev.ptrace = { res: 0, request: 0, request_name: 'PTRACE_TRACEME', target_pid: 0 };
  else ev.mount = { res: 0, source: 'tmpfs', target: '/run/x', fstype: 'tmpfs', flags: 0 };
  return ev;
}

const events: LooseEvent[] = Array.from({ length: DISTINCT }, makeEvent);

// ---- rulesets ---------------------------------------------------------------------------------------------

function engineFor(file: string): RuleEngine {
  const r = loadRulesFiles([file]);
  if (!r.ok) throw new Error(`${file}: ${r.errors.length} errors`);
  return new RuleEngine(r.ruleset, { hostname: 'node-a' });
}
const sets = [
  { name: 'default (exporter/rules/vigil_rules.yaml)', engine: engineFor(resolve(repo, 'exporter/rules/vigil_rules.yaml')), rates: [] as number[], cpuRates: [] as number[], matches: 0 },
  { name: 'falco-style 150 rules (test fixture)', engine: engineFor(resolve(repo, 'exporter/test/rules/fixtures/falco-style-rules.yaml')), rates: [] as number[], cpuRates: [] as number[], matches: 0 },
];

function run(engine: RuleEngine): { rate: number; cpuRate: number; matches: number } {
  let matches = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < RUN_EVENTS; i++) matches += engine.evaluate(events[i % DISTINCT]!).length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpuSecs = (c.user + c.system) / 1e6;
  return { rate: RUN_EVENTS / secs, cpuRate: RUN_EVENTS / cpuSecs, matches };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const fmt = (x: number): string => `${(x / 1e6).toFixed(2)}M/s`;

const mix = events.reduce<Record<string, number>>((acc, e) => ((acc[e.type!] = (acc[e.type!] ?? 0) + 1), acc), {});
console.log(`rules-engine: ${DISTINCT} distinct events cycled, ${RUN_EVENTS} evaluations per run, ${RUNS} interleaved runs per ruleset after 1 warm-up each`);
console.log(`  event mix: ${Object.entries(mix).map(([t, c]) => `${t} ${((c / DISTINCT) * 100).toFixed(0)}%`).join(', ')}`);
console.log(`  single thread, Node ${process.version}; timing covers engine.evaluate() only (events already parsed); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
for (const s of sets) console.log(`  ${s.name}: ${s.engine.activeRules.length} active rules`);
for (const s of sets) run(s.engine);
for (let i = 0; i < RUNS; i++) {
  for (const s of sets) {
    const r = run(s.engine);
    s.rates.push(r.rate);
    s.cpuRates.push(r.cpuRate);
    s.matches = r.matches;
  }
}
for (const s of sets) {
  console.log(`  ${s.name}: per CPU second median ${fmt(median(s.cpuRates))} (min ${fmt(Math.min(...s.cpuRates))}, max ${fmt(Math.max(...s.cpuRates))}); wall clock median ${fmt(median(s.rates))} (min ${fmt(Math.min(...s.rates))}); ${s.matches} matches per run of ${RUN_EVENTS}`);
}

// Alert rendering, measured apart: it only happens for matches.
{
  const e = sets[0]!.engine;
  const ms = events.flatMap((ev) => [...e.evaluate(ev)]);
  if (ms.length) {
    const t0 = process.hrtime.bigint();
    let k = 0;
    for (let i = 0; i < 50_000; i++) k += e.alert(ms[i % ms.length]!).output.length;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`  alert rendering (default rules, ${ms.length} distinct matches): ${Math.round(50_000 / secs)} alerts/s (${k > 0 ? 'ok' : '?'})`);
  }
}
const target = 1_000_000;
const worst = Math.min(...sets.map((s) => median(s.cpuRates)));
console.log(`rules-engine: ${worst >= target ? 'PASS' : 'FAIL'}: slowest median ${fmt(worst)} per CPU second (target >= 1.00M/s per core); load average at the end ${loadavg()[0]!.toFixed(1)}`);
