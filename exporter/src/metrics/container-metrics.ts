// Per-container metric families. Labels are bounded: node, namespace, pod, container — never a pid or a
// container id (those live in vigil_container_info and the API). docs/metrics.md lists every family.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { CgroupCounters } from '../events/types.js';
import { DeltaTracker } from './monotonic.js';

export const CONTAINER_LABELS = ['node', 'namespace', 'pod', 'container'] as const;
export type ContainerLabels = Record<(typeof CONTAINER_LABELS)[number], string>;

export type ContainerInfoLabels = ContainerLabels & Record<'image' | 'image_digest' | 'runtime' | 'workload_kind' | 'workload', string>;

/** Values read from a container's cgroup files; absent when the file was missing or unreadable. */
export interface CgroupResourceSample {
  cpuUsageSeconds?: number;
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  cpuThrottledSeconds?: number;
  cpuLimitCores?: number;
  memoryUsageBytes?: number;
  memoryWorkingSetBytes?: number;
  memoryLimitBytes?: number;
  oomKills?: number;
  ioReadBytes?: number;
  ioWriteBytes?: number;
  ioReads?: number;
  ioWrites?: number;
  pids?: number;
  pidsLimit?: number;
}

type CounterKey = 'cpuUsageSeconds' | 'cpuPeriods' | 'cpuThrottledPeriods' | 'cpuThrottledSeconds' | 'oomKills' | 'ioReadBytes' | 'ioWriteBytes' | 'ioReads' | 'ioWrites';
type GaugeKey = 'cpuLimitCores' | 'memoryUsageBytes' | 'memoryWorkingSetBytes' | 'memoryLimitBytes' | 'pids' | 'pidsLimit';

const CGROUP_COUNTERS: [CounterKey, string, string][] = [
  ['cpuUsageSeconds', 'vigil_container_cpu_usage_seconds_total', 'CPU time consumed by the container (cgroup cpu accounting).'],
  ['cpuPeriods', 'vigil_container_cpu_cfs_periods_total', 'CFS enforcement periods that elapsed while the container was runnable.'],
  ['cpuThrottledPeriods', 'vigil_container_cpu_cfs_throttled_periods_total', 'CFS periods in which the container was throttled.'],
  ['cpuThrottledSeconds', 'vigil_container_cpu_cfs_throttled_seconds_total', 'Time the container was throttled by its CPU quota.'],
  ['oomKills', 'vigil_container_oom_kills_total', 'Processes of the container killed by the OOM killer.'],
  ['ioReadBytes', 'vigil_container_fs_read_bytes_total', 'Bytes read from block devices by the container.'],
  ['ioWriteBytes', 'vigil_container_fs_write_bytes_total', 'Bytes written to block devices by the container.'],
  ['ioReads', 'vigil_container_fs_reads_total', 'Read operations on block devices by the container.'],
  ['ioWrites', 'vigil_container_fs_writes_total', 'Write operations on block devices by the container.'],
];

const CGROUP_GAUGES: [GaugeKey, string, string][] = [
  ['cpuLimitCores', 'vigil_container_cpu_limit_cores', 'CPU quota of the container in cores (absent when unlimited).'],
  ['memoryUsageBytes', 'vigil_container_memory_usage_bytes', 'Memory charged to the container, page cache included.'],
  ['memoryWorkingSetBytes', 'vigil_container_memory_working_set_bytes', 'Memory usage minus inactive file cache: what the OOM killer looks at.'],
  ['memoryLimitBytes', 'vigil_container_memory_limit_bytes', 'Memory limit of the container (absent when unlimited).'],
  ['pids', 'vigil_container_pids', 'Tasks in the container.'],
  ['pidsLimit', 'vigil_container_pids_limit', 'Task limit of the container (absent when unlimited).'],
];

type KernelKey = Exclude<keyof CgroupCounters, 'cgroup_id'>;
const KERNEL_COUNTERS: [KernelKey, string, string, number][] = [
  ['syscalls', 'vigil_container_syscalls_total', 'System calls entered by the container (eBPF).', 1],
  ['execs', 'vigil_container_execs_total', 'Successful execve/execveat calls in the container (eBPF).', 1],
  ['forks', 'vigil_container_forks_total', 'Processes created in the container (eBPF).', 1],
  ['exits', 'vigil_container_process_exits_total', 'Processes that exited in the container (eBPF).', 1],
  ['opens', 'vigil_container_file_opens_total', 'File open calls in the container, failed ones included (eBPF).', 1],
  ['open_failures', 'vigil_container_file_open_failures_total', 'File open calls that failed in the container (eBPF).', 1],
  ['connects', 'vigil_container_connects_total', 'connect() calls in the container (eBPF).', 1],
  ['accepts', 'vigil_container_accepts_total', 'Connections accepted in the container (eBPF).', 1],
  ['bytes_sent', 'vigil_container_network_transmit_bytes_total', 'Bytes sent on sockets by the container (eBPF).', 1],
  ['bytes_received', 'vigil_container_network_receive_bytes_total', 'Bytes received on sockets by the container (eBPF).', 1],
  ['oncpu_ns', 'vigil_container_oncpu_seconds_total', 'Time the container ran on a CPU, from scheduler switches (eBPF).', 1e-9],
];

const labelKey = (l: ContainerLabels): string => `${l.namespace}\u0000${l.pod}\u0000${l.container}`;

export class ContainerMetrics {
  private readonly cgroupCounters = new Map<CounterKey, Counter<string>>();
  private readonly cgroupGauges = new Map<GaugeKey, Gauge<string>>();
  private readonly kernelCounters = new Map<KernelKey, { counter: Counter<string>; scale: number }>();
  private readonly info: Gauge<string>;
  private readonly startTime: Gauge<string>;
  private readonly deltas = new DeltaTracker();
  /** label key -> labels and the last time a source reported for it */
  private readonly seen = new Map<string, { labels: ContainerLabels; info?: ContainerInfoLabels; lastMs: number }>();

  constructor(registry: Registry) {
    const labelNames = [...CONTAINER_LABELS];
    for (const [key, name, help] of CGROUP_COUNTERS) this.cgroupCounters.set(key, new Counter({ name, help, labelNames, registers: [registry] }));
    for (const [key, name, help] of CGROUP_GAUGES) this.cgroupGauges.set(key, new Gauge({ name, help, labelNames, registers: [registry] }));
    for (const [key, name, help, scale] of KERNEL_COUNTERS) {
      this.kernelCounters.set(key, { counter: new Counter({ name, help, labelNames, registers: [registry] }), scale });
    }
    this.info = new Gauge({
      name: 'vigil_container_info',
      help: 'Metadata of each monitored container (value 1); join on namespace, pod and container.',
      labelNames: [...labelNames, 'image', 'image_digest', 'runtime', 'workload_kind', 'workload'],
      registers: [registry],
    });
    this.startTime = new Gauge({
      name: 'vigil_container_start_time_seconds',
      help: 'Unix time the container started, from the runtime or the Kubernetes pod status (absent when unknown).',
      labelNames,
      registers: [registry],
    });
  }

  private touch(labels: ContainerLabels, nowMs: number): void {
    const k = labelKey(labels);
    const entry = this.seen.get(k);
    if (entry) entry.lastMs = nowMs;
    else this.seen.set(k, { labels, lastMs: nowMs });
  }

  setInfo(info: ContainerInfoLabels, nowMs = Date.now()): void {
    const k = labelKey(info);
    this.touch(info, nowMs);
    const entry = this.seen.get(k)!;
    if (entry.info && JSON.stringify(entry.info) !== JSON.stringify(info)) this.info.remove(entry.info);
    entry.info = info;
    this.info.set(info, 1);
  }

  /** `startedAt` is an ISO time from the runtime's inspect or the pod status; an unparsable one is left out. */
  setStartTime(labels: ContainerLabels, startedAt: string | undefined, nowMs = Date.now()): void {
    this.touch(labels, nowMs);
    const ms = startedAt ? Date.parse(startedAt) : Number.NaN;
    if (Number.isFinite(ms) && ms > 0) this.startTime.set(labels, ms / 1000);
    else this.startTime.remove(labels);
  }

  /** Applies one kernel counter snapshot; `source` distinguishes cgroups that map to the same labels. */
  addKernelCounters(source: string, labels: ContainerLabels, c: CgroupCounters, nowMs = Date.now()): void {
    this.touch(labels, nowMs);
    for (const [key, { counter, scale }] of this.kernelCounters) {
      const d = this.deltas.delta(`${source}\u0000k:${key}`, c[key], nowMs);
      if (d > 0) counter.inc(labels, d * scale);
      else counter.inc(labels, 0);
    }
  }

  addCgroupSample(source: string, labels: ContainerLabels, s: CgroupResourceSample, nowMs = Date.now()): void {
    this.touch(labels, nowMs);
    for (const [key, counter] of this.cgroupCounters) {
      const v = s[key];
      if (v === undefined) continue;
      const d = this.deltas.delta(`${source}\u0000c:${key}`, v, nowMs);
      counter.inc(labels, d > 0 ? d : 0);
    }
    for (const [key, gauge] of this.cgroupGauges) {
      const v = s[key];
      if (v === undefined || !Number.isFinite(v)) gauge.remove(labels);
      else gauge.set(labels, v);
    }
  }

  /** A cgroup went away: forget its cumulative baselines (its label set lives on until `expire`). */
  forgetSource(source: string): void {
    this.deltas.forget(`${source}\u0000`);
  }

  /** Removes the series of label sets nobody reported for since `olderThanMs`, and stale source baselines. */
  expire(olderThanMs: number): number {
    this.deltas.expire(olderThanMs);
    let removed = 0;
    for (const [k, entry] of this.seen) {
      if (entry.lastMs >= olderThanMs) continue;
      for (const c of this.cgroupCounters.values()) c.remove(entry.labels);
      for (const g of this.cgroupGauges.values()) g.remove(entry.labels);
      for (const { counter } of this.kernelCounters.values()) counter.remove(entry.labels);
      if (entry.info) this.info.remove(entry.info);
      this.startTime.remove(entry.labels);
      this.seen.delete(k);
      removed++;
    }
    return removed;
  }

  get labelSets(): number {
    return this.seen.size;
  }
}
