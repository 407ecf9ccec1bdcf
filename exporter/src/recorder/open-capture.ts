// A capture being assembled: the entries of one container inside [from, to], copied from the ring when the
// alert comes and appended as later records arrive, until the recorder finalizes it. Entries are shared with
// the ring (they are never mutated), so a copy costs a pointer; the byte count still charges each entry to
// the capture too, which keeps the bounds conservative.

import type { AncestorInfo, ContainerRef, K8sRef } from '../events/types.js';
import type { ActivityEntry } from './entry.js';
import { buildProcessTree } from './process-tree.js';
import type { ActivityRing } from './ring.js';
import { summarize, type SummaryOptions } from './summary.js';
import type { CaptureAlert, CaptureDocument, CaptureMeta, CaptureStatus, CaptureTruncation, CaptureWindow } from './types.js';

/** Alerts listed per capture; later ones only raise `alert_count`. */
export const MAX_ALERTS_PER_CAPTURE = 100;

// Rough heap cost of the parts a finished document adds to its entries (tree nodes, tile items).
const PROCESS_NODE_BYTES = 240;
const TILE_ITEM_BYTES = 160;

export interface CaptureLimits {
  maxEntries: number;
  maxBytes: number;
}

export class OpenCapture {
  entries: ActivityEntry[] = [];
  ancestry: (readonly AncestorInfo[] | undefined)[] = [];
  bytes = 0;
  dropped = 0;
  truncated: CaptureTruncation | undefined;
  readonly alerts: CaptureAlert[];
  alertCount = 1;
  beforeComplete = true;

  constructor(
    readonly id: string,
    readonly ring: ActivityRing,
    alert: CaptureAlert,
    public from: number,
    public to: number,
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly created: number,
    private readonly fallbackContainer: ContainerRef,
    private readonly fallbackK8s: K8sRef | undefined,
  ) {
    this.alerts = [alert];
  }

  get containerId(): string {
    return this.ring.id;
  }

  /** Takes the entry, or returns why not (the caller counts it; the first reason sticks as `truncated`). */
  add(entry: ActivityEntry, ancestors: readonly AncestorInfo[] | undefined, bytes: number, limits: CaptureLimits): CaptureTruncation | undefined {
    let refused: CaptureTruncation | undefined;
    if (this.entries.length >= limits.maxEntries) refused = 'entries';
    else if (this.bytes + bytes > limits.maxBytes) refused = 'bytes';
    if (refused) {
      this.drop(refused);
      return refused;
    }
    this.entries.push(entry);
    this.ancestry.push(ancestors);
    this.bytes += bytes;
    return undefined;
  }

  drop(reason: CaptureTruncation): void {
    this.dropped++;
    if (this.truncated === undefined) this.truncated = reason;
  }

  addAlert(alert: CaptureAlert): void {
    this.alertCount++;
    if (this.alerts.length < MAX_ALERTS_PER_CAPTURE) this.alerts.push(alert);
  }

  /** Orders the entries by time in place (stable: arrival order breaks ties), ancestry alongside. */
  sortInPlace(): void {
    const [entries, ancestry] = sortedByTime(this.entries, this.ancestry);
    this.entries = entries;
    this.ancestry = ancestry;
  }

  /** The document as it stands; `status` pending leaves the capture's own arrays untouched (sorts a copy). */
  document(status: CaptureStatus, completed: number | undefined, summary: SummaryOptions): CaptureDocument {
    const [entries, ancestry] = status === 'complete' ? [this.entries, this.ancestry] : sortedByTime(this.entries, this.ancestry);
    const container = this.ring.container ?? this.fallbackContainer;
    const k8s = this.ring.k8s ?? this.fallbackK8s;
    const window: CaptureWindow = { from: this.from, to: this.to, before_ms: this.beforeMs, after_ms: this.afterMs, before_complete: this.beforeComplete };
    // Keys in reading order; optional ones only when set.
    const doc: CaptureDocument = {
      id: this.id,
      status,
      created: this.created,
      ...(completed !== undefined ? { completed } : {}),
      container,
      ...(k8s !== undefined ? { k8s } : {}),
      alert: this.alerts[0]!,
      alerts: this.alerts.slice(),
      alert_count: this.alertCount,
      window,
      ...(this.truncated !== undefined ? { truncated: this.truncated } : {}),
      dropped_entries: this.dropped,
      entries: entries.slice(),
      processes: buildProcessTree(entries, ancestry),
      summary: summarize(entries, summary),
    };
    return doc;
  }
}

/** Estimated heap bytes of a finished document whose entries cost `entryBytes`. */
export function documentBytes(doc: CaptureDocument, entryBytes: number): number {
  let nodes = 0;
  const stack = [...doc.processes];
  while (stack.length > 0) {
    const n = stack.pop()!;
    nodes++;
    for (const c of n.children) stack.push(c);
  }
  let items = 0;
  for (const v of Object.values(doc.summary)) if (typeof v === 'object' && v !== null && 'items' in v) items += (v as { items: unknown[] }).items.length;
  return entryBytes + nodes * PROCESS_NODE_BYTES + items * TILE_ITEM_BYTES;
}

export function metaOf(doc: CaptureDocument, bytes: number, persisted: boolean): CaptureMeta {
  const container: CaptureMeta['container'] = { id: doc.container.id };
  if (doc.container.name !== undefined) container.name = doc.container.name;
  if (doc.container.image !== undefined) container.image = doc.container.image;
  const meta: CaptureMeta = {
    id: doc.id,
    status: doc.status,
    created: doc.created,
    container,
    alert: doc.alert,
    alert_count: doc.alert_count,
    window: { from: doc.window.from, to: doc.window.to },
    entries: doc.entries.length,
    bytes,
    persisted,
  };
  if (doc.completed !== undefined) meta.completed = doc.completed;
  if (doc.k8s) meta.k8s = { ns: doc.k8s.ns, pod: doc.k8s.pod };
  return meta;
}

function sortedByTime(
  entries: ActivityEntry[],
  ancestry: (readonly AncestorInfo[] | undefined)[],
): [ActivityEntry[], (readonly AncestorInfo[] | undefined)[]] {
  let ordered = true;
  for (let i = 1; i < entries.length && ordered; i++) if (entries[i]!.ts < entries[i - 1]!.ts) ordered = false;
  if (ordered) return [entries.slice(), ancestry.slice()];
  const idx = entries.map((_, i) => i);
  idx.sort((a, b) => entries[a]!.ts - entries[b]!.ts || a - b);
  return [idx.map((i) => entries[i]!), idx.map((i) => ancestry[i])];
}
