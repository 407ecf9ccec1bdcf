// What /proc says about a process, read the way a privileged tool must: bounded reads, every field checked,
// anything odd treated as "unknown" rather than guessed.

import { open } from 'node:fs/promises';

export const PID_MAX_LIMIT = 4_194_304;
const PF_KTHREAD = 0x00200000;
const KTHREADD_PID = 2;

export interface ProcFacts {
  pid: number;
  comm: string;
  /** field 3: R, S, D, Z, X, ... */
  state: string;
  ppid: number;
  /** field 9: PF_* flags */
  flags: number;
  /** field 22: start time in clock ticks since boot; with pid, names one process for its whole life */
  startTicks: number;
}

export function validPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 && pid <= PID_MAX_LIMIT;
}

async function readSmall(path: string, max: number): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.toString('utf8', 0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Parses /proc/<pid>/stat. comm may hold spaces and parentheses: it is everything up to the last ')'. */
export function parseStat(text: string): ProcFacts | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open || text[close + 1] !== ' ') return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3; field N is rest[N - 3]
  const state = rest[0] ?? '';
  const ppid = Number(rest[1]);
  const flags = Number(rest[6]);
  const startTicks = Number(rest[19]);
  if (!validPid(pid) || !/^[A-Za-z]$/.test(state) || !Number.isInteger(ppid) || ppid < 0 || !Number.isInteger(flags) || flags < 0) return undefined;
  if (!Number.isSafeInteger(startTicks) || startTicks < 0) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, flags, startTicks };
}

export async function procFacts(pid: number): Promise<ProcFacts | undefined> {
  if (!validPid(pid)) return undefined;
  const text = await readSmall(`/proc/${pid}/stat`, 1024);
  const facts = text === undefined ? undefined : parseStat(text);
  return facts && facts.pid === pid ? facts : undefined;
}

export function isKernelThread(f: ProcFacts): boolean {
  return (f.flags & PF_KTHREAD) !== 0 || f.pid === KTHREADD_PID || f.ppid === KTHREADD_PID;
}

/** Gone, a zombie, or its pid now names another process: the process we knew is dead. */
export async function isDead(pid: number, startTicks: number): Promise<boolean> {
  const f = await procFacts(pid);
  return f === undefined || f.startTicks !== startTicks || f.state === 'Z' || f.state === 'X';
}

/** The cgroup paths of a process, one per hierarchy line of /proc/<pid>/cgroup ("id:controllers:path"). */
export async function procCgroupLines(pid: number): Promise<{ controllers: string[]; path: string }[] | undefined> {
  if (!validPid(pid)) return undefined;
  const text = await readSmall(`/proc/${pid}/cgroup`, 64 * 1024);
  if (text === undefined) return undefined;
  const out: { controllers: string[]; path: string }[] = [];
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    out.push({ controllers: line.slice(a + 1, b).split(',').filter(Boolean), path: line.slice(b + 1) });
  }
  return out;
}

/** The chain of parents of `pid` (not including it), nearest first, at most `max` long. */
export async function ancestorsOf(pid: number, max = 64): Promise<number[]> {
  const out: number[] = [];
  let cur = pid;
  for (let i = 0; i < max; i++) {
    const f = await procFacts(cur);
    if (!f || f.ppid <= 0 || out.includes(f.ppid)) break;
    out.push(f.ppid);
    cur = f.ppid;
  }
  return out;
}
