// The images in use, as the discovery sources report them. Each source speaks for "owners" (a pod, the local
// runtime, the configuration) and replaces an owner's contributions whole, so removals need no bookkeeping of their
// own. Images are keyed by digest when one is known (two pods or two tags of one digest are one image), else by
// reference. Bounded: contributions of images beyond `maxImages` are counted and ignored.
export type ImageSource = 'kubernetes' | 'runtime' | 'config';

export interface WorkloadUse {
  namespace: string;
  kind: string;
  name: string;
  container: string;
}

export interface Contribution {
  key: string;
  /** What to pull: repo@digest, a tag reference, containers-storage:ID, ... */
  reference: string;
  /** The image as the workload names it ("nginx:1.25"), for labels and the API */
  displayRef: string;
  digest?: string;
  /** "namespace/name" of imagePullSecrets that may be used for this image */
  pullSecrets?: string[];
  workload?: WorkloadUse;
  source: ImageSource;
}

export interface ImageUse {
  key: string;
  reference: string;
  refs: string[];
  digest?: string;
  sources: ImageSource[];
  pullSecrets: string[];
  workloads: (WorkloadUse & { pods: number })[];
  /** Distinct owners (pods, containers, config) using it */
  users: number;
  /** No digest was known: the reference is a tag that may move, so it is refreshed from time to time */
  byTag: boolean;
}

export interface InventoryChange {
  added: string[];
  removed: string[];
  changed: string[];
}

function workloadKey(w: WorkloadUse): string {
  return `${w.namespace}\u0000${w.kind}\u0000${w.name}\u0000${w.container}`;
}

export class ImageInventory {
  private readonly byOwner = new Map<string, Contribution[]>();
  private readonly byKey = new Map<string, Map<string, Contribution[]>>();
  private readonly views = new Map<string, ImageUse>();
  private readonly listeners = new Set<(c: InventoryChange) => void>();
  dropped = 0;

  constructor(private readonly maxImages = 5000) {}

  get size(): number {
    return this.byKey.size;
  }

  onChange(fn: (c: InventoryChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Replaces everything `owner` contributes (an empty list removes the owner). */
  set(owner: string, contributions: readonly Contribution[]): void {
    const before = this.byOwner.get(owner) ?? [];
    // Sources re-report unchanged owners all the time (every poll, every pod status update).
    if (before.length === contributions.length && JSON.stringify(before) === JSON.stringify(contributions)) return;
    const touched = new Set<string>([...before.map((c) => c.key)]);
    for (const key of touched) {
      const m = this.byKey.get(key);
      m?.delete(owner);
    }
    const kept: Contribution[] = [];
    for (const c of contributions) {
      if (!this.byKey.has(c.key) && this.byKey.size >= this.maxImages && !touched.has(c.key)) {
        this.dropped++;
        continue;
      }
      kept.push(c);
      touched.add(c.key);
      let m = this.byKey.get(c.key);
      if (!m) {
        m = new Map();
        this.byKey.set(c.key, m);
      }
      const list = m.get(owner);
      if (list) list.push(c);
      else m.set(owner, [c]);
    }
    if (kept.length > 0) this.byOwner.set(owner, kept);
    else this.byOwner.delete(owner);

    const change: InventoryChange = { added: [], removed: [], changed: [] };
    for (const key of touched) {
      const had = this.views.has(key);
      this.views.delete(key);
      const m = this.byKey.get(key);
      if (!m || m.size === 0) {
        this.byKey.delete(key);
        if (had || before.some((c) => c.key === key)) change.removed.push(key);
      } else if (!before.some((c) => c.key === key) && m.size === 1 && m.has(owner)) change.added.push(key);
      else change.changed.push(key);
    }
    if (change.added.length + change.removed.length + change.changed.length === 0) return;
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch {
        // a listener's bug must not stop discovery
      }
    }
  }

  delete(owner: string): void {
    this.set(owner, []);
  }

  /** Owners whose id starts with `prefix` (a source replacing its whole set, e.g. "runtime:"). */
  owners(prefix: string): string[] {
    return [...this.byOwner.keys()].filter((o) => o.startsWith(prefix));
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  get(key: string): ImageUse | undefined {
    const cached = this.views.get(key);
    if (cached) return cached;
    const m = this.byKey.get(key);
    if (!m || m.size === 0) return undefined;
    const refs = new Set<string>();
    const sources = new Set<ImageSource>();
    const secrets = new Set<string>();
    const workloads = new Map<string, WorkloadUse & { owners: Set<string> }>();
    let reference: string | undefined;
    let digest: string | undefined;
    for (const [owner, list] of m) {
      for (const c of list) {
        refs.add(c.displayRef);
        sources.add(c.source);
        for (const s of c.pullSecrets ?? []) secrets.add(s);
        if (c.digest) digest ??= c.digest;
        // A digest reference is preferred to pull: it cannot move under us.
        if (reference === undefined || (c.reference.includes('@') && !reference.includes('@'))) reference = c.reference;
        if (c.workload) {
          const wk = workloadKey(c.workload);
          const w = workloads.get(wk) ?? { ...c.workload, owners: new Set<string>() };
          w.owners.add(owner);
          workloads.set(wk, w);
        }
      }
    }
    const view: ImageUse = {
      key,
      reference: reference ?? key,
      refs: [...refs].sort(),
      sources: [...sources].sort(),
      pullSecrets: [...secrets].sort(),
      workloads: [...workloads.values()]
        .map(({ owners, ...w }) => ({ ...w, pods: owners.size }))
        .sort((a, b) => workloadKey(a).localeCompare(workloadKey(b))),
      users: m.size,
      byTag: digest === undefined,
    };
    if (digest) view.digest = digest;
    this.views.set(key, view);
    return view;
  }

  all(): ImageUse[] {
    return this.keys().map((k) => this.get(k)!).filter(Boolean);
  }
}
