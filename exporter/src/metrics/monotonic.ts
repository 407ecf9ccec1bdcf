// Turns cumulative values read from many sources (one per cgroup, or per CPU) into increments on a label
// set, so a Prometheus counter stays monotonic when a container restarts into a new cgroup, when a kernel
// map entry is evicted and reappears at zero, or when two cgroups share one label set.

export class DeltaTracker {
  private readonly last = new Map<string, number>();

  /** The increase since the last reading of `key`; a value that went down restarted from zero. */
  delta(key: string, value: number): number {
    const prev = this.last.get(key);
    this.last.set(key, value);
    if (prev === undefined) return value;
    return value >= prev ? value - prev : value;
  }

  /** Forgets sources whose key starts with `prefix` (a cgroup that is gone). */
  forget(prefix: string): void {
    for (const k of this.last.keys()) if (k.startsWith(prefix)) this.last.delete(k);
  }

  get size(): number {
    return this.last.size;
  }
}
