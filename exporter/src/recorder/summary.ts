// The summary tiles of a capture, in the spirit of Sysdig Inspect's overview: what ran, which files were read
// and written (system files apart), which connections went out or came in, what failed, which privileged
// operations happened and which processes died of a signal. Each tile keeps a total and its first `maxItems`
// items, so a capture of a noisy container still has a small summary.

import type { Endpoint } from '../events/types.js';
import type { ActivityEntry, ExecEntry, NetEntry, OpenEntry } from './entry.js';
import { EINPROGRESS, errnoName } from './errno.js';
import type { CaptureSummary, CommandItem, ConnectionItem, FailureItem, FileItem, ListeningPortItem, PrivilegeItem, SignalExitItem, Tile } from './types.js';

export const DEFAULT_SYSTEM_PREFIXES = ['/etc/', '/bin/', '/sbin/', '/usr/', '/boot/', '/lib/', '/lib32/', '/lib64/', '/libx32/', '/root/.ssh/'];

export interface SummaryOptions {
  maxItems: number;
  /** A write below one of these (each ending in "/") is a modified system file. */
  systemPrefixes: readonly string[];
}

const MAX_PROCESS_NAMES = 8;

export function formatEndpoint(ep: Endpoint | undefined, family: string): string {
  if (!ep) return '';
  return family === 'inet6' || ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

function remoteOf(e: NetEntry): string {
  if (e.family === 'unix') return e.unix_path ?? '';
  return formatEndpoint(e.remote, e.family);
}

class ListTile<T> {
  readonly tile: Tile<T> = { count: 0, items: [] };
  constructor(private readonly max: number) {}
  add(make: () => T): void {
    this.tile.count++;
    if (this.tile.items.length < this.max) this.tile.items.push(make());
  }
}

/** Distinct keys, in first-seen order; `count` is the number of distinct keys, the untracked ones included. */
class KeyedTile<T> {
  private readonly byKey = new Map<string, T>();
  // Keys seen after the tile filled up; bounded by the capture's entry bound.
  private readonly overflow = new Set<string>();
  constructor(private readonly max: number) {}
  /** The item for `key`, created when there is still room (undefined once the tile is full and the key is new). */
  get(key: string, make: () => T): T | undefined {
    const item = this.byKey.get(key);
    if (item !== undefined) return item;
    if (this.byKey.size >= this.max) {
      this.overflow.add(key);
      return undefined;
    }
    const created = make();
    this.byKey.set(key, created);
    return created;
  }
  get tile(): Tile<T> {
    return { count: this.byKey.size + this.overflow.size, items: [...this.byKey.values()] };
  }
}

function addProcess(list: string[], name: string): void {
  if (list.length < MAX_PROCESS_NAMES && !list.includes(name)) list.push(name);
}

function command(e: ExecEntry): CommandItem {
  const c: CommandItem = { ts: e.ts, pid: e.pid, name: e.name, exe: e.exe, cmdline: e.cmdline, tty: e.tty, uid: e.uid };
  if (e.ppid !== undefined) c.ppid = e.ppid;
  return c;
}

export function summarize(entries: readonly ActivityEntry[], opts: SummaryOptions): CaptureSummary {
  const max = opts.maxItems;
  const counts: Record<string, number> = {};
  const executed = new ListTile<CommandItem>(max);
  const interactive = new ListTile<CommandItem>(max);
  const read = new KeyedTile<FileItem>(max);
  const written = new KeyedTile<FileItem>(max);
  const system = new KeyedTile<FileItem>(max);
  const outbound = new KeyedTile<ConnectionItem>(max);
  const inbound = new KeyedTile<ConnectionItem>(max);
  const listening = new KeyedTile<ListeningPortItem>(max);
  const failedOpens = new ListTile<FailureItem>(max);
  const failedConnects = new ListTile<FailureItem>(max);
  const privileged = new ListTile<PrivilegeItem>(max);
  const signals = new ListTile<SignalExitItem>(max);
  let forks = 0;

  const file = (tile: KeyedTile<FileItem>, e: OpenEntry): void => {
    const item = tile.get(e.path, () => ({ path: e.path, count: 0, failed: 0, first_ts: e.ts, processes: [] }));
    if (!item) return;
    item.count++;
    if (e.res < 0) item.failed++;
    addProcess(item.processes, e.name);
  };
  const isSystem = (path: string): boolean => opts.systemPrefixes.some((p) => path.startsWith(p));

  for (const e of entries) {
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    switch (e.type) {
      case 'exec':
        executed.add(() => command(e));
        if (e.tty !== 0) interactive.add(() => command(e));
        break;
      case 'fork':
        if (!e.thread) forks++;
        break;
      case 'open':
        file(e.write ? written : read, e);
        // A failed write attempt changed nothing; it shows under files_written and failed_opens.
        if (e.write && e.res >= 0 && isSystem(e.path)) file(system, e);
        if (e.res < 0) failedOpens.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, target: e.path, res: e.res, error: errnoName(e.res) }));
        break;
      case 'connect': {
        const remote = remoteOf(e);
        const failed = e.res < 0 && e.res !== -EINPROGRESS;
        const item = outbound.get(`${e.proto} ${remote}`, () => ({ remote, proto: e.proto, count: 0, failed: 0, first_ts: e.ts, processes: [] }));
        if (item) {
          item.count++;
          if (failed) item.failed++;
          addProcess(item.processes, e.name);
        }
        if (failed) failedConnects.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, target: remote, res: e.res, error: errnoName(e.res) }));
        break;
      }
      case 'accept': {
        const remote = remoteOf(e);
        const local = e.family === 'unix' ? (e.unix_path ?? '') : formatEndpoint(e.local, e.family);
        const item = inbound.get(`${e.proto} ${remote} ${local}`, () => ({ remote, local, proto: e.proto, count: 0, failed: 0, first_ts: e.ts, processes: [] }));
        if (item) {
          item.count++;
          if (e.res < 0) item.failed++;
          addProcess(item.processes, e.name);
        }
        if (e.local && e.family !== 'unix') {
          const ep = e.local;
          const port = listening.get(`${e.proto} ${ep.ip} ${ep.port}`, () => ({ port: ep.port, ip: ep.ip, proto: e.proto, accepts: 0, processes: [] }));
          if (port) {
            port.accepts++;
            addProcess(port.processes, e.name);
          }
        }
        break;
      }
      case 'setid':
        privileged.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, type: 'setid', what: e.syscall, detail: `ids ${e.ids.join(',')} (euid before ${e.euid_before})`, res: e.res }));
        break;
      case 'ptrace':
        privileged.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, type: 'ptrace', what: e.request, detail: `target pid ${e.target_pid}`, res: e.res }));
        break;
      case 'mount':
        privileged.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, type: 'mount', what: e.fstype, detail: `${e.source} -> ${e.target}`, res: e.res }));
        break;
      case 'module':
        privileged.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, type: 'module', what: e.syscall, detail: e.args, res: e.res }));
        break;
      case 'exit':
        if (e.signal !== 0) signals.add(() => ({ ts: e.ts, pid: e.pid, name: e.name, signal: e.signal, code: e.code, core_dumped: e.core_dumped }));
        break;
    }
  }
  return {
    counts,
    executed_commands: executed.tile,
    interactive_commands: interactive.tile,
    files_read: read.tile,
    files_written: written.tile,
    modified_system_files: system.tile,
    outbound_connections: outbound.tile,
    inbound_connections: inbound.tile,
    listening_ports: listening.tile,
    failed_opens: failedOpens.tile,
    failed_connects: failedConnects.tile,
    privileged_operations: privileged.tile,
    signal_exits: signals.tile,
    forks,
  };
}
