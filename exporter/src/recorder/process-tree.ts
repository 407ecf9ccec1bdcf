// A capture's process tree, from its time-ordered entries and the ancestry each event carried.
// Parent links, most trusted first: the fork that created the process (who started it, even after the kernel
// reparents an orphan), the ppid its exec reported, then the event's ancestry (parent first). A pid that is
// forked again after its exit is a new process (pid reuse). A process whose parent is not in the capture
// becomes a root that keeps its ppid (`parent_missing`). Links that would close a cycle (inconsistent pids)
// are cut, and subtrees nested deeper than MAX_TREE_DEPTH are lifted to the top, so the tree stays a finite,
// shallow-enough JSON document.

import type { AncestorInfo } from '../events/types.js';
import type { ActivityEntry } from './entry.js';
import type { ProcessNode } from './types.js';

export const MAX_TREE_DEPTH = 256;

type ParentSource = 'fork' | 'exec' | 'ancestry';
const PARENT_RANK: Record<ParentSource, number> = { fork: 3, exec: 2, ancestry: 1 };

interface Proc {
  node: ProcessNode;
  parentFrom: ParentSource | undefined;
  parent: Proc | undefined;
}

export function buildProcessTree(
  entries: readonly ActivityEntry[],
  ancestry: readonly (readonly AncestorInfo[] | undefined)[],
): ProcessNode[] {
  const current = new Map<number, Proc>();
  const everyByPid = new Map<number, Proc[]>();
  const all: Proc[] = [];

  const create = (pid: number, name: string, seen: ProcessNode['seen']): Proc => {
    // Every key up front, in the order the JSON shows them; unknown ones stay undefined (left out of the JSON).
    const node: ProcessNode = {
      pid, ppid: undefined, name, exe: undefined, cmdline: undefined, start: undefined, start_ns: undefined, execs: 0,
      exit_code: undefined, exit_signal: undefined, core_dumped: undefined, exit_ts: undefined, seen,
      parent_missing: undefined, nesting_cut: undefined, children: [],
    };
    const p: Proc = { node, parentFrom: undefined, parent: undefined };
    all.push(p);
    current.set(pid, p);
    const list = everyByPid.get(pid);
    if (list) list.push(p);
    else everyByPid.set(pid, [p]);
    return p;
  };
  const setParent = (p: Proc, ppid: number | undefined, from: ParentSource): void => {
    if (ppid === undefined || !Number.isInteger(ppid) || ppid === p.node.pid) return;
    if (p.parentFrom !== undefined && PARENT_RANK[p.parentFrom] >= PARENT_RANK[from]) return;
    p.node.ppid = ppid;
    p.parentFrom = from;
  };

  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    let p = current.get(e.pid);
    if (!p) p = create(e.pid, e.name, 'window');
    else if (p.node.seen === 'ancestry') p.node.seen = 'window';
    switch (e.type) {
      case 'fork': {
        if (e.thread) break;
        let child = current.get(e.child_pid);
        // A known pid that already exited, or that acted before this fork created it, is an earlier process.
        if (!child || child.node.exit_ts !== undefined || child.node.seen === 'window') child = create(e.child_pid, p.node.name, 'window');
        child.node.seen = 'window';
        child.node.start = e.ts;
        // A fork runs the parent's program until the child execs.
        if (p.node.exe !== undefined && child.node.exe === undefined) child.node.exe = p.node.exe;
        if (p.node.cmdline !== undefined && child.node.cmdline === undefined) child.node.cmdline = p.node.cmdline;
        setParent(child, e.pid, 'fork');
        break;
      }
      case 'exec':
        p.node.name = e.name;
        p.node.exe = e.exe;
        p.node.cmdline = e.cmdline;
        if (e.start_ns !== undefined) p.node.start_ns = e.start_ns;
        if (p.node.start === undefined) p.node.start = e.ts;
        p.node.execs++;
        setParent(p, e.ppid, 'exec');
        break;
      case 'exit':
        p.node.exit_code = e.code;
        p.node.exit_signal = e.signal;
        p.node.core_dumped = e.core_dumped;
        p.node.exit_ts = e.ts;
        current.delete(e.pid);
        break;
      default:
        break;
    }
    const anc = ancestry[i];
    if (anc && anc.length > 0) learnAncestry(p, anc);
  }

  function learnAncestry(start: Proc, anc: readonly AncestorInfo[]): void {
    let child = start;
    for (const a of anc) {
      if (!a || !Number.isInteger(a.pid)) return;
      // Ancestry describes the parent at event time; it does not overrule a parent already learned otherwise.
      if (child.node.ppid !== undefined && child.node.ppid !== a.pid) return;
      setParent(child, a.pid, 'ancestry');
      let parent = current.get(a.pid);
      if (!parent) parent = create(a.pid, typeof a.name === 'string' ? a.name : '', 'ancestry');
      // Fills only what the window did not tell (a process that acted but never exec'd inside it).
      if (parent.node.exe === undefined && typeof a.exe === 'string') parent.node.exe = a.exe;
      if (parent.node.cmdline === undefined && typeof a.cmdline === 'string') parent.node.cmdline = a.cmdline;
      child = parent;
    }
  }

  // Every process has at most one parent candidate, so the links form a functional graph: link them all, then
  // cut one link per cycle (bad or reused pids), then cut links that nest deeper than MAX_TREE_DEPTH.
  for (const p of all) {
    if (p.node.ppid === undefined) continue;
    p.parent = pickParent(everyByPid.get(p.node.ppid), p);
    if (!p.parent) p.node.parent_missing = true;
  }
  cutCycles(all);
  const roots: Proc[] = [];
  for (const p of all) {
    if (p.parent) p.parent.node.children.push(p.node);
    else roots.push(p);
  }
  const allRoots = cutDeepNesting(roots, all);
  const byStart = (a: ProcessNode, b: ProcessNode): number => (a.start ?? -Infinity) - (b.start ?? -Infinity) || a.pid - b.pid;
  for (const p of all) p.node.children.sort(byStart);
  return allRoots.map((r) => r.node).sort(byStart);
}

/** Colours each chain once (0 new, 1 on the current walk, 2 done): O(n) over the whole forest. */
function cutCycles(all: Proc[]): void {
  const state = new Map<Proc, number>();
  for (const start of all) {
    if (state.has(start)) continue;
    const path: Proc[] = [];
    let p: Proc | undefined = start;
    while (p && !state.has(p)) {
      state.set(p, 1);
      path.push(p);
      p = p.parent;
    }
    // Arriving at a process on this very walk means the last link taken closes a cycle: cut it.
    if (p && state.get(p) === 1) {
      const last = path[path.length - 1]!;
      last.parent = undefined;
      last.node.parent_missing = true;
    }
    for (const q of path) state.set(q, 2);
  }
}

/**
 * Breadth-first from each root; the children of a process at depth MAX_TREE_DEPTH are detached, marked
 * `nesting_cut`, and walked again as roots of their own. Returns every root, the detached ones included.
 */
function cutDeepNesting(roots: Proc[], all: Proc[]): Proc[] {
  const byNode = new Map<ProcessNode, Proc>();
  for (const p of all) byNode.set(p.node, p);
  const out: Proc[] = [];
  for (let r = 0; r < roots.length; r++) {
    out.push(roots[r]!);
    let level: Proc[] = [roots[r]!];
    for (let depth = 0; level.length > 0; depth++) {
      const next: Proc[] = [];
      for (const p of level) {
        if (depth === MAX_TREE_DEPTH && p.node.children.length > 0) {
          for (const c of p.node.children) {
            const cp = byNode.get(c)!;
            cp.parent = undefined;
            c.nesting_cut = true;
            roots.push(cp);
          }
          p.node.children = [];
          continue;
        }
        for (const c of p.node.children) next.push(byNode.get(c)!);
      }
      level = next;
    }
  }
  return out;
}

/** The parent process among the processes that had that pid: the newest one that started before the child. */
function pickParent(candidates: Proc[] | undefined, child: Proc): Proc | undefined {
  if (!candidates) return undefined;
  const start = child.node.start ?? Infinity;
  let best: Proc | undefined;
  for (const c of candidates) {
    if (c === child) continue;
    if ((c.node.start ?? -Infinity) <= start) best = c;
  }
  return best ?? candidates.find((c) => c !== child);
}

