// One container's recent activity: a circular buffer of entries in arrival order, with each entry's ancestry
// and estimated size in parallel arrays (no wrapper object per entry). It starts small and doubles up to its
// cap, so quiet containers cost little; `compact()` gives the room back after a burst.

import type { AncestorInfo, ContainerRef, K8sRef } from '../events/types.js';
import type { ActivityEntry } from './entry.js';
import type { OpenCapture } from './open-capture.js';

const INITIAL_CAPACITY = 16;

export class ActivityRing {
  private entries: (ActivityEntry | undefined)[];
  private ancestry: (readonly AncestorInfo[] | undefined)[];
  private sizes: number[];
  private head = 0;
  private count = 0;
  /** Estimated bytes held by the entries now in the ring. */
  bytes = 0;
  /** Newest `ts` among entries that were evicted: a capture window starting at or before it lost data. */
  evictedUpTo = -Infinity;
  /** The latest container/pod metadata seen in this container's events (references, not copies). */
  container: ContainerRef | undefined;
  k8s: K8sRef | undefined;
  /** `ts` of the last record. */
  lastActive = 0;
  /** The recorder's record count when this ring last moved to the most-recent end of its LRU order. */
  movedAt = 0;
  /** Open captures of this container (undefined when none), so the hot path needs no lookup. */
  captures: OpenCapture[] | undefined;

  constructor(
    readonly id: string,
    private readonly maxCapacity: number,
  ) {
    const cap = Math.min(INITIAL_CAPACITY, maxCapacity);
    this.entries = new Array<ActivityEntry | undefined>(cap);
    this.ancestry = new Array<readonly AncestorInfo[] | undefined>(cap);
    this.sizes = new Array<number>(cap).fill(0);
  }

  get length(): number {
    return this.count;
  }

  get capacity(): number {
    return this.entries.length;
  }

  /** The caller makes room first: pushing into a ring at its cap is a bug. */
  push(entry: ActivityEntry, ancestors: readonly AncestorInfo[] | undefined, bytes: number): void {
    if (this.count === this.entries.length) this.resize(Math.min(this.entries.length * 2, this.maxCapacity));
    if (this.count === this.entries.length) throw new Error('activity ring is full');
    const at = (this.head + this.count) % this.entries.length;
    this.entries[at] = entry;
    this.ancestry[at] = ancestors;
    this.sizes[at] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** The oldest entry by arrival. */
  oldest(): ActivityEntry | undefined {
    return this.count === 0 ? undefined : this.entries[this.head];
  }

  newest(): ActivityEntry | undefined {
    return this.count === 0 ? undefined : this.entries[(this.head + this.count - 1) % this.entries.length];
  }

  /** Drops the oldest entry and returns its estimated size (0 when empty). */
  shift(): number {
    if (this.count === 0) return 0;
    const e = this.entries[this.head]!;
    const size = this.sizes[this.head]!;
    if (e.ts > this.evictedUpTo) this.evictedUpTo = e.ts;
    this.entries[this.head] = undefined;
    this.ancestry[this.head] = undefined;
    this.head = (this.head + 1) % this.entries.length;
    this.count--;
    this.bytes -= size;
    return size;
  }

  entryAt(i: number): ActivityEntry {
    return this.entries[(this.head + i) % this.entries.length]!;
  }

  ancestryAt(i: number): readonly AncestorInfo[] | undefined {
    return this.ancestry[(this.head + i) % this.entries.length];
  }

  sizeAt(i: number): number {
    return this.sizes[(this.head + i) % this.entries.length]!;
  }

  /** Shrinks the backing arrays when at most a quarter is used (after a burst). */
  compact(): void {
    const cap = this.entries.length;
    if (cap > INITIAL_CAPACITY && this.count <= cap / 4) this.resize(Math.max(INITIAL_CAPACITY, this.count * 2));
  }

  private resize(cap: number): void {
    if (cap === this.entries.length) return;
    const entries = new Array<ActivityEntry | undefined>(cap);
    const ancestry = new Array<readonly AncestorInfo[] | undefined>(cap);
    const sizes = new Array<number>(cap).fill(0);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.entries.length;
      entries[i] = this.entries[from];
      ancestry[i] = this.ancestry[from];
      sizes[i] = this.sizes[from]!;
    }
    this.entries = entries;
    this.ancestry = ancestry;
    this.sizes = sizes;
    this.head = 0;
  }
}
