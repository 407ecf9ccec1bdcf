// A token bucket: `burst` actions at once, refilled continuously at `perMinute`. One bucket per action, so a flood
// of kill-worthy alerts cannot use up the freezes (or the other way round).

export interface RateLimit {
  perMinute: number;
  burst: number;
}

export function validateRateLimit(r: RateLimit): void {
  if (!r || typeof r !== 'object') throw new Error('rateLimit must be an object {perMinute, burst}');
  if (typeof r.perMinute !== 'number' || !Number.isFinite(r.perMinute) || r.perMinute < 0) {
    throw new Error(`rateLimit.perMinute must be a number >= 0, got ${String(r.perMinute)}`);
  }
  if (!Number.isInteger(r.burst) || r.burst < 1 || r.burst > 10_000) {
    throw new Error(`rateLimit.burst must be an integer from 1 to 10000, got ${String(r.burst)}`);
  }
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly limit: RateLimit, now: number) {
    validateRateLimit(limit);
    this.tokens = limit.burst;
    this.last = now;
  }

  private refill(now: number): void {
    // a clock that steps backwards must not mint tokens nor freeze the bucket forever
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.perMinute) / 60_000);
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }
}
