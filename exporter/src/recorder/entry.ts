// The compact activity record the flight recorder keeps per event: a handful of fields per type instead of the
// whole event object. Strings and small sub-objects (endpoints, id lists) are shared with the event, not copied,
// so turning an event into an entry is one small allocation. Each type is built by one object literal with a
// fixed key order, so V8 sees one shape per type on the hot path; absent values are `undefined`, which
// JSON.stringify leaves out.

import type { AncestorInfo, Endpoint, EventType, FileType, VigilEvent } from '../events/types.js';

interface EntryCommon {
  /** Unix ms (fractional), the event's `ts`. */
  ts: number;
  pid: number;
  tid: number;
  /** comm of the acting thread */
  name: string;
  uid: number;
  /** Only set on exec entries (the kernel reports the parent there). */
  ppid: number | undefined;
  /** Some string of the event hit its kernel bound, or the recorder's own bound. */
  truncated: true | undefined;
}

export interface ExecEntry extends EntryCommon {
  type: 'exec';
  exe: string;
  cmdline: string;
  cwd: string | undefined;
  euid: number | undefined;
  loginuid: number | undefined;
  /** 0 when no controlling terminal */
  tty: number;
  /** CLOCK_BOOTTIME ns of the process start */
  start_ns: number | undefined;
  upper_layer: boolean;
  memfd: boolean;
}

export interface ForkEntry extends EntryCommon {
  type: 'fork';
  child_pid: number;
  thread: boolean;
}

export interface ExitEntry extends EntryCommon {
  type: 'exit';
  code: number;
  signal: number;
  core_dumped: boolean;
}

export interface OpenEntry extends EntryCommon {
  type: 'open';
  path: string;
  /** fd, or -errno */
  res: number;
  flags: number;
  /** opened for writing, creating or truncating */
  write: boolean;
  file_type: FileType;
}

export interface NetEntry extends EntryCommon {
  type: 'connect' | 'accept';
  /** connect: 0 or -errno (-115 EINPROGRESS is a started non-blocking connect); accept: the new fd */
  res: number;
  proto: string;
  family: string;
  local: Endpoint | undefined;
  remote: Endpoint | undefined;
  unix_path: string | undefined;
}

export interface SetidEntry extends EntryCommon {
  type: 'setid';
  syscall: string;
  res: number;
  ids: number[];
  euid_before: number;
}

export interface PtraceEntry extends EntryCommon {
  type: 'ptrace';
  res: number;
  request: string;
  target_pid: number;
}

export interface MountEntry extends EntryCommon {
  type: 'mount';
  res: number;
  source: string;
  target: string;
  fstype: string;
  flags: number;
}

export interface ModuleEntry extends EntryCommon {
  type: 'module';
  syscall: string;
  res: number;
  args: string;
}

export type ActivityEntry = ExecEntry | ForkEntry | ExitEntry | OpenEntry | NetEntry | SetidEntry | PtraceEntry | MountEntry | ModuleEntry;

/** Longest string an entry keeps; the kernel bounds are lower (paths 512 B, argv 1 KiB), this guards other inputs. */
export const MAX_ENTRY_STRING = 4096;

const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/** An open that can change the file: write access, create or truncate (Falco's evt.is_open_write and more). */
export function isWriteOpen(flags: number): boolean {
  return (flags & O_ACCMODE) !== 0 || (flags & (O_CREAT | O_TRUNC)) !== 0;
}

function bounded(s: string | undefined): string {
  if (typeof s !== 'string') return '';
  return s.length > MAX_ENTRY_STRING ? s.slice(0, MAX_ENTRY_STRING) : s;
}

const tooLong = (s: string | undefined): boolean => typeof s === 'string' && s.length > MAX_ENTRY_STRING;

// Fixed arity (no rest array): this runs for every event.
function wasCut(ev: VigilEvent, a: string | undefined, b?: string, c?: string): true | undefined {
  return ev.truncated === true || tooLong(a) || tooLong(b) || tooLong(c) ? true : undefined;
}

/** The compact entry for an event. Throws (TypeError) on an event missing its per-type object; the caller counts it. */
export function toEntry(ev: VigilEvent): ActivityEntry {
  const p = ev.proc;
  switch (ev.type) {
    case 'exec': {
      const cmdline = p.cmdline ?? (p.argv ? p.argv.join(' ') : p.name);
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: p.ppid, truncated: wasCut(ev, cmdline, p.exe, p.cwd),
        type: 'exec', exe: bounded(p.exe ?? ev.exec.filename), cmdline: bounded(cmdline), cwd: p.cwd === undefined ? undefined : bounded(p.cwd),
        euid: p.euid, loginuid: p.loginuid, tty: p.tty ?? 0, start_ns: p.start_ns, upper_layer: ev.exec.upper_layer === true,
        memfd: ev.exec.memfd === true,
      };
    }
    case 'fork':
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: undefined,
        type: 'fork', child_pid: ev.fork.child_pid, thread: ev.fork.thread === true,
      };
    case 'exit':
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: undefined,
        type: 'exit', code: ev.exit.code, signal: ev.exit.signal, core_dumped: ev.exit.core_dumped === true,
      };
    case 'open': {
      const o = ev.open;
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: wasCut(ev, o.path),
        type: 'open', path: bounded(o.path), res: o.res, flags: o.flags, write: o.syscall === 'creat' || isWriteOpen(o.flags),
        file_type: o.file_type,
      };
    }
    case 'connect':
    case 'accept': {
      const n = ev.net;
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: wasCut(ev, n.unix_path),
        type: ev.type, res: n.res, proto: n.proto, family: n.family, local: n.local, remote: n.remote,
        unix_path: n.unix_path === undefined ? undefined : bounded(n.unix_path),
      };
    }
    case 'setid':
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: undefined,
        type: 'setid', syscall: ev.setid.syscall, res: ev.setid.res, ids: Array.isArray(ev.setid.ids) ? ev.setid.ids : [], euid_before: ev.setid.euid_before,
      };
    case 'ptrace':
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: undefined,
        type: 'ptrace', res: ev.ptrace.res, request: ev.ptrace.request_name, target_pid: ev.ptrace.target_pid,
      };
    case 'mount': {
      const m = ev.mount;
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: wasCut(ev, m.source, m.target),
        type: 'mount', res: m.res, source: bounded(m.source), target: bounded(m.target), fstype: bounded(m.fstype), flags: m.flags,
      };
    }
    case 'module':
      return {
        ts: ev.ts, pid: p.pid, tid: p.tid, name: p.name, uid: p.uid, ppid: undefined, truncated: wasCut(ev, ev.module.args),
        type: 'module', syscall: ev.module.syscall, res: ev.module.res, args: bounded(ev.module.args),
      };
    default:
      throw new TypeError(`unknown event type ${String((ev as { type: unknown }).type)}`);
  }
}

// Byte estimates follow V8's 64-bit layout without pointer compression (Node's): an object is a 24-byte header
// plus 8 bytes per property, a fractional number in a property a separate 16-byte heap number, a one-byte
// string 16 bytes plus its characters, an array a 32-byte object plus a 16-byte backing store plus 8 per
// element. bench/recorder.bench.ts compares the estimate with the heap measured per 100k entries; the
// estimate is meant to err high.
const OBJECT_HEADER = 24;
const SLOT = 8;
const HEAP_NUMBER = 16;
const STRING_HEADER = 16;
const ARRAY_HEADER = 48;
/**
 * Ring slots per entry (entry pointer, ancestry pointer, byte size), doubled because a ring's arrays grow by
 * doubling and may be up to half empty.
 */
const RING_SLOTS = 2 * 3 * SLOT;
const COMMON_FIELDS = 8;
const TYPE_FIELDS: Record<EventType, number> = {
  exec: 9, fork: 2, exit: 3, open: 5, connect: 6, accept: 6, setid: 4, ptrace: 3, mount: 5, module: 3,
};

const str = (s: string | undefined): number => (s === undefined ? 0 : STRING_HEADER + s.length);

/** Estimated heap bytes an entry holds on to (its strings included, since the event that owned them is gone). */
export function entryBytes(e: ActivityEntry, ancestors: readonly AncestorInfo[] | undefined): number {
  let n = OBJECT_HEADER + (COMMON_FIELDS + TYPE_FIELDS[e.type]) * SLOT + HEAP_NUMBER + RING_SLOTS + str(e.name);
  // Ancestry objects are shared through the process table's cache; only the per-event array is ours.
  if (ancestors !== undefined) n += ARRAY_HEADER + ancestors.length * SLOT;
  switch (e.type) {
    case 'exec':
      // start_ns is beyond the small-integer range: one more heap number
      return n + str(e.exe) + str(e.cmdline) + str(e.cwd) + HEAP_NUMBER;
    case 'open':
      return n + str(e.path);
    case 'connect':
    case 'accept':
      // endpoint objects {ip, port} and their ip strings
      return n + (e.local ? OBJECT_HEADER + 2 * SLOT + str(e.local.ip) : 0) + (e.remote ? OBJECT_HEADER + 2 * SLOT + str(e.remote.ip) : 0) + str(e.unix_path);
    case 'setid':
      return n + ARRAY_HEADER + e.ids.length * SLOT;
    case 'mount':
      return n + str(e.source) + str(e.target) + str(e.fstype);
    case 'module':
      return n + str(e.args);
    default:
      return n;
  }
}
