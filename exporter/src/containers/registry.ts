// cgroup id → Container: the one place that turns an event's cgroup id (and pid) into "which container, which
// pod". The path comes from the resolver, the container ID and pod UID from the path, the rest from metadata
// sources that answer later (podman/docker inspect, the Kubernetes pod index). An entry starts as
// 'pending-metadata' and is replaced by a new snapshot with a higher version whenever something arrives, so
// callers can re-label instead of keeping "unknown" forever; after metadataTimeoutMs it is 'ready' with what is
// known, and late metadata still updates it.
import { parseCgroupPath, type CgroupAttribution, type ContainerRuntime, type QosClass } from './cgroup-path.js';
import { cgroupIdKey, type CgroupId, type CgroupResolver } from './cgroup-resolver.js';
import type { RuntimeContainerInfo } from './inspect-parse.js';
import type { InspectResult, RuntimeInspector } from './local-runtime.js';
import { LruMap } from './lru.js';
import type { PodContainerInfo } from './pod-metadata.js';
import type { IndexedPod, PodChange } from './kubernetes-pods.js';
import { candidatePaths, type ProcCgroup } from './proc-cgroup.js';

export type ContainerState = 'pending-metadata' | 'ready';

/** An immutable snapshot; a change produces a new object with version + 1. */
export interface Container {
  /** Container ID (64 hex), or 'host'. */
  readonly id: string;
  readonly runtime: ContainerRuntime | 'host';
  readonly cgroupPath: string;
  readonly podUid?: string;
  readonly qosClass?: QosClass;
  readonly name?: string;
  readonly image?: string;
  readonly imageDigest?: string;
  readonly imageId?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace?: string;
  readonly pod?: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly workloadKind?: string;
  readonly workloadName?: string;
  readonly node?: string;
  readonly startedAt?: string;
  readonly privileged?: boolean;
  /** The pod's sandbox ("pause") container: it belongs to the pod but has no entry in the pod's statuses. */
  readonly podSandbox?: boolean;
  readonly state: ContainerState;
  readonly version: number;
}

/** What the registry needs from the Kubernetes pod index (KubernetesPodIndex implements it). */
export interface PodSource {
  byContainerId(id: string): { pod: IndexedPod; container: PodContainerInfo } | undefined;
  byPodUid(uid: string): IndexedPod | undefined;
  onChange(fn: (c: PodChange) => void): () => void;
}

export interface ContainerRegistryOptions {
  resolver: CgroupResolver;
  inspectors?: RuntimeInspector[];
  pods?: PodSource;
  /** Reported as Container.node when no pod says otherwise. */
  nodeName?: string;
  maxContainers?: number;
  maxCgroupBindings?: number;
  maxPendingResolves?: number;
  /** After this long a container is 'ready' with what is known; later metadata still updates it. */
  metadataTimeoutMs?: number;
  /** "No such container" answers tolerated before a runtime is considered not to know the container. */
  notFoundRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a deleted pod's containers keep their metadata (events can trail the deletion). */
  removalGraceMs?: number;
  /** Period of the sweep that drops containers whose cgroup is gone (0 disables the timer). */
  sweepIntervalMs?: number;
  now?: () => number;
}

export interface ContainerRegistryStats {
  containers: number;
  pending: number;
  cgroupBindings: number;
  lookups: number;
  lookupHits: number;
  unresolved: number;
  invalidIds: number;
  pidFallbacks: number;
  pidOnlyAttributions: number;
  pendingResolvesDropped: number;
  resolveErrors: number;
  inspectAttempts: number;
  inspectFailures: number;
  inspectNotFound: number;
  inspectUnavailable: number;
  metadataTimeouts: number;
  updates: number;
  removals: number;
  evictions: number;
  listenerErrors: number;
}

type SourceName = 'kubernetes' | RuntimeInspector['runtime'];

interface Entry {
  key: string;
  attribution: CgroupAttribution;
  cgroupPath: string;
  container: Container;
  cgroupKeys: Set<string>;
  pending: Set<SourceName>;
  runtimeInfo?: RuntimeContainerInfo;
  k8s?: { pod: IndexedPod; container?: PodContainerInfo; sandbox?: boolean };
  timers: Set<NodeJS.Timeout>;
  timedOut: boolean;
  removing: boolean;
  removed: boolean;
}

const HOST_KEY = 'host';
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

export class ContainerRegistry {
  private readonly resolver: CgroupResolver;
  private readonly inspectors: RuntimeInspector[];
  private readonly pods: PodSource | undefined;
  private readonly nodeName: string | undefined;
  private readonly entries: LruMap<string, Entry>;
  private readonly byCgroup: LruMap<string, string>;
  private readonly byPodUid = new Map<string, Set<string>>();
  private readonly resolving = new Map<string, Promise<Container | undefined>>();
  private readonly updateListeners = new Set<(c: Container) => void>();
  private readonly removeListeners = new Set<(c: Container) => void>();
  private readonly hostEntry: Entry;
  private readonly opts: Required<Omit<ContainerRegistryOptions, 'resolver' | 'inspectors' | 'pods' | 'nodeName' | 'now'>>;
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribePods: (() => void) | undefined;
  private stopped = false;
  private readonly counters = {
    lookups: 0, lookupHits: 0, unresolved: 0, invalidIds: 0, pidFallbacks: 0, pidOnlyAttributions: 0,
    pendingResolvesDropped: 0, resolveErrors: 0, inspectAttempts: 0, inspectFailures: 0, inspectNotFound: 0, inspectUnavailable: 0,
    metadataTimeouts: 0, updates: 0, removals: 0, evictions: 0, listenerErrors: 0,
  };

  constructor(options: ContainerRegistryOptions) {
    this.resolver = options.resolver;
    this.inspectors = options.inspectors ?? [];
    this.pods = options.pods;
    this.nodeName = options.nodeName;
    this.now = options.now ?? Date.now;
    this.opts = {
      maxContainers: options.maxContainers ?? 4096,
      maxCgroupBindings: options.maxCgroupBindings ?? 16384,
      maxPendingResolves: options.maxPendingResolves ?? 1024,
      metadataTimeoutMs: options.metadataTimeoutMs ?? 60_000,
      notFoundRetries: options.notFoundRetries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      removalGraceMs: options.removalGraceMs ?? 30_000,
      sweepIntervalMs: options.sweepIntervalMs ?? 30_000,
    };
    this.entries = new LruMap(this.opts.maxContainers);
    this.byCgroup = new LruMap(this.opts.maxCgroupBindings);
    this.hostEntry = this.newEntry(HOST_KEY, { runtime: 'host' }, '/');
    this.hostEntry.container = this.compose(this.hostEntry, 0);
    if (this.pods) this.unsubscribePods = this.pods.onChange((c) => this.onPodChange(c));
  }

  /** Start the periodic sweep (containers whose cgroup disappeared are dropped). */
  start(): void {
    if (this.sweepTimer || this.opts.sweepIntervalMs <= 0) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.unsubscribePods?.();
    for (const e of this.entries.values()) this.clearTimers(e);
  }

  /** The single entry every host process maps to. */
  host(): Container {
    return this.hostEntry.container;
  }

  /**
   * Hot path: the container of a cgroup id, from cache. With a pid, a miss is resolved on the spot through
   * /proc/<pid>/cgroup (checked against the id). Otherwise a miss returns undefined and is resolved in the
   * background; onUpdate() reports the result.
   */
  lookup(cgroupId: CgroupId, pid?: number): Container | undefined {
    this.counters.lookups++;
    const key = cgroupIdKey(cgroupId);
    if (key === undefined) {
      this.counters.invalidIds++;
      return undefined;
    }
    // peek, not get: keeping exact recency would cost two Map re-insertions per event; eviction at the bounds
    // (far above a node's real container count) is oldest-first instead.
    const bound = this.byCgroup.peek(key);
    if (bound !== undefined) {
      const entry = bound === HOST_KEY ? this.hostEntry : this.entries.peek(bound);
      if (entry) {
        this.counters.lookupHits++;
        return entry.container;
      }
    }
    const path = this.resolver.lookupId(key);
    if (path !== undefined) return this.bind(key, path).container;
    if (pid !== undefined) {
      const viaPid = this.viaPid(key, pid);
      if (viaPid) return viaPid;
    }
    this.counters.unresolved++;
    void this.resolve(key);
    return undefined;
  }

  /** Like lookup(), but waits for a rescan of the cgroup tree on a miss. */
  resolve(cgroupId: CgroupId, pid?: number): Promise<Container | undefined> {
    const key = cgroupIdKey(cgroupId);
    if (key === undefined) {
      this.counters.invalidIds++;
      return Promise.resolve(undefined);
    }
    const bound = this.byCgroup.peek(key);
    const entry = bound === HOST_KEY ? this.hostEntry : bound !== undefined ? this.entries.peek(bound) : undefined;
    if (entry) return Promise.resolve(entry.container);
    if (pid !== undefined) {
      const viaPid = this.viaPid(key, pid);
      if (viaPid) return Promise.resolve(viaPid);
    }
    const running = this.resolving.get(key);
    if (running) return running;
    if (this.resolving.size >= this.opts.maxPendingResolves) {
      this.counters.pendingResolvesDropped++;
      return Promise.resolve(undefined);
    }
    const p = this.resolver
      .resolveId(key)
      .then((path) => (path === undefined || this.stopped ? undefined : this.bind(key, path).container))
      .catch(() => {
        this.counters.resolveErrors++;
        return undefined;
      })
      .finally(() => this.resolving.delete(key));
    this.resolving.set(key, p);
    return p;
  }

  /**
   * The container of a live process from /proc/<pid>/cgroup alone, not cached by cgroup id: for v1-only nodes
   * (no cgroup v2 ids) and hybrid nodes where only v1 paths name containers. Call once per process and keep it.
   */
  lookupPid(pid: number): Container | undefined {
    const pc = this.resolver.procCgroup(pid);
    if (!pc) return undefined;
    return this.containerFromV1(pc) ?? this.hostEntry.container;
  }

  byContainerId(id: string): Container | undefined {
    return id === HOST_KEY ? this.hostEntry.container : this.entries.peek(id.toLowerCase())?.container;
  }

  list(): Container[] {
    return [this.hostEntry.container, ...[...this.entries.values()].map((e) => e.container)];
  }

  /** Called for every new container and every new snapshot of one (metadata arrived or changed). */
  onUpdate(fn: (c: Container) => void): () => void {
    this.updateListeners.add(fn);
    return () => this.updateListeners.delete(fn);
  }

  /** Called with the last snapshot of a container that is gone (cgroup removed, pod deleted, evicted). */
  onRemove(fn: (c: Container) => void): () => void {
    this.removeListeners.add(fn);
    return () => this.removeListeners.delete(fn);
  }

  /** Resolves with the container once it is 'ready' (or with its current snapshot after timeoutMs). */
  waitForReady(containerId: string, timeoutMs: number): Promise<Container | undefined> {
    const current = this.byContainerId(containerId);
    if (current?.state === 'ready') return Promise.resolve(current);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(this.byContainerId(containerId));
      }, timeoutMs);
      const off = this.onUpdate((c) => {
        if (c.id === containerId && c.state === 'ready') {
          clearTimeout(timer);
          off();
          resolve(c);
        }
      });
    });
  }

  /** Drop containers whose cgroup no longer exists. Returns how many were removed. */
  sweep(): number {
    let removed = 0;
    for (const e of [...this.entries.values()]) {
      if (e.removing) continue;
      if (this.resolver.cgroupExists(e.cgroupPath) === false) {
        this.remove(e);
        removed++;
      }
    }
    return removed;
  }

  stats(): ContainerRegistryStats {
    let pending = 0;
    for (const e of this.entries.values()) if (e.container.state === 'pending-metadata') pending++;
    return { ...this.counters, containers: this.entries.size, pending, cgroupBindings: this.byCgroup.size };
  }

  // --- binding cgroups to entries -------------------------------------------------------------------------

  private viaPid(key: string, pid: number): Container | undefined {
    const pc = this.resolver.procCgroup(pid);
    if (!pc) return undefined;
    this.counters.pidFallbacks++;
    if (pc.unified !== undefined && this.resolver.idForPath(pc.unified) === key) {
      const e = this.bind(key, pc.unified);
      if (e !== this.hostEntry) return e.container;
      // v2 calls it a host cgroup; on hybrid nodes with a cgroupfs-driver kubelet the v1 paths name the
      // container. That answer belongs to this process only, so it is not bound to the id.
      return this.containerFromV1(pc) ?? this.hostEntry.container;
    }
    // No v2 ids on this node (v1 only): the process's paths are the only answer there is.
    if (!this.resolver.hasUnified) return this.containerFromV1(pc) ?? this.hostEntry.container;
    // The process has moved to another cgroup since the event: its current cgroup says nothing about the id.
    return undefined;
  }

  private containerFromV1(pc: ProcCgroup): Container | undefined {
    for (const path of candidatePaths(pc)) {
      const a = parseCgroupPath(path);
      if (a.containerId) {
        this.counters.pidOnlyAttributions++;
        return this.entryFor(a, path).container;
      }
    }
    return undefined;
  }

  private bind(key: string, path: string): Entry {
    const entry = this.entryFor(parseCgroupPath(path), path);
    const evicted = this.byCgroup.set(key, entry.key);
    if (evicted) {
      const [k, owner] = evicted;
      this.entries.peek(owner)?.cgroupKeys.delete(k);
    }
    entry.cgroupKeys.add(key);
    return entry;
  }

  private entryFor(a: CgroupAttribution, path: string): Entry {
    if (!a.containerId) return this.hostEntry;
    const existing = this.entries.get(a.containerId);
    if (existing) {
      // Nested cgroups (libpod-ID.scope/container) resolve to the same entry; the shortest path is the container's.
      if (path.length < existing.cgroupPath.length) existing.cgroupPath = path;
      return existing;
    }
    const entry = this.newEntry(a.containerId, a, path);
    const evicted = this.entries.set(entry.key, entry);
    if (evicted) {
      this.counters.evictions++;
      this.forget(evicted[1]);
    }
    if (a.podUid) {
      let set = this.byPodUid.get(a.podUid);
      if (!set) this.byPodUid.set(a.podUid, (set = new Set()));
      set.add(entry.key);
    }
    this.startMetadata(entry);
    entry.container = this.compose(entry, 1);
    // Announced like any later snapshot: a caller whose lookup() missed learns of the container here.
    this.emitUpdate(entry.container);
    return entry;
  }

  private newEntry(key: string, attribution: CgroupAttribution, cgroupPath: string): Entry {
    return {
      key, attribution, cgroupPath, cgroupKeys: new Set(), pending: new Set(), timers: new Set(),
      timedOut: false, removing: false, removed: false,
      container: undefined as unknown as Container, // set by the caller right after
    };
  }

  // --- metadata ---------------------------------------------------------------------------------------------

  private startMetadata(entry: Entry): void {
    const a = entry.attribution;
    if (this.pods && a.podUid) {
      entry.pending.add('kubernetes');
      this.refreshK8s(entry);
    } else if (this.pods) {
      // No pod UID in the path (e.g. a runtime's own cgroup naming), but the pod may already be indexed by
      // this container's ID: a pod that arrived before the container's first event would otherwise never match.
      this.refreshK8s(entry);
    }
    for (const inspector of this.inspectorsFor(a)) {
      entry.pending.add(inspector.runtime);
      void this.inspect(entry, inspector, 0, 0);
    }
    if (entry.pending.size > 0) {
      this.timer(entry, this.opts.metadataTimeoutMs, () => {
        entry.timedOut = true;
        if (entry.pending.size > 0) this.counters.metadataTimeouts++;
        this.recompose(entry);
      });
    }
  }

  private inspectorsFor(a: CgroupAttribution): RuntimeInspector[] {
    switch (a.runtime) {
      case 'podman':
      case 'docker':
        return this.inspectors.filter((i) => i.runtime === a.runtime);
      case 'unknown':
        // An ID without a runtime name: a pod's container is the pod index's to describe.
        return a.podUid && this.pods ? [] : this.inspectors;
      default:
        return []; // containerd / CRI-O: no local API here; the pod index describes them
    }
  }

  private async inspect(entry: Entry, inspector: RuntimeInspector, attempt: number, notFound: number): Promise<void> {
    if (entry.removed || this.stopped) return;
    this.counters.inspectAttempts++;
    const r: InspectResult = await inspector.inspect(entry.key);
    if (entry.removed || this.stopped) return;
    switch (r.kind) {
      case 'found':
        entry.runtimeInfo = r.info;
        // Whoever knows the container answers for every runtime that was only being tried.
        for (const i of this.inspectors) entry.pending.delete(i.runtime);
        break;
      case 'not-found':
        this.counters.inspectNotFound++;
        if (notFound + 1 < this.opts.notFoundRetries) {
          this.retry(entry, inspector, attempt + 1, notFound + 1);
          return;
        }
        entry.pending.delete(inspector.runtime);
        break;
      case 'unavailable':
        this.counters.inspectUnavailable++;
        entry.pending.delete(inspector.runtime);
        break;
      case 'error':
        this.counters.inspectFailures++;
        this.retry(entry, inspector, attempt + 1, notFound);
        return;
    }
    this.recompose(entry);
  }

  private retry(entry: Entry, inspector: RuntimeInspector, attempt: number, notFound: number): void {
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(attempt - 1, 20));
    this.timer(entry, delay, () => void this.inspect(entry, inspector, attempt, notFound));
  }

  /** Re-read the pod index for this entry; keeps the last answer if the pod is gone (removal is timed). */
  private refreshK8s(entry: Entry): void {
    if (!this.pods) return;
    const byId = this.pods.byContainerId(entry.key);
    if (byId) {
      entry.k8s = { pod: byId.pod, container: byId.container };
      entry.pending.delete('kubernetes');
      return;
    }
    const uid = entry.attribution.podUid ?? entry.k8s?.pod.uid;
    const pod = uid ? this.pods.byPodUid(uid) : undefined;
    if (!pod) return;
    entry.k8s = { pod };
    // Every container of the pod has its ID and none is this one: it is the sandbox (pause) container.
    const regular = pod.containers.filter((c) => c.kind === 'container');
    if (regular.length > 0 && regular.every((c) => c.containerId !== undefined) && pod.phase !== 'Pending') {
      entry.k8s.sandbox = true;
      entry.pending.delete('kubernetes');
    }
  }

  private onPodChange(change: PodChange): void {
    const keys = new Set(this.byPodUid.get(change.pod.uid) ?? []);
    for (const c of change.pod.containers) {
      for (const id of [c.containerId, ...c.previousContainerIds]) if (id && this.entries.has(id)) keys.add(id);
    }
    for (const key of keys) {
      const entry = this.entries.peek(key);
      if (!entry || entry.removed) continue;
      if (change.type === 'delete') {
        if (entry.removing) continue;
        entry.removing = true;
        if (this.opts.removalGraceMs <= 0) this.remove(entry);
        else this.timer(entry, this.opts.removalGraceMs, () => this.remove(entry));
      } else {
        if (!entry.attribution.podUid) this.indexPod(entry, change.pod.uid);
        this.refreshK8s(entry);
        this.recompose(entry);
      }
    }
  }

  private indexPod(entry: Entry, uid: string): void {
    let set = this.byPodUid.get(uid);
    if (!set) this.byPodUid.set(uid, (set = new Set()));
    set.add(entry.key);
  }

  private recompose(entry: Entry): void {
    if (entry.removed) return;
    const next = this.compose(entry, entry.container.version + 1);
    if (sameContainer(next, entry.container)) return;
    entry.container = next;
    this.counters.updates++;
    this.emitUpdate(next);
  }

  private compose(entry: Entry, version: number): Container {
    const a = entry.attribution;
    if (entry.key === HOST_KEY) {
      return Object.freeze({
        id: HOST_KEY, runtime: 'host', cgroupPath: '/', labels: EMPTY, podLabels: EMPTY, state: 'ready', version,
        ...(this.nodeName ? { node: this.nodeName } : {}),
      } satisfies Container);
    }
    const rt = entry.runtimeInfo;
    const pod = entry.k8s?.pod;
    const kc = entry.k8s?.container;
    const c: { -readonly [K in keyof Container]: Container[K] } = {
      id: entry.key,
      runtime: a.runtime === 'unknown' ? (kc?.runtime ?? rt?.runtime ?? 'unknown') : a.runtime,
      cgroupPath: entry.cgroupPath,
      labels: rt ? Object.freeze({ ...rt.labels }) : EMPTY,
      podLabels: pod ? Object.freeze({ ...pod.labels }) : EMPTY,
      state: entry.pending.size === 0 || entry.timedOut ? 'ready' : 'pending-metadata',
      version,
    };
    const set = <K extends keyof Container>(k: K, v: Container[K] | undefined): void => {
      if (v !== undefined) c[k] = v;
    };
    set('podUid', a.podUid ?? pod?.uid ?? rt?.kubernetes?.podUid);
    set('qosClass', a.qosClass);
    set('name', kc?.name ?? rt?.kubernetes?.containerName ?? rt?.name);
    set('image', kc?.image ?? rt?.image);
    set('imageDigest', kc?.imageDigest ?? rt?.imageDigest);
    set('imageId', kc?.imageId ?? rt?.imageId);
    set('namespace', pod?.namespace ?? rt?.kubernetes?.namespace);
    set('pod', pod?.name ?? rt?.kubernetes?.pod);
    set('workloadKind', pod?.workload.kind);
    set('workloadName', pod?.workload.name);
    set('node', pod?.node ?? this.nodeName);
    set('startedAt', kc?.startedAt ?? rt?.startedAt);
    set('privileged', rt?.privileged ?? kc?.privileged);
    if (entry.k8s?.sandbox) c.podSandbox = true;
    return Object.freeze(c);
  }

  // --- lifecycle --------------------------------------------------------------------------------------------

  private remove(entry: Entry): void {
    if (entry.removed) return;
    this.entries.delete(entry.key);
    this.forget(entry);
  }

  /** Tear down an entry already taken out of `entries` (removed or evicted). */
  private forget(entry: Entry): void {
    entry.removed = true;
    this.clearTimers(entry);
    for (const k of entry.cgroupKeys) if (this.byCgroup.peek(k) === entry.key) this.byCgroup.delete(k);
    for (const [uid, set] of this.byPodUid) {
      if (set.delete(entry.key) && set.size === 0) this.byPodUid.delete(uid);
    }
    this.counters.removals++;
    for (const fn of this.removeListeners) {
      try {
        fn(entry.container);
      } catch {
        this.counters.listenerErrors++;
      }
    }
  }

  private timer(entry: Entry, ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      entry.timers.delete(t);
      if (!entry.removed && !this.stopped) fn();
    }, ms);
    t.unref();
    entry.timers.add(t);
  }

  private clearTimers(entry: Entry): void {
    for (const t of entry.timers) clearTimeout(t);
    entry.timers.clear();
  }

  private emitUpdate(c: Container): void {
    for (const fn of this.updateListeners) {
      try {
        fn(c);
      } catch {
        this.counters.listenerErrors++;
      }
    }
  }
}

function sameContainer(a: Container, b: Container): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'version') continue;
    const x = a[k as keyof Container];
    const y = b[k as keyof Container];
    if (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null) {
      if (JSON.stringify(x) !== JSON.stringify(y)) return false;
    } else if (x !== y) {
      return false;
    }
  }
  return true;
}
