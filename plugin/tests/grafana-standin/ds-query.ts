// POST /api/ds/query as Grafana's server answers it for the Prometheus and Loki data sources
// (https://grafana.com/docs/grafana/latest/developers/http_api/data_source/#query-a-data-source; the backends are
// pkg/promlib and pkg/tsdb/loki). Body {queries:[{refId, datasource:{uid,type}, expr, ...}], from, to} (epoch ms
// strings). Answer {results:{<refId>:{status, frames:[wire frames]} | {status, error, errorSource}}}; the HTTP
// status is 200, or 400 when any query failed (pkg/api/ds_query.go toJsonStreamingResponse), with the same body.
// - prometheus: `range` (default when neither is set) → GET /api/v1/query_range?query&start&end&step with the step
//   and alignment of the Go backend; `instant` → GET /api/v1/query?query&time=<to>. One frame per series:
//   Time + Value{labels}, meta.type "timeseries-multi" (range) or "numeric-multi" (instant), custom.resultType,
//   executedQueryString "Expr: …\nStep: …"; legendFormat becomes config.displayNameFromDS.
// - loki: queryType "range" (default) / "instant"; log queries → GET /loki/api/v1/query_range with limit =
//   maxLines (data source jsonData.maxLines, default 1000) and direction; one logs frame (labels, Time, Line, tsNs,
//   id; meta.type "log-lines", custom.frameType "LabeledTimeValues"), rows newest first for "backward". Metric
//   queries → matrix/vector → time series frames like Prometheus.
// $__interval, $__interval_ms, $__rate_interval, $__range(_s,_ms) and $__auto are replaced here, as the Go backends
// do (the frontends leave them for the backend).
// crypto.hash: the one-shot digest (Node >= 20.12), a third cheaper than createHash per row, same digest.
import { hash } from 'node:crypto';
import { expandRangeMacros, lokiStepMs, parseIntervalMs, prometheusStepMs } from './intervals.js';
import { field, frame, legendName, sampleValue, type WireFrame } from './frames.js';

export interface DataSourceConfig {
  uid: string;
  type: 'prometheus' | 'loki';
  name: string;
  id: number;
  /** Where Grafana's server reaches it. */
  url: string;
  jsonData: Record<string, unknown>;
  isDefault?: boolean;
}

interface QueryModel {
  refId?: string;
  datasource?: { uid?: string; type?: string };
  expr?: string;
  range?: boolean;
  instant?: boolean;
  queryType?: string;
  format?: string;
  legendFormat?: string;
  interval?: string;
  intervalMs?: number;
  maxDataPoints?: number;
  maxLines?: number;
  direction?: string;
  step?: string;
}

type QueryResult = { status: number; frames: WireFrame[] } | { status: number; error: string; errorSource: 'downstream' | 'plugin' };

class DownstreamError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

const MAX_QUERIES = 50;
const MAX_DOWNSTREAM_BYTES = 64 * 1024 * 1024;

async function getJson(url: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new DownstreamError(`Post "${url}": ${(e as Error).message}`, 500);
  }
  const text = await res.text();
  if (text.length > MAX_DOWNSTREAM_BYTES) throw new DownstreamError('response too large', 500);
  if (!res.ok) {
    // Prometheus answers {"status":"error","errorType","error"}; Loki a plain-text message.
    let msg = text.trim();
    try {
      const doc = JSON.parse(text) as { error?: string };
      if (doc.error) msg = doc.error;
    } catch {
      // plain text
    }
    throw new DownstreamError(msg || `${res.status} ${res.statusText}`, res.status >= 500 ? 500 : 400);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DownstreamError('invalid JSON from the data source', 500);
  }
}

interface PromData {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string' | 'streams';
  result: unknown;
}

function seriesFrames(refId: string, data: PromData, stepMs: number | undefined, legendFormat: string | undefined, executed: string): WireFrame[] {
  const isRange = data.resultType === 'matrix';
  const meta = (extra: Record<string, unknown> = {}) => ({
    type: isRange ? 'timeseries-multi' : 'numeric-multi',
    typeVersion: [0, 1],
    custom: { resultType: data.resultType },
    executedQueryString: executed,
    ...extra,
  });
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    const [t, v] = data.result as [number, string];
    return [frame(refId, [field('Time', 'time'), field('Value', 'number')], [[Math.round(t * 1000)], [sampleValue(v)]], meta())];
  }
  const result = data.result as { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
  return result.map((s) => {
    const points = s.values ?? (s.value ? [s.value] : []);
    const name = legendName(legendFormat, s.metric);
    return frame(
      refId,
      [
        field('Time', 'time', { config: stepMs ? { interval: stepMs } : {} }),
        field('Value', 'number', { labels: s.metric, config: name !== undefined ? { displayNameFromDS: name } : {} }),
      ],
      [points.map(([t]) => Math.round(t * 1000)), points.map(([, v]) => sampleValue(v))],
      meta()
    );
  });
}

async function prometheusQuery(ds: DataSourceConfig, q: QueryModel, fromMs: number, toMs: number): Promise<WireFrame[]> {
  const refId = q.refId ?? 'A';
  const dsInterval = typeof ds.jsonData.timeInterval === 'string' ? ds.jsonData.timeInterval : undefined;
  const scrapeMs = parseIntervalMs(dsInterval) ?? 15_000;
  const stepMs = prometheusStepMs({ fromMs, toMs, intervalMs: q.intervalMs, maxDataPoints: q.maxDataPoints, interval: q.interval, dsInterval });
  const expr = expandRangeMacros(q.expr ?? '', stepMs, fromMs, toMs, scrapeMs);
  if (expr.trim() === '') return [];
  const wantRange = q.range === true || q.instant !== true;
  const frames: WireFrame[] = [];
  if (wantRange) {
    const start = Math.floor(fromMs / stepMs) * stepMs;
    const end = Math.floor(toMs / stepMs) * stepMs;
    const qs = new URLSearchParams({ query: expr, start: String(start / 1000), end: String(end / 1000), step: String(stepMs / 1000) });
    const doc = (await getJson(`${ds.url}/api/v1/query_range?${qs}`)) as { data: PromData };
    frames.push(...seriesFrames(refId, doc.data, stepMs, q.legendFormat, `Expr: ${expr}\nStep: ${stepMs / 1000}s`));
  }
  if (q.instant === true) {
    const qs = new URLSearchParams({ query: expr, time: String(toMs / 1000) });
    const doc = (await getJson(`${ds.url}/api/v1/query?${qs}`)) as { data: PromData };
    frames.push(...seriesFrames(refId, doc.data, undefined, q.legendFormat, `Expr: ${expr}`));
  }
  return frames;
}

function isLokiMetricQuery(expr: string): boolean {
  // A log query starts with its stream selector; a metric query with a function or aggregation.
  return !expr.trimStart().startsWith('{');
}

async function lokiQuery(ds: DataSourceConfig, q: QueryModel, fromMs: number, toMs: number): Promise<WireFrame[]> {
  const refId = q.refId ?? 'A';
  const stepMs = lokiStepMs({ fromMs, toMs, intervalMs: q.intervalMs, interval: q.step ?? q.interval });
  const expr = expandRangeMacros(q.expr ?? '', stepMs, fromMs, toMs, stepMs);
  if (expr.trim() === '') return [];
  const dsMaxLines = typeof ds.jsonData.maxLines === 'number' ? ds.jsonData.maxLines : Number(ds.jsonData.maxLines ?? 1000) || 1000;
  const limit = q.maxLines && q.maxLines > 0 ? q.maxLines : dsMaxLines;
  const direction = q.direction === 'forward' ? 'forward' : 'backward';
  const instant = q.queryType === 'instant';
  const fromNs = BigInt(Math.floor(fromMs)) * 1_000_000n;
  const toNs = BigInt(Math.floor(toMs)) * 1_000_000n;
  const executed = `Expr: ${expr}`;
  if (isLokiMetricQuery(expr)) {
    const qs = instant
      ? new URLSearchParams({ query: expr, time: String(toNs), limit: String(limit), direction })
      : new URLSearchParams({ query: expr, start: String(fromNs), end: String(toNs), step: `${stepMs}ms`, limit: String(limit), direction });
    const doc = (await getJson(`${ds.url}/loki/api/v1/${instant ? 'query' : 'query_range'}?${qs}`)) as { data: PromData };
    return seriesFrames(refId, doc.data, instant ? undefined : stepMs, q.legendFormat, executed);
  }
  const qs = new URLSearchParams({ query: expr, start: String(fromNs), end: String(toNs), limit: String(limit), direction, step: `${stepMs}ms` });
  const doc = (await getJson(`${ds.url}/loki/api/v1/query_range?${qs}`)) as { data: { resultType: string; result: { stream: Record<string, string>; values: [string, string][] }[]; stats?: unknown } };
  // 10k lines per answer: each stream's labels serialised once, ns timestamps compared as digit strings (no
  // BigInt per row), one one-shot hash per id. Same frame as before, a fraction of the time.
  const rows: { labels: Record<string, string>; labelsJson: string; tsNs: string; line: string }[] = [];
  for (const s of doc.data.result) {
    const labelsJson = JSON.stringify(s.stream);
    for (const [ts, line] of s.values) rows.push({ labels: s.stream, labelsJson, tsNs: ts, line });
  }
  const asc = (a: string, b: string) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);
  rows.sort(direction === 'forward' ? (a, b) => asc(a.tsNs, b.tsNs) : (a, b) => asc(b.tsNs, a.tsNs));
  const seen = new Map<string, number>();
  const ids = rows.map((r) => {
    // pkg/tsdb/loki/frame.go: id = <tsNs>_<hash of labels+line>, with a counter suffix for exact duplicates.
    const h = hash('sha256', r.labelsJson + r.line, 'hex').slice(0, 16);
    const base = `${r.tsNs}_${h}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  });
  return [
    frame(
      refId,
      [field('labels', 'other'), field('Time', 'time'), field('Line', 'string'), field('tsNs', 'string'), field('id', 'string')],
      [rows.map((r) => r.labels), rows.map((r) => nsToMs(r.tsNs)), rows.map((r) => r.line), rows.map((r) => r.tsNs), ids],
      { type: 'log-lines', typeVersion: [0, 0], custom: { frameType: 'LabeledTimeValues' }, executedQueryString: executed, stats: [] }
    ),
  ];
}

/** Unix ns digits to ms, floored like BigInt division (Loki's timestamps are non-negative). */
function nsToMs(tsNs: string): number {
  return tsNs.length > 6 ? Number(tsNs.slice(0, -6)) : 0;
}

export interface DsQueryAnswer {
  status: number;
  body: { results: Record<string, QueryResult> };
}

/** Validates and runs one /api/ds/query body. */
export async function runDsQuery(body: unknown, datasources: readonly DataSourceConfig[]): Promise<DsQueryAnswer> {
  if (typeof body !== 'object' || body === null) return { status: 400, body: { results: {} } };
  const { queries, from, to } = body as { queries?: unknown; from?: unknown; to?: unknown };
  if (!Array.isArray(queries) || queries.length === 0) throw new BadRequest('No queries found in query');
  if (queries.length > MAX_QUERIES) throw new BadRequest(`too many queries (${queries.length} > ${MAX_QUERIES})`);
  const now = Date.now();
  const fromMs = parseGrafanaTime(from, now - 6 * 3_600_000, now);
  const toMs = parseGrafanaTime(to, now, now);
  const results: Record<string, QueryResult> = {};
  await Promise.all(
    (queries as QueryModel[]).map(async (q, i) => {
      const refId = typeof q?.refId === 'string' && q.refId !== '' ? q.refId : String.fromCharCode(65 + i);
      const ds = datasources.find((d) => d.uid === q?.datasource?.uid);
      if (!ds) {
        results[refId] = { status: 404, error: `data source not found: ${JSON.stringify(q?.datasource?.uid)}`, errorSource: 'plugin' };
        return;
      }
      try {
        const frames = ds.type === 'prometheus' ? await prometheusQuery(ds, { ...q, refId }, fromMs, toMs) : await lokiQuery(ds, { ...q, refId }, fromMs, toMs);
        results[refId] = { status: 200, frames };
      } catch (e) {
        const status = e instanceof DownstreamError ? e.status : 500;
        results[refId] = { status, error: (e as Error).message, errorSource: e instanceof DownstreamError ? 'downstream' : 'plugin' };
      }
    })
  );
  const failed = Object.values(results).some((r) => 'error' in r);
  return { status: failed ? 400 : 200, body: { results } };
}

export class BadRequest extends Error {}

/** from/to: epoch ms strings (what the frontends send) or Grafana's relative "now-1h". */
function parseGrafanaTime(v: unknown, fallback: number, now: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const s = String(v);
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
  if (m) return m[1] ? now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2] as 's']! : now;
  throw new BadRequest(`invalid time "${s}"`);
}
