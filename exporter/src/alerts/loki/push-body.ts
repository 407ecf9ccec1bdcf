// The JSON body of one push, in Loki's documented format:
//   {"streams":[{"stream":{"label":"value",...},"values":[["<unix ns>","<line>"],...]},...]}
// Entries are grouped by label set and sorted by time within each stream (stable for equal times), because a
// Loki tenant without unordered_writes rejects an entry older than the one before it on its stream.
//
// Spool payloads are `<labels JSON>\t<ns>\t<line as a JSON string>`: JSON escapes tabs and newlines inside
// strings, so the two tabs are unambiguous, and the body is assembled from the stored JSON without re-encoding.

import { compareNs, isNsTimestamp } from './entries.js';
import { LOKI_STREAM_LABELS, type StreamLabels } from './labels.js';

const KNOWN_LABELS = new Set<string>(LOKI_STREAM_LABELS);

export function encodePayload(labels: StreamLabels, tsNs: string, line: string): string {
  return `${JSON.stringify(labels)}\t${tsNs}\t${JSON.stringify(line)}`;
}

export interface PayloadParts {
  labelsJson: string;
  tsNs: string;
  lineJson: string;
}

export function splitPayload(payload: string): PayloadParts | undefined {
  const a = payload.indexOf('\t');
  const b = a < 0 ? -1 : payload.indexOf('\t', a + 1);
  if (b < 0) return undefined;
  return { labelsJson: payload.slice(0, a), tsNs: payload.slice(a + 1, b), lineJson: payload.slice(b + 1) };
}

function validLabels(json: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return false;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  return entries.length > 0 && entries.every(([k, x]) => KNOWN_LABELS.has(k) && typeof x === 'string' && x !== '');
}

function validLine(json: string): boolean {
  if (json.length < 2 || json[0] !== '"' || json[json.length - 1] !== '"') return false;
  try {
    return typeof JSON.parse(json) === 'string';
  } catch {
    return false;
  }
}

export interface BodyItem {
  kind: string;
  payload: string;
  /** Read back from disk: checked in full before it goes into a body. */
  untrusted: boolean;
}

export interface PushBody {
  json: string;
  /** Entries in the body, by kind. */
  counts: Map<string, number>;
  /** Items that could not be sent (unreadable payloads), by kind. */
  invalid: Map<string, number>;
  /** Entries whose timestamp was raised to keep their stream in order (strict ordering only). */
  reordered: number;
}

/**
 * Bounded memory of the last timestamp sent per stream, for `strictOrdering`. Forgetting a stream only means
 * its next entry is not compared; Loki would reject it if it were older.
 */
export class StreamClock {
  private readonly last = new Map<string, string>();
  constructor(private readonly maxStreams = 10_000) {}

  raise(stream: string, tsNs: string): string {
    const prev = this.last.get(stream);
    const ts = prev !== undefined && compareNs(tsNs, prev) < 0 ? prev : tsNs;
    this.last.delete(stream);
    this.last.set(stream, ts);
    if (this.last.size > this.maxStreams) this.last.delete(this.last.keys().next().value!);
    return ts;
  }
}

export function buildPushBody(items: readonly BodyItem[], clock?: StreamClock): PushBody {
  const streams = new Map<string, { ts: string; line: string }[]>();
  const counts = new Map<string, number>();
  const invalid = new Map<string, number>();
  const checkedLabels = new Map<string, boolean>();
  for (const item of items) {
    const p = splitPayload(item.payload);
    let ok = p !== undefined && isNsTimestamp(p.tsNs);
    if (ok && item.untrusted) {
      let good = checkedLabels.get(p!.labelsJson);
      if (good === undefined) {
        good = validLabels(p!.labelsJson);
        checkedLabels.set(p!.labelsJson, good);
      }
      ok = good && validLine(p!.lineJson);
    }
    if (!ok) {
      invalid.set(item.kind, (invalid.get(item.kind) ?? 0) + 1);
      continue;
    }
    let values = streams.get(p!.labelsJson);
    if (!values) streams.set(p!.labelsJson, (values = []));
    values.push({ ts: p!.tsNs, line: p!.lineJson });
    counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
  }
  let reordered = 0;
  const parts: string[] = [];
  for (const [labels, values] of streams) {
    values.sort((a, b) => compareNs(a.ts, b.ts)); // Array.prototype.sort is stable
    const rows: string[] = [];
    for (const v of values) {
      let ts = v.ts;
      if (clock) {
        ts = clock.raise(labels, v.ts);
        if (ts !== v.ts) reordered++;
      }
      rows.push(`["${ts}",${v.line}]`);
    }
    parts.push(`{"stream":${labels},"values":[${rows.join(',')}]}`);
  }
  return { json: `{"streams":[${parts.join(',')}]}`, counts, invalid, reordered };
}
