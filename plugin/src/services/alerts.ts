/**
 * Loki logs frames → alert rows for the Runtime events timeline. Pure: no React, no Grafana runtime.
 *
 * Lines are hostile input: anything that is not a JSON object with a rule is counted as malformed and skipped;
 * every other field is optional and read by type, so a Falco alert without Vigil's keys, or a truncated line
 * (docs/loki.md: `loki_truncated`), still makes a row.
 */
import type { DataFrame, Field } from '@grafana/data';
import { ALERT_PRIORITIES, isCaptureId, type AlertPriority } from './logql';

/** One log line of a Loki logs frame, whatever the frame's field order. */
export interface LogLine {
  /** Unix ms (from the time field; the tsNs string refines it when present). */
  timeMs: number;
  /** Nanosecond timestamp string when the frame has one (unique, exact). */
  tsNs?: string;
  line: string;
  labels: Record<string, string>;
  id?: string;
}

export interface LogLinesResult {
  lines: LogLine[];
  /** Rows without a usable line or time. */
  malformed: number;
}

function values(field: Field | undefined): ArrayLike<unknown> {
  const v = field?.values as unknown;
  if (Array.isArray(v)) return v;
  // Older Grafana vectors: toArray()
  if (v && typeof (v as { toArray?: unknown }).toArray === 'function') return (v as { toArray: () => unknown[] }).toArray();
  return [];
}

function stringRecord(v: unknown): Record<string, string> {
  if (typeof v === 'string') {
    try {
      return stringRecord(JSON.parse(v));
    } catch {
      return {};
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val === 'string') out[k] = val;
  }
  return out;
}

/**
 * The fields of a logs frame by name and type: the dataplane shape (`labels`, `Time`, `Line`, `tsNs`, `id`) and
 * the older one (labels on the line field) both work, in any order.
 */
function logFields(frame: DataFrame) {
  const fields = frame.fields ?? [];
  const byName = (...names: string[]) => fields.find((f) => names.includes(f.name));
  const time = fields.find((f) => f.type === 'time') ?? byName('Time', 'timestamp');
  const line =
    byName('Line', 'body') ?? fields.find((f) => f.type === 'string' && !['tsNs', 'id', 'labels', 'labelTypes'].includes(f.name));
  const labels = byName('labels', 'attributes');
  return { time, line, labels, tsNs: byName('tsNs'), id: byName('id') };
}

/** Every log line of the frames, in frame order; O(total rows). */
export function readLogLines(frames: readonly DataFrame[] | undefined): LogLinesResult {
  const lines: LogLine[] = [];
  let malformed = 0;
  for (const frame of frames ?? []) {
    const f = logFields(frame);
    if (!f.line) continue;
    const lineValues = values(f.line);
    const timeValues = values(f.time);
    const labelValues = values(f.labels);
    const nsValues = values(f.tsNs);
    const idValues = values(f.id);
    const frameLabels = f.line.labels ?? {};
    for (let i = 0; i < lineValues.length; i++) {
      const line = lineValues[i];
      const ns = nsValues[i];
      let timeMs = Number(timeValues[i]);
      if (typeof ns === 'string' && /^\d{1,20}$/.test(ns)) timeMs = Number(ns) / 1e6;
      if (typeof line !== 'string' || !Number.isFinite(timeMs)) {
        malformed++;
        continue;
      }
      const rowLabels = labelValues.length > 0 ? stringRecord(labelValues[i]) : {};
      const id = idValues[i];
      lines.push({
        timeMs,
        tsNs: typeof ns === 'string' ? ns : undefined,
        line,
        labels: { ...frameLabels, ...rowLabels },
        id: typeof id === 'string' ? id : undefined,
      });
    }
  }
  return { lines, malformed };
}

export type PriorityOrUnknown = AlertPriority | 'Unknown';

/** One row of the alert timeline. */
export interface AlertRow {
  /** Stable key: the log line's id (Grafana's, unique per answer), else time + index. */
  key: string;
  /** The Loki entry's time: the alert's time (docs/loki.md). */
  timeMs: number;
  rule: string;
  priority: PriorityOrUnknown;
  node: string;
  namespace: string;
  pod: string;
  container: string;
  process: string;
  pid?: number;
  cmdline: string;
  user: string;
  output: string;
  /** Present only when it is a well-formed capture id (it goes into a URL). */
  captureId?: string;
  containerId?: string;
  image?: string;
  count: number;
  tags: string[];
  source: string;
  /** The line as Loki returned it, for the detail view. */
  line: string;
}

export interface AlertRowsResult {
  /** Newest first. */
  rows: AlertRow[];
  malformed: number;
}

const PRIORITY_BY_LOWER = new Map<string, AlertPriority>([
  ...ALERT_PRIORITIES.map((p) => [p.toLowerCase(), p] as [string, AlertPriority]),
  ['info', 'Informational'],
  ['warn', 'Warning'],
  ['crit', 'Critical'],
  ['err', 'Error'],
  ['emerg', 'Emergency'],
]);

export function normalizePriority(v: unknown): PriorityOrUnknown {
  return (typeof v === 'string' && PRIORITY_BY_LOWER.get(v.trim().toLowerCase())) || 'Unknown';
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (...vs: unknown[]): string => {
  for (const v of vs) {
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return '';
};
const int = (...vs: unknown[]): number | undefined => {
  for (const v of vs) {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n)) return n;
  }
  return undefined;
};

/** What only the line's JSON knows: read when a row is drawn or expanded, never for all 10k rows up front.
 * The priority stays raw here: the row normalizes it once, label first. */
type AlertDetail = Omit<AlertRow, 'key' | 'timeMs' | 'line' | 'priority'> & { priority: unknown };

const NO_DETAIL: AlertDetail = { rule: '', priority: undefined, node: '', namespace: '', pod: '', container: '', process: '', cmdline: '', user: '', output: '', count: 1, tags: [], source: '' };

/** The alert's JSON fields, or undefined when the line is no JSON object. */
function parseAlertDetail(line: string): AlertDetail | undefined {
  let a: Json;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    a = parsed as Json;
  } catch {
    return undefined;
  }
  const of = obj(a.output_fields);
  const k8s = obj(a.k8s);
  const container = obj(a.container);
  const ev = obj(a.event);
  const proc = obj(ev.proc);
  const captureId = str(a.capture_id);
  const count = int(a.count);
  return {
    rule: str(a.rule),
    priority: a.priority,
    node: str(a.hostname, ev.node),
    namespace: str(k8s.ns, of['k8s.ns.name']),
    pod: str(k8s.pod, of['k8s.pod.name']),
    container: str(k8s.container, container.name, of['container.name']),
    process: str(of['proc.name'], proc.name),
    pid: int(of['proc.pid'], proc.pid),
    cmdline: str(of['proc.cmdline'], proc.cmdline, Array.isArray(proc.argv) ? proc.argv.filter((x) => typeof x === 'string').join(' ') : ''),
    user: str(of['user.name'], of['user.uid'], proc.uid),
    output: str(a.output),
    captureId: isCaptureId(captureId) ? captureId : undefined,
    containerId: str(container.id, of['container.id']) || undefined,
    image: str(container.image, of['container.image.repository']) || undefined,
    count: count !== undefined && count > 0 ? count : 1,
    tags: Array.isArray(a.tags) ? a.tags.filter((t): t is string => typeof t === 'string') : [],
    source: str(a.source),
  };
}

/** The stream labels a row shows; Vigil sets them from the alert itself (docs/loki.md). */
interface RowLabels {
  rule: string;
  priority: string;
  node: string;
  namespace: string;
  pod: string;
  container: string;
}

/**
 * One alert row. The list columns the filters match on (rule, priority, node, namespace, pod, container) come from
 * the stream labels and the time from the entry's timestamp (the alert's own time, docs/loki.md), so building 10k
 * rows parses no JSON; everything else is parsed from the line on first read, once (the virtualized table reads
 * it only for the rows it draws). A label Loki did not have falls back to the line's JSON.
 */
class LazyAlertRow implements AlertRow {
  private detailCache: AlertDetail | null | undefined;

  constructor(
    readonly key: string,
    readonly timeMs: number,
    readonly line: string,
    private readonly labels: RowLabels,
    detail?: AlertDetail
  ) {
    this.detailCache = detail;
  }

  /** The parsed line; a line that is no JSON object shows its raw text as the output. */
  private get detail(): AlertDetail {
    if (this.detailCache === undefined) this.detailCache = parseAlertDetail(this.line) ?? null;
    return this.detailCache ?? { ...NO_DETAIL, output: this.line };
  }

  get rule(): string {
    return this.labels.rule || this.detail.rule;
  }
  get priority(): PriorityOrUnknown {
    return normalizePriority(this.labels.priority || this.detail.priority);
  }
  get node(): string {
    return this.labels.node || this.detail.node;
  }
  get namespace(): string {
    return this.labels.namespace || this.detail.namespace;
  }
  get pod(): string {
    return this.labels.pod || this.detail.pod;
  }
  get container(): string {
    return this.labels.container || this.detail.container;
  }
  get process(): string {
    return this.detail.process;
  }
  get pid(): number | undefined {
    return this.detail.pid;
  }
  get cmdline(): string {
    return this.detail.cmdline;
  }
  get user(): string {
    return this.detail.user;
  }
  get output(): string {
    return this.detail.output;
  }
  get captureId(): string | undefined {
    return this.detail.captureId;
  }
  get containerId(): string | undefined {
    return this.detail.containerId;
  }
  get image(): string | undefined {
    return this.detail.image;
  }
  get count(): number {
    return this.detail.count;
  }
  get tags(): string[] {
    return this.detail.tags;
  }
  get source(): string {
    return this.detail.source;
  }
}

/** A logs frame's per-row labels: objects (dataplane), or JSON strings (older Grafana). */
function rowLabelObject(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') return stringRecord(v);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const ROW_LABEL_NAMES = ['rule', 'priority', 'node', 'namespace', 'pod', 'container'] as const;

function rowLabels(row: Record<string, unknown>, frame: Record<string, string>): RowLabels {
  const out = {} as RowLabels;
  for (const name of ROW_LABEL_NAMES) {
    const v = Object.hasOwn(row, name) ? row[name] : undefined;
    out[name] = typeof v === 'string' ? v : (frame[name] ?? '');
  }
  return out;
}

/** A cheap shape check before any parse: an alert line is one JSON object. */
function looksLikeJsonObject(line: string): boolean {
  const s = line.trim();
  return s.startsWith('{') && s.endsWith('}');
}

/**
 * One alert line → row, or undefined when the line is not an alert. Without a `rule` stream label (a Falco line
 * from another shipper) the line is parsed now, since only its JSON says whether it is an alert.
 */
export function alertRowFromLine(l: LogLine, index: number): AlertRow | undefined {
  return alertRow(l.line, l.timeMs, l.tsNs, l.id, rowLabels(l.labels, {}), index);
}

function alertRow(line: string, timeMs: number, tsNs: string | undefined, id: string | undefined, labels: RowLabels, index: number): AlertRow | undefined {
  if (!looksLikeJsonObject(line)) return undefined;
  let detail: AlertDetail | undefined;
  if (labels.rule === '') {
    detail = parseAlertDetail(line);
    if (!detail || detail.rule === '') return undefined;
  }
  return new LazyAlertRow(id ?? `${tsNs ?? timeMs}-${index}`, timeMs, line, labels, detail);
}

/**
 * Logs frames → alert rows, newest first. O(n) cheap work per line (no JSON parse, see LazyAlertRow) plus the
 * sort, which is linear on Loki's already ordered answer.
 */
export function alertRowsFromFrames(frames: readonly DataFrame[] | undefined): AlertRowsResult {
  const rows: AlertRow[] = [];
  let malformed = 0;
  // Loki can return one entry twice when shards overlap: same timestamp, same line. Keyed by the short timestamp;
  // lines are compared only when timestamps collide.
  const seenAt = new Map<string, string | string[]>();
  const keys = new Set<string>();
  let index = 0;
  for (const frame of frames ?? []) {
    const f = logFields(frame);
    if (!f.line) continue;
    const lineValues = values(f.line);
    const timeValues = values(f.time);
    const labelValues = values(f.labels);
    const nsValues = values(f.tsNs);
    const idValues = values(f.id);
    const frameLabels = f.line.labels ?? {};
    for (let i = 0; i < lineValues.length; i++, index++) {
      const line = lineValues[i];
      const nsv = nsValues[i];
      const tsNs = typeof nsv === 'string' && /^\d{1,20}$/.test(nsv) ? nsv : undefined;
      const timeMs = tsNs !== undefined ? Number(tsNs) / 1e6 : Number(timeValues[i]);
      if (typeof line !== 'string' || !Number.isFinite(timeMs)) {
        malformed++;
        continue;
      }
      const at = tsNs ?? String(timeMs);
      const prev = seenAt.get(at);
      if (prev === undefined) seenAt.set(at, line);
      else if (prev === line || (Array.isArray(prev) && prev.includes(line))) continue;
      else seenAt.set(at, Array.isArray(prev) ? [...prev, line] : [prev, line]);
      const idv = idValues[i];
      let id = typeof idv === 'string' && idv !== '' ? idv : undefined;
      if (id !== undefined && keys.has(id)) id = undefined;
      const row = alertRow(line, timeMs, tsNs, id, rowLabels(rowLabelObject(labelValues[i]), frameLabels), index);
      if (!row) {
        malformed++;
        continue;
      }
      keys.add(row.key);
      rows.push(row);
    }
  }
  rows.sort((x, y) => y.timeMs - x.timeMs);
  return { rows, malformed };
}

/** Alerts per priority (histogram legend, counts). */
export function countByPriority(rows: readonly AlertRow[]): Record<PriorityOrUnknown, number> {
  const out = Object.fromEntries([...ALERT_PRIORITIES, 'Unknown'].map((p) => [p, 0])) as Record<PriorityOrUnknown, number>;
  for (const r of rows) out[r.priority] += 1;
  return out;
}

/** Time around an alert its links open: the recorder's window is seconds, the charts want some context. */
export const ALERT_LINK_BEFORE_MS = 5 * 60_000;
export const ALERT_LINK_AFTER_MS = 5 * 60_000;

/** URL parameters selecting a container on the Inspect page (the shared var-* names). */
export function inspectParams(
  target: { namespace?: string; pod?: string; container?: string; node?: string },
  range?: { from: number; to: number },
  captureId?: string
): URLSearchParams {
  const q = new URLSearchParams();
  const set = (k: string, v: string | undefined) => {
    if (v) q.set(k, v);
  };
  set('var-namespace', target.namespace);
  set('var-pod', target.pod);
  set('var-container', target.container);
  set('var-node', target.node);
  if (range) {
    q.set('from', String(Math.floor(range.from)));
    q.set('to', String(Math.ceil(range.to)));
  }
  if (isCaptureId(captureId)) q.set('capture', captureId);
  return q;
}

/** Link from an alert to its container (and, with withCapture, to its capture) on the Inspect page. */
export function alertInspectHref(inspectRoute: string, row: AlertRow, withCapture: boolean): string {
  const range = { from: row.timeMs - ALERT_LINK_BEFORE_MS, to: row.timeMs + ALERT_LINK_AFTER_MS };
  return `${inspectRoute}?${inspectParams(row, range, withCapture ? row.captureId : undefined).toString()}`;
}
