// The flight recorder's public data: what a capture looks like (GET /api/v1/captures/:id), its list form, the
// alert it is made from, and the recorder's counters. docs/recorder.md documents these with an example.

import type { ContainerRef, Endpoint, K8sRef } from '../events/types.js';
import type { ActivityEntry } from './entry.js';

export type { ActivityEntry } from './entry.js';

/** What the recorder needs from an alert (the `Alert` type carries all of it; see `triggerFromAlert`). */
export interface AlertTrigger {
  uuid: string;
  /** Unix ms of the alert (the matching event's time). */
  ts: number;
  rule: string;
  priority: string;
  /** Container id, or "host". */
  containerId: string;
  /** Process that triggered it, when known. */
  pid?: number;
  container?: ContainerRef;
  k8s?: K8sRef;
}

export interface CaptureAlert {
  uuid: string;
  rule: string;
  priority: string;
  ts: number;
  pid?: number;
}

/**
 * Why a capture holds less than its window: entries dropped at a bound (entries, bytes, memory), or closed
 * before its window ended (open-limit: too many open captures; shutdown: the recorder was closed).
 */
export type CaptureTruncation = 'entries' | 'bytes' | 'memory' | 'open-limit' | 'shutdown';

export interface CaptureWindow {
  /** Unix ms, inclusive */
  from: number;
  /** Unix ms, inclusive */
  to: number;
  before_ms: number;
  after_ms: number;
  /**
   * False when the container's ring had already evicted entries from inside [from, alert] before the alert came
   * (bounds or age): the "before" part is then incomplete.
   */
  before_complete: boolean;
}

export interface ProcessNode {
  pid: number;
  /** Parent pid (from the fork, else the exec, else the ancestry); absent when never learned. */
  ppid?: number;
  name: string;
  exe?: string;
  cmdline?: string;
  /** Unix ms of its fork or first exec inside the window; absent when it started before. */
  start?: number;
  /** CLOCK_BOOTTIME ns of the process start, from its exec. */
  start_ns?: number;
  /** Execs seen inside the window. */
  execs: number;
  exit_code?: number;
  exit_signal?: number;
  core_dumped?: boolean;
  /** Unix ms of its exit */
  exit_ts?: number;
  /** "window": it acted inside the capture; "ancestry": only known as an ancestor of a process that did. */
  seen: 'window' | 'ancestry';
  /** Its ppid is known but no such process is in the capture (it became a root). */
  parent_missing?: boolean;
  /** It was nested deeper than the tree's depth bound and is listed as a root instead (its ppid still says where it belongs). */
  nesting_cut?: boolean;
  children: ProcessNode[];
}

/** A summary tile: `count` is the total (of events, or of distinct keys for aggregated tiles), `items` the first ones. */
export interface Tile<T> {
  count: number;
  items: T[];
}

export interface CommandItem {
  ts: number;
  pid: number;
  ppid?: number;
  name: string;
  exe: string;
  cmdline: string;
  tty: number;
  uid: number;
}

export interface FileItem {
  path: string;
  /** opens of it */
  count: number;
  /** failed opens among them */
  failed: number;
  first_ts: number;
  /** comm of the processes that opened it (distinct, at most 8) */
  processes: string[];
}

export interface ConnectionItem {
  /** "ip:port", "[ip6]:port" or the unix socket path */
  remote: string;
  local?: string;
  proto: string;
  count: number;
  failed: number;
  first_ts: number;
  processes: string[];
}

export interface ListeningPortItem {
  port: number;
  ip: string;
  proto: string;
  accepts: number;
  processes: string[];
}

export interface FailureItem {
  ts: number;
  pid: number;
  name: string;
  /** path, endpoint or target */
  target: string;
  res: number;
  /** errno name, e.g. ENOENT */
  error: string;
}

export interface PrivilegeItem {
  ts: number;
  pid: number;
  name: string;
  type: 'setid' | 'ptrace' | 'mount' | 'module';
  /** syscall or ptrace request */
  what: string;
  /** human detail: ids, target pid, mount source -> target, module args */
  detail: string;
  res: number;
}

export interface SignalExitItem {
  ts: number;
  pid: number;
  name: string;
  signal: number;
  code: number;
  core_dumped: boolean;
}

export interface CaptureSummary {
  /** entries per type */
  counts: Record<string, number>;
  executed_commands: Tile<CommandItem>;
  /** execs with a controlling terminal */
  interactive_commands: Tile<CommandItem>;
  files_read: Tile<FileItem>;
  files_written: Tile<FileItem>;
  /** writes below the system prefixes (/etc, /bin, /sbin, /usr, /boot, /lib, ...) */
  modified_system_files: Tile<FileItem>;
  outbound_connections: Tile<ConnectionItem>;
  inbound_connections: Tile<ConnectionItem>;
  listening_ports: Tile<ListeningPortItem>;
  failed_opens: Tile<FailureItem>;
  failed_connects: Tile<FailureItem>;
  /** setuid-family calls, ptrace, mounts and module loads */
  privileged_operations: Tile<PrivilegeItem>;
  signal_exits: Tile<SignalExitItem>;
  /** process forks (threads excluded) */
  forks: number;
}

export type CaptureStatus = 'pending' | 'complete';

export interface CaptureDocument {
  id: string;
  status: CaptureStatus;
  /** Unix ms (wall clock) the capture was opened and completed */
  created: number;
  completed?: number;
  container: ContainerRef;
  k8s?: K8sRef;
  /** The alert that opened the capture. */
  alert: CaptureAlert;
  /** Alerts that share this capture, the opening one first (at most 100 listed). */
  alerts: CaptureAlert[];
  /** All alerts that share it, listed or not. */
  alert_count: number;
  window: CaptureWindow;
  truncated?: CaptureTruncation;
  /** Entries that fell in the window but were not kept (capture bounds). */
  dropped_entries: number;
  /** Ordered by ts (stable: arrival order among equal times). */
  entries: ActivityEntry[];
  processes: ProcessNode[];
  summary: CaptureSummary;
}

/** A capture in list form (no entries). */
export interface CaptureMeta {
  id: string;
  status: CaptureStatus;
  created: number;
  completed?: number;
  container: { id: string; name?: string; image?: string };
  k8s?: { ns: string; pod: string };
  alert: CaptureAlert;
  alert_count: number;
  window: { from: number; to: number };
  entries: number;
  /** estimated in-memory bytes, or the JSON file size once persisted */
  bytes: number;
  persisted: boolean;
}

/** One capture entry as its own log record (Loki stream="activity"). */
export type ActivityLine = ActivityEntry & { capture_id: string; alert_uuid: string; container_id: string };

export interface ListQuery {
  /** container id */
  container?: string;
  /** alert ts >= since (Unix ms) */
  since?: number;
  limit?: number;
}

export type { Endpoint };
