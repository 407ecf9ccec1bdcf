/**
 * LogQL builders for Vigil's Loki streams (docs/loki.md). Pure: no React, no Grafana runtime.
 *
 * Every value that reaches a query comes from a user (URL parameters, text boxes) or from Loki itself, and Vigil
 * runs privileged: nothing is pasted into a query without being escaped for the literal it lands in. Label names
 * are checked against the documented label set, so a URL cannot smuggle in a matcher on an arbitrary label.
 */

/** The stream labels Vigil writes (docs/loki.md, LOKI_STREAM_LABELS in exporter/src/alerts/loki/labels.ts). */
export const LOKI_STREAM_LABELS = ['job', 'node', 'namespace', 'pod', 'container', 'rule', 'priority', 'stream'] as const;
export type LokiStreamLabel = (typeof LOKI_STREAM_LABELS)[number];

/** Falco priorities, most severe first (the `priority` label's eight values). */
export const ALERT_PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type AlertPriority = (typeof ALERT_PRIORITIES)[number];

export const DEFAULT_JOB = 'vigil';

/** Longest free-text filter taken from a user: a LogQL line filter, not a document. */
export const MAX_TEXT_FILTER = 512;
/** Most values one multi-select matcher accepts (the regex alternation grows with each). */
export const MAX_MATCHER_VALUES = 100;

const LABEL_SET: ReadonlySet<string> = new Set(LOKI_STREAM_LABELS);
const PRIORITY_SET: ReadonlySet<string> = new Set(ALERT_PRIORITIES);

export function isStreamLabel(name: string): name is LokiStreamLabel {
  return LABEL_SET.has(name);
}

export function isPriority(value: string): value is AlertPriority {
  return PRIORITY_SET.has(value);
}

/**
 * A LogQL double-quoted string literal (Go strconv.Unquote rules): backslash, quote and control characters
 * escaped, so the value can never end the literal early.
 */
export function logqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** RE2 metacharacters escaped, so a value matches itself literally inside a regex. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export type MatcherOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: LokiStreamLabel;
  op: MatcherOp;
  value: string;
}

/** One matcher; throws on a label outside the documented set (a programming error, not user input). */
export function matcher(label: string, op: MatcherOp, value: string): LabelMatcher {
  if (!isStreamLabel(label)) {
    throw new Error(`not a Vigil stream label: ${label}`);
  }
  return { label, op, value };
}

/** Exact match on one of several values: `=` for one, an anchored, escaped alternation for more. */
export function anyOf(label: string, values: readonly string[]): LabelMatcher | undefined {
  const distinct = [...new Set(values.filter((v) => v !== ''))].slice(0, MAX_MATCHER_VALUES);
  if (distinct.length === 0) return undefined;
  if (distinct.length === 1) return matcher(label, '=', distinct[0]!);
  return matcher(label, '=~', distinct.map(escapeRegex).join('|'));
}

export function streamSelector(matchers: ReadonlyArray<LabelMatcher | undefined>): string {
  const parts = matchers.filter((m): m is LabelMatcher => m !== undefined).map((m) => `${m.label}${m.op}${logqlString(m.value)}`);
  return `{${parts.join(', ')}}`;
}

/** The alert filters of the Runtime events page (and the Inspect page's container scope). */
export interface AlertFilters {
  job?: string;
  node?: string[];
  namespace?: string[];
  pod?: string[];
  container?: string[];
  rule?: string[];
  priority?: string[];
  /** Free text: a case-insensitive substring of the JSON line. */
  text?: string;
}

/**
 * A case-insensitive line filter for free text. `|~ "(?i)…"` with the text regex-escaped and then string-escaped:
 * the two layers are what keep `"`, `\` and `.*` in user text literal.
 */
export function textLineFilter(text: string | undefined): string {
  const t = (text ?? '').slice(0, MAX_TEXT_FILTER).trim();
  if (t === '') return '';
  return ` |~ ${logqlString(`(?i)${escapeRegex(t)}`)}`;
}

function alertMatchers(stream: 'alert' | 'activity', f: AlertFilters): Array<LabelMatcher | undefined> {
  const priorities = stream === 'alert' ? (f.priority ?? []).filter(isPriority) : [];
  return [
    matcher('job', '=', f.job?.trim() || DEFAULT_JOB),
    matcher('stream', '=', stream),
    anyOf('node', f.node ?? []),
    anyOf('namespace', f.namespace ?? []),
    anyOf('pod', f.pod ?? []),
    anyOf('container', f.container ?? []),
    stream === 'alert' ? anyOf('rule', f.rule ?? []) : undefined,
    anyOf('priority', priorities),
  ];
}

/** Log query for alert lines. */
export function alertLogsQuery(f: AlertFilters = {}): string {
  return streamSelector(alertMatchers('alert', f)) + textLineFilter(f.text);
}

/**
 * Metric query for the histogram: alerts per priority per step. `$__auto` is Loki's automatic range, replaced by
 * Grafana's Loki data source with the query's step.
 */
export function alertsByPriorityQuery(f: AlertFilters = {}, range = '$__auto'): string {
  return `sum by (priority) (count_over_time(${alertLogsQuery(f)} [${range}]))`;
}

/** Distinct namespace/pod/rule combinations in the time range, unfiltered: the filters' options. */
export function alertFacetsQuery(job?: string): string {
  return `sum by (node, namespace, pod, rule) (count_over_time(${streamSelector(alertMatchers('alert', { job }))} [$__range]))`;
}

/** Capture ids in Vigil are ULID-like tokens; anything else in a URL is refused before it reaches a query. */
const CAPTURE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isCaptureId(id: string | undefined): id is string {
  return typeof id === 'string' && CAPTURE_ID.test(id);
}

export interface ActivityScope {
  job?: string;
  node?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  captureId?: string;
}

/**
 * Activity lines of one container, optionally of one capture. capture_id is the first key of every line
 * (docs/loki.md), so a line filter on its exact JSON text is cheap and needs no `| json` parse.
 */
export function activityLogsQuery(scope: ActivityScope): string {
  const one = (label: string, v: string | undefined) => (v ? matcher(label, '=', v) : undefined);
  const selector = streamSelector([
    matcher('job', '=', scope.job?.trim() || DEFAULT_JOB),
    matcher('stream', '=', 'activity'),
    one('node', scope.node),
    one('namespace', scope.namespace),
    one('pod', scope.pod),
    one('container', scope.container),
  ]);
  if (!isCaptureId(scope.captureId)) return selector;
  return `${selector} |= ${logqlString(`{"capture_id":${JSON.stringify(scope.captureId)}`)}`;
}
