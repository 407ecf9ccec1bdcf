// The pods scheduled on this node, kept current with a list+watch informer (@kubernetes/client-node ListWatch
// with fieldSelector spec.nodeName=<node>), indexed by container ID and by pod UID. The container registry asks
// it "which pod runs container X" and is told when the answer changes.
import {
  AppsV1Api, BatchV1Api, KubeConfig, type V1Pod,
} from '@kubernetes/client-node';
import { supervisePods, type SupervisedInformer } from './supervised-informer.js';
import { DEFAULT_POD_LIMITS, podInfoFromObject, type PodContainerInfo, type PodInfo, type PodMetadataLimits, type OwnerRef } from './pod-metadata.js';
import { WorkloadResolver, type OwnerLookup, type WorkloadRef, type WorkloadResolverStats } from './workload-resolver.js';

export interface IndexedPod extends PodInfo {
  workload: WorkloadRef;
}

export type PodChange = { type: 'upsert' | 'delete'; pod: IndexedPod };

export interface KubernetesPodIndexOptions {
  kubeConfig: KubeConfig;
  /** Watch only this node's pods (fieldSelector spec.nodeName=...). Omit to watch all (tests, single-node). */
  nodeName?: string;
  limits?: PodMetadataLimits;
  /** Bound on indexed pods (the kubelet's default max is 110 per node; this guards against a mis-scoped watch). */
  maxPods?: number;
  /** Informer restart backoff after a list/watch error. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** How ReplicaSet/Job owners are looked up; default: the API server; null: never (names are decoded). */
  ownerLookup?: OwnerLookup | null;
  ownerLookupTimeoutMs?: number;
  now?: () => number;
}

export interface KubernetesPodIndexStats {
  pods: number;
  containers: number;
  events: number;
  badObjects: number;
  otherNodePods: number;
  podsDropped: number;
  informerErrors: number;
  informerRestarts: number;
  connects: number;
  listenerErrors: number;
  workload: WorkloadResolverStats;
}

/** Reads a ReplicaSet's or Job's controlling owner through the real API. */
export class ApiOwnerLookup implements OwnerLookup {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;

  constructor(kc: KubeConfig, private readonly timeoutMs = 10_000) {
    this.apps = kc.makeApiClient(AppsV1Api);
    this.batch = kc.makeApiClient(BatchV1Api);
  }

  async controllerOf(kind: 'ReplicaSet' | 'Job', namespace: string, name: string): Promise<OwnerRef | null> {
    const req = kind === 'ReplicaSet'
      ? this.apps.readNamespacedReplicaSet({ name, namespace })
      : this.batch.readNamespacedJob({ name, namespace });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`GET ${kind} ${namespace}/${name} timed out`), { code: 'ETIMEDOUT' })), this.timeoutMs);
    });
    try {
      const obj = await Promise.race([req, timeout]);
      const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
      return ref ? { kind: ref.kind, name: ref.name } : null;
    } finally {
      clearTimeout(timer);
    }
  }
}

export class KubernetesPodIndex {
  private readonly pods = new Map<string, IndexedPod>();
  private readonly byId = new Map<string, { uid: string; container: PodContainerInfo }>();
  private readonly listeners = new Set<(c: PodChange) => void>();
  private readonly watch: SupervisedInformer<V1Pod>;
  private readonly workloads: WorkloadResolver;
  private readonly limits: PodMetadataLimits;
  private readonly maxPods: number;
  private readonly nodeName: string | undefined;
  private readonly counters = {
    events: 0, badObjects: 0, otherNodePods: 0, podsDropped: 0, listenerErrors: 0,
  };

  constructor(opts: KubernetesPodIndexOptions) {
    const kc = opts.kubeConfig;
    this.limits = opts.limits ?? DEFAULT_POD_LIMITS;
    this.maxPods = opts.maxPods ?? 2048;
    this.nodeName = opts.nodeName;
    const lookup = opts.ownerLookup === null ? undefined : (opts.ownerLookup ?? new ApiOwnerLookup(kc, opts.ownerLookupTimeoutMs));
    this.workloads = new WorkloadResolver(lookup, opts.now ? { now: opts.now } : {});
    const handlers = { upsert: (p: V1Pod) => this.upsert(p), remove: (p: V1Pod) => this.remove(p) };
    this.watch = supervisePods(kc, handlers, this.nodeName ? { ...opts, fieldSelector: `spec.nodeName=${this.nodeName}` } : opts);
  }

  /** Resolves once the first list has been applied, or after the first failure (it keeps retrying). */
  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  /** True once the first pod list was applied. */
  get synced(): boolean {
    return this.watch.synced;
  }

  /** The newest list/watch failure, for the operator's log. */
  get lastError(): string | undefined {
    return this.watch.lastError;
  }


  onChange(fn: (c: PodChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  byContainerId(id: string): { pod: IndexedPod; container: PodContainerInfo } | undefined {
    const hit = this.byId.get(id);
    if (!hit) return undefined;
    const pod = this.pods.get(hit.uid);
    return pod ? { pod, container: hit.container } : undefined;
  }

  byPodUid(uid: string): IndexedPod | undefined {
    return this.pods.get(uid.toLowerCase());
  }

  stats(): KubernetesPodIndexStats {
    return { ...this.counters, ...this.watch.counters, pods: this.pods.size, containers: this.byId.size, workload: this.workloads.stats() };
  }

  private upsert(obj: V1Pod): void {
    this.counters.events++;
    const info = podInfoFromObject(obj, this.limits);
    if (!info) {
      this.counters.badObjects++;
      return;
    }
    // A server that ignored the fieldSelector must not make this node index the cluster.
    if (this.nodeName && info.node !== this.nodeName) {
      this.counters.otherNodePods++;
      return;
    }
    if (!this.pods.has(info.uid) && this.pods.size >= this.maxPods) {
      this.counters.podsDropped++;
      return;
    }
    const pod: IndexedPod = { ...info, workload: this.workloads.immediate(info.namespace, info.owner, info.name, info.labels) };
    this.store(pod);
    void this.workloads.resolve(info.namespace, info.owner, info.name, info.labels).then((ref) => {
      const current = this.pods.get(pod.uid);
      if (current !== pod || (ref.kind === pod.workload.kind && ref.name === pod.workload.name)) return;
      this.store({ ...pod, workload: ref });
    });
  }

  private store(pod: IndexedPod): void {
    const old = this.pods.get(pod.uid);
    if (old) this.unindex(old);
    this.pods.set(pod.uid, pod);
    for (const c of pod.containers) {
      for (const prev of c.previousContainerIds) if (!this.byId.has(prev)) this.byId.set(prev, { uid: pod.uid, container: c });
      if (c.containerId) this.byId.set(c.containerId, { uid: pod.uid, container: c });
    }
    this.emit({ type: 'upsert', pod });
  }

  private unindex(pod: IndexedPod): void {
    for (const c of pod.containers) {
      for (const id of [c.containerId, ...c.previousContainerIds]) {
        if (id && this.byId.get(id)?.uid === pod.uid) this.byId.delete(id);
      }
    }
  }

  private remove(obj: V1Pod): void {
    this.counters.events++;
    const uid = typeof obj?.metadata?.uid === 'string' ? obj.metadata.uid.toLowerCase() : undefined;
    const pod = uid ? this.pods.get(uid) : undefined;
    if (!pod) return;
    this.unindex(pod);
    this.pods.delete(pod.uid);
    this.emit({ type: 'delete', pod });
  }

  private emit(change: PodChange): void {
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch {
        this.counters.listenerErrors++;
      }
    }
  }
}

/** A KubeConfig for in-cluster use (service account) or from an explicit kubeconfig file / API server URL. */
export function kubeConfigFor(opts: { inCluster?: boolean; kubeconfigPath?: string; server?: string; token?: string; caFile?: string }): KubeConfig {
  const kc = new KubeConfig();
  if (opts.server) {
    // The client refuses http:// unless skipTLSVerify is set; with plain http there is no TLS to verify. An
    // https:// server is always verified (against caFile when given).
    const plainHttp = opts.server.startsWith('http://');
    kc.loadFromOptions({
      clusters: [{ name: 'vigil', server: opts.server, skipTLSVerify: plainHttp, ...(opts.caFile ? { caFile: opts.caFile } : {}) }],
      users: [{ name: 'vigil', ...(opts.token ? { token: opts.token } : {}) }],
      contexts: [{ name: 'vigil', cluster: 'vigil', user: 'vigil' }],
      currentContext: 'vigil',
    });
  } else if (opts.kubeconfigPath) {
    kc.loadFromFile(opts.kubeconfigPath);
  } else if (opts.inCluster) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  return kc;
}
