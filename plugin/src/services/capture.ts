/**
 * Flight-recorder activity (Loki `stream="activity"` lines, docs/recorder.md) → the Inspect page's timeline model:
 * entries in time order, the process tree, and per-process files and connections. Pure: no React, no runtime.
 *
 * Lines are the recorder's compact entries (exporter/src/recorder/entry.ts) or whole events (docs/events.md: the
 * process under `proc`, the per-type fields under `exec`, `open`, `net`...); both are read. Anything else is
 * counted as malformed and skipped.
 */
import type { DataFrame } from '@grafana/data';
import { readLogLines, type LogLine } from './alerts';
import { isCaptureId } from './logql';

export const ENTRY_TYPES = ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'setid', 'ptrace', 'mount', 'module'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];
const TYPE_SET: ReadonlySet<string> = new Set(ENTRY_TYPES);

/** Deepest ancestry walked when checking a late parent link for a cycle (the recorder cuts at 256 too). */
const MAX_DEPTH = 256;

export interface ActivityEntryView {
  /** Position in time order (index into ActivityModel.entries). */
  index: number;
  ts: number;
  type: EntryType;
  pid: number;
  tid: number;
  name: string;
  uid?: number;
  captureId?: string;
  /** What it did, in one line: the command, the path, the remote endpoint... */
  summary: string;
  /** Path for opens, endpoint for connects/accepts. */
  target?: string;
  failed: boolean;
  /** The process node the entry belongs to (index into ActivityModel.processes). */
  process: number;
  /** The entry as parsed, for the detail view. */
  raw: Record<string, unknown>;
}

export interface ProcessNode {
  key: number;
  pid: number;
  ppid?: number;
  name: string;
  exe?: string;
  cmdline?: string;
  /** First time seen (fork, exec or first entry). */
  start: number;
  exitTs?: number;
  exitCode?: number;
  exitSignal?: number;
  execs: number;
  parent?: number;
  /** It has a ppid, but that process is not in the capture. */
  parentMissing: boolean;
  children: number[];
  /** Indices of its entries, in time order. */
  entries: number[];
}

export interface ActivityModel {
  entries: ActivityEntryView[];
  processes: ProcessNode[];
  /** Processes without a parent in the capture, by start time. */
  roots: number[];
  captureIds: string[];
  counts: Partial<Record<EntryType, number>>;
  /** Time span of the entries (ms); 0/0 when empty. */
  from: number;
  to: number;
  malformed: number;
  duplicates: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function endpoint(v: unknown): string | undefined {
  const e = obj(v);
  const ip = s(e.ip);
  const port = num(e.port);
  if (ip === undefined) return undefined;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return port === undefined ? host : `${host}:${port}`;
}

/** Flattens an event (`proc`, per-type object) into the entry shape; an entry passes through. */
function flatten(j: Json): Json {
  const proc = obj(j.proc);
  if (!j.proc) return j;
  const type = s(j.type) ?? '';
  const perType = obj(j[type === 'connect' || type === 'accept' ? 'net' : type]);
  const out: Json = { ...perType, ...j, ...proc };
  if (type === 'ptrace' && perType.request_name !== undefined) out.request = perType.request_name;
  if (type === 'exec' && out.exe === undefined) out.exe = perType.filename;
  return out;
}

interface Parsed {
  ts: number;
  type: EntryType;
  pid: number;
  tid: number;
  name: string;
  j: Json;
}

function parseLine(l: LogLine): Parsed | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(l.line);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const j = flatten(raw as Json);
  const type = s(j.type);
  const pid = num(j.pid);
  if (type === undefined || !TYPE_SET.has(type) || pid === undefined) return undefined;
  const ts = num(j.ts) ?? l.timeMs;
  if (!Number.isFinite(ts)) return undefined;
  return { ts, type: type as EntryType, pid, tid: num(j.tid) ?? pid, name: s(j.name) ?? '', j };
}

function describe(p: Parsed): { summary: string; target?: string; failed: boolean } {
  const j = p.j;
  const res = num(j.res);
  switch (p.type) {
    case 'exec':
      return { summary: s(j.cmdline) || s(j.exe) || p.name, failed: false };
    case 'fork':
      return { summary: `${j.thread === true ? 'thread' : 'fork'} → ${num(j.child_pid) ?? '?'}`, failed: false };
    case 'exit': {
      const sig = num(j.signal) ?? 0;
      return { summary: sig ? `killed by signal ${sig}${j.core_dumped === true ? ' (core)' : ''}` : `exit ${num(j.code) ?? '?'}`, failed: sig !== 0 };
    }
    case 'open': {
      const path = s(j.path) ?? '';
      return { summary: `${j.write === true ? 'write' : 'read'} ${path}`, target: path, failed: res !== undefined && res < 0 };
    }
    case 'connect':
    case 'accept': {
      const remote = endpoint(j.remote) ?? s(j.unix_path) ?? '';
      const proto = s(j.proto) ?? '';
      // EINPROGRESS (-115) is a started non-blocking connect, not a failure (docs/recorder.md).
      const failed = res !== undefined && res < 0 && res !== -115;
      return { summary: `${p.type === 'connect' ? '→' : '←'} ${proto} ${remote}`.trim(), target: remote, failed };
    }
    case 'setid':
      return { summary: `${s(j.syscall) ?? 'setid'}(${Array.isArray(j.ids) ? j.ids.join(', ') : ''})`, failed: res !== undefined && res < 0 };
    case 'ptrace':
      return { summary: `${s(j.request) ?? 'ptrace'} ${num(j.target_pid) ?? ''}`.trim(), failed: res !== undefined && res < 0 };
    case 'mount':
      return { summary: `mount ${s(j.source) ?? ''} on ${s(j.target) ?? ''} (${s(j.fstype) ?? ''})`, target: s(j.target), failed: res !== undefined && res < 0 };
    case 'module':
      return { summary: `${s(j.syscall) ?? 'module'} ${s(j.args) ?? ''}`.trim(), failed: res !== undefined && res < 0 };
  }
}

function dedupeKey(p: Parsed): string {
  const j = p.j;
  return `${p.ts}|${p.tid}|${p.type}|${s(j.path) ?? endpoint(j.remote) ?? num(j.child_pid) ?? s(j.cmdline) ?? ''}`;
}

/**
 * Builds the model in O(n) after one sort by time. The tree follows the recorder's rules (docs/recorder.md): a
 * fork creates the child's node and its link; an exec's ppid links a process whose fork is outside the window;
 * a pid seen again after its exit, or forked again, is a new node (pid reuse); a process whose parent is not in
 * the capture is a root with parentMissing; threads are not processes.
 */
export function buildActivityModel(lines: readonly LogLine[], opts: { captureId?: string } = {}): ActivityModel {
  let malformed = 0;
  let duplicates = 0;
  const parsed: Parsed[] = [];
  const seen = new Set<string>();
  const captureIds = new Set<string>();
  for (const l of lines) {
    const p = parseLine(l);
    if (!p) {
      malformed++;
      continue;
    }
    const cap = s(p.j.capture_id);
    if (opts.captureId && cap !== opts.captureId) continue;
    if (isCaptureId(cap)) captureIds.add(cap);
    // Overlapping captures of one container repeat the same entries.
    const key = dedupeKey(p);
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    parsed.push(p);
  }
  // Stable: equal times keep line order (a fork is written before its child's exec).
  parsed.sort((a, b) => a.ts - b.ts);

  const processes: ProcessNode[] = [];
  const live = new Map<number, number>();
  const exited = new Set<number>();

  const newNode = (pid: number, ts: number, name: string, ppid?: number): ProcessNode => {
    const node: ProcessNode = { key: processes.length, pid, ppid, name, start: ts, execs: 0, parentMissing: false, children: [], entries: [] };
    processes.push(node);
    live.set(pid, node.key);
    return node;
  };
  const isAncestor = (candidate: number, of: number): boolean => {
    let k: number | undefined = candidate;
    for (let d = 0; k !== undefined && d < MAX_DEPTH; d++) {
      if (k === of) return true;
      k = processes[k]!.parent;
    }
    return k !== undefined;
  };
  const link = (child: ProcessNode, parentKey: number | undefined) => {
    if (parentKey === undefined || child.parent !== undefined || isAncestor(parentKey, child.key)) return;
    child.parent = parentKey;
    processes[parentKey]!.children.push(child.key);
  };
  /** The live node of a pid, or a new one when it is unknown or has exited (pid reuse). */
  const current = (p: Parsed): ProcessNode => {
    const k = live.get(p.pid);
    if (k !== undefined && !exited.has(k)) return processes[k]!;
    return newNode(p.pid, p.ts, p.name);
  };

  const entries: ActivityEntryView[] = [];
  const counts: Partial<Record<EntryType, number>> = {};
  for (const p of parsed) {
    const j = p.j;
    let node: ProcessNode;
    if (p.type === 'exec') {
      node = current(p);
      const ppid = num(j.ppid);
      if (ppid !== undefined) {
        node.ppid = ppid;
        const pk = live.get(ppid);
        if (pk !== undefined && pk !== node.key) link(node, pk);
      }
      node.name = p.name || node.name;
      node.exe = s(j.exe) ?? node.exe;
      node.cmdline = s(j.cmdline) ?? node.cmdline;
      node.execs++;
    } else if (p.type === 'fork') {
      node = current(p);
      const childPid = num(j.child_pid);
      if (j.thread !== true && childPid !== undefined && childPid !== p.pid) {
        // A fork always makes a new process, even when the pid had a live node (its exit was not captured).
        const child = newNode(childPid, p.ts, node.name, p.pid);
        child.exe = node.exe;
        child.cmdline = node.cmdline;
        link(child, node.key);
      }
    } else if (p.type === 'exit') {
      node = current(p);
      // A thread's exit (tid ≠ pid) does not end the process.
      if (p.tid === p.pid) {
        node.exitTs = p.ts;
        node.exitCode = num(j.code);
        node.exitSignal = num(j.signal);
        exited.add(node.key);
      }
    } else {
      node = current(p);
    }
    const d = describe(p);
    const entry: ActivityEntryView = {
      index: entries.length,
      ts: p.ts,
      type: p.type,
      pid: p.pid,
      tid: p.tid,
      name: p.name,
      uid: num(j.uid),
      captureId: s(j.capture_id),
      summary: d.summary,
      target: d.target,
      failed: d.failed,
      process: node.key,
      raw: j,
    };
    entries.push(entry);
    node.entries.push(entry.index);
    counts[p.type] = (counts[p.type] ?? 0) + 1;
  }

  const roots: number[] = [];
  for (const n of processes) {
    if (n.parent === undefined) {
      n.parentMissing = n.ppid !== undefined;
      roots.push(n.key);
    }
  }
  // Nodes are created in time order, so roots and children are already sorted by start.
  return {
    entries,
    processes,
    roots,
    captureIds: [...captureIds],
    counts,
    from: entries[0]?.ts ?? 0,
    to: entries[entries.length - 1]?.ts ?? 0,
    malformed,
    duplicates,
  };
}

/** Activity logs frames → model; frame-level malformed rows are added to the count. */
export function activityModelFromFrames(frames: readonly DataFrame[] | undefined, opts: { captureId?: string } = {}): ActivityModel {
  const { lines, malformed } = readLogLines(frames);
  const model = buildActivityModel(lines, opts);
  model.malformed += malformed;
  return model;
}

/** First index whose ts is ≥ t (inclusive) or > t (not inclusive), in entries sorted by time. */
function bound(entries: readonly ActivityEntryView[], t: number, inclusive: boolean): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ts = entries[mid]!.ts;
    if (inclusive ? ts < t : ts <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface BrushRange {
  from: number;
  to: number;
}

/** Entries with from ≤ ts ≤ to (a reversed range is taken as its swap); O(log n) + the slice. */
export function entriesInRange(entries: readonly ActivityEntryView[], range: BrushRange | undefined): readonly ActivityEntryView[] {
  if (!range) return entries;
  const from = Math.min(range.from, range.to);
  const to = Math.max(range.from, range.to);
  return entries.slice(bound(entries, from, true), bound(entries, to, false));
}

/** Entry counts in `buckets` equal slices of [from, to] (the overview strip). */
export function bucketCounts(entries: readonly ActivityEntryView[], from: number, to: number, buckets: number): number[] {
  const n = Math.max(1, Math.floor(buckets));
  const out = new Array<number>(n).fill(0);
  const span = to - from;
  for (const e of entries) {
    const i = span > 0 ? Math.min(n - 1, Math.floor(((e.ts - from) / span) * n)) : 0;
    if (i >= 0) out[i]! += 1;
  }
  return out;
}

/** Brush position (0..1 fractions of the strip) → time range, clamped to the model's span. */
export function brushToRange(from: number, to: number, a: number, b: number): BrushRange {
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  const lo = clamp(Math.min(a, b));
  const hi = clamp(Math.max(a, b));
  return { from: from + (to - from) * lo, to: from + (to - from) * hi };
}

export interface ProcessActivity {
  files: ActivityEntryView[];
  connections: ActivityEntryView[];
  children: ProcessNode[];
  other: ActivityEntryView[];
}

/** Drill-down of one process: its opens, its connects/accepts, its child processes, the rest. */
export function processActivity(model: ActivityModel, key: number): ProcessActivity {
  const node = model.processes[key];
  const out: ProcessActivity = { files: [], connections: [], children: [], other: [] };
  if (!node) return out;
  for (const i of node.entries) {
    const e = model.entries[i]!;
    if (e.type === 'open') out.files.push(e);
    else if (e.type === 'connect' || e.type === 'accept') out.connections.push(e);
    else out.other.push(e);
  }
  out.children = node.children.map((k) => model.processes[k]!);
  return out;
}

/** Depth-first rows of the tree for a flat (virtualizable) rendering: each with its depth. */
export function flattenTree(model: ActivityModel, collapsed: ReadonlySet<number> = new Set()): Array<{ node: ProcessNode; depth: number }> {
  const out: Array<{ node: ProcessNode; depth: number }> = [];
  const stack: Array<{ key: number; depth: number }> = [];
  for (let i = model.roots.length - 1; i >= 0; i--) stack.push({ key: model.roots[i]!, depth: 0 });
  while (stack.length > 0) {
    const { key, depth } = stack.pop()!;
    const node = model.processes[key]!;
    out.push({ node, depth });
    if (collapsed.has(key)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ key: node.children[i]!, depth: depth + 1 });
  }
  return out;
}
