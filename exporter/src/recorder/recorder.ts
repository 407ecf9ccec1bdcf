// The flight recorder: per container, a bounded ring of recent activity (compact entries with their ancestry),
// and captures that save what a container did from `beforeMs` before an alert to `afterMs` after it.
//
// Data in: `record(event)` for every enriched event (call it before the rules see the event, so the
// triggering event is in the ring when its alert comes; the other order works too), `onAlert(trigger)` for
// every alert, `sweep()` on a timer (about once a second). Data out: `get`, `list`, `stats`, the `onComplete`
// callback and `activityLines` (activity-lines.ts). Nothing here does I/O except the optional capture store.
//
// Overlapping alerts: an alert in a container that has an open capture whose window overlaps the alert's
// window joins that capture and extends it (earlier `from`, later `to`), as long as the whole window stays
// within `maxWindowMs`; otherwise it opens a capture of its own. So a burst of alerts shares one capture and
// one id, and a steady stream of alerts still finalizes captures at a bounded interval.

import type { AncestorInfo, ContainerRef, EventType, VigilEvent } from '../events/types.js';
import { EVENT_TYPES } from '../events/types.js';
import { newCaptureId, isCaptureId } from './capture-id.js';
import { CaptureStore } from './capture-store.js';
import { entryBytes, toEntry, type ActivityEntry, type OpenEntry } from './entry.js';
import { documentBytes, metaOf, OpenCapture, type CaptureLimits } from './open-capture.js';
import { ActivityRing } from './ring.js';
import { DEFAULT_SYSTEM_PREFIXES } from './summary.js';
import type { AlertTrigger, CaptureAlert, CaptureDocument, CaptureMeta, CaptureTruncation, ListQuery } from './types.js';

export interface PersistOptions {
  dir: string;
  /** default 1000 */
  maxFiles?: number;
  /** default 512 MiB */
  maxBytes?: number;
  /** default 7 days */
  maxAgeMs?: number;
}

export interface RecorderOptions {
  /** Record host processes (container id "host"). Default true. */
  includeHost?: boolean;
  /** Event types kept. Default all ten. */
  types?: readonly EventType[];
  /**
   * When set, only opens below one of these prefixes, failed opens and opens for writing are kept. Default:
   * every open that reaches the recorder (the sensor's open filter already chose them).
   */
  openPrefixes?: readonly string[];
  /** Per container. Defaults: 4096 entries, 1 MiB. */
  maxEntriesPerContainer?: number;
  maxBytesPerContainer?: number;
  /** Across all containers, default 64 MiB: the least recently active containers lose their oldest entries first. */
  maxTotalBytes?: number;
  /** Containers with a ring, default 4096; past it the least recently active ring is dropped whole. */
  maxContainers?: number;
  /** Entries older than this are dropped. Default 5 minutes. */
  maxAgeMs?: number;
  /** Capture window around an alert. Defaults 10 s before, 5 s after. */
  beforeMs?: number;
  afterMs?: number;
  /** A record newer than `to + settleMs` finalizes a capture. Default 0: the first record past the window. */
  settleMs?: number;
  /** A capture whose container went quiet is finalized by `sweep` this long after its window. Default 2 s. */
  finalizeDelayMs?: number;
  /** Longest window overlapping alerts can extend a capture to. Default 60 s. */
  maxWindowMs?: number;
  /** Captures open at once, default 32; past it the oldest open one is finalized early (truncated "open-limit"). */
  maxOpenCaptures?: number;
  /** Per capture. Defaults: 20 000 entries, 8 MiB. */
  maxEntriesPerCapture?: number;
  maxBytesPerCapture?: number;
  /** Estimated bytes of all captures in memory (open and finished), default 128 MiB. */
  maxCaptureBytes?: number;
  /** Finished captures kept in memory, default 256 (older ones are served from disk when persisted). */
  maxCompletedInMemory?: number;
  /** Items per summary tile, default 100. */
  tileItems?: number;
  /** Write below these = modified system file. */
  systemPrefixes?: readonly string[];
  /** Persist finished captures as JSON files (restored by `restore()`). */
  persist?: PersistOptions;
  /** Called once per capture when it completes (e.g. to send its activity lines). Errors are counted, not thrown. */
  onComplete?: (doc: CaptureDocument) => void;
  /** Wall clock (ms) for `created`, `completed` and `sweep`. */
  now?: () => number;
}

type Resolved = Required<Omit<RecorderOptions, 'openPrefixes' | 'persist' | 'onComplete' | 'now'>>;

export const RECORDER_DEFAULTS: Resolved = {
  includeHost: true,
  types: EVENT_TYPES,
  maxEntriesPerContainer: 4096,
  maxBytesPerContainer: 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  maxContainers: 4096,
  maxAgeMs: 5 * 60_000,
  beforeMs: 10_000,
  afterMs: 5_000,
  settleMs: 0,
  finalizeDelayMs: 2_000,
  maxWindowMs: 60_000,
  maxOpenCaptures: 32,
  maxEntriesPerCapture: 20_000,
  maxBytesPerCapture: 8 * 1024 * 1024,
  maxCaptureBytes: 128 * 1024 * 1024,
  maxCompletedInMemory: 256,
  tileItems: 100,
  systemPrefixes: DEFAULT_SYSTEM_PREFIXES,
};

export type RingEviction = 'entries' | 'bytes' | 'total' | 'age' | 'containers';

export interface RecorderStats {
  containers: number;
  entries: number;
  /** estimated bytes held by the rings */
  bytes: number;
  recorded: number;
  skipped: { type: number; host: number; open_filter: number; malformed: number };
  /** entries evicted from the rings, by reason */
  evicted: Record<RingEviction, number>;
  captures: {
    open: number;
    in_memory: number;
    /** estimated bytes of the captures in memory, open ones included */
    bytes: number;
    created: number;
    /** alerts that joined an open capture instead of opening one */
    shared: number;
    completed: number;
    /** finalized before their window ended because too many were open */
    closed_early: number;
    /** alerts without a capture: invalid trigger, or host activity not recorded */
    refused: { invalid: number; host: number };
    /** entries in a window that a capture did not keep, by bound */
    dropped_entries: Record<CaptureTruncation, number>;
    /** finished captures dropped from memory (still on disk when persisted) */
    evicted_from_memory: number;
    /** captures gone for good (not persisted, or removed from disk by retention) */
    forgotten: number;
    callback_errors: number;
  };
  persist?: CaptureStore['stats'];
}

interface Finished {
  doc: CaptureDocument | undefined;
  meta: CaptureMeta;
  bytes: number;
}

export class FlightRecorder {
  private readonly o: Resolved;
  private readonly wanted: Record<string, boolean> = {};
  private readonly openPrefixes: readonly string[] | undefined;
  private readonly captureLimits: CaptureLimits;
  private readonly now: () => number;
  /** In order of last activity, least recent first. */
  private readonly rings = new Map<string, ActivityRing>();
  /** Records so far (also the clock of the approximate LRU order). */
  private seq = 0;
  private ringBytes = 0;
  private ringEntries = 0;
  private readonly open = new Map<string, OpenCapture>();
  /** Finished captures, oldest first: with their document while in memory, metadata only when on disk. */
  private readonly finished = new Map<string, Finished>();
  private inMemory = 0;
  private captureBytes = 0;
  private readonly pendingWrites = new Map<string, Promise<number | undefined>>();
  private readonly store: CaptureStore | undefined;
  private retention: Promise<unknown> | undefined;
  private readonly onComplete: ((doc: CaptureDocument) => void) | undefined;
  private readonly counters = {
    recorded: 0,
    skipped: { type: 0, host: 0, open_filter: 0, malformed: 0 },
    evicted: { entries: 0, bytes: 0, total: 0, age: 0, containers: 0 } as Record<RingEviction, number>,
    created: 0,
    shared: 0,
    completed: 0,
    closedEarly: 0,
    refused: { invalid: 0, host: 0 },
    dropped: { entries: 0, bytes: 0, memory: 0, 'open-limit': 0, shutdown: 0 } as Record<CaptureTruncation, number>,
    evictedFromMemory: 0,
    forgotten: 0,
    callbackErrors: 0,
  };

  constructor(opts: RecorderOptions = {}) {
    const o = { ...RECORDER_DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined && k in o) (o as Record<string, unknown>)[k] = v;
    this.o = o;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number' && !(v >= 0)) throw new RangeError(`recorder option ${k} must be a number >= 0, got ${v}`);
    }
    if (o.maxEntriesPerContainer < 1) throw new RangeError('recorder option maxEntriesPerContainer must be at least 1');
    for (const t of EVENT_TYPES) this.wanted[t] = false;
    for (const t of o.types) this.wanted[t] = true;
    this.openPrefixes = opts.openPrefixes;
    this.captureLimits = { maxEntries: o.maxEntriesPerCapture, maxBytes: o.maxBytesPerCapture };
    this.now = opts.now ?? Date.now;
    this.onComplete = opts.onComplete;
    if (opts.persist) {
      this.store = new CaptureStore({
        dir: opts.persist.dir,
        maxFiles: opts.persist.maxFiles ?? 1000,
        maxBytes: opts.persist.maxBytes ?? 512 * 1024 * 1024,
        maxAgeMs: opts.persist.maxAgeMs ?? 7 * 24 * 3_600_000,
        // JSON is roughly as large as the estimate; twice the per-capture bound leaves room without trusting a huge file.
        maxFileBytes: 2 * o.maxBytesPerCapture + 1024 * 1024,
        now: this.now,
      });
      this.store.onRemoved((ids) => this.forgetPersisted(ids));
    }
  }

  /** Loads the metadata of persisted captures (call once at start-up, before serving). */
  async restore(): Promise<number> {
    if (!this.store) return 0;
    const metas = await this.store.restore();
    for (const meta of metas) {
      if (this.finished.has(meta.id)) continue;
      this.finished.set(meta.id, { doc: undefined, meta, bytes: 0 });
    }
    return metas.length;
  }

  // ---------------------------------------------------------------- hot path

  /** Keeps one event in its container's ring, and in that container's open captures. O(1) amortized. */
  record(ev: VigilEvent): void {
    const wanted = this.wanted[ev.type];
    if (wanted !== true) {
      if (wanted === false) this.counters.skipped.type++;
      else this.counters.skipped.malformed++;
      return;
    }
    const container = ev.container;
    const id = container === undefined ? 'host' : container.id;
    if (id === 'host' && !this.o.includeHost) {
      this.counters.skipped.host++;
      return;
    }
    let entry: ActivityEntry;
    try {
      entry = toEntry(ev);
    } catch {
      this.counters.skipped.malformed++;
      return;
    }
    if (entry.type === 'open' && this.openPrefixes !== undefined && !this.openOfInterest(entry)) {
      this.counters.skipped.open_filter++;
      return;
    }
    const ancestors = ev.ancestors;
    const bytes = entryBytes(entry, ancestors);
    // NaN (a missing string or number somewhere) fails both tests.
    if (!(bytes > 0) || !(entry.ts > 0) || typeof id !== 'string') {
      this.counters.skipped.malformed++;
      return;
    }

    const seq = ++this.seq;
    let ring = this.rings.get(id);
    if (ring === undefined) {
      ring = this.addRing(id);
      ring.movedAt = seq;
    } else if (ring.movedAt + this.rings.size < seq) {
      // Approximate LRU: a ring moves to the recent end only when it has not moved for as many records as there
      // are rings, so interleaved containers do not reorder the Map on every event. The order is then off by
      // at most that many records, which does not matter for choosing whose old entries go first.
      this.rings.delete(id);
      this.rings.set(id, ring);
      ring.movedAt = seq;
    }
    if (container !== undefined) ring.container = container;
    if (ev.k8s !== undefined) ring.k8s = ev.k8s;
    ring.lastActive = entry.ts;

    const minTs = entry.ts - this.o.maxAgeMs;
    while (ring.length > 0 && ring.oldest()!.ts < minTs) this.evictOldest(ring, 'age');
    while (ring.length >= this.o.maxEntriesPerContainer) this.evictOldest(ring, 'entries');
    while (ring.length > 0 && ring.bytes + bytes > this.o.maxBytesPerContainer) this.evictOldest(ring, 'bytes');
    ring.push(entry, ancestors, bytes);
    this.ringBytes += bytes;
    this.ringEntries++;
    this.counters.recorded++;
    while (this.ringBytes > this.o.maxTotalBytes && this.evictLeastRecent()) {
      // evicted one
    }

    const caps = ring.captures;
    if (caps !== undefined) this.feed(caps, entry, ancestors, bytes);
  }

  private openOfInterest(e: OpenEntry): boolean {
    if (e.res < 0 || e.write) return true;
    for (const p of this.openPrefixes!) if (e.path.startsWith(p)) return true;
    return false;
  }

  private feed(caps: OpenCapture[], entry: ActivityEntry, ancestors: readonly AncestorInfo[] | undefined, bytes: number): void {
    for (let i = 0; i < caps.length; ) {
      const cap = caps[i]!;
      if (entry.ts > cap.to + this.o.settleMs) {
        // finalize() removes it from `caps`
        this.finalize(cap);
        continue;
      }
      // Records in (to, to + settleMs] neither join nor finalize: the window stays exact.
      if (entry.ts >= cap.from && entry.ts <= cap.to) this.addToCapture(cap, entry, ancestors, bytes);
      i++;
    }
  }

  private addToCapture(cap: OpenCapture, entry: ActivityEntry, ancestors: readonly AncestorInfo[] | undefined, bytes: number): void {
    if (this.captureBytes + bytes > this.o.maxCaptureBytes) this.evictFinishedFromMemory(bytes);
    if (this.captureBytes + bytes > this.o.maxCaptureBytes) {
      cap.drop('memory');
      this.counters.dropped.memory++;
      return;
    }
    const refused = cap.add(entry, ancestors, bytes, this.captureLimits);
    if (refused) this.counters.dropped[refused]++;
    else this.captureBytes += bytes;
  }

  private addRing(id: string): ActivityRing {
    while (this.rings.size >= this.o.maxContainers && this.dropLeastRecentRing()) {
      // dropped one
    }
    const ring = new ActivityRing(id, this.o.maxEntriesPerContainer);
    this.rings.set(id, ring);
    return ring;
  }

  private evictOldest(ring: ActivityRing, why: RingEviction): void {
    this.ringBytes -= ring.shift();
    this.ringEntries--;
    this.counters.evicted[why]++;
  }

  /** Oldest entry of the least recently active ring; empty rings without captures go away. False: nothing left. */
  private evictLeastRecent(): boolean {
    for (const ring of this.rings.values()) {
      if (ring.length > 0) {
        this.evictOldest(ring, 'total');
        return true;
      }
      if (ring.captures === undefined) this.deleteRing(ring);
    }
    return false;
  }

  /** Drops the least recently active ring without open captures. False when every ring has one. */
  private dropLeastRecentRing(): boolean {
    for (const ring of this.rings.values()) {
      if (ring.captures !== undefined) continue;
      this.counters.evicted.containers += ring.length;
      this.ringBytes -= ring.bytes;
      this.ringEntries -= ring.length;
      this.deleteRing(ring);
      return true;
    }
    return false;
  }

  private deleteRing(ring: ActivityRing): void {
    this.rings.delete(ring.id);
  }

  // ---------------------------------------------------------------- alerts and captures

  /**
   * Opens (or joins) the capture for an alert and returns its id, to be attached to the alert as `capture_id`.
   * Undefined when the trigger is invalid or its container is not recorded (counted).
   */
  onAlert(t: AlertTrigger): string | undefined {
    if (!t || typeof t.uuid !== 'string' || typeof t.rule !== 'string' || !Number.isFinite(t.ts) || typeof t.containerId !== 'string' || t.containerId === '') {
      this.counters.refused.invalid++;
      return undefined;
    }
    if (t.containerId === 'host' && !this.o.includeHost) {
      this.counters.refused.host++;
      return undefined;
    }
    const alert: CaptureAlert = { uuid: t.uuid, rule: t.rule, priority: String(t.priority), ts: t.ts };
    if (t.pid !== undefined && Number.isInteger(t.pid)) alert.pid = t.pid;
    const from = t.ts - this.o.beforeMs;
    const to = t.ts + this.o.afterMs;

    let ring = this.rings.get(t.containerId);
    if (ring === undefined) ring = this.addRing(t.containerId);
    if (t.container && !ring.container) ring.container = t.container;
    if (t.k8s && !ring.k8s) ring.k8s = t.k8s;

    const caps = ring.captures;
    if (caps) {
      for (const cap of caps) {
        const newFrom = Math.min(cap.from, from);
        const newTo = Math.max(cap.to, to);
        if (from <= cap.to && to >= cap.from && newTo - newFrom <= this.o.maxWindowMs) {
          // What the ring holds of the added parts: earlier history (an alert that arrived out of order) and
          // records past the old end that were held back by settleMs.
          this.copyFromRing(cap, ring, newFrom, newTo, cap.from, cap.to);
          cap.from = newFrom;
          cap.to = newTo;
          cap.addAlert(alert);
          this.counters.shared++;
          this.maybeFinalizeFromRing(cap, ring);
          return cap.id;
        }
      }
    }

    if (this.open.size >= this.o.maxOpenCaptures) {
      const oldest = this.open.values().next().value as OpenCapture;
      oldest.drop('open-limit');
      this.counters.closedEarly++;
      this.finalize(oldest);
    }
    const fallback: ContainerRef = t.container ?? { id: t.containerId, runtime: t.containerId === 'host' ? 'host' : 'unknown' };
    const cap = new OpenCapture(newCaptureId(t.ts), ring, alert, from, to, this.o.beforeMs, this.o.afterMs, this.now(), fallback, t.k8s);
    this.open.set(cap.id, cap);
    if (caps) caps.push(cap);
    else ring.captures = [cap];
    this.counters.created++;
    this.copyFromRing(cap, ring, from, to, Infinity, -Infinity);
    this.maybeFinalizeFromRing(cap, ring);
    return cap.id;
  }

  /** Copies ring entries with from <= ts <= to, except those in [haveFrom, haveTo] (the capture has them). */
  private copyFromRing(cap: OpenCapture, ring: ActivityRing, from: number, to: number, haveFrom: number, haveTo: number): void {
    if (from < haveFrom && ring.evictedUpTo >= from) cap.beforeComplete = false;
    for (let i = 0; i < ring.length; i++) {
      const e = ring.entryAt(i);
      if (e.ts < from || e.ts > to || (e.ts >= haveFrom && e.ts <= haveTo)) continue;
      this.addToCapture(cap, e, ring.ancestryAt(i), ring.sizeAt(i));
    }
  }

  /** The ring already holds a record past the window (the alert came late): nothing more can arrive in order. */
  private maybeFinalizeFromRing(cap: OpenCapture, ring: ActivityRing): void {
    const newest = ring.newest();
    if (newest && newest.ts > cap.to + this.o.settleMs) this.finalize(cap);
  }

  private finalize(cap: OpenCapture): void {
    if (!this.open.delete(cap.id)) return;
    const caps = cap.ring.captures;
    if (caps) {
      const at = caps.indexOf(cap);
      if (at >= 0) caps.splice(at, 1);
      if (caps.length === 0) cap.ring.captures = undefined;
    }
    cap.sortInPlace();
    const completed = this.now();
    const doc = cap.document('complete', completed, this.summaryOptions());
    const bytes = documentBytes(doc, cap.bytes);
    this.captureBytes += bytes - cap.bytes;
    const meta = metaOf(doc, bytes, false);
    this.finished.set(doc.id, { doc, meta, bytes });
    this.inMemory++;
    this.counters.completed++;
    if (this.store) this.persist(doc, meta);
    this.enforceMemoryBounds();
    if (this.onComplete) {
      try {
        this.onComplete(doc);
      } catch {
        this.counters.callbackErrors++;
      }
    }
  }

  private persist(doc: CaptureDocument, meta: CaptureMeta): void {
    const write = this.store!.save(doc, meta).then((written) => {
      this.pendingWrites.delete(doc.id);
      const f = this.finished.get(doc.id);
      if (!f) return written;
      if (written !== undefined) {
        f.meta.persisted = true;
        if (f.doc === undefined) f.meta.bytes = written;
      } else if (f.doc === undefined) {
        // Left memory while its write was pending, and the write did not happen: gone.
        this.finished.delete(doc.id);
        this.counters.forgotten++;
      }
      return written;
    });
    this.pendingWrites.set(doc.id, write);
  }

  private enforceMemoryBounds(): void {
    while (this.inMemory > this.o.maxCompletedInMemory) if (!this.evictOneFinished()) break;
    while (this.captureBytes > this.o.maxCaptureBytes) if (!this.evictOneFinished()) break;
  }

  /** Makes room for `need` more bytes by dropping finished captures from memory, oldest first. */
  private evictFinishedFromMemory(need: number): void {
    while (this.captureBytes + need > this.o.maxCaptureBytes) if (!this.evictOneFinished()) return;
  }

  private evictOneFinished(): boolean {
    for (const [id, f] of this.finished) {
      if (f.doc === undefined) continue;
      f.doc = undefined;
      this.captureBytes -= f.bytes;
      f.bytes = 0;
      this.inMemory--;
      this.counters.evictedFromMemory++;
      if (!f.meta.persisted && !this.pendingWrites.has(id)) {
        this.finished.delete(id);
        this.counters.forgotten++;
      }
      return true;
    }
    return false;
  }

  private forgetPersisted(ids: string[]): void {
    for (const id of ids) {
      const f = this.finished.get(id);
      if (!f) continue;
      f.meta.persisted = false;
      if (f.doc === undefined) {
        this.finished.delete(id);
        this.counters.forgotten++;
      }
    }
  }

  private summaryOptions(): { maxItems: number; systemPrefixes: readonly string[] } {
    return { maxItems: this.o.tileItems, systemPrefixes: this.o.systemPrefixes };
  }

  // ---------------------------------------------------------------- timer

  /**
   * Ages out old entries of every ring, drops empty rings, gives back ring memory after bursts, finalizes
   * captures whose container went quiet, and applies disk retention. Call about once a second.
   */
  sweep(now: number = this.now()): void {
    const minTs = now - this.o.maxAgeMs;
    for (const ring of [...this.rings.values()]) {
      while (ring.length > 0 && ring.oldest()!.ts < minTs) this.evictOldest(ring, 'age');
      if (ring.length === 0 && ring.captures === undefined) this.deleteRing(ring);
      else ring.compact();
    }
    for (const cap of [...this.open.values()]) if (now > cap.to + this.o.finalizeDelayMs) this.finalize(cap);
    if (this.store && !this.retention) {
      this.retention = this.store.enforceRetention().finally(() => (this.retention = undefined));
    }
  }

  /** Finalizes every open capture (at shutdown) and waits for pending writes. */
  async close(): Promise<void> {
    const now = this.now();
    for (const cap of [...this.open.values()]) {
      if (now <= cap.to && cap.truncated === undefined) cap.truncated = 'shutdown';
      this.finalize(cap);
    }
    await this.flush();
  }

  /** Waits until every finished capture's write, and a retention pass started by sweep, have settled. */
  async flush(): Promise<void> {
    await Promise.all(this.pendingWrites.values());
    await this.store?.idle();
    await this.retention;
  }

  // ---------------------------------------------------------------- reading

  /**
   * The capture: a live snapshot while pending, the finished document from memory, or read back from disk.
   * Undefined for an unknown or malformed id. Treat the result as read-only.
   */
  async get(id: string): Promise<CaptureDocument | undefined> {
    if (!isCaptureId(id)) return undefined;
    const cap = this.open.get(id);
    if (cap) return cap.document('pending', undefined, this.summaryOptions());
    const f = this.finished.get(id);
    if (!f) return undefined;
    if (f.doc) return f.doc;
    const pending = this.pendingWrites.get(id);
    if (pending) await pending;
    if (!this.store || !this.finished.get(id)?.meta.persisted) return undefined;
    return this.store.read(id);
  }

  /** Capture metadata, newest alert first. `limit` defaults to 50, at most 1000. */
  list(q: ListQuery = {}): CaptureMeta[] {
    const limit = Math.max(0, Math.min(q.limit ?? 50, 1000));
    const out: CaptureMeta[] = [];
    const keep = (m: CaptureMeta): boolean =>
      (q.container === undefined || m.container.id.startsWith(q.container) || m.container.name === q.container) && (q.since === undefined || m.alert.ts >= q.since);
    for (const cap of this.open.values()) {
      const meta = this.openMeta(cap);
      if (keep(meta)) out.push(meta);
    }
    for (const f of this.finished.values()) if (keep(f.meta)) out.push({ ...f.meta });
    out.sort((a, b) => b.alert.ts - a.alert.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return out.slice(0, limit);
  }

  private openMeta(cap: OpenCapture): CaptureMeta {
    const container: CaptureMeta['container'] = { id: cap.containerId };
    const ref = cap.ring.container;
    if (ref?.name !== undefined) container.name = ref.name;
    if (ref?.image !== undefined) container.image = ref.image;
    const meta: CaptureMeta = {
      id: cap.id,
      status: 'pending',
      created: cap.created,
      container,
      alert: cap.alerts[0]!,
      alert_count: cap.alertCount,
      window: { from: cap.from, to: cap.to },
      entries: cap.entries.length,
      bytes: cap.bytes,
      persisted: false,
    };
    if (cap.ring.k8s) meta.k8s = { ns: cap.ring.k8s.ns, pod: cap.ring.k8s.pod };
    return meta;
  }

  stats(): RecorderStats {
    const c = this.counters;
    const s: RecorderStats = {
      containers: this.rings.size,
      entries: this.ringEntries,
      bytes: this.ringBytes,
      recorded: c.recorded,
      skipped: { ...c.skipped },
      evicted: { ...c.evicted },
      captures: {
        open: this.open.size,
        in_memory: this.inMemory,
        bytes: this.captureBytes,
        created: c.created,
        shared: c.shared,
        completed: c.completed,
        closed_early: c.closedEarly,
        refused: { ...c.refused },
        dropped_entries: { ...c.dropped },
        evicted_from_memory: c.evictedFromMemory,
        forgotten: c.forgotten,
        callback_errors: c.callbackErrors,
      },
    };
    if (this.store) s.persist = { ...this.store.stats, removed: { ...this.store.stats.removed } };
    return s;
  }
}
