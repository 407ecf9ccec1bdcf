// Attaches container, Kubernetes and ancestry metadata to decoded events. When a container's metadata is
// still on its way (a container's first exec arrives before `podman inspect` or the pod watch answers), its
// events wait here briefly instead of leaving the node half-labelled; past the wait they go out flagged
// `metadata_pending` rather than being held forever or dropped.

import type { AncestorInfo, ContainerRef, K8sRef, VigilEvent } from '../events/types.js';

export interface ContainerView {
  container: ContainerRef;
  k8s?: K8sRef;
  /** False while runtime/Kubernetes metadata is still being fetched. */
  ready: boolean;
}

export interface EnrichSources {
  /** Container of a cgroup id, from cache; may start an asynchronous lookup and report it as not ready. */
  containerOf: (cgroupId: number, pid: number, parentPid?: number) => ContainerView;
  /** Parent first, at most `depth` entries. */
  ancestorsOf: (pid: number, depth: number) => AncestorInfo[];
}

export interface EnricherOptions {
  waitMs: number;
  /** Events held at once across all containers; past this the oldest are released unlabelled. */
  maxHeld: number;
  ancestorDepth: number;
  now?: () => number;
}

export class Enricher {
  private readonly held = new Map<number, { since: number; events: VigilEvent[] }>();
  private heldCount = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly stats = { held: 0, releasedPending: 0, releasedOverflow: 0 };

  constructor(
    private readonly src: EnrichSources,
    private readonly opts: EnricherOptions,
    private readonly emit: (ev: VigilEvent) => void,
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  push(ev: VigilEvent): void {
    if (ev.ancestors === undefined) ev.ancestors = this.src.ancestorsOf(ev.proc.pid, this.opts.ancestorDepth);
    const queue = this.held.get(ev.cgroup_id);
    if (queue) {
      // Keep order within a container: once one of its events waits, the later ones wait behind it.
      this.hold(queue.events, ev);
      return;
    }
    // A short-lived process may be gone before its cgroup is resolved through /proc; its parent usually is not.
    const view = this.src.containerOf(ev.cgroup_id, ev.proc.pid, ev.proc.ppid ?? ev.ancestors[0]?.pid);
    if (view.ready || this.opts.waitMs === 0) {
      this.label(ev, view);
      this.emit(ev);
      return;
    }
    const q = { since: this.now(), events: [] as VigilEvent[] };
    this.held.set(ev.cgroup_id, q);
    this.hold(q.events, ev);
    this.arm();
  }

  private hold(queue: VigilEvent[], ev: VigilEvent): void {
    queue.push(ev);
    this.heldCount++;
    this.stats.held++;
    if (this.heldCount > this.opts.maxHeld) this.releaseOldest();
  }

  private label(ev: VigilEvent, view: ContainerView): void {
    ev.container = view.ready ? view.container : { ...view.container, metadata_pending: true };
    if (view.k8s) ev.k8s = view.k8s;
  }

  private release(cgroupId: number, why: 'ready' | 'timeout' | 'overflow'): void {
    const q = this.held.get(cgroupId);
    if (!q) return;
    this.held.delete(cgroupId);
    this.heldCount -= q.events.length;
    const view = this.src.containerOf(cgroupId, q.events[0]?.proc.pid ?? 0);
    for (const ev of q.events) {
      this.label(ev, view);
      if (!view.ready) {
        if (why === 'overflow') this.stats.releasedOverflow++;
        else this.stats.releasedPending++;
      }
      this.emit(ev);
    }
  }

  private releaseOldest(): void {
    let oldest: number | undefined;
    let since = Infinity;
    for (const [id, q] of this.held) if (q.since < since) (since = q.since), (oldest = id);
    if (oldest !== undefined) this.release(oldest, 'overflow');
  }

  /** The container registry calls this when a container's metadata arrived. */
  metadataReady(cgroupId: number): void {
    this.release(cgroupId, 'ready');
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(20, Math.min(250, this.opts.waitMs / 4)));
    this.timer.unref();
  }

  /** Releases containers that became ready or waited long enough. */
  sweep(): void {
    const now = this.now();
    for (const [id, q] of [...this.held]) {
      const view = this.src.containerOf(id, q.events[0]?.proc.pid ?? 0);
      if (view.ready) this.release(id, 'ready');
      else if (now - q.since >= this.opts.waitMs) this.release(id, 'timeout');
    }
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Emits everything still held (at shutdown). */
  flush(): void {
    for (const id of [...this.held.keys()]) this.release(id, 'timeout');
  }

  get holding(): number {
    return this.heldCount;
  }
}
