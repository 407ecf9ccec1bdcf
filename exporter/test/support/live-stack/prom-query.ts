// Queries a real Prometheus over its HTTP API (/api/v1/query and /api/v1/query_range) and returns the parsed
// `data`. An answer with status "error" throws with Prometheus's own errorType and error text, so a broken
// PromQL expression in a dashboard or rule fails with the reason Prometheus gives.

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromRangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export type PromQueryData =
  | { resultType: 'vector'; result: PromSample[] }
  | { resultType: 'matrix'; result: PromRangeSeries[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };

export interface PromQueryOptions {
  /** A range query over [start, end] with `step` instead of an instant query. */
  range?: boolean;
  /** Unix seconds; default: now (instant) or now - 5 min .. now (range). */
  start?: number;
  end?: number;
  /** Instant query time (unix seconds); default now. */
  time?: number;
  /** Range step in seconds (default 5). */
  stepSeconds?: number;
  timeoutMs?: number;
}

export async function promQuery(prometheusUrl: string, expr: string, opts: PromQueryOptions = {}): Promise<PromQueryData> {
  const now = Date.now() / 1000;
  const params = new URLSearchParams({ query: expr });
  let path: string;
  if (opts.range) {
    path = '/api/v1/query_range';
    params.set('start', String(opts.start ?? now - 300));
    params.set('end', String(opts.end ?? now));
    params.set('step', String(opts.stepSeconds ?? 5));
  } else {
    path = '/api/v1/query';
    if (opts.time !== undefined) params.set('time', String(opts.time));
  }
  const res = await fetch(`${prometheusUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: params.toString(),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: { status?: string; data?: PromQueryData; errorType?: string; error?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`Prometheus ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  if (body.status === 'error') throw new Error(`Prometheus rejected ${JSON.stringify(expr)}: ${body.errorType ?? 'error'}: ${body.error ?? '(no error text)'}`);
  if (body.status !== 'success' || !body.data) throw new Error(`Prometheus ${path} answered ${res.status} without data: ${text.slice(0, 300)}`);
  return body.data;
}

/** How many series (or samples) a query result holds: vector and matrix by length, a scalar or string as one. */
export function seriesCount(data: PromQueryData): number {
  return data.resultType === 'vector' || data.resultType === 'matrix' ? data.result.length : 1;
}
