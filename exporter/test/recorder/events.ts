// Event builders for the recorder tests: the exact shapes docs/events.md documents (and the decoder emits), so
// the recorder is fed what `vigil node` hands it. A container's events share one ContainerRef, as the
// enricher's do, and carry ancestry (parent first) the way the process table reports it.

import type { AncestorInfo, ContainerRef, K8sRef, VigilEvent } from '../../src/events/types.js';

export const T0 = 1_764_801_600_000;

export function containerId(n: number): string {
  return n.toString(16).padStart(2, '0').repeat(32);
}

type Ev<T extends VigilEvent['type']> = Extract<VigilEvent, { type: T }>;

export class ContainerEvents {
  readonly container: ContainerRef;
  readonly k8s: K8sRef | undefined;
  private readonly cgroup: number;
  private readonly procs = new Map<number, { name: string; exe?: string; cmdline?: string; ppid: number }>();

  constructor(
    id: string,
    opts: { name?: string; image?: string; k8s?: K8sRef; cgroup?: number } = {},
  ) {
    this.container = id === 'host' ? { id: 'host', runtime: 'host' } : { id, runtime: 'podman', name: opts.name ?? 'demo', image: opts.image ?? 'localhost/vigil-demo:1' };
    this.k8s = opts.k8s;
    this.cgroup = opts.cgroup ?? 10424;
  }

  /** A process the table knows (e.g. seeded from /proc) before any event: gives ancestry. */
  known(pid: number, ppid: number, name: string, exe?: string, cmdline?: string): this {
    this.procs.set(pid, { name, ppid, ...(exe ? { exe } : {}), ...(cmdline ? { cmdline } : {}) });
    return this;
  }

  ancestorsOf(pid: number): AncestorInfo[] {
    const out: AncestorInfo[] = [];
    let p = this.procs.get(pid);
    while (p && out.length < 4) {
      const parent = this.procs.get(p.ppid);
      // The process table reports only the ancestors it knows.
      if (!parent) break;
      const a: AncestorInfo = { pid: p.ppid, name: parent.name };
      if (parent.exe) a.exe = parent.exe;
      if (parent.cmdline) a.cmdline = parent.cmdline;
      out.push(a);
      p = parent;
    }
    return out;
  }

  private common(ts: number, pid: number, name: string) {
    const time = new Date(Math.floor(ts)).toISOString().replace('Z', '000Z');
    const ev = {
      time, ts, node: 'node-a', cpu: 1, cgroup_id: this.cgroup, mntns: 4026532801, pidns: 4026532804,
      proc: { pid, tid: pid, name, uid: 0, gid: 0 },
      ancestors: this.ancestorsOf(pid),
      container: this.container,
      ...(this.k8s ? { k8s: this.k8s } : {}),
    };
    return ev;
  }

  exec(ts: number, pid: number, ppid: number, exe: string, argv: string[], extra: { tty?: number; upper_layer?: boolean } = {}): Ev<'exec'> {
    const name = (exe.split('/').pop() ?? exe).slice(0, 15);
    const cmdline = [name, ...argv.slice(1)].join(' ');
    this.procs.set(pid, { name, exe, cmdline, ppid });
    const base = this.common(ts, pid, name);
    return {
      ...base,
      type: 'exec',
      proc: { ...base.proc, ppid, exe, argv, cmdline, cwd: '/', euid: 0, egid: 0, loginuid: -1, tty: extra.tty ?? 0, start_ns: 88_123_456_789 + pid },
      exec: { filename: exe, upper_layer: extra.upper_layer ?? false, memfd: false, overlay: true, cap_effective: '0xa80425fb', cap_permitted: '0xa80425fb' },
    };
  }

  fork(ts: number, pid: number, child: number, thread = false): Ev<'fork'> {
    const parent = this.procs.get(pid);
    if (!thread) this.procs.set(child, { name: parent?.name ?? 'sh', ppid: pid, ...(parent?.exe ? { exe: parent.exe } : {}), ...(parent?.cmdline ? { cmdline: parent.cmdline } : {}) });
    return { ...this.common(ts, pid, parent?.name ?? 'sh'), type: 'fork', fork: { child_pid: child, child_tid: child, thread } };
  }

  exit(ts: number, pid: number, code = 0, signal = 0): Ev<'exit'> {
    const ev: Ev<'exit'> = { ...this.common(ts, pid, this.procs.get(pid)?.name ?? 'sh'), type: 'exit', exit: { code, signal, core_dumped: false } };
    this.procs.delete(pid);
    return ev;
  }

  open(ts: number, pid: number, path: string, opts: { flags?: number; res?: number; syscall?: 'openat' | 'creat' } = {}): Ev<'open'> {
    const flags = opts.flags ?? 0o2000000;
    return {
      ...this.common(ts, pid, this.procs.get(pid)?.name ?? 'cat'),
      type: 'open',
      open: { syscall: opts.syscall ?? 'openat', path, res: opts.res ?? 3, flags, flag_names: [], mode: 0, file_type: 'file', dev: 44, ino: 1234 },
    };
  }

  connect(ts: number, pid: number, ip: string, port: number, res = 0): Ev<'connect'> {
    return {
      ...this.common(ts, pid, this.procs.get(pid)?.name ?? 'nc'),
      type: 'connect',
      net: { syscall: 'connect', res, fd: 3, family: ip.includes(':') ? 'inet6' : 'inet', proto: 'tcp', local: { ip: '10.88.0.5', port: 40112 }, remote: { ip, port } },
    };
  }

  accept(ts: number, pid: number, localPort: number, remoteIp: string, remotePort: number): Ev<'accept'> {
    return {
      ...this.common(ts, pid, this.procs.get(pid)?.name ?? 'httpd'),
      type: 'accept',
      net: { syscall: 'accept4', res: 5, fd: 3, family: 'inet', proto: 'tcp', local: { ip: '0.0.0.0', port: localPort }, remote: { ip: remoteIp, port: remotePort } },
    };
  }

  setuid(ts: number, pid: number, uid: number, euidBefore: number, res = 0): Ev<'setid'> {
    return { ...this.common(ts, pid, this.procs.get(pid)?.name ?? 'su'), type: 'setid', setid: { syscall: 'setuid', res, ids: [uid], euid_before: euidBefore } };
  }

  ptrace(ts: number, pid: number, target: number): Ev<'ptrace'> {
    return { ...this.common(ts, pid, this.procs.get(pid)?.name ?? 'gdb'), type: 'ptrace', ptrace: { res: 0, request: 16, request_name: 'PTRACE_ATTACH', target_pid: target } };
  }

  mount(ts: number, pid: number, source: string, target: string): Ev<'mount'> {
    return { ...this.common(ts, pid, 'mount'), type: 'mount', mount: { res: 0, source, target, fstype: 'ext4', flags: 0 } };
  }

  module(ts: number, pid: number, res = -1): Ev<'module'> {
    return { ...this.common(ts, pid, 'insmod'), type: 'module', module: { syscall: 'finit_module', res, fd: 3, args: '' } };
  }
}

export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;
