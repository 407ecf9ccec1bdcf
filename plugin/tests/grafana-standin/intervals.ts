// Step and interval arithmetic of Grafana's backends, so queries reach Prometheus and Loki with the step Grafana
// would send. Sources: pkg/promlib/models/query.go (calculatePrometheusInterval, AlignTimeRange),
// pkg/tsdb/loki/step.go (calculateStep), pkg/components/intervalv2 (Calculate, roundInterval, FormatDuration).

const MS = 1;
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** intervalv2 roundInterval: the "nice" interval at or below a raw one. */
export function roundInterval(ms: number): number {
  const table: [number, number][] = [
    [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1.5 * S, S], [3.5 * S, 2 * S], [7.5 * S, 5 * S],
    [12.5 * S, 10 * S], [17.5 * S, 15 * S], [25 * S, 20 * S], [45 * S, 30 * S], [1.5 * M, M], [3.5 * M, 2 * M], [7.5 * M, 5 * M],
    [12.5 * M, 10 * M], [17.5 * M, 15 * M], [25 * M, 20 * M], [45 * M, 30 * M], [1.5 * H, H], [2.5 * H, 2 * H], [4.5 * H, 3 * H],
    [9 * H, 6 * H], [D, 12 * H], [7 * D, D], [21 * D, 7 * D], [45 * D, 30 * D],
  ];
  for (const [below, nice] of table) if (ms < below) return nice;
  return 365 * D;
}

/** Go-ish duration text as Grafana's FormatDuration writes it into $__interval: 15s, 1m, 500ms, 2h. */
export function formatInterval(ms: number): string {
  if (ms >= 365 * D && ms % (365 * D) === 0) return `${ms / (365 * D)}y`;
  if (ms >= 7 * D && ms % (7 * D) === 0) return `${ms / (7 * D)}w`;
  if (ms >= D && ms % D === 0) return `${ms / D}d`;
  if (ms >= H && ms % H === 0) return `${ms / H}h`;
  if (ms >= M && ms % M === 0) return `${ms / M}m`;
  if (ms >= S && ms % S === 0) return `${ms / S}s`;
  return `${Math.max(Math.round(ms), 1) * MS}ms`;
}

/** Prometheus duration ("15s", "1m30s", "250ms") in ms; undefined for "" or nonsense. */
export function parseIntervalMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.trim().replace(/^>/, '');
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  const unit: Record<string, number> = { ms: 1, s: S, m: M, h: H, d: D, w: 7 * D, y: 365 * D };
  let total = 0;
  let at = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]!]!;
    at = re.lastIndex;
  }
  return at === t.length && at > 0 ? total : undefined;
}

export interface StepInput {
  fromMs: number;
  toMs: number;
  intervalMs?: number;
  maxDataPoints?: number;
  /** query.interval (min step) */
  interval?: string;
  /** data source jsonData.timeInterval (scrape interval) */
  dsInterval?: string;
}

/** calculatePrometheusInterval: max(min step, nice(range / maxDataPoints), range / 11000). */
export function prometheusStepMs(q: StepInput): number {
  const range = Math.max(q.toMs - q.fromMs, 1);
  const minStep = parseIntervalMs(q.interval) ?? (q.intervalMs && q.intervalMs > 0 ? q.intervalMs : undefined) ?? parseIntervalMs(q.dsInterval) ?? 15 * S;
  const points = q.maxDataPoints && q.maxDataPoints > 0 ? q.maxDataPoints : 1500;
  const calculated = Math.max(roundInterval(range / points), minStep);
  const safe = range / 11000;
  return Math.max(Math.ceil(safe > calculated ? safe : calculated), 1);
}

/** loki calculateStep: max(intervalMs, range / 11000). */
export function lokiStepMs(q: StepInput): number {
  const range = Math.max(q.toMs - q.fromMs, 1);
  const base = parseIntervalMs(q.interval) ?? (q.intervalMs && q.intervalMs > 0 ? q.intervalMs : 1000);
  return Math.max(Math.ceil(Math.max(base, range / 11000)), 1);
}

/** The range macros Grafana's backends replace in expressions. */
export function expandRangeMacros(expr: string, stepMs: number, fromMs: number, toMs: number, scrapeMs: number): string {
  const rangeMs = toMs - fromMs;
  const rate = Math.max(stepMs + scrapeMs, 4 * scrapeMs);
  const vars: Record<string, string> = {
    __interval_ms: String(stepMs),
    __interval: formatInterval(stepMs),
    __rate_interval_ms: String(rate),
    __rate_interval: formatInterval(rate),
    __range_ms: String(rangeMs),
    __range_s: String(Math.floor(rangeMs / 1000)),
    __range: `${Math.floor(rangeMs / 1000)}s`,
    __auto: formatInterval(stepMs),
  };
  return expr.replace(/\$\{(__[a-z_]+)\}|\$(__[a-z_]+)/g, (m, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? m);
}
