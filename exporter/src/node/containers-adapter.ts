// Assembles the container side of `vigil node` from the containers/, cgroups/ and procs/ parts and speaks the
// plain shapes the rest of the composition root uses (event container refs, metric labels, API rows).

import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { CgroupStats } from '../cgroups/stats.js';
import { createNodeContainers, type NodeContainers as ContainerParts, type NodeContainersStats } from '../containers/node-containers.js';
import type { Container } from '../containers/registry.js';
import type { AncestorInfo, CgroupCounters, ContainerRef, K8sRef, VigilEvent } from '../events/types.js';
import type { CgroupResourceSample, ContainerInfoLabels, ContainerLabels } from '../metrics/container-metrics.js';
import { ProcessTable } from '../procs/process-table.js';
import type { ContainerView } from './enrich.js';

export interface NodeContainersOptions {
  node: string;
  kubernetes: 'auto' | 'on' | 'off';
  kubeconfig: string;
  runtime: 'auto' | 'podman' | 'docker' | 'off';
  log: Logger;
  metadataTimeoutMs?: number;
}

/** Ancestors are context, not evidence: their command lines are kept short so every event stays small. */
const MAX_ANCESTOR_CMDLINE = 256;

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function toRef(c: Container): ContainerRef {
  const ref: ContainerRef = { id: c.id, runtime: c.runtime };
  if (c.name !== undefined) ref.name = c.name;
  if (c.image !== undefined) ref.image = c.image;
  if (c.imageDigest !== undefined) ref.image_digest = c.imageDigest;
  if (c.privileged !== undefined) ref.privileged = c.privileged;
  return ref;
}

function toK8s(c: Container): K8sRef | undefined {
  if (c.namespace === undefined || c.pod === undefined) return undefined;
  const k: K8sRef = { ns: c.namespace, pod: c.pod };
  if (c.podUid !== undefined) k.pod_uid = c.podUid;
  if (c.name !== undefined) k.container = c.podSandbox ? 'POD' : c.name;
  if (c.workloadKind !== undefined) k.workload_kind = c.workloadKind;
  if (c.workloadName !== undefined) k.workload = c.workloadName;
  return k;
}

export class NodeContainers {
  private parts!: ContainerParts;
  readonly procs = new ProcessTable();
  private readonly gone: number[] = [];
  private readonly goneIds: string[] = [];
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly opts: NodeContainersOptions) {}

  async start(): Promise<void> {
    const rt = this.opts.runtime;
    const k8s = this.opts.kubernetes;
    const inCluster = k8s === 'on' || (k8s === 'auto' && (existsSync(SERVICE_ACCOUNT) || this.opts.kubeconfig !== ''));
    this.parts = await createNodeContainers({
      nodeName: this.opts.node,
      kubernetes: !inCluster ? false : this.opts.kubeconfig ? { kubeconfigPath: this.opts.kubeconfig } : 'in-cluster',
      ...(rt === 'off' || rt === 'docker' ? { podman: false as const } : {}),
      ...(rt === 'off' || rt === 'podman' ? { docker: false as const } : {}),
      registry: { metadataTimeoutMs: this.opts.metadataTimeoutMs ?? 5000 },
    });
    this.opts.log.info({ cgroups: this.parts.layout.mode, kubernetes: inCluster }, 'container attribution');
    this.registry.onUpdate(() => {
      for (const l of this.changeListeners) l();
    });
    this.registry.onRemove((c) => this.goneIds.push(c.id));
    // The first pod list can take long (or the API can be down): attribution works without it meanwhile.
    const started = this.parts.start().catch((err: Error) => this.opts.log.error({ err: err.message }, 'container metadata sources failed to start'));
    await Promise.race([started, new Promise((r) => setTimeout(r, 5000).unref())]);
    this.watchKubernetesErrors();
    const resolver = this.parts.resolver;
    const seeded = await this.procs.seedFromProc('/proc', (pid) => {
      const path = resolver.pathForPid(pid);
      const id = path === undefined ? undefined : resolver.idForPath(path);
      return id === undefined ? undefined : Number(id);
    });
    this.opts.log.info({ processes: seeded }, 'process table seeded from /proc');
  }

  /** Pod-watch failures are retried inside the index; the operator still needs to see why, once a minute. */
  private watchKubernetesErrors(): void {
    const pods = this.parts.pods;
    if (!pods) return;
    let seen = 0;
    const timer = setInterval(() => {
      const errors = pods.stats().informerErrors;
      if (errors > seen) this.opts.log.warn({ errors, lastError: pods.lastError }, 'kubernetes pod watch failing (retrying)');
      seen = errors;
    }, 60_000);
    timer.unref();
    setTimeout(() => {
      if (pods.stats().informerErrors > 0) this.opts.log.warn({ lastError: pods.lastError }, 'kubernetes pod watch failing (retrying)');
    }, 3000).unref();
  }

  private get registry() {
    return this.parts.registry;
  }

  /** Keeps the process table current from the event stream. */
  observe(ev: VigilEvent): void {
    switch (ev.type) {
      case 'exec':
        this.procs.exec({
          pid: ev.proc.pid,
          ...(ev.proc.ppid !== undefined ? { ppid: ev.proc.ppid } : {}),
          comm: ev.proc.name,
          exe: ev.proc.exe ?? '',
          args: ev.proc.argv?.slice(1) ?? [],
          ...(ev.proc.cwd !== undefined ? { cwd: ev.proc.cwd } : {}),
          uid: ev.proc.euid ?? ev.proc.uid,
          ...(ev.proc.loginuid !== undefined && ev.proc.loginuid >= 0 ? { loginuid: ev.proc.loginuid } : {}),
          ...(ev.proc.tty ? { tty: ev.proc.tty } : {}),
          ...(ev.proc.start_ns !== undefined ? { startNs: ev.proc.start_ns } : {}),
          cgroupId: ev.cgroup_id,
        });
        break;
      case 'fork':
        if (!ev.fork.thread) this.procs.fork({ pid: ev.fork.child_pid, ppid: ev.proc.pid, cgroupId: ev.cgroup_id });
        break;
      case 'exit':
        if (ev.proc.pid === ev.proc.tid) this.procs.exit(ev.proc.pid);
        break;
      default:
        break;
    }
  }

  /** Built once per process entry: every event of a busy process would otherwise rebuild the same strings. */
  private readonly ancestorCache = new WeakMap<object, AncestorInfo>();

  ancestors(pid: number, depth: number): AncestorInfo[] {
    return this.procs.ancestors(pid, depth).map((p) => {
      let a = this.ancestorCache.get(p);
      if (!a) {
        a = { pid: p.pid, name: p.comm };
        if (p.exe) a.exe = p.exe;
        const cmdline = p.args.length > 0 ? `${p.comm} ${p.args.join(' ')}` : p.comm;
        a.cmdline = cmdline.length > MAX_ANCESTOR_CMDLINE ? `${cmdline.slice(0, MAX_ANCESTOR_CMDLINE)}…` : cmdline;
        this.ancestorCache.set(p, a);
      }
      return a;
    });
  }

  view(cgroupId: number, pid: number, parentPid?: number): ContainerView {
    const c = this.registry.lookup(cgroupId, pid) ?? (parentPid !== undefined && parentPid > 0 ? this.registry.lookup(cgroupId, parentPid) : undefined);
    if (!c) return { container: { id: 'host', runtime: 'host' }, ready: false };
    const k8s = toK8s(c);
    return { container: toRef(c), ...(k8s ? { k8s } : {}), ready: c.state === 'ready' };
  }

  private labelsOf(c: Container): ContainerLabels {
    if (c.id === 'host') return { node: this.opts.node, namespace: '', pod: '', container: 'host' };
    if (c.namespace !== undefined && c.pod !== undefined) {
      return { node: this.opts.node, namespace: c.namespace, pod: c.pod, container: c.podSandbox ? 'POD' : (c.name ?? c.id.slice(0, 12)) };
    }
    return { node: this.opts.node, namespace: '', pod: '', container: c.name ?? c.id.slice(0, 12) };
  }

  /** Metric labels of a cgroup, or undefined while it is unresolved (its counts wait, they are not misfiled). */
  labels(cgroupId: number): ContainerLabels | undefined {
    const c = this.registry.lookup(cgroupId);
    return c ? this.labelsOf(c) : undefined;
  }

  /** Containers whose cgroup files are read for resource metrics (the host aggregate is not one). */
  known(): Container[] {
    return this.registry.list().filter((c) => c.id !== 'host');
  }

  infoLabels(c: Container): ContainerInfoLabels {
    return {
      ...this.labelsOf(c),
      image: c.image ?? '',
      image_digest: c.imageDigest ?? '',
      runtime: c.runtime,
      workload_kind: c.workloadKind ?? '',
      workload: c.workloadName ?? '',
    };
  }

  containerLabels(c: Container): ContainerLabels {
    return this.labelsOf(c);
  }

  async readResources(c: Container): Promise<CgroupResourceSample> {
    const s: CgroupStats = await this.parts.cgroupStats.read(c.cgroupPath);
    const out: CgroupResourceSample = {};
    const put = <K extends keyof CgroupResourceSample>(k: K, v: number | null | undefined): void => {
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    };
    put('cpuUsageSeconds', s.cpuUsageSeconds);
    put('cpuPeriods', s.cpuPeriods);
    put('cpuThrottledPeriods', s.cpuThrottledPeriods);
    put('cpuThrottledSeconds', s.cpuThrottledSeconds);
    put('cpuLimitCores', s.cpuLimitCores);
    put('memoryUsageBytes', s.memoryUsageBytes);
    put('memoryWorkingSetBytes', s.memoryWorkingSetBytes);
    put('memoryLimitBytes', s.memoryLimitBytes);
    put('oomKills', s.memoryOomKills);
    put('ioReadBytes', s.ioReadBytes);
    put('ioWriteBytes', s.ioWriteBytes);
    put('ioReads', s.ioReadOps);
    put('ioWrites', s.ioWriteOps);
    put('pids', s.pidsCurrent);
    put('pidsLimit', s.pidsLimit);
    return out;
  }

  /** Ids of containers removed since the last call. */
  takeGone(): string[] {
    return this.goneIds.splice(0, this.goneIds.length);
  }

  onChange(fn: () => void): void {
    this.changeListeners.add(fn);
  }

  /** Rows for GET /api/v1/containers: metadata plus the latest kernel counters and cgroup resource sample. */
  describe(live: { counters: ReadonlyMap<number, CgroupCounters>; resources: ReadonlyMap<string, CgroupResourceSample> }): unknown[] {
    return this.registry.list().map((c) => {
      const id = c.id === 'host' ? undefined : this.parts.resolver.idForPath(c.cgroupPath);
      const counters = id === undefined ? undefined : live.counters.get(Number(id));
      return { ...this.row(c), cgroup_id: id === undefined ? undefined : Number(id), counters, resources: live.resources.get(c.id) };
    });
  }

  private row(c: Container): Record<string, unknown> {
    return {
      id: c.id,
      runtime: c.runtime,
      state: c.state,
      name: c.name,
      image: c.image,
      image_digest: c.imageDigest,
      cgroup_path: c.cgroupPath,
      labels: c.labels,
      namespace: c.namespace,
      pod: c.pod,
      pod_uid: c.podUid,
      pod_labels: c.podLabels,
      workload_kind: c.workloadKind,
      workload: c.workloadName,
      node: c.node ?? this.opts.node,
      started_at: c.startedAt,
      privileged: c.privileged,
      metric_labels: this.labelsOf(c),
    };
  }

  countsByRuntime(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.known()) out[c.runtime] = (out[c.runtime] ?? 0) + 1;
    return out;
  }

  stats(): NodeContainersStats {
    return this.parts.stats();
  }

  stop(): void {
    void this.parts.stop();
  }
}
