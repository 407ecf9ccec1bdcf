// A pod's workload: the controller a person deployed (Deployment, DaemonSet, StatefulSet, CronJob, Job, ...),
// not the intermediate ReplicaSet or Job. Pods only name their direct owner, so a ReplicaSet is looked up for its
// Deployment and a Job for its CronJob, cached. When RBAC forbids the lookup, the names Kubernetes generates are
// decoded instead: a Deployment's ReplicaSet is "<deployment>-<pod-template-hash>", a CronJob's Job is
// "<cronjob>-<scheduled time in minutes>".
import { LruMap } from './lru.js';
import type { OwnerRef } from './pod-metadata.js';

export interface WorkloadRef {
  kind: string;
  name: string;
}

/** Fetches the controlling owner of a ReplicaSet or Job; null when it has none. Throws with .code = HTTP status. */
export interface OwnerLookup {
  controllerOf(kind: 'ReplicaSet' | 'Job', namespace: string, name: string): Promise<OwnerRef | null>;
}

export interface WorkloadResolverStats {
  lookups: number;
  cacheHits: number;
  forbidden: number;
  notFound: number;
  errors: number;
  guesses: number;
}

/** What the generated names say, without asking the API server. */
export function guessWorkload(owner: OwnerRef | undefined, podName: string, podLabels: Record<string, string>): WorkloadRef {
  if (!owner) return { kind: 'Pod', name: podName };
  if (owner.kind === 'ReplicaSet') {
    const hash = podLabels['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`) && owner.name.length > hash.length + 1) {
      return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)) };
    }
    return { kind: 'ReplicaSet', name: owner.name };
  }
  if (owner.kind === 'Job') {
    const m = /^(.+)-(\d{8,})$/.exec(owner.name);
    if (m?.[1]) return { kind: 'CronJob', name: m[1] };
    return { kind: 'Job', name: owner.name };
  }
  return { kind: owner.kind, name: owner.name };
}

interface Cached {
  ref: WorkloadRef;
  until: number;
}

export class WorkloadResolver {
  private readonly cache: LruMap<string, Cached>;
  private readonly inflight = new Map<string, Promise<WorkloadRef>>();
  private readonly forbiddenUntil = new Map<string, number>();
  private readonly counters: WorkloadResolverStats = { lookups: 0, cacheHits: 0, forbidden: 0, notFound: 0, errors: 0, guesses: 0 };
  private readonly ttlMs: number;
  private readonly forbiddenRetryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly lookup: OwnerLookup | undefined,
    opts: { cacheSize?: number; ttlMs?: number; forbiddenRetryMs?: number; now?: () => number } = {},
  ) {
    this.cache = new LruMap(opts.cacheSize ?? 2048);
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.forbiddenRetryMs = opts.forbiddenRetryMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  stats(): WorkloadResolverStats {
    return { ...this.counters };
  }

  /** The answer available now: the cached one if any, else the guess from generated names. */
  immediate(namespace: string, owner: OwnerRef | undefined, podName: string, podLabels: Record<string, string>): WorkloadRef {
    if (owner && needsLookup(owner)) {
      const hit = this.cache.peek(key(namespace, owner));
      if (hit && hit.until > this.now()) return hit.ref;
    }
    return guessWorkload(owner, podName, podLabels);
  }

  /** The authoritative answer (one API call per owner per TTL; the guess when forbidden or failing). */
  async resolve(namespace: string, owner: OwnerRef | undefined, podName: string, podLabels: Record<string, string>): Promise<WorkloadRef> {
    const guess = guessWorkload(owner, podName, podLabels);
    if (!owner || !needsLookup(owner) || !this.lookup) return guess;
    const k = key(namespace, owner);
    const hit = this.cache.get(k);
    if (hit && hit.until > this.now()) {
      this.counters.cacheHits++;
      return hit.ref;
    }
    if ((this.forbiddenUntil.get(owner.kind) ?? 0) > this.now()) {
      this.counters.guesses++;
      return guess;
    }
    const running = this.inflight.get(k);
    if (running) return running;
    const p = this.fetch(namespace, owner, guess).finally(() => this.inflight.delete(k));
    this.inflight.set(k, p);
    return p;
  }

  private async fetch(namespace: string, owner: OwnerRef, guess: WorkloadRef): Promise<WorkloadRef> {
    const kind = owner.kind as 'ReplicaSet' | 'Job';
    this.counters.lookups++;
    try {
      const parent = await (this.lookup as OwnerLookup).controllerOf(kind, namespace, owner.name);
      let ref: WorkloadRef;
      if (kind === 'ReplicaSet') ref = parent?.kind === 'Deployment' ? parent : parent ?? { kind: 'ReplicaSet', name: owner.name };
      else ref = parent?.kind === 'CronJob' ? parent : parent ?? { kind: 'Job', name: owner.name };
      this.cache.set(key(namespace, owner), { ref, until: this.now() + this.ttlMs });
      return ref;
    } catch (err) {
      const code = (err as { code?: unknown; statusCode?: unknown }).code ?? (err as { statusCode?: unknown }).statusCode;
      if (code === 403 || code === 401) {
        this.counters.forbidden++;
        this.forbiddenUntil.set(kind, this.now() + this.forbiddenRetryMs);
      } else if (code === 404) {
        this.counters.notFound++;
      } else {
        this.counters.errors++;
      }
      this.counters.guesses++;
      return guess;
    }
  }
}

function needsLookup(owner: OwnerRef): boolean {
  return owner.kind === 'ReplicaSet' || owner.kind === 'Job';
}

function key(namespace: string, owner: OwnerRef): string {
  return `${owner.kind}/${namespace}/${owner.name}`;
}
