// Retry delays: exponential growth with "full jitter" (a uniformly random delay between 0 and the exponential
// bound), so many nodes that lost Loki at the same moment do not come back in lockstep; a server's Retry-After
// is a floor.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  retryAfterMaxMs: number;
}

export function retryDelayMs(attempt: number, opts: BackoffOptions, retryAfterMs?: number, random: () => number = Math.random): number {
  const bound = Math.min(opts.maxMs, opts.minMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * bound);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(Math.min(retryAfterMs, opts.retryAfterMaxMs), jittered);
}
