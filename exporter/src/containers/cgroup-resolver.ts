// cgroup v2 id → cgroup path. Kernel events carry bpf_get_current_cgroup_id(), which is the inode number of the
// cgroup's directory in the unified hierarchy; the path (which names the container) is found by walking that
// hierarchy once and indexing inode → path, and by rescanning, rate-limited, when an id is not in the index.
// Also pid → path through /proc/<pid>/cgroup, the direct route when an event's pid is still alive.
import { readFileSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { cgroupDir, normalizeCgroupPath, type CgroupLayout, type CgroupMount } from '../cgroups/mounts.js';
import { LruMap } from './lru.js';
import { attributionPath, parseProcCgroup, type ProcCgroup } from './proc-cgroup.js';

/** A cgroup id as events carry it: a number (exact up to 2^53), a bigint, or its decimal string. */
export type CgroupId = number | bigint | string;

/** Canonical map key for a cgroup id (decimal string); undefined when the value is not a valid u64. */
export function cgroupIdKey(id: CgroupId): string | undefined {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? String(id) : undefined;
  if (typeof id === 'bigint') return id >= 0n && id < 1n << 64n ? id.toString() : undefined;
  if (typeof id === 'string' && /^\d{1,20}$/.test(id)) {
    const b = BigInt(id);
    return b < 1n << 64n ? b.toString() : undefined;
  }
  return undefined;
}

/** How soon a walk may follow the previous one when an id looks newer than everything indexed. */
const FAST_RESCAN_MS = 50;

export interface CgroupResolverOptions {
  layout: CgroupLayout;
  /** Where procfs is mounted (host's /proc when Vigil runs with hostPID). */
  procRoot?: string;
  /** Walk bounds: deeper directories and entries beyond the count are not indexed (counted as truncation). */
  maxDepth?: number;
  maxEntries?: number;
  /** Bound on the id → path index (LRU). */
  cacheSize?: number;
  /** A miss triggers at most one rescan per this many ms. */
  minRescanIntervalMs?: number;
  /** An id still unknown after a rescan is not looked for again for this long. */
  negativeTtlMs?: number;
  now?: () => number;
}

export interface CgroupResolverStats {
  lookups: number;
  hits: number;
  misses: number;
  negativeHits: number;
  invalidIds: number;
  rescans: number;
  rescanErrors: number;
  walkTruncated: number;
  lastRescanMs: number;
  indexed: number;
  evictions: number;
  procReads: number;
  procReadErrors: number;
  pathStatErrors: number;
}

interface Indexed {
  path: string;
  /** Scan generation that last saw the directory; older ones are dropped when a scan completes. */
  gen: number;
}

const PID_MAX_LIMIT = 4194304;

export class CgroupResolver {
  private readonly unified: CgroupMount | undefined;
  private readonly v1Mount: CgroupMount | undefined;
  private readonly procRoot: string;
  private readonly maxDepth: number;
  private readonly maxEntries: number;
  private readonly minRescanIntervalMs: number;
  private timerDue = 0;
  /** The largest cgroup id any walk has indexed. */
  private maxIndexedId = 0n;
  private readonly negativeTtlMs: number;
  private readonly now: () => number;
  private readonly index: LruMap<string, Indexed>;
  private readonly unknown = new LruMap<string, number>(4096);
  private gen = 0;
  private scanning: Promise<void> | undefined;
  private lastScanStart = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private stopped = false;
  private readonly counters = {
    lookups: 0, hits: 0, misses: 0, negativeHits: 0, invalidIds: 0, rescans: 0, rescanErrors: 0, walkTruncated: 0,
    lastRescanMs: 0, procReads: 0, procReadErrors: 0, pathStatErrors: 0,
  };

  constructor(opts: CgroupResolverOptions) {
    this.unified = opts.layout.unified;
    const v1 = opts.layout.v1;
    this.v1Mount = v1.get('memory') ?? v1.get('cpu') ?? v1.get('pids') ?? v1.get('name=systemd');
    this.procRoot = opts.procRoot ?? '/proc';
    this.maxDepth = opts.maxDepth ?? 32;
    this.index = new LruMap(opts.cacheSize ?? 65536);
    this.maxEntries = Math.min(opts.maxEntries ?? 65536, this.index.capacity);
    this.minRescanIntervalMs = opts.minRescanIntervalMs ?? 500;
    this.negativeTtlMs = opts.negativeTtlMs ?? 30000;
    this.now = opts.now ?? Date.now;
  }

  /** Whether ids can be resolved at all (false on v1-only nodes: use pid lookups there). */
  get hasUnified(): boolean {
    return this.unified !== undefined;
  }

  stats(): CgroupResolverStats {
    return { ...this.counters, indexed: this.index.size, evictions: this.index.evictions };
  }

  /** Cache-only lookup for the hot path. A miss schedules a rate-limited rescan and returns undefined. */
  lookupId(id: CgroupId): string | undefined {
    this.counters.lookups++;
    const key = cgroupIdKey(id);
    if (key === undefined) {
      this.counters.invalidIds++;
      return undefined;
    }
    const hit = this.index.get(key);
    if (hit) {
      this.counters.hits++;
      return hit.path;
    }
    this.counters.misses++;
    if (this.knownUnknown(key)) return undefined;
    // An id above everything indexed is a cgroup created just now (a container starting): walk soon, before a
    // short-lived container's cgroup is gone again, instead of waiting out the full rate limit.
    this.scheduleRescan(BigInt(key) > this.maxIndexedId ? FAST_RESCAN_MS : undefined);
    return undefined;
  }

  /** Lookup that waits, on a miss, for the next (rate-limited) rescan to finish. */
  async resolveId(id: CgroupId): Promise<string | undefined> {
    const key = cgroupIdKey(id);
    const first = this.lookupId(id);
    if (first !== undefined || key === undefined || this.unified === undefined || this.stopped) return first;
    if (this.knownUnknown(key)) return undefined;
    // Kernfs hands out increasing ids: an id above every id indexed so far may belong to a cgroup created while
    // the walk we waited for was already running (a container starting right now). It earns one more walk,
    // which surely started after the miss, before it is remembered as unknown; otherwise a new container's
    // first seconds of events would all be filed under "host".
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.nextScan();
      const hit = this.index.get(key);
      if (hit) return hit.path;
      if (BigInt(key) <= this.maxIndexedId) break;
    }
    this.unknown.set(key, this.now() + this.negativeTtlMs);
    return undefined;
  }

  /** The cgroup id of a path in the unified hierarchy (stat of its directory), indexing it on the way. */
  idForPath(cgroupPath: string): string | undefined {
    if (!this.unified) return undefined;
    const path = normalizeCgroupPath(cgroupPath);
    const dir = path === undefined ? undefined : cgroupDir(this.unified, path);
    if (path === undefined || dir === undefined) return undefined;
    try {
      const key = statSync(dir, { bigint: true }).ino.toString();
      this.index.set(key, { path, gen: this.gen });
      this.unknown.delete(key);
      return key;
    } catch {
      this.counters.pathStatErrors++;
      return undefined;
    }
  }

  /** /proc/<pid>/cgroup of a live process; undefined when it has exited or the pid is not a pid. */
  procCgroup(pid: number): ProcCgroup | undefined {
    if (!Number.isInteger(pid) || pid <= 0 || pid > PID_MAX_LIMIT) return undefined;
    this.counters.procReads++;
    try {
      return parseProcCgroup(readFileSync(`${this.procRoot}/${pid}/cgroup`, 'utf8'));
    } catch {
      this.counters.procReadErrors++;
      return undefined;
    }
  }

  /**
   * Whether the cgroup still exists (its directory in the unified hierarchy, or on v1-only nodes in the first
   * mounted of memory/cpu/pids/name=systemd). Undefined when no mounted hierarchy can show the path.
   */
  cgroupExists(cgroupPath: string): boolean | undefined {
    const mount = this.unified ?? this.v1Mount;
    const dir = mount ? cgroupDir(mount, cgroupPath) : undefined;
    if (dir === undefined) return undefined;
    try {
      return statSync(dir).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      this.counters.pathStatErrors++;
      return undefined;
    }
  }

  /**
   * The path that attributes a live process: its v2 path where a unified hierarchy is mounted, else its v1
   * controller path (memory, cpu, ... in that order).
   */
  pathForPid(pid: number): string | undefined {
    const pc = this.procCgroup(pid);
    return pc ? attributionPath(pc, this.unified !== undefined) : undefined;
  }

  /** Rescan now unless one is running (then wait for it). */
  rescan(): Promise<void> {
    if (this.scanning) return this.scanning;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const waiters = this.waiters;
    this.waiters = [];
    this.lastScanStart = this.now();
    this.scanning = this.walk()
      .catch(() => {
        this.counters.rescanErrors++;
      })
      .finally(() => {
        this.scanning = undefined;
        for (const w of waiters) w();
        // Waiters that arrived during this scan need a scan that started after them.
        if (this.waiters.length > 0) this.scheduleRescan();
      });
    return this.scanning;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private knownUnknown(key: string): boolean {
    const until = this.unknown.peek(key);
    if (until === undefined) return false;
    if (until > this.now()) {
      this.counters.negativeHits++;
      return true;
    }
    this.unknown.delete(key);
    return false;
  }

  private nextScan(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.scheduleRescan();
      // Someone awaits this scan: the timer must keep the process alive until then.
      this.timer?.ref();
    });
  }

  private scheduleRescan(minIntervalMs = this.minRescanIntervalMs): void {
    if (this.stopped || !this.unified || this.scanning) return;
    const delay = Math.max(0, this.lastScanStart + Math.min(minIntervalMs, this.minRescanIntervalMs) - this.now());
    if (this.timer) {
      // A sooner walk was asked for than the one already planned: bring it forward.
      if (delay >= this.timerDue - this.now()) return;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.timerDue = this.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.rescan();
    }, delay);
    // A rescan nobody waits for (hot-path misses) must not hold the process open.
    if (this.waiters.length === 0) this.timer.unref();
  }

  private async walk(): Promise<void> {
    const mount = this.unified;
    if (!mount) return;
    const started = this.now();
    this.counters.rescans++;
    const gen = ++this.gen;
    const rootPath = normalizeCgroupPath(mount.root) ?? '/';
    const rootIno = (await stat(mount.mountPoint, { bigint: true })).ino.toString();
    this.index.set(rootIno, { path: rootPath, gen });
    let indexed = 1;
    let truncated = false;
    // Breadth first, so that hitting maxEntries drops the deepest (least likely container-level) cgroups.
    let level: Array<{ dir: string; path: string }> = [{ dir: mount.mountPoint, path: rootPath }];
    for (let depth = 1; level.length > 0; depth++) {
      const next: Array<{ dir: string; path: string }> = [];
      for (const { dir, path } of level) {
        let names: string[];
        try {
          names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
        } catch {
          continue; // removed while walking
        }
        if (depth > this.maxDepth) {
          if (names.length > 0) truncated = true;
          continue;
        }
        for (const name of names) {
          if (indexed >= this.maxEntries) {
            truncated = true;
            break;
          }
          const childDir = `${dir}/${name}`;
          const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
          try {
            const ino = (await stat(childDir, { bigint: true })).ino.toString();
            this.index.set(ino, { path: childPath, gen });
            this.unknown.delete(ino);
            const id = BigInt(ino);
            if (id > this.maxIndexedId) this.maxIndexedId = id;
            indexed++;
            next.push({ dir: childDir, path: childPath });
          } catch {
            // removed while walking
          }
        }
      }
      level = next;
    }
    if (truncated) this.counters.walkTruncated++;
    // Drop what this scan did not see (cgroups removed since the last one); entries indexed by idForPath()
    // while the scan ran carry this generation and stay. A truncated walk proves nothing about what it missed.
    if (!truncated) for (const [key, v] of [...this.index.entries()]) if (v.gen < gen) this.index.delete(key);
    this.counters.lastRescanMs = this.now() - started;
  }
}
