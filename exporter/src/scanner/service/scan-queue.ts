// The scanner's work queue: each image key is queued at most once, at most `concurrency` scans run at a time, and
// a request for a key that is already running is remembered and run once more afterwards (a database change during
// a scan must not be lost). Bounded: keys beyond `maxQueued` are refused and counted.
export interface ScanQueueStats {
  queued: number;
  running: number;
  enqueued: number;
  deduplicated: number;
  refused: number;
  completed: number;
  workerErrors: number;
}

export class ScanQueue<K> {
  private readonly pending: K[] = [];
  private readonly pendingSet = new Set<K>();
  private readonly runningSet = new Set<K>();
  private readonly again = new Set<K>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters = { enqueued: 0, deduplicated: 0, refused: 0, completed: 0, workerErrors: 0 };

  constructor(
    private readonly worker: (key: K) => Promise<void>,
    private readonly concurrency: number,
    private readonly maxQueued = 100_000,
  ) {
    if (!(concurrency >= 1)) throw new RangeError('concurrency must be >= 1');
  }

  /** Queues a scan of `key`; `front` puts it before waiting work (user-requested rescans). */
  enqueue(key: K, front = false): 'queued' | 'duplicate' | 'again' | 'refused' {
    if (this.stopped) return 'refused';
    if (this.pendingSet.has(key)) {
      this.counters.deduplicated++;
      if (front) {
        const i = this.pending.indexOf(key);
        if (i > 0) {
          this.pending.splice(i, 1);
          this.pending.unshift(key);
        }
      }
      return 'duplicate';
    }
    if (this.runningSet.has(key)) {
      this.counters.deduplicated++;
      this.again.add(key);
      return 'again';
    }
    if (this.pending.length >= this.maxQueued) {
      this.counters.refused++;
      return 'refused';
    }
    this.counters.enqueued++;
    this.pendingSet.add(key);
    if (front) this.pending.unshift(key);
    else this.pending.push(key);
    this.pump();
    return 'queued';
  }

  /** Drops a key that no longer needs scanning (the image went away). A running scan is left to finish. */
  remove(key: K): void {
    if (this.pendingSet.delete(key)) {
      const i = this.pending.indexOf(key);
      if (i >= 0) this.pending.splice(i, 1);
    }
    this.again.delete(key);
  }

  isQueued(key: K): boolean {
    return this.pendingSet.has(key);
  }

  isRunning(key: K): boolean {
    return this.runningSet.has(key);
  }

  stats(): ScanQueueStats {
    return { queued: this.pending.length, running: this.runningSet.size, ...this.counters };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending.length === 0 && this.runningSet.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; resolves when running scans have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    this.pendingSet.clear();
    this.again.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.runningSet.size < this.concurrency && this.pending.length > 0) {
      const key = this.pending.shift() as K;
      this.pendingSet.delete(key);
      this.runningSet.add(key);
      void this.run(key);
    }
    if (this.pending.length === 0 && this.runningSet.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: K): Promise<void> {
    try {
      await this.worker(key);
    } catch {
      // The worker records its own failures; a throw here is a bug, counted rather than crashing the service.
      this.counters.workerErrors++;
    } finally {
      this.counters.completed++;
      this.runningSet.delete(key);
      if (this.again.delete(key) && !this.stopped) {
        this.pendingSet.add(key);
        this.pending.unshift(key);
      }
      this.pump();
    }
  }
}
