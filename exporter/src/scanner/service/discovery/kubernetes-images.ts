// Images in use in a Kubernetes cluster: every pod in every namespace, kept current by a list+watch informer
// (@kubernetes/client-node ListWatch on /api/v1/pods). Containers, init containers and ephemeral containers all
// count; status.imageID gives the digest the node actually runs, the spec's image the reference people wrote.
// Pods are reduced with containers/pod-metadata.ts and attributed to their workload (ReplicaSet -> Deployment,
// Job -> CronJob) with containers/workload-resolver.ts.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { ApiOwnerLookup } from '../../../containers/kubernetes-pods.js';
import { supervisePods, type SupervisedInformer } from '../../../containers/supervised-informer.js';
import { DEFAULT_POD_LIMITS, podInfoFromObject, type PodInfo } from '../../../containers/pod-metadata.js';
import { WorkloadResolver, type OwnerLookup, type WorkloadRef } from '../../../containers/workload-resolver.js';
import { parseReference } from '../../sources/reference.js';
import type { Contribution, ImageInventory } from '../image-inventory.js';
import { pullSecretRef } from './pull-secrets.js';

export interface KubernetesDiscoveryOptions {
  kubeConfig: KubeConfig;
  inventory: ImageInventory;
  maxPods?: number;
  /** Default: the API server; null: never look owners up (generated names are decoded instead) */
  ownerLookup?: OwnerLookup | null;
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export interface KubernetesDiscoveryStats {
  pods: number;
  events: number;
  badObjects: number;
  podsDropped: number;
  containersWithoutImage: number;
  informerErrors: number;
  informerRestarts: number;
}

const MAX_PULL_SECRETS = 16;
const OWNER_PREFIX = 'pod:';

/** What to pull for a container: repo@digest from imageID when it names one, else the image reference as written. */
export function containerImage(imageId: string | undefined, digest: string | undefined, image: string | undefined): { key: string; reference: string; digest?: string } | undefined {
  if (digest && imageId) {
    const repo = imageId.slice(0, Math.max(0, imageId.indexOf('@')));
    // A runtime may report a bare image id ("sha256:<id>") where the repository belongs: not a registry reference.
    if (repo !== '' && !/^sha(256|512):/.test(repo)) {
      try {
        const ref = parseReference(`${repo}@${digest}`);
        if (ref.transport === 'registry') return { key: digest, reference: ref.normalized, digest };
      } catch {
        // not a registry reference; fall back to the spec's image below
      }
    }
    if (image) {
      try {
        const ref = parseReference(image);
        if (ref.transport === 'registry') return { key: digest, reference: `${ref.registry}/${ref.repository}@${digest}`, digest };
      } catch {
        // unusable reference: nothing to pull
      }
    }
  }
  if (!image) return undefined;
  try {
    const ref = parseReference(image);
    if (ref.transport !== 'registry') return undefined;
    if (ref.digest) return { key: ref.digest, reference: ref.normalized, digest: ref.digest };
    return { key: `ref:${ref.normalized}`, reference: ref.normalized };
  } catch {
    return undefined;
  }
}

export class KubernetesImageDiscovery {
  private readonly watch: SupervisedInformer<V1Pod>;
  private readonly workloads: WorkloadResolver;
  private readonly maxPods: number;
  private readonly pods = new Set<string>();
  private readonly counters = { events: 0, badObjects: 0, podsDropped: 0, containersWithoutImage: 0 };

  constructor(private readonly opts: KubernetesDiscoveryOptions) {
    const kc = opts.kubeConfig;
    this.maxPods = opts.maxPods ?? 50_000;
    const lookup = opts.ownerLookup === null ? undefined : (opts.ownerLookup ?? new ApiOwnerLookup(kc));
    this.workloads = new WorkloadResolver(lookup, { cacheSize: 8192 });
    this.watch = supervisePods(kc, { upsert: (p) => this.upsert(p), remove: (p) => this.remove(p) }, opts);
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


  stats(): KubernetesDiscoveryStats {
    const { informerErrors, informerRestarts } = this.watch.counters;
    return { pods: this.pods.size, ...this.counters, informerErrors, informerRestarts };
  }

  private upsert(obj: V1Pod): void {
    this.counters.events++;
    const info = podInfoFromObject(obj, { ...DEFAULT_POD_LIMITS, maxContainers: 128 });
    if (!info) {
      this.counters.badObjects++;
      return;
    }
    const owner = OWNER_PREFIX + info.uid;
    // Finished pods run nothing; their images are no longer in use.
    if (info.phase === 'Succeeded' || info.phase === 'Failed') {
      this.forget(info.uid);
      return;
    }
    if (!this.pods.has(info.uid) && this.pods.size >= this.maxPods) {
      this.counters.podsDropped++;
      return;
    }
    this.pods.add(info.uid);
    const secrets = pullSecretsOf(obj, info.namespace);
    const immediate = this.workloads.immediate(info.namespace, info.owner, info.name, info.labels);
    this.opts.inventory.set(owner, this.contributions(info, immediate, secrets));
    void this.workloads
      .resolve(info.namespace, info.owner, info.name, info.labels)
      .then((ref) => {
        if (!this.watch.running || !this.pods.has(info.uid)) return;
        if (ref.kind === immediate.kind && ref.name === immediate.name) return;
        this.opts.inventory.set(owner, this.contributions(info, ref, secrets));
      })
      .catch(() => {
        this.counters.badObjects++;
      });
  }

  private contributions(info: PodInfo, workload: WorkloadRef, secrets: string[]): Contribution[] {
    const out: Contribution[] = [];
    for (const c of info.containers) {
      const img = containerImage(c.imageId, c.imageDigest, c.image);
      if (!img) {
        this.counters.containersWithoutImage++;
        continue;
      }
      out.push({
        key: img.key,
        reference: img.reference,
        displayRef: c.image ?? img.reference,
        ...(img.digest ? { digest: img.digest } : {}),
        ...(secrets.length > 0 ? { pullSecrets: secrets } : {}),
        workload: { namespace: info.namespace, kind: workload.kind, name: workload.name, container: c.name },
        source: 'kubernetes',
      });
    }
    return out;
  }

  private remove(obj: V1Pod): void {
    this.counters.events++;
    const uid = typeof obj?.metadata?.uid === 'string' ? obj.metadata.uid.toLowerCase() : undefined;
    if (uid) this.forget(uid);
  }

  private forget(uid: string): void {
    this.pods.delete(uid);
    this.opts.inventory.delete(OWNER_PREFIX + uid);
  }
}

function pullSecretsOf(obj: V1Pod, namespace: string): string[] {
  const list = (obj as { spec?: { imagePullSecrets?: unknown } }).spec?.imagePullSecrets;
  if (!Array.isArray(list)) return [];
  const out = new Set<string>();
  for (const s of list.slice(0, MAX_PULL_SECRETS)) {
    const ref = pullSecretRef(namespace, (s as { name?: unknown } | null)?.name);
    if (ref) out.add(ref);
  }
  return [...out];
}
