// The node's processes as Vigil knows them: pid → what it runs, who started it, where. Seeded once from /proc,
// then kept current by the caller from kernel events (exec / fork / exit, plain arguments). Rules need the
// ancestry (Falco's proc.pname, proc.aname[N], proc.pcmdline), and events about a process can arrive after its
// exit, so exited processes stay for a grace period. Bounded: a hard cap on entries, exited ones go first.
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Kernel task name (≤ 15 chars; /proc/<pid>/comm). */
  comm: string;
  /** Executable path ('' when unknown, e.g. kernel threads). */
  exe: string;
  /** Arguments after argv[0], as Falco's proc.args (proc.cmdline is "comm args..."). */
  args: string[];
  cwd: string;
  /** Effective uid. */
  uid: number;
  /** Audit login uid; absent when unset (4294967295). */
  loginuid?: number;
  /** Controlling terminal device number (stat tty_nr); absent when none. */
  tty?: number;
  /** Start time in ns since boot (CLOCK_BOOTTIME, as /proc and the BPF start_boottime report it). */
  startNs: number;
  /** cgroup v2 id (0 when unknown). */
  cgroupId: number;
  /** When the process exited (table clock, ms); absent while alive. */
  exitedAt?: number;
}

export interface ExecEvent {
  pid: number;
  ppid?: number;
  comm: string;
  exe: string;
  /** Arguments after argv[0]. */
  args: readonly string[];
  cwd?: string;
  uid: number;
  loginuid?: number;
  tty?: number;
  startNs?: number;
  cgroupId?: number;
}

export interface ForkEvent {
  pid: number;
  ppid: number;
  startNs?: number;
  cgroupId?: number;
}

export interface ProcessTableOptions {
  /** Hard cap on entries (live + exited). */
  maxEntries?: number;
  /** How long an exited process stays resolvable. */
  exitGraceMs?: number;
  /** Bounds on what is kept from a command line. */
  maxArgs?: number;
  maxArgsBytes?: number;
  maxPathLength?: number;
  now?: () => number;
}

export interface ProcessTableStats {
  entries: number;
  live: number;
  exited: number;
  execs: number;
  forks: number;
  exits: number;
  /** exec/fork for a pid that was unknown (its fork predates the table or was lost). */
  unknownParents: number;
  /** A new process for a pid still marked alive: its exit was missed. */
  reusedPids: number;
  evictedExited: number;
  /** Live entries dropped because the cap was reached with no exited entry left to drop. */
  evictedLive: number;
  seeded: number;
  /** Processes that vanished (or were unreadable) while the table was seeded. */
  seedErrors: number;
  argsTruncated: number;
}

const PID_MAX_LIMIT = 4194304;
/** USER_HZ: /proc/<pid>/stat starttime is in clock ticks, fixed at 100 for user space on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;
const UNSET_LOGINUID = 4294967295;

export class ProcessTable {
  private readonly procs = new Map<number, ProcessInfo>();
  /**
   * Entries in the order they were stored / exited. Queues with lazy deletion (an element is current only while
   * procs still maps its pid to that very object) rather than Map iteration order: taking the first key of a Map
   * after many deletions walks the deleted slots, which made eviction at the cap quadratic.
   */
  private readonly ageQueue = new ObjectQueue<ProcessInfo>();
  private readonly exitQueue = new ObjectQueue<ProcessInfo>();
  private exitedCount = 0;
  private lastSweep = -Infinity;
  private readonly sweepEveryMs: number;
  private readonly maxEntries: number;
  private readonly exitGraceMs: number;
  private readonly maxArgs: number;
  private readonly maxArgsBytes: number;
  private readonly maxPathLength: number;
  private readonly now: () => number;
  private readonly counters = {
    execs: 0, forks: 0, exits: 0, unknownParents: 0, reusedPids: 0, evictedExited: 0, evictedLive: 0, seeded: 0,
    seedErrors: 0, argsTruncated: 0,
  };

  constructor(opts: ProcessTableOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 65536;
    this.exitGraceMs = opts.exitGraceMs ?? 10_000;
    this.maxArgs = opts.maxArgs ?? 256;
    this.maxArgsBytes = opts.maxArgsBytes ?? 8192;
    this.maxPathLength = opts.maxPathLength ?? 4096;
    this.now = opts.now ?? Date.now;
    this.sweepEveryMs = Math.max(1, Math.min(1000, this.exitGraceMs / 4));
  }

  get size(): number {
    return this.procs.size;
  }

  stats(): ProcessTableStats {
    return {
      ...this.counters,
      entries: this.procs.size,
      live: this.procs.size - this.exitedCount,
      exited: this.exitedCount,
    };
  }

  get(pid: number): ProcessInfo | undefined {
    return this.procs.get(pid);
  }

  /** The parent's entry, if known. */
  parent(pid: number): ProcessInfo | undefined {
    const p = this.procs.get(pid);
    return p && p.ppid > 0 && p.ppid !== pid ? this.procs.get(p.ppid) : undefined;
  }

  /** [parent, grandparent, ...] up to n entries; stops at an unknown pid, pid 0 or a loop. */
  ancestors(pid: number, n: number): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    const seen = new Set<number>([pid]);
    let cur = this.procs.get(pid);
    while (cur && out.length < n) {
      const ppid = cur.ppid;
      if (ppid <= 0 || seen.has(ppid)) break;
      seen.add(ppid);
      const parent = this.procs.get(ppid);
      if (!parent) break;
      out.push(parent);
      cur = parent;
    }
    return out;
  }

  /** A process called execve(): it keeps its pid and parent and takes on the new image. */
  exec(e: ExecEvent): ProcessInfo | undefined {
    if (!validPid(e.pid)) return undefined;
    this.counters.execs++;
    const prev = this.procs.get(e.pid);
    const live = prev && prev.exitedAt === undefined ? prev : undefined;
    const ppid = e.ppid !== undefined && validPid(e.ppid) ? e.ppid : (live?.ppid ?? 0);
    if (!live && ppid > 0 && !this.procs.has(ppid)) this.counters.unknownParents++;
    const info: ProcessInfo = {
      pid: e.pid,
      ppid,
      comm: bounded(e.comm, 64),
      exe: bounded(e.exe, this.maxPathLength),
      args: this.boundArgs(e.args),
      cwd: e.cwd !== undefined ? bounded(e.cwd, this.maxPathLength) : (live?.cwd ?? ''),
      uid: validId(e.uid) ? e.uid : (live?.uid ?? 0),
      startNs: e.startNs ?? live?.startNs ?? 0,
      cgroupId: e.cgroupId ?? live?.cgroupId ?? 0,
    };
    const loginuid = e.loginuid !== undefined ? e.loginuid : live?.loginuid;
    if (loginuid !== undefined && validId(loginuid) && loginuid !== UNSET_LOGINUID) info.loginuid = loginuid;
    const tty = e.tty !== undefined ? e.tty : live?.tty;
    if (tty !== undefined && tty > 0) info.tty = tty;
    this.put(info);
    return info;
  }

  /** A new process (fork/clone of a thread group): it starts as a copy of its parent. */
  fork(e: ForkEvent): ProcessInfo | undefined {
    if (!validPid(e.pid) || !validPid(e.ppid)) return undefined;
    this.counters.forks++;
    const prev = this.procs.get(e.pid);
    if (prev && prev.exitedAt === undefined) this.counters.reusedPids++;
    const parent = this.procs.get(e.ppid);
    if (!parent) this.counters.unknownParents++;
    const info: ProcessInfo = {
      pid: e.pid,
      ppid: e.ppid,
      comm: parent?.comm ?? '',
      exe: parent?.exe ?? '',
      args: parent?.args ?? [],
      cwd: parent?.cwd ?? '',
      uid: parent?.uid ?? 0,
      startNs: e.startNs ?? 0,
      cgroupId: e.cgroupId ?? parent?.cgroupId ?? 0,
    };
    if (parent?.loginuid !== undefined) info.loginuid = parent.loginuid;
    if (parent?.tty !== undefined) info.tty = parent.tty;
    this.put(info);
    return info;
  }

  /** The process exited; it stays resolvable for exitGraceMs. */
  exit(pid: number): void {
    const p = this.procs.get(pid);
    if (!p || p.exitedAt !== undefined) return;
    this.counters.exits++;
    const at = this.now();
    p.exitedAt = at;
    this.exitedCount++;
    this.exitQueue.push(p);
    // The grace period is enforced here, so callers need no timer of their own (sweep() is still public).
    if (at - this.lastSweep >= this.sweepEveryMs) this.sweep();
  }

  /** Drop exited entries older than the grace period. Returns how many were dropped. */
  sweep(): number {
    this.lastSweep = this.now();
    const cutoff = this.lastSweep - this.exitGraceMs;
    let n = 0;
    for (;;) {
      const p = this.exitQueue.peek();
      if (!p) break;
      if (!this.isCurrent(p) || p.exitedAt === undefined) {
        this.exitQueue.shift();
        continue;
      }
      if (p.exitedAt > cutoff) break; // exit order: everything after is younger
      this.exitQueue.shift();
      this.drop(p);
      n++;
    }
    this.compactQueues();
    return n;
  }

  /**
   * Fill the table from /proc. Processes already known (events that raced the seed) are left alone; processes
   * that vanish mid-read are skipped and counted. `cgroupIdOf` maps a pid to its cgroup v2 id, when the caller can.
   */
  async seedFromProc(procRoot = '/proc', cgroupIdOf?: (pid: number) => number | undefined): Promise<number> {
    let names: string[];
    try {
      names = await readdir(procRoot);
    } catch {
      this.counters.seedErrors++;
      return 0;
    }
    let added = 0;
    const pids = names.filter((n) => /^\d+$/.test(n)).map(Number).filter(validPid);
    // A few reads at a time: enough to overlap I/O, not enough to flood the thread pool.
    const batch = 16;
    for (let i = 0; i < pids.length; i += batch) {
      const infos = await Promise.all(pids.slice(i, i + batch).map((pid) => this.readProc(procRoot, pid, cgroupIdOf)));
      for (const info of infos) {
        if (!info) continue;
        if (this.procs.has(info.pid)) continue;
        this.put(info);
        added++;
      }
    }
    this.counters.seeded += added;
    return added;
  }

  /** One process from /proc, or undefined when it is gone or unreadable. */
  async readProc(procRoot: string, pid: number, cgroupIdOf?: (pid: number) => number | undefined): Promise<ProcessInfo | undefined> {
    const dir = `${procRoot}/${pid}`;
    try {
      const [statText, statusText, cmdline] = await Promise.all([
        readFile(`${dir}/stat`, 'utf8'),
        readFile(`${dir}/status`, 'utf8'),
        readFile(`${dir}/cmdline`),
      ]);
      const stat = parseProcStat(statText);
      const uid = parseStatusUid(statusText);
      if (!stat || uid === undefined) {
        this.counters.seedErrors++;
        return undefined;
      }
      // exe and cwd are unreadable for kernel threads and for processes exiting right now: empty, not fatal.
      const [exe, cwd, loginuidText] = await Promise.all([
        readlink(`${dir}/exe`).catch(() => ''),
        readlink(`${dir}/cwd`).catch(() => ''),
        readFile(`${dir}/loginuid`, 'utf8').catch(() => ''),
      ]);
      const info: ProcessInfo = {
        pid,
        ppid: stat.ppid,
        comm: stat.comm,
        exe: bounded(exe.replace(/ \(deleted\)$/, ''), this.maxPathLength),
        args: this.boundArgs(splitCmdline(cmdline).slice(1)),
        cwd: bounded(cwd, this.maxPathLength),
        uid,
        startNs: Math.round((stat.startTicks * 1e9) / CLOCK_TICKS_PER_SECOND),
        cgroupId: cgroupIdOf?.(pid) ?? 0,
      };
      const loginuid = /^\d+$/.test(loginuidText.trim()) ? Number(loginuidText.trim()) : undefined;
      if (loginuid !== undefined && loginuid !== UNSET_LOGINUID) info.loginuid = loginuid;
      if (stat.ttyNr > 0) info.tty = stat.ttyNr;
      return info;
    } catch {
      this.counters.seedErrors++;
      return undefined;
    }
  }

  private put(info: ProcessInfo): void {
    const prev = this.procs.get(info.pid);
    if (prev?.exitedAt !== undefined) this.exitedCount--;
    this.procs.set(info.pid, info);
    this.ageQueue.push(info);
    while (this.procs.size > this.maxEntries) if (!this.evictOne(info)) break;
    if (this.ageQueue.length > 4 * this.maxEntries) this.compactQueues();
  }

  private isCurrent(p: ProcessInfo): boolean {
    return this.procs.get(p.pid) === p;
  }

  private drop(p: ProcessInfo): void {
    this.procs.delete(p.pid);
    if (p.exitedAt !== undefined) this.exitedCount--;
  }

  /** Make room: the longest-exited entry, else the oldest stored live one (never `keep`). */
  private evictOne(keep: ProcessInfo): boolean {
    for (let p = this.exitQueue.shift(); p; p = this.exitQueue.shift()) {
      if (!this.isCurrent(p) || p.exitedAt === undefined) continue;
      this.drop(p);
      this.counters.evictedExited++;
      return true;
    }
    for (let p = this.ageQueue.shift(); p; p = this.ageQueue.shift()) {
      if (!this.isCurrent(p) || p === keep) continue;
      this.drop(p);
      this.counters.evictedLive++;
      return true;
    }
    this.ageQueue.push(keep);
    return false;
  }

  /** Drop stale queue elements so the queues stay proportional to the table. */
  private compactQueues(): void {
    if (this.ageQueue.length > 2 * this.procs.size + 1024) this.ageQueue.retain((p) => this.isCurrent(p));
    if (this.exitQueue.length > 2 * this.exitedCount + 1024) {
      this.exitQueue.retain((p) => this.isCurrent(p) && p.exitedAt !== undefined);
    }
  }

  private boundArgs(args: readonly string[]): string[] {
    const out: string[] = [];
    let bytes = 0;
    let truncated = false;
    for (const a of args) {
      if (typeof a !== 'string') continue;
      if (out.length >= this.maxArgs || bytes + a.length > this.maxArgsBytes) {
        truncated = true;
        break;
      }
      out.push(a);
      bytes += a.length;
    }
    if (truncated) this.counters.argsTruncated++;
    return out;
  }
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  ttyNr: number;
  startTicks: number;
}

/**
 * /proc/<pid>/stat: "pid (comm) state ppid pgrp session tty_nr ... starttime(22) ...". comm may contain spaces
 * and parentheses, so it is everything between the first '(' and the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const ttyNr = Number(rest[4]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(ppid) || !Number.isInteger(ttyNr) || !Number.isFinite(startTicks)) {
    return undefined;
  }
  return { pid, comm: text.slice(open + 1, close), state, ppid, ttyNr, startTicks };
}

/** The effective uid from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"). */
export function parseStatusUid(text: string): number | undefined {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(text);
  return m?.[2] !== undefined ? Number(m[2]) : undefined;
}

/** NUL-separated argv, as /proc/<pid>/cmdline holds it (with a trailing NUL). */
export function splitCmdline(buf: Buffer): string[] {
  if (buf.length === 0) return [];
  const text = buf.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function validPid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && pid <= PID_MAX_LIMIT;
}

function validId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
}

function bounded(s: unknown, max: number): string {
  if (typeof s !== 'string') return '';
  return s.length > max ? s.slice(0, max) : s;
}

/** FIFO of objects with O(1) amortised shift (an array and a head index, compacted as the head advances). */
class ObjectQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Keep only elements passing the test, in order. */
  retain(keep: (v: T) => boolean): void {
    this.items = this.items.slice(this.head).filter(keep);
    this.head = 0;
  }
}
