// A bounded, crash-safe FIFO of text records on disk, with a bounded in-memory window at its head.
//
// Records are appended to numbered segment files (record.ts has the line format) before anyone tries to
// deliver them. The consumer `take`s items from the head of the window, delivers them, and `commit`s them; the
// commit moves a cursor (cursor.json) past them and deletes segments whose records are all committed. After a
// crash or restart everything after the cursor is read again, in order: delivery is at least once.
//
// Bounds: disk bytes stay at or under `maxBytes` by deleting the OLDEST segment whenever an append would pass
// it; every record deleted that way without having been delivered is reported through `onDrop` (in-flight
// items excepted: they may already have arrived). Memory holds at most `windowMaxEntries` / `windowMaxBytes`
// of items; when the consumer falls behind, new records go to disk only and are read back as the window
// empties.
//
// One process at a time: a LOCK file holding the owner's pid and process start time guards the directory (the
// start time tells a live owner from a restarted container whose new process got the same pid).

import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { join } from 'node:path';
import { decodeRecord, encodeRecord, kindOfLine, UNKNOWN_KIND } from './record.js';
import { scanLines } from './line-scan.js';
import { SegmentWriter } from './segment-writer.js';

export type SpoolDropReason = 'spool_full' | 'spool_error' | 'corrupt';

export interface SpoolOptions {
  dir: string;
  /** Upper bound of the segment files' total size. */
  maxBytes: number;
  /** Largest encoded record accepted; at most maxBytes / 4. */
  maxRecordBytes: number;
  /** Segment size; default maxBytes / 8 within [64 KiB, 16 MiB]. Drops happen a segment at a time. */
  segmentBytes?: number;
  windowMaxBytes: number;
  windowMaxEntries: number;
  /** fdatasync at most this long after a write of a kind not in `urgentKinds`. */
  fsyncIntervalMs: number;
  /** Kinds synced to disk as soon as possible after their write. */
  urgentKinds?: readonly string[];
  onDrop?: (kind: string, reason: SpoolDropReason, count: number) => void;
  onWarn?: (message: string, err?: unknown) => void;
}

export interface SpoolItem {
  readonly kind: string;
  readonly payload: string;
  /** Encoded size, the unit of every byte bound. */
  readonly bytes: number;
  /** Position in the queue: strictly increasing in FIFO order. */
  readonly ordinal: number;
  /** performance.now() when it entered the queue; 0 for records read back from disk (overdue by definition). */
  readonly queuedAt: number;
}

export interface SpoolStats {
  /** Bytes in segment files. */
  diskBytes: number;
  segments: number;
  /** Records not yet committed (in flight, in the window or only on disk). */
  pendingEntries: number;
  windowEntries: number;
  windowBytes: number;
  inFlight: number;
  appended: number;
  /** Appends that reached the disk. */
  spooled: number;
  committed: number;
  /** Records read back from disk into the window (restart replay and catching up after a backlog). */
  replayed: number;
  writeErrors: number;
  readErrors: number;
  fsyncs: number;
  fsyncErrors: number;
  /** Torn last lines cut off at start-up (a crash mid-write; never acknowledged to the caller). */
  tornTails: number;
}

export class SpoolLockedError extends Error {}

interface Segment {
  seq: number;
  path: string;
  size: number;
  /** Records not yet committed (or dropped as damaged), by kind. */
  pending: Map<string, number>;
  pendingTotal: number;
  /** Every record before this offset is done; meaningful for the oldest segment (the cursor). */
  doneOffset: number;
  writer: SegmentWriter | undefined;
}

class Item implements SpoolItem {
  constructor(
    readonly kind: string,
    readonly payload: string,
    readonly bytes: number,
    readonly ordinal: number,
    readonly queuedAt: number,
    /** Segment and end offset of its record; seq -1 when the write failed and it lives in memory only. */
    readonly seq: number,
    readonly end: number,
  ) {}
}

const SEGMENT_RE = /^seg-(\d{16})\.log$/;
const CURSOR = 'cursor.json';
const LOCK = 'LOCK';

/** Spool directories open in this process. */
const openDirs = new Set<string>();

/** "pid starttime": the start time (clock ticks since boot, /proc/PID/stat field 22) tells pid reuse apart. */
function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields after it start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${pid} ${fields[19] ?? ''}`;
  } catch {
    return undefined;
  }
}

function segmentName(seq: number): string {
  return `seg-${String(seq).padStart(16, '0')}.log`;
}

function bump(map: Map<string, number>, kind: string, by: number): void {
  const n = (map.get(kind) ?? 0) + by;
  if (n > 0) map.set(kind, n);
  else map.delete(kind);
}

export class Spool {
  private readonly segments: Segment[] = [];
  private readonly window: Item[] = [];
  private inflight = 0;
  private inflightBytes = 0;
  private windowBytes = 0;
  private diskBytes = 0;
  private nextSeq = 1;
  /** Where the next record not yet in the window starts on disk, and its ordinal. */
  private readSeq = 0;
  private readOffset = 0;
  private readOrdinal = 1;
  private lastOrdinal = 0;
  private cursorSaved = '';
  private closed = false;
  private readonly segmentBytes: number;
  private readonly urgent: Set<string>;
  private readonly counters = { appended: 0, spooled: 0, committed: 0, replayed: 0, writeErrors: 0, readErrors: 0, tornTails: 0 };
  private retiredSyncs = 0;
  private retiredSyncErrors = 0;
  private readonly closing: Promise<void>[] = [];

  private constructor(private readonly opts: SpoolOptions) {
    if (!(opts.maxBytes >= 64 * 1024)) throw new RangeError('spool: maxBytes must be at least 64 KiB');
    if (opts.maxRecordBytes > opts.maxBytes / 4) throw new RangeError('spool: maxRecordBytes must be at most maxBytes / 4');
    this.segmentBytes = opts.segmentBytes ?? Math.min(16 * 1024 * 1024, Math.max(64 * 1024, Math.floor(opts.maxBytes / 8)));
    if (this.segmentBytes > opts.maxBytes / 4) throw new RangeError('spool: segmentBytes must be at most maxBytes / 4');
    this.urgent = new Set(opts.urgentKinds ?? []);
  }

  /** Opens (creating if needed) the spool directory, recovers what a previous run left and fills the window. */
  static open(opts: SpoolOptions): Spool {
    const spool = new Spool(opts);
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    spool.lock();
    try {
      spool.recover();
    } catch (err) {
      spool.unlock();
      throw err;
    }
    return spool;
  }

  // ---- producer side ----

  /**
   * Queues one record. 'spooled': on disk (and in the window when it had room); 'memory': the disk write failed
   * but the window took it; 'dropped': neither could hold it (reported through onDrop as spool_error).
   */
  append(kind: string, payload: string): 'spooled' | 'memory' | 'dropped' {
    if (this.closed) throw new Error('spool: closed');
    const rec = encodeRecord(kind, payload);
    if (rec.length > this.opts.maxRecordBytes) throw new RangeError(`spool: record of ${rec.length} bytes exceeds maxRecordBytes`);
    this.counters.appended++;
    this.makeRoom(rec.length);
    const caughtUp = this.readOrdinal === this.lastOrdinal + 1;
    const fits = this.windowHasRoom(rec.length);
    let seg: Segment | undefined;
    try {
      seg = this.writable();
      seg.writer!.write(rec, seg.size);
    } catch (err) {
      this.counters.writeErrors++;
      this.opts.onWarn?.('spool: write failed; segment sealed', err);
      if (seg) this.seal(seg);
      if (caughtUp && fits) {
        const ordinal = ++this.lastOrdinal;
        this.readOrdinal = ordinal + 1;
        this.pushWindow(new Item(kind, payload, rec.length, ordinal, performance.now(), -1, 0));
        return 'memory';
      }
      this.opts.onDrop?.(kind, 'spool_error', 1);
      return 'dropped';
    }
    const start = seg.size;
    seg.size += rec.length;
    this.diskBytes += rec.length;
    seg.pendingTotal++;
    bump(seg.pending, kind, 1);
    this.counters.spooled++;
    const ordinal = ++this.lastOrdinal;
    if (caughtUp && fits) {
      this.pushWindow(new Item(kind, payload, rec.length, ordinal, performance.now(), seg.seq, start + rec.length));
      this.readSeq = seg.seq;
      this.readOffset = seg.size;
      this.readOrdinal = ordinal + 1;
    }
    seg.writer!.requestSync(this.urgent.has(kind) ? 0 : this.opts.fsyncIntervalMs);
    if (seg.size >= this.segmentBytes) this.seal(seg);
    return 'spooled';
  }

  // ---- consumer side ----

  /** The next items after those in flight, at most `maxEntries` and `maxBytes` (but at least one); marks them in flight. */
  take(maxEntries: number, maxBytes: number): SpoolItem[] {
    const out: Item[] = [];
    let bytes = 0;
    for (let i = this.inflight; i < this.window.length && out.length < maxEntries; i++) {
      const item = this.window[i]!;
      if (out.length > 0 && bytes + item.bytes > maxBytes) break;
      out.push(item);
      bytes += item.bytes;
    }
    this.inflight += out.length;
    this.inflightBytes += bytes;
    return out;
  }

  /** Items waiting behind those in flight (in the window; more may wait on disk). */
  waiting(): { entries: number; bytes: number; oldestQueuedAt: number | undefined; onDisk: boolean } {
    return {
      entries: this.window.length - this.inflight,
      bytes: this.windowBytes - this.inflightBytes,
      oldestQueuedAt: this.window[this.inflight]?.queuedAt,
      onDisk: this.readOrdinal <= this.lastOrdinal,
    };
  }

  /** Puts every in-flight item back: the next `take` returns them again. */
  release(): void {
    this.inflight = 0;
    this.inflightBytes = 0;
  }

  /** The oldest `count` in-flight items are done (delivered, or refused for good): forget them. */
  commit(count: number): void {
    if (count > this.inflight) throw new RangeError('spool: commit of more items than are in flight');
    const done = this.window.splice(0, count);
    this.inflight -= count;
    for (const item of done) {
      this.windowBytes -= item.bytes;
      this.inflightBytes -= item.bytes;
      this.counters.committed++;
      if (item.seq < 0) continue;
      const seg = this.segment(item.seq);
      if (!seg) continue; // dropped while the item was in flight
      seg.pendingTotal = Math.max(0, seg.pendingTotal - 1);
      bump(seg.pending, item.kind, -1);
      if (item.end > seg.doneOffset) seg.doneOffset = item.end;
    }
    this.removeDoneSegments();
    this.saveCursor();
    this.refill();
  }

  /** Ordinal of the oldest record still queued (Infinity when empty): everything before it is done. */
  frontOrdinal(): number {
    const head = this.window[0];
    if (head) return head.ordinal;
    return this.readOrdinal <= this.lastOrdinal ? this.readOrdinal : Infinity;
  }

  /** Ordinal of the newest record queued so far. */
  newestOrdinal(): number {
    return this.lastOrdinal;
  }

  stats(): SpoolStats {
    let pending = 0;
    for (const s of this.segments) pending += s.pendingTotal;
    for (const item of this.window) if (item.seq < 0 || !this.segment(item.seq)) pending++;
    let fsyncs = this.retiredSyncs;
    let fsyncErrors = this.retiredSyncErrors;
    for (const s of this.segments) {
      fsyncs += s.writer?.syncs ?? 0;
      fsyncErrors += s.writer?.syncErrors ?? 0;
    }
    return {
      diskBytes: this.diskBytes,
      segments: this.segments.length,
      pendingEntries: pending,
      windowEntries: this.window.length,
      windowBytes: this.windowBytes,
      inFlight: this.inflight,
      ...this.counters,
      fsyncs,
      fsyncErrors,
    };
  }

  /** Syncs and closes the open segment, saves the cursor and releases the lock. Records not committed stay for the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.segments]) if (s.writer) this.seal(s);
    await Promise.all(this.closing);
    // Items whose disk write had failed exist nowhere else: they are lost now, and counted.
    const memoryOnly = new Map<string, number>();
    for (const item of this.window) if (item.seq < 0) bump(memoryOnly, item.kind, 1);
    for (const [kind, n] of memoryOnly) this.opts.onDrop?.(kind, 'spool_error', n);
    this.saveCursor();
    this.unlock();
  }

  // ---- internals ----

  private windowHasRoom(bytes: number): boolean {
    if (this.window.length >= this.opts.windowMaxEntries) return false;
    return this.window.length === 0 || this.windowBytes + bytes <= this.opts.windowMaxBytes;
  }

  private pushWindow(item: Item): void {
    this.window.push(item);
    this.windowBytes += item.bytes;
  }

  private segment(seq: number): Segment | undefined {
    // Few segments (maxBytes / segmentBytes, about 8): a scan beats a map.
    for (const s of this.segments) if (s.seq === seq) return s;
    return undefined;
  }

  private writable(): Segment {
    const last = this.segments[this.segments.length - 1];
    if (last?.writer) return last;
    const seq = this.nextSeq++;
    const path = join(this.opts.dir, segmentName(seq));
    const seg: Segment = { seq, path, size: 0, pending: new Map(), pendingTotal: 0, doneOffset: 0, writer: undefined };
    seg.writer = new SegmentWriter(path);
    this.segments.push(seg);
    this.syncDirectory();
    return seg;
  }

  /** Stops writing to a segment; deletes it at once when nothing in it is pending. */
  private seal(seg: Segment): void {
    const w = seg.writer;
    if (!w) return;
    seg.writer = undefined;
    const closing = w.close().then(() => {
      this.retiredSyncs += w.syncs;
      this.retiredSyncErrors += w.syncErrors;
    });
    this.closing.push(closing);
    void closing.then(() => {
      const i = this.closing.indexOf(closing);
      if (i >= 0) this.closing.splice(i, 1);
    });
    this.removeDoneSegments();
  }

  /** Before an append of `bytes`: start a new segment when this one is full, drop the oldest while over the bound. */
  private makeRoom(bytes: number): void {
    const last = this.segments[this.segments.length - 1];
    if (last?.writer && last.size > 0 && last.size + bytes > this.segmentBytes) this.seal(last);
    let dropped = false;
    while (this.diskBytes + bytes > this.opts.maxBytes) {
      const oldest = this.segments[0];
      if (!oldest || oldest.writer) break;
      this.dropSegment(oldest, 'spool_full');
      dropped = true;
    }
    // The window may have lost items with the segment: bring in the next ones so the consumer is not idle.
    if (dropped) this.refill();
  }

  private dropSegment(seg: Segment, reason: SpoolDropReason): void {
    // In-flight items stay: they may already have been delivered, and their commit tolerates the missing segment.
    const survivors = new Map<string, number>();
    for (let i = 0; i < this.inflight; i++) {
      const it = this.window[i]!;
      if (it.seq === seg.seq) bump(survivors, it.kind, 1);
    }
    let fromWindow = 0;
    for (let i = this.window.length - 1; i >= this.inflight; i--) {
      const it = this.window[i]!;
      if (it.seq !== seg.seq) continue;
      this.window.splice(i, 1);
      this.windowBytes -= it.bytes;
      fromWindow++;
    }
    if (this.readSeq === seg.seq) {
      // Records of this segment not yet read lose their ordinals with it.
      let inflightHere = 0;
      for (const n of survivors.values()) inflightHere += n;
      this.readOrdinal += Math.max(0, seg.pendingTotal - inflightHere - fromWindow);
      const next = this.segments[1];
      this.readSeq = next ? next.seq : this.nextSeq;
      this.readOffset = 0;
    }
    for (const [kind, n] of seg.pending) {
      const lost = n - (survivors.get(kind) ?? 0);
      if (lost > 0) this.opts.onDrop?.(kind, reason, lost);
    }
    this.unlinkQuietly(seg.path);
    this.diskBytes -= seg.size;
    this.segments.splice(this.segments.indexOf(seg), 1);
  }

  private removeDoneSegments(): void {
    while (this.segments.length > 0) {
      const s = this.segments[0]!;
      if (s.writer || s.pendingTotal > 0) break;
      if (this.window.some((it) => it.seq === s.seq)) break; // items of it still in flight
      this.unlinkQuietly(s.path);
      this.diskBytes -= s.size;
      this.segments.shift();
      if (this.readSeq === s.seq) {
        this.readSeq = this.segments[0]?.seq ?? this.nextSeq;
        this.readOffset = 0;
      }
    }
  }

  /** Moves records from disk into the window while it has room. */
  private refill(): void {
    while (this.readOrdinal <= this.lastOrdinal) {
      let seg = this.segment(this.readSeq);
      if (!seg) {
        const next = this.segments.find((s) => s.seq > this.readSeq);
        if (!next) {
          // Nothing left on disk although ordinals say so: resynchronise rather than spin.
          this.readOrdinal = this.lastOrdinal + 1;
          return;
        }
        seg = next;
        this.readSeq = next.seq;
        this.readOffset = 0;
      }
      if (this.readOffset >= seg.size) {
        if (seg.writer) {
          this.readOrdinal = this.lastOrdinal + 1;
          return;
        }
        const next = this.segments.find((s) => s.seq > seg!.seq);
        this.readSeq = next ? next.seq : this.nextSeq;
        this.readOffset = 0;
        if (!next) {
          this.readOrdinal = this.lastOrdinal + 1;
          return;
        }
        continue;
      }
      if (!this.windowHasRoom(1)) return;
      const current = seg;
      let full = false;
      let fd: number;
      try {
        fd = openSync(current.path, 'r');
      } catch (err) {
        // The segment cannot be read back: what it holds beyond the window is lost; say so and move on.
        this.counters.readErrors++;
        this.opts.onWarn?.('spool: cannot read a segment back', err);
        if (current.writer) this.seal(current);
        if (this.segments.includes(current)) this.dropSegment(current, 'spool_error');
        continue;
      }
      try {
        const r = scanLines(fd, this.readOffset, current.size, this.opts.maxRecordBytes, (line, start, end) => {
          const rec = line ? decodeRecord(line) : undefined;
          if (!rec) {
            const kind = line ? kindOfLine(line) : UNKNOWN_KIND;
            current.pendingTotal = Math.max(0, current.pendingTotal - 1);
            bump(current.pending, kind, -1);
            this.readOrdinal++;
            this.opts.onDrop?.(kind, 'corrupt', 1);
            return true;
          }
          const bytes = end + 1 - start;
          if (!this.windowHasRoom(bytes)) {
            full = true;
            return false;
          }
          this.pushWindow(new Item(rec.kind, rec.payload, bytes, this.readOrdinal++, 0, current.seq, end + 1));
          this.counters.replayed++;
          return true;
        });
        this.readOffset = r.next;
        if (!full && r.next < current.size) {
          // The file ended before its known size (cut from outside): skip what is missing.
          this.readOffset = current.size;
        }
      } finally {
        closeSync(fd);
      }
      if (full) return;
    }
  }

  private recover(): void {
    const cursor = this.readCursor();
    const names = readdirSync(this.opts.dir)
      .map((n) => ({ n, m: SEGMENT_RE.exec(n) }))
      .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ name: x.n, seq: Number(x.m[1]) }))
      .sort((a, b) => a.seq - b.seq);
    let maxSeq = cursor.seq;
    for (const { name, seq } of names) {
      maxSeq = Math.max(maxSeq, seq);
      const path = join(this.opts.dir, name);
      if (seq < cursor.seq) {
        this.unlinkQuietly(path);
        continue;
      }
      const from = seq === cursor.seq ? cursor.offset : 0;
      const seg = this.scanSegment(seq, path, from);
      if (!seg) continue;
      if (seg.pendingTotal === 0) {
        this.unlinkQuietly(path);
        continue;
      }
      this.segments.push(seg);
      this.diskBytes += seg.size;
    }
    this.nextSeq = maxSeq + 1;
    for (const s of this.segments) this.lastOrdinal += s.pendingTotal;
    const first = this.segments[0];
    this.readSeq = first ? first.seq : this.nextSeq;
    this.readOffset = first ? first.doneOffset : 0;
    // A smaller bound than last time: shed the oldest now.
    while (this.diskBytes > this.opts.maxBytes && this.segments.length > 1) this.dropSegment(this.segments[0]!, 'spool_full');
    this.saveCursor();
    this.refill();
  }

  /** Counts the records of one segment from `from` on, and cuts a torn last line. */
  private scanSegment(seq: number, path: string, from: number): Segment | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (err) {
      this.counters.readErrors++;
      this.opts.onWarn?.(`spool: cannot open ${path}; left alone`, err);
      return undefined;
    }
    try {
      const size = statSync(path).size;
      const seg: Segment = { seq, path, size, pending: new Map(), pendingTotal: 0, doneOffset: Math.min(from, size), writer: undefined };
      let firstPending = -1;
      const r = scanLines(fd, 0, size, this.opts.maxRecordBytes, (line, start) => {
        if (start < from) return true;
        if (firstPending < 0) firstPending = start;
        bump(seg.pending, line ? kindOfLine(line) : UNKNOWN_KIND, 1);
        seg.pendingTotal++;
        return true;
      });
      // Reading resumes at a line start even if the cursor pointed inside a line.
      seg.doneOffset = firstPending >= 0 ? firstPending : Math.min(Math.max(from, 0), r.next);
      if (r.tornTail) {
        this.counters.tornTails++;
        try {
          ftruncateSync(fd, r.next);
        } catch {
          // read it only up to the last complete line anyway
        }
        seg.size = r.next;
        seg.doneOffset = Math.min(seg.doneOffset, seg.size);
      }
      return seg;
    } finally {
      closeSync(fd);
    }
  }

  private readCursor(): { seq: number; offset: number } {
    try {
      const c = JSON.parse(readFileSync(join(this.opts.dir, CURSOR), 'utf8')) as unknown;
      if (typeof c === 'object' && c !== null) {
        const { seq, offset } = c as Record<string, unknown>;
        if (Number.isSafeInteger(seq) && Number.isSafeInteger(offset) && (seq as number) >= 0 && (offset as number) >= 0) {
          return { seq: seq as number, offset: offset as number };
        }
      }
      this.opts.onWarn?.('spool: cursor.json is malformed; replaying every segment');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onWarn?.('spool: cursor.json unreadable; replaying every segment', err);
    }
    return { seq: 0, offset: 0 };
  }

  /** Written by rename, not fsynced: a stale cursor after a power loss means re-delivery, never loss. */
  private saveCursor(): void {
    const first = this.segments[0];
    const text = JSON.stringify(first ? { seq: first.seq, offset: first.doneOffset } : { seq: this.nextSeq, offset: 0 });
    if (text === this.cursorSaved) return;
    const path = join(this.opts.dir, CURSOR);
    try {
      writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
      this.cursorSaved = text;
    } catch (err) {
      this.counters.writeErrors++;
      this.opts.onWarn?.('spool: cannot save the cursor (delivered records may be delivered again after a restart)', err);
    }
  }

  /** Makes a new segment's directory entry durable (its data is fdatasync'ed separately). */
  private syncDirectory(): void {
    try {
      const fd = openSync(this.opts.dir, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // not every file system supports it; the records are synced either way
    }
  }

  private lock(): void {
    const dir = resolve(this.opts.dir);
    if (openDirs.has(dir)) throw new SpoolLockedError(`spool ${this.opts.dir} is already open in this process`);
    const path = join(this.opts.dir, LOCK);
    const me = processIdentity(process.pid) ?? String(process.pid);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, me, { flag: 'wx', mode: 0o600 });
        openDirs.add(dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let owner = '';
      try {
        owner = readFileSync(path, 'utf8').trim();
      } catch {
        // removed meanwhile: try again
      }
      const pid = Number.parseInt(owner, 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && ownerAlive(pid, owner)) {
        throw new SpoolLockedError(`spool ${this.opts.dir} is in use by pid ${pid}`);
      }
      this.unlinkQuietly(path); // left by a process that is gone (possibly an earlier one with our pid)
    }
    throw new SpoolLockedError(`spool ${this.opts.dir}: cannot take the lock`);
  }

  private unlock(): void {
    openDirs.delete(resolve(this.opts.dir));
    this.unlinkQuietly(join(this.opts.dir, LOCK));
  }

  private unlinkQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

/** Whether the process recorded in a lock still runs: same pid and, when recorded, the same start time. */
function ownerAlive(pid: number, recorded: string): boolean {
  const now = processIdentity(pid);
  if (now !== undefined) return !recorded.includes(' ') || now === recorded;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
