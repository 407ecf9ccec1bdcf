// Turns cumulative values read from many sources (one per cgroup, or per CPU) into increments on a label
// set, so a Prometheus counter stays monotonic when a container restarts into a new cgroup, when a kernel
// map entry is evicted and reappears at zero, or when two cgroups share one label set.

export class DeltaTracker {
  private readonly last = new Map<string, { value: number; seenMs: number }>();

  /** The increase since the last reading of `key`; a value that went down restarted from zero. */
  delta(key: string, value: number, nowMs = Date.now()): number {
    const prev = this.last.get(key);
    if (prev === undefined) {
      this.last.set(key, { value, seenMs: nowMs });
      return value;
    }
    const d = value >= prev.value ? value - prev.value : value;
    prev.value = value;
    prev.seenMs = nowMs;
    return d;
  }

  /** Forgets sources whose key starts with `prefix` (a cgroup that is gone). */
  forget(prefix: string): void {
    for (const k of this.last.keys()) if (k.startsWith(prefix)) this.last.delete(k);
  }

  /** Forgets sources not read since `olderThanMs`: cgroups come and go, their baselines must not pile up. */
  expire(olderThanMs: number): number {
    let n = 0;
    for (const [k, v] of this.last) {
      if (v.seenMs < olderThanMs) {
        this.last.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.last.size;
  }
}
