// Turns alerts and flight-recorder activity into Loki entries: labels (labels.ts), a nanosecond timestamp as a
// decimal string, and the line — the JSON alert, or the JSON activity record with its capture_id first.

import type { ContainerRef, K8sRef } from '../../events/types.js';
import type { Alert } from '../types.js';
import { containerLabel, type LokiStreamKind, type StreamLabels } from './labels.js';

export interface LokiEntry {
  stream: LokiStreamKind;
  /** Labels besides `stream` (job and node default from the sink's configuration). */
  labels: StreamLabels;
  /** Unix epoch in nanoseconds, decimal digits. */
  tsNs: string;
  line: string;
}

/**
 * What pushActivity needs of a record: its time; container and pod may come with it or from the capture. Any
 * other keys go into the line as they are (the recorder's ActivityEntry and VigilEvent both qualify).
 */
export interface ActivityRecord {
  /** Unix ms (fractional). */
  ts: number;
  /** RFC 3339; preferred over `ts` when present (no float rounding). */
  time?: string;
  node?: string;
  container?: ContainerRef;
  k8s?: K8sRef;
}

export interface ActivityScope {
  container?: ContainerRef;
  k8s?: K8sRef;
}

const RFC3339_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
const NS_RE = /^(0|[1-9]\d{0,18})$/;
const MAX_NS = 9223372036854775807n;

/** Exact nanoseconds of an RFC 3339 time; undefined when it is not one (or is before 1970). */
export function rfc3339ToNs(time: string): string | undefined {
  const m = RFC3339_RE.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return (BigInt(ms) * 1_000_000n + frac).toString();
}

/** Nanoseconds of a Unix-ms number, to the microsecond (the precision the events carry). */
export function msToNs(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

export function isNsTimestamp(s: string): boolean {
  return NS_RE.test(s) && BigInt(s) <= MAX_NS;
}

/** Orders decimal timestamps without BigInt: a longer digit string (no leading zeros) is a later time. */
export function compareNs(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeOf(time: unknown, ts: unknown): string {
  return (typeof time === 'string' ? rfc3339ToNs(time) : undefined)
    ?? (typeof ts === 'number' ? msToNs(ts) : undefined)
    ?? msToNs(Date.now())!;
}

/**
 * The alert as one line of at most `maxLineBytes`. An alert that is too long loses its copy of the matching
 * event first (the output fields keep what the rule shows), then its output fields and most of its output;
 * such a line says `"loki_truncated": true`. Undefined when even that does not fit.
 */
export function alertLine(alert: Alert, maxLineBytes: number): string | undefined {
  let line = JSON.stringify(alert);
  if (Buffer.byteLength(line) <= maxLineBytes) return line;
  const { event: _event, ...rest } = alert;
  line = JSON.stringify({ ...rest, loki_truncated: true });
  if (Buffer.byteLength(line) <= maxLineBytes) return line;
  line = JSON.stringify({ ...rest, output: rest.output.slice(0, 2048), output_fields: {}, loki_truncated: true });
  return Buffer.byteLength(line) <= maxLineBytes ? line : undefined;
}

export function alertEntry(alert: Alert, maxLineBytes: number): LokiEntry | undefined {
  const line = alertLine(alert, maxLineBytes);
  if (line === undefined) return undefined;
  return {
    stream: 'alert',
    labels: {
      // The sink's node name wins (it is the one the metrics carry); the alert's hostname is the fallback.
      node: alert.hostname,
      namespace: alert.k8s?.ns,
      pod: alert.k8s?.pod,
      container: containerLabel(alert.container, alert.k8s),
      rule: alert.rule,
      priority: alert.priority,
    },
    tsNs: timeOf(alert.time, alert.ts),
    line,
  };
}

/**
 * One activity record of a capture. The line is the record with `capture_id` first; container and pod labels
 * come from the record, else from the capture (`scope`). Activity carries no rule or priority label: a capture
 * can serve several alerts, and one stream per container keeps its entries together.
 */
export function activityEntry(captureId: string, record: ActivityRecord, scope: ActivityScope | undefined, maxLineBytes: number): LokiEntry | undefined {
  const { capture_id: _ignored, ...rest } = record as ActivityRecord & { capture_id?: unknown };
  const line = JSON.stringify({ capture_id: captureId, ...rest });
  if (Buffer.byteLength(line) > maxLineBytes) return undefined;
  const k8s = record.k8s ?? scope?.k8s;
  const container = record.container ?? scope?.container;
  return {
    stream: 'activity',
    labels: {
      node: typeof record.node === 'string' ? record.node : undefined,
      namespace: k8s?.ns,
      pod: k8s?.pod,
      container: containerLabel(container, k8s),
    },
    tsNs: timeOf(record.time, record.ts),
    line,
  };
}
