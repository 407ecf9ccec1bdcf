// The part of LogQL that the Loki stand-in (loki-standin.ts) evaluates: what the Grafana app and the dashboards ask
// Loki for. Queries are parsed with @grafana/lezer-logql (the grammar Grafana's own Loki editor uses), never with
// regular expressions; anything outside this subset is a QueryError, which the stand-in answers with 400 and the
// text Loki would give ("parse error ..." or "not supported by this stand-in: ...").
//
// Semantics follow Loki's documentation (https://grafana.com/docs/loki/latest/query/):
// - Stream selector {a="b", c!="d", e=~"re", f!~"re"}: regex matchers are fully anchored (Loki compiles ^(?:re)$);
//   a missing label equals "". At least one matcher must not match the empty string.
// - Line filters |= "s", != "s", |~ "re", !~ "re" (regexes unanchored), in order, before or after parsers.
// - `| json` without parameters: every scalar of the JSON line becomes a label; nested keys are joined with "_",
//   characters outside [a-zA-Z0-9_] become "_", a key that clashes with a stream label gets the suffix
//   "_extracted"; arrays are skipped; a line that is no JSON object gets __error__="JSONParserErr".
// - Label filters `| name op "value"` (=, !=, =~, !~) on stream or extracted labels; missing labels are "".
// - Log queries return one stream per distinct label set *after* the pipeline (extracted labels included), as Loki
//   does.
// - Metric queries: count_over_time, rate (count / range seconds), bytes_over_time, bytes_rate over
//   `<log query> [range]`, optionally wrapped in sum/count/min/max/avg with `by (...)`/`without (...)`. Evaluated
//   at start, start+step, ... <= end over the window (t-range, t]; a series has a point only where it had entries
//   (Loki does not emit zeros). Lines carrying __error__ are dropped from metric queries, as Loki does unless the
//   query filters __error__ itself.
// JavaScript regexes stand in for Go's RE2 here: same syntax for what these queries use (no backreferences).

import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';

export class QueryError extends Error {}

type MatchOp = '=' | '!=' | '=~' | '!~';
interface LabelMatcher { name: string; op: MatchOp; value: string; re?: RegExp }
type Stage =
  | { kind: 'line'; op: '|=' | '!=' | '|~' | '!~'; value: string; re?: RegExp }
  | { kind: 'json' }
  | { kind: 'label'; matcher: LabelMatcher };

export interface LogQuery { kind: 'log'; selector: LabelMatcher[]; stages: Stage[] }
export interface RangeAgg { kind: 'range'; op: 'count_over_time' | 'rate' | 'bytes_over_time' | 'bytes_rate'; log: LogQuery; rangeNs: bigint }
export interface VectorAgg { kind: 'vector'; op: 'sum' | 'count' | 'min' | 'max' | 'avg'; grouping: { mode: 'by' | 'without'; labels: string[] } | undefined; inner: MetricQuery }
export type MetricQuery = RangeAgg | VectorAgg;
export type ParsedQuery = LogQuery | MetricQuery;

export interface LogRecord { labels: Record<string, string>; tsNs: string; line: string }

const RANGE_OPS: Record<string, RangeAgg['op']> = { CountOverTime: 'count_over_time', Rate: 'rate', BytesOverTime: 'bytes_over_time', BytesRate: 'bytes_rate' };
const VECTOR_OPS: Record<string, VectorAgg['op']> = { Sum: 'sum', Count: 'count', Min: 'min', Max: 'max', Avg: 'avg' };
const MATCH_OPS: Record<string, MatchOp> = { Eq: '=', Neq: '!=', Re: '=~', Nre: '!~' };
const FILTER_OPS: Record<string, '|=' | '!=' | '|~' | '!~'> = { PipeExact: '|=', Neq: '!=', PipeMatch: '|~', Nre: '!~' };
const DURATION_NS: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n, w: 604_800_000_000_000n, y: 31_536_000_000_000_000n };

/** Go duration syntax as Loki accepts it: 5m, 1h30m, 250ms, 1d, 1w. */
export function parseDurationNs(text: string): bigint {
  const re = /(\d+)(ns|us|µs|ms|s|m|h|d|w|y)/gy;
  let total = 0n;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += BigInt(m[1]!) * DURATION_NS[m[2]!]!;
    at = re.lastIndex;
  }
  if (at !== text.length || text.length === 0) throw new QueryError(`parse error : not a valid duration string: "${text}"`);
  return total;
}

function decodeString(raw: string): string {
  if (raw.startsWith('`')) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    throw new QueryError(`parse error : invalid string ${raw}`);
  }
}

/** RE2 syntax → a JavaScript RegExp: leading inline flags ((?i), (?s), (?is)) become RegExp flags. */
function compileRe(source: string, anchored: boolean): RegExp {
  let flags = 'u';
  const inline = /^\(\?([ims]+)\)/.exec(source);
  if (inline) {
    for (const f of inline[1]!) if (!flags.includes(f)) flags += f;
    source = source.slice(inline[0].length);
  }
  try {
    return new RegExp(anchored ? `^(?:${source})$` : source, flags);
  } catch (e) {
    throw new QueryError(`parse error : error parsing regexp: ${(e as Error).message}`);
  }
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

export function parseLogQL(query: string): ParsedQuery {
  const tree = parser.parse(query);
  let bad: { from: number } | undefined;
  tree.iterate({
    enter(n) {
      if (n.type.isError && !bad) bad = { from: n.from };
    },
  });
  if (bad) throw new QueryError(`parse error at line 1, col ${bad.from + 1}: syntax error near "${query.slice(bad.from, bad.from + 20)}"`);
  const text = (n: SyntaxNode): string => query.slice(n.from, n.to);
  const unsupported = (n: SyntaxNode): never => {
    throw new QueryError(`not supported by this stand-in: ${n.name} "${text(n)}"`);
  };

  const matcher = (n: SyntaxNode): LabelMatcher => {
    const [id, op, str] = children(n);
    if (!id || !op || !str || id.name !== 'Identifier' || str.name !== 'String' || !MATCH_OPS[op.name]) return unsupported(n);
    const m: LabelMatcher = { name: text(id), op: MATCH_OPS[op.name]!, value: decodeString(text(str)) };
    if (m.op === '=~' || m.op === '!~') m.re = compileRe(m.value, true);
    return m;
  };
  const collectMatchers = (n: SyntaxNode, out: LabelMatcher[]): void => {
    for (const c of children(n)) {
      if (c.name === 'Matchers') collectMatchers(c, out);
      else if (c.name === 'Matcher') out.push(matcher(c));
    }
  };
  const selector = (n: SyntaxNode): LabelMatcher[] => {
    const out: LabelMatcher[] = [];
    for (const c of children(n)) if (c.name === 'Matchers') collectMatchers(c, out);
    if (!out.some((m) => !matchValue(m, ''))) {
      throw new QueryError('parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will');
    }
    return out;
  };
  const lineFilters = (n: SyntaxNode, out: Stage[]): void => {
    for (const c of children(n)) {
      if (c.name === 'LineFilters') lineFilters(c, out);
      else if (c.name === 'LineFilter') {
        const [filter, str, extra] = children(c);
        const opNode = filter?.firstChild;
        if (!filter || filter.name !== 'Filter' || !opNode || !FILTER_OPS[opNode.name] || !str || str.name !== 'String' || extra) return unsupported(c);
        const op = FILTER_OPS[opNode.name]!;
        const value = decodeString(text(str));
        out.push(op === '|~' || op === '!~' ? { kind: 'line', op, value, re: compileRe(value, false) } : { kind: 'line', op, value });
      }
    }
  };
  const pipeline = (n: SyntaxNode, out: Stage[]): void => {
    for (const c of children(n)) {
      if (c.name === 'PipelineExpr') pipeline(c, out);
      else if (c.name === 'PipelineStage') {
        const parts = children(c).filter((p) => p.name !== 'Pipe');
        const [stage, extra] = parts;
        if (!stage || extra) return unsupported(c);
        if (stage.name === 'LineFilters') lineFilters(stage, out);
        else if (stage.name === 'LabelParser' && stage.firstChild?.name === 'Json' && !stage.firstChild.nextSibling) out.push({ kind: 'json' });
        else if (stage.name === 'LabelFilter' && stage.firstChild?.name === 'Matcher' && !stage.firstChild.nextSibling) out.push({ kind: 'label', matcher: matcher(stage.firstChild) });
        else unsupported(stage);
      }
    }
  };
  const logExpr = (n: SyntaxNode): LogQuery => {
    const q: LogQuery = { kind: 'log', selector: [], stages: [] };
    for (const c of children(n)) {
      if (c.name === 'Selector') q.selector = selector(c);
      else if (c.name === 'PipelineExpr') pipeline(c, q.stages);
      else unsupported(c);
    }
    return q;
  };
  const metricExpr = (n: SyntaxNode): MetricQuery => {
    const [inner, extra] = children(n);
    if (!inner || extra) return unsupported(n);
    if (inner.name === 'RangeAggregationExpr') {
      let op: RangeAgg['op'] | undefined;
      let log: LogQuery | undefined;
      let rangeNs: bigint | undefined;
      for (const c of children(inner)) {
        if (c.name === 'RangeOp') op = RANGE_OPS[c.firstChild?.name ?? ''] ?? unsupported(c);
        else if (c.name === 'LogRangeExpr') {
          log = { kind: 'log', selector: [], stages: [] };
          for (const p of children(c)) {
            if (p.name === 'Selector') log.selector = selector(p);
            else if (p.name === 'PipelineExpr') pipeline(p, log.stages);
            else if (p.name === 'Range') rangeNs = parseDurationNs(text(p).replace(/^\[|\]$/g, '').trim());
            else unsupported(p);
          }
        } else unsupported(c);
      }
      if (!op || !log || rangeNs === undefined) return unsupported(inner);
      if (rangeNs <= 0n) throw new QueryError('parse error : the range must be positive');
      return { kind: 'range', op, log, rangeNs };
    }
    if (inner.name === 'VectorAggregationExpr') {
      let op: VectorAgg['op'] | undefined;
      let grouping: VectorAgg['grouping'];
      let sub: MetricQuery | undefined;
      for (const c of children(inner)) {
        if (c.name === 'VectorOp') op = VECTOR_OPS[c.firstChild?.name ?? ''] ?? unsupported(c);
        else if (c.name === 'Grouping') {
          const mode = c.firstChild?.name === 'Without' ? 'without' : 'by';
          const labels: string[] = [];
          c.toTree().iterate({ enter: (x) => { if (x.name === 'Identifier') labels.push(query.slice(c.from + x.from, c.from + x.to)); } });
          grouping = { mode, labels };
        } else if (c.name === 'MetricExpr') sub = metricExpr(c);
        else unsupported(c);
      }
      if (!op || !sub) return unsupported(inner);
      return { kind: 'vector', op, grouping, inner: sub };
    }
    return unsupported(inner);
  };

  const top = tree.topNode.firstChild;
  const expr = top?.name === 'Expr' ? top.firstChild : undefined;
  if (!expr || expr.nextSibling) throw new QueryError('parse error : syntax error: unexpected end of query');
  if (expr.name === 'LogExpr') return logExpr(expr);
  if (expr.name === 'MetricExpr') return metricExpr(expr);
  return unsupported(expr);
}

function matchValue(m: LabelMatcher, v: string): boolean {
  switch (m.op) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return m.re!.test(v);
    case '!~': return !m.re!.test(v);
  }
}

export function selectorMatches(selector: LabelMatcher[], labels: Record<string, string>): boolean {
  return selector.every((m) => matchValue(m, labels[m.name] ?? ''));
}

function sanitizeKey(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

function flattenJson(value: unknown, prefix: string, streamLabels: Record<string, string>, out: Record<string, string>): void {
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const name = prefix === '' ? sanitizeKey(k) : `${prefix}_${sanitizeKey(k)}`;
    if (v !== null && typeof v === 'object') {
      if (!Array.isArray(v)) flattenJson(v, name, streamLabels, out);
      continue;
    }
    const key = name in streamLabels ? `${name}_extracted` : name;
    out[key] = v === null ? '' : String(v);
  }
}

/** Runs a log query's pipeline on one entry: its labels after the pipeline, or undefined when a stage drops it. */
export function runPipeline(q: LogQuery, labels: Record<string, string>, line: string): Record<string, string> | undefined {
  let current = labels;
  for (const st of q.stages) {
    if (st.kind === 'line') {
      const hit = st.re ? st.re.test(line) : line.includes(st.value);
      if ((st.op === '|=' || st.op === '|~') !== hit) return undefined;
    } else if (st.kind === 'json') {
      const out: Record<string, string> = { ...current };
      try {
        const doc: unknown = JSON.parse(line);
        if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
        flattenJson(doc, '', current, out);
      } catch {
        out.__error__ = 'JSONParserErr';
      }
      current = out;
    } else if (!matchValue(st.matcher, current[st.matcher.name] ?? '')) {
      return undefined;
    }
  }
  return current;
}

// Keyed by the labels object: a stream's entries share one (loki-standin.ts stores the pushed stream's), and a
// pipeline's output is a fresh object, so 10k lines of a few streams cost a few sorts instead of 10k. Label
// objects are never changed once built, which is what makes the cache sound.
const labelKeys = new WeakMap<Record<string, string>, string>();

export function labelKey(labels: Record<string, string>): string {
  let key = labelKeys.get(labels);
  if (key === undefined) {
    key = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',');
    labelKeys.set(labels, key);
  }
  return key;
}

export interface MatrixSeries { metric: Record<string, string>; values: [number, string][] }

/** Evaluation points start, start+step, ... <= end (ns), at most 11,000 like Loki. */
export function evaluationPoints(startNs: bigint, endNs: bigint, stepNs: bigint): bigint[] {
  if (stepNs <= 0n) throw new QueryError('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((endNs - startNs) / stepNs > 11_000n) throw new QueryError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  const out: bigint[] = [];
  for (let t = startNs; t <= endNs; t += stepNs) out.push(t);
  return out;
}

/** Evaluates a metric query over entries (already restricted to the tenant) at the given points. */
export function evalMetric(q: MetricQuery, entries: readonly LogRecord[], points: readonly bigint[]): MatrixSeries[] {
  if (q.kind === 'range') return evalRange(q, entries, points);
  const inner = evalMetric(q.inner, entries, points);
  const groups = new Map<string, { metric: Record<string, string>; byPoint: Map<number, number[]> }>();
  for (const s of inner) {
    const metric: Record<string, string> = {};
    if (q.grouping?.mode === 'by') for (const l of q.grouping.labels) { if (s.metric[l] !== undefined) metric[l] = s.metric[l]; }
    else if (q.grouping?.mode === 'without') for (const [k, v] of Object.entries(s.metric)) { if (!q.grouping.labels.includes(k)) metric[k] = v; }
    const key = labelKey(metric);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric, byPoint: new Map() }));
    for (const [t, v] of s.values) {
      const list = g.byPoint.get(t) ?? [];
      list.push(Number(v));
      g.byPoint.set(t, list);
    }
  }
  const reduce = (xs: number[]): number => {
    switch (q.op) {
      case 'sum': return xs.reduce((a, b) => a + b, 0);
      case 'count': return xs.length;
      case 'min': return Math.min(...xs);
      case 'max': return Math.max(...xs);
      case 'avg': return xs.reduce((a, b) => a + b, 0) / xs.length;
    }
  };
  return [...groups.values()].map((g) => ({
    metric: g.metric,
    values: [...g.byPoint.entries()].sort((a, b) => a[0] - b[0]).map(([t, xs]) => [t, formatSample(reduce(xs))] as [number, string]),
  }));
}

function formatSample(v: number): string {
  return Number.isInteger(v) ? String(v) : String(v);
}

function evalRange(q: RangeAgg, entries: readonly LogRecord[], points: readonly bigint[]): MatrixSeries[] {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return [];
  const from = first - q.rangeNs;
  const countsBytes = q.op === 'bytes_over_time' || q.op === 'bytes_rate';
  const series = new Map<string, { metric: Record<string, string>; samples: { ts: bigint; bytes: number }[] }>();
  for (const e of entries) {
    const ts = BigInt(e.tsNs);
    if (ts <= from || ts > last || !selectorMatches(q.log.selector, e.labels)) continue;
    const labels = runPipeline(q.log, e.labels, e.line);
    if (!labels || labels.__error__ !== undefined) continue;
    const key = labelKey(labels);
    let s = series.get(key);
    if (!s) series.set(key, (s = { metric: labels, samples: [] }));
    s.samples.push({ ts, bytes: countsBytes ? Buffer.byteLength(e.line) : 0 });
  }
  const rangeS = Number(q.rangeNs) / 1e9;
  const out: MatrixSeries[] = [];
  for (const s of series.values()) {
    s.samples.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    // Sliding window (t - range, t] over sorted samples: O(samples + points).
    let lo = 0;
    let hi = 0;
    let bytes = 0;
    const values: [number, string][] = [];
    for (const t of points) {
      while (hi < s.samples.length && s.samples[hi]!.ts <= t) bytes += s.samples[hi++]!.bytes;
      while (lo < hi && s.samples[lo]!.ts <= t - q.rangeNs) bytes -= s.samples[lo++]!.bytes;
      const n = hi - lo;
      if (n === 0) continue;
      const v = q.op === 'count_over_time' ? n : q.op === 'rate' ? n / rangeS : q.op === 'bytes_over_time' ? bytes : bytes / rangeS;
      values.push([Number(t / 1_000_000n) / 1000, formatSample(v)]);
    }
    if (values.length > 0) out.push({ metric: s.metric, values });
  }
  return out;
}
