// Resource usage of one cgroup (a container), read from the cgroup filesystem in base units (seconds, bytes).
// v2 files come from the unified hierarchy, v1 files from each controller's own hierarchy; on hybrid nodes both
// are read and the hierarchy that owns the controller wins. A file that is missing or unreadable leaves its
// values undefined so the metric is absent: reporting 0 would claim "no usage" or "no limit" that nobody measured.
import { open } from 'node:fs/promises';
import { cgroupDir, type CgroupLayout, type CgroupMount } from './mounts.js';
import {
  parseBlkio, parseCfsQuota, parseCpuMax, parseFlatKeyed, parseIoStat, parseMaxOrUint, parseUint,
  parseV1MemoryLimit,
} from './parse.js';

export interface CgroupStats {
  /** Total CPU time consumed (v2 cpu.stat usage_usec, v1 cpuacct.usage). */
  cpuUsageSeconds?: number;
  cpuUserSeconds?: number;
  cpuSystemSeconds?: number;
  /** CFS bandwidth periods elapsed / throttled, and total time throttled. */
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  cpuThrottledSeconds?: number;
  /** CPU quota per period; null = no limit. cpuLimitCores = quota / period when limited. */
  cpuQuotaSeconds?: number | null;
  cpuPeriodSeconds?: number;
  cpuLimitCores?: number | null;

  memoryUsageBytes?: number;
  /** usage - inactive_file, floored at 0: what cAdvisor calls the working set (what the OOM killer looks at). */
  memoryWorkingSetBytes?: number;
  memoryAnonBytes?: number;
  memoryFileBytes?: number;
  memoryInactiveFileBytes?: number;
  /** null = no limit. */
  memoryLimitBytes?: number | null;
  memoryOomKills?: number;

  ioReadBytes?: number;
  ioWriteBytes?: number;
  ioReadOps?: number;
  ioWriteOps?: number;

  pidsCurrent?: number;
  /** null = no limit. */
  pidsLimit?: number | null;
}

export interface CgroupStatsCounters {
  reads: number;
  filesRead: number;
  /** ENOENT: the file does not exist for this cgroup/hierarchy (controller not enabled, cgroup gone). */
  filesMissing: number;
  /** Any other read error (EACCES, EIO, ...). */
  filesUnreadable: number;
  /** File read but its content had no recognisable shape. */
  parseErrors: number;
  /** Longer than maxFileBytes: truncated content is not trusted. */
  filesTooLarge: number;
  /** Cgroup path rejected (malformed, "..", outside the mounted part). */
  invalidPaths: number;
}

export interface CgroupStatsReaderOptions {
  /** Bound on the bytes read from one interface file (io.stat grows with devices). Default 256 KiB. */
  maxFileBytes?: number;
}

type Stats = CgroupStats;

export class CgroupStatsReader {
  private readonly counters: CgroupStatsCounters = {
    reads: 0, filesRead: 0, filesMissing: 0, filesUnreadable: 0, parseErrors: 0, filesTooLarge: 0, invalidPaths: 0,
  };
  private readonly maxFileBytes: number;

  constructor(private readonly layout: CgroupLayout, opts: CgroupStatsReaderOptions = {}) {
    this.maxFileBytes = opts.maxFileBytes ?? 256 * 1024;
  }

  stats(): CgroupStatsCounters {
    return { ...this.counters };
  }

  /**
   * Read everything known about one cgroup. `cgroupPath` is the path in the hierarchy (/libpod_parent/libpod-ID);
   * `v1Paths` optionally overrides it per v1 controller when /proc/<pid>/cgroup shows different paths.
   */
  async read(cgroupPath: string, v1Paths?: ReadonlyMap<string, string>): Promise<CgroupStats> {
    this.counters.reads++;
    const v2: Stats = {};
    const v1: Stats = {};
    const unifiedDir = this.layout.unified ? this.dirIn(this.layout.unified, cgroupPath) : undefined;
    const v1Dir = (controller: string): string | undefined => {
      const mount = this.layout.v1.get(controller);
      return mount ? this.dirIn(mount, v1Paths?.get(controller) ?? cgroupPath) : undefined;
    };
    const jobs: Promise<void>[] = [];
    if (unifiedDir !== undefined) jobs.push(this.readV2(unifiedDir, v2));
    jobs.push(this.readV1(v1Dir, v1));
    await Promise.all(jobs);
    // v1 wins where both answered: on hybrid nodes the controller lives in v1 and v2 only has core files.
    const merged: Stats = { ...v2, ...v1 };
    if (merged.cpuQuotaSeconds !== undefined && merged.cpuPeriodSeconds !== undefined) {
      merged.cpuLimitCores = merged.cpuQuotaSeconds === null ? null : merged.cpuQuotaSeconds / merged.cpuPeriodSeconds;
    }
    if (merged.memoryUsageBytes !== undefined && merged.memoryInactiveFileBytes !== undefined) {
      merged.memoryWorkingSetBytes = Math.max(0, merged.memoryUsageBytes - merged.memoryInactiveFileBytes);
    }
    return merged;
  }

  private dirIn(mount: CgroupMount, path: string): string | undefined {
    const dir = cgroupDir(mount, path);
    if (dir === undefined) this.counters.invalidPaths++;
    return dir;
  }

  private async readV2(dir: string, out: Stats): Promise<void> {
    const [cpuStat, cpuMax, memCurrent, memStat, memMax, memEvents, ioStat, pidsCurrent, pidsMax] = await Promise.all([
      this.file(dir, 'cpu.stat'), this.file(dir, 'cpu.max'), this.file(dir, 'memory.current'),
      this.file(dir, 'memory.stat'), this.file(dir, 'memory.max'), this.file(dir, 'memory.events'),
      this.file(dir, 'io.stat'), this.file(dir, 'pids.current'), this.file(dir, 'pids.max'),
    ]);
    if (cpuStat !== undefined) {
      const kv = this.keyed(cpuStat);
      setUsec(out, 'cpuUsageSeconds', kv.get('usage_usec'));
      setUsec(out, 'cpuUserSeconds', kv.get('user_usec'));
      setUsec(out, 'cpuSystemSeconds', kv.get('system_usec'));
      // These three only exist when the cpu controller is enabled for the cgroup.
      set(out, 'cpuPeriods', kv.get('nr_periods'));
      set(out, 'cpuThrottledPeriods', kv.get('nr_throttled'));
      setUsec(out, 'cpuThrottledSeconds', kv.get('throttled_usec'));
    }
    if (cpuMax !== undefined) {
      const m = this.parsed(parseCpuMax(cpuMax));
      if (m) {
        out.cpuQuotaSeconds = m.quotaUsec === null ? null : m.quotaUsec / 1e6;
        out.cpuPeriodSeconds = m.periodUsec / 1e6;
      }
    }
    if (memCurrent !== undefined) set(out, 'memoryUsageBytes', this.parsed(parseUint(memCurrent)));
    if (memStat !== undefined) {
      const kv = this.keyed(memStat);
      set(out, 'memoryAnonBytes', kv.get('anon'));
      set(out, 'memoryFileBytes', kv.get('file'));
      set(out, 'memoryInactiveFileBytes', kv.get('inactive_file'));
    }
    if (memMax !== undefined) setNullable(out, 'memoryLimitBytes', this.parsed(parseMaxOrUint(memMax)));
    if (memEvents !== undefined) set(out, 'memoryOomKills', this.keyed(memEvents).get('oom_kill'));
    if (ioStat !== undefined) {
      const io = this.parsed(parseIoStat(ioStat));
      if (io) {
        out.ioReadBytes = io.readBytes;
        out.ioWriteBytes = io.writeBytes;
        out.ioReadOps = io.readOps;
        out.ioWriteOps = io.writeOps;
      }
    }
    if (pidsCurrent !== undefined) set(out, 'pidsCurrent', this.parsed(parseUint(pidsCurrent)));
    if (pidsMax !== undefined) setNullable(out, 'pidsLimit', this.parsed(parseMaxOrUint(pidsMax)));
  }

  private async readV1(dirOf: (controller: string) => string | undefined, out: Stats): Promise<void> {
    const cpuacct = dirOf('cpuacct');
    const cpu = dirOf('cpu');
    const memory = dirOf('memory');
    const blkio = dirOf('blkio');
    const pids = dirOf('pids');
    const [usage, cpuacctStat, cpuStat, quota, period, memUsage, memStat, memLimit, oom, bytesR, opsR, pidsCur, pidsMax] =
      await Promise.all([
        cpuacct !== undefined ? this.file(cpuacct, 'cpuacct.usage') : undefined,
        cpuacct !== undefined ? this.file(cpuacct, 'cpuacct.stat') : undefined,
        cpu !== undefined ? this.file(cpu, 'cpu.stat') : undefined,
        cpu !== undefined ? this.file(cpu, 'cpu.cfs_quota_us') : undefined,
        cpu !== undefined ? this.file(cpu, 'cpu.cfs_period_us') : undefined,
        memory !== undefined ? this.file(memory, 'memory.usage_in_bytes') : undefined,
        memory !== undefined ? this.file(memory, 'memory.stat') : undefined,
        memory !== undefined ? this.file(memory, 'memory.limit_in_bytes') : undefined,
        memory !== undefined ? this.file(memory, 'memory.oom_control') : undefined,
        blkio !== undefined ? this.blkioFile(blkio, 'io_service_bytes') : undefined,
        blkio !== undefined ? this.blkioFile(blkio, 'io_serviced') : undefined,
        pids !== undefined ? this.file(pids, 'pids.current') : undefined,
        pids !== undefined ? this.file(pids, 'pids.max') : undefined,
      ]);
    if (usage !== undefined) {
      const ns = this.parsed(parseUint(usage));
      if (ns !== undefined) out.cpuUsageSeconds = ns / 1e9;
    }
    if (cpuacctStat !== undefined) {
      // cpuacct.stat is in USER_HZ ticks, which Linux fixes at 100 for user space on every architecture.
      const kv = this.keyed(cpuacctStat);
      const user = kv.get('user');
      const system = kv.get('system');
      if (user !== undefined) out.cpuUserSeconds = user / 100;
      if (system !== undefined) out.cpuSystemSeconds = system / 100;
    }
    if (cpuStat !== undefined) {
      const kv = this.keyed(cpuStat);
      set(out, 'cpuPeriods', kv.get('nr_periods'));
      set(out, 'cpuThrottledPeriods', kv.get('nr_throttled'));
      const t = kv.get('throttled_time');
      if (t !== undefined) out.cpuThrottledSeconds = t / 1e9;
    }
    if (quota !== undefined && period !== undefined) {
      const q = this.parsed(parseCfsQuota(quota));
      const p = this.parsed(parseUint(period));
      if (q !== undefined && p !== undefined && p > 0) {
        out.cpuQuotaSeconds = q === null ? null : q / 1e6;
        out.cpuPeriodSeconds = p / 1e6;
      }
    }
    if (memUsage !== undefined) set(out, 'memoryUsageBytes', this.parsed(parseUint(memUsage)));
    if (memStat !== undefined) {
      // total_* include descendants, which is what a container-level figure needs (nested cgroups inside).
      const kv = this.keyed(memStat);
      set(out, 'memoryAnonBytes', kv.get('total_rss') ?? kv.get('rss'));
      set(out, 'memoryFileBytes', kv.get('total_cache') ?? kv.get('cache'));
      set(out, 'memoryInactiveFileBytes', kv.get('total_inactive_file') ?? kv.get('inactive_file'));
    }
    if (memLimit !== undefined) setNullable(out, 'memoryLimitBytes', this.parsed(parseV1MemoryLimit(memLimit)));
    if (oom !== undefined) set(out, 'memoryOomKills', this.keyed(oom).get('oom_kill'));
    if (bytesR !== undefined) {
      const b = this.parsed(parseBlkio(bytesR));
      if (b) {
        out.ioReadBytes = b.read;
        out.ioWriteBytes = b.write;
      }
    }
    if (opsR !== undefined) {
      const o = this.parsed(parseBlkio(opsR));
      if (o) {
        out.ioReadOps = o.read;
        out.ioWriteOps = o.write;
      }
    }
    if (pidsCur !== undefined) set(out, 'pidsCurrent', this.parsed(parseUint(pidsCur)));
    if (pidsMax !== undefined) setNullable(out, 'pidsLimit', this.parsed(parseMaxOrUint(pidsMax)));
  }

  /** The _recursive variant (kernels >= 4.x) includes child cgroups; fall back to the plain file. */
  private async blkioFile(dir: string, name: string): Promise<string | undefined> {
    const recursive = await this.file(dir, `blkio.throttle.${name}_recursive`, true);
    return recursive ?? this.file(dir, `blkio.throttle.${name}`);
  }

  private keyed(text: string): Map<string, number> {
    const kv = parseFlatKeyed(text);
    if (kv.size === 0 && text.trim() !== '') this.counters.parseErrors++;
    return kv;
  }

  private parsed<T>(v: T | undefined): T | undefined {
    if (v === undefined) this.counters.parseErrors++;
    return v;
  }

  /** Read one interface file with a size bound. `quietMissing` skips counting an expected ENOENT. */
  private async file(dir: string, name: string, quietMissing = false): Promise<string | undefined> {
    let fh;
    try {
      fh = await open(`${dir}/${name}`, 'r');
      // Interface files report st_size 0 or 4096 whatever their content, so read until EOF up to the bound.
      const chunks: Buffer[] = [];
      let len = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.min(16384, this.maxFileBytes + 1 - len));
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        len += bytesRead;
        if (len > this.maxFileBytes) {
          this.counters.filesTooLarge++;
          return undefined;
        }
      }
      this.counters.filesRead++;
      return Buffer.concat(chunks, len).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (!quietMissing) this.counters.filesMissing++;
      } else {
        this.counters.filesUnreadable++;
      }
      return undefined;
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }
}

type NumberKeys = { [K in keyof Stats]-?: Stats[K] extends number | undefined ? K : never }[keyof Stats];
type NullableKeys = { [K in keyof Stats]-?: null extends Stats[K] ? K : never }[keyof Stats];

function set(out: Stats, key: NumberKeys, v: number | undefined): void {
  if (v !== undefined) out[key] = v;
}
function setUsec(out: Stats, key: NumberKeys, v: number | undefined): void {
  if (v !== undefined) out[key] = v / 1e6;
}
function setNullable(out: Stats, key: NullableKeys, v: number | null | undefined): void {
  if (v !== undefined) out[key] = v;
}
