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
  /** Stable key: the alert's uuid, else the log line id, else time + index. */
  key: string;
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

/** One alert line → row, or undefined when the line is not an alert. */
export function alertRowFromLine(l: LogLine, index: number): AlertRow | undefined {
  let a: Json;
  try {
    const parsed: unknown = JSON.parse(l.line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    a = parsed as Json;
  } catch {
    return undefined;
  }
  const rule = str(a.rule, l.labels.rule);
  if (rule === '') return undefined;
  const of = obj(a.output_fields);
  const k8s = obj(a.k8s);
  const container = obj(a.container);
  const ev = obj(a.event);
  const proc = obj(ev.proc);
  const alertTs = typeof a.ts === 'number' && Number.isFinite(a.ts) ? a.ts : Date.parse(str(a.time));
  const timeMs = Number.isFinite(alertTs) ? alertTs : l.timeMs;
  const captureId = str(a.capture_id);
  const uuid = str(a.uuid);
  const count = int(a.count);
  return {
    key: uuid || l.id || `${l.tsNs ?? l.timeMs}-${index}`,
    timeMs,
    rule,
    priority: normalizePriority(a.priority ?? l.labels.priority),
    node: str(l.labels.node, a.hostname, ev.node),
    namespace: str(l.labels.namespace, k8s.ns, of['k8s.ns.name']),
    pod: str(l.labels.pod, k8s.pod, of['k8s.pod.name']),
    container: str(l.labels.container, k8s.container, container.name, of['container.name']),
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
    line: l.line,
  };
}

/** Logs frames → alert rows, newest first; O(n log n) for the sort only. */
export function alertRowsFromFrames(frames: readonly DataFrame[] | undefined): AlertRowsResult {
  const { lines, malformed: badLines } = readLogLines(frames);
  let malformed = badLines;
  const rows: AlertRow[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const row = alertRowFromLine(lines[i]!, i);
    if (!row) {
      malformed++;
      continue;
    }
    // Loki can return one entry twice when shards overlap; the uuid identifies the alert.
    if (seen.has(row.key)) continue;
    seen.add(row.key);
    rows.push(row);
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
