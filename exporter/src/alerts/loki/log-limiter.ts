// Logs a recurring condition the first time and then at most once per interval, with the number of
// occurrences in between, so a long outage or a flood of rejections yields a few lines, not millions.

export interface SinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class LogLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: SinkLogger | undefined,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, obj: object, msg: string): void {
    if (!this.logger) return;
    const t = this.now();
    const s = this.last.get(key);
    if (s && t - s.at < this.intervalMs) {
      s.suppressed++;
      return;
    }
    this.logger.warn(s && s.suppressed > 0 ? { ...obj, suppressed: s.suppressed } : obj, msg);
    this.last.set(key, { at: t, suppressed: 0 });
  }

  /** Forgets a condition (it ended), so its next occurrence is logged at once. */
  clear(key: string): void {
    this.last.delete(key);
  }
}
