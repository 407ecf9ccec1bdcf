// At most N async jobs at once; the rest queue (bounded, so a storm of new containers cannot pile up work).

export class ConcurrencyLimiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  rejected = 0;

  constructor(private readonly limit: number, private readonly maxQueue = 1024) {}

  get pending(): number {
    return this.queue.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.queue.length >= this.maxQueue) {
        this.rejected++;
        throw new Error(`too many queued jobs (${this.maxQueue})`);
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
