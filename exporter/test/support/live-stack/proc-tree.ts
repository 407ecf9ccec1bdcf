// Which processes descend from a set of pids, named by pid and start time so that a reused pid is never mistaken
// for a survivor. The live stack's test uses it to prove that stop() leaves no process behind (vigil node's
// loader, podman's conmon, anything they started).

import { readdirSync, readFileSync } from 'node:fs';

export interface ProcId {
  pid: number;
  start: string;
  comm: string;
}

function stat(pid: number): { ppid: number; start: string; comm: string; state: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const fields = s.slice(close + 2).split(' ');
    // After the command name: state(0) ppid(1) ... starttime(19)
    return { ppid: Number(fields[1]), start: fields[19] ?? '', comm: s.slice(s.indexOf('(') + 1, close), state: fields[0] ?? '' };
  } catch {
    return undefined;
  }
}

/** The roots and every process below them, right now. */
export function descendants(roots: number[]): ProcId[] {
  const children = new Map<number, number[]>();
  const info = new Map<number, { start: string; comm: string }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const s = stat(pid);
    if (!s) continue;
    info.set(pid, s);
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: ProcId[] = [];
  const seen = new Set<number>();
  const queue = roots.filter((p) => info.has(p));
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const i = info.get(pid)!;
    out.push({ pid, start: i.start, comm: i.comm });
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Those of `procs` that still run (same pid and start time; a zombie waiting to be reaped has stopped). */
export function stillRunning(procs: readonly ProcId[]): ProcId[] {
  return procs.filter((p) => {
    const s = stat(p.pid);
    return s !== undefined && s.start === p.start && s.state !== 'Z';
  });
}
