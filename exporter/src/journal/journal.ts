// The embedded local journal: NDJSON segment files with size and age rotation, so one machine keeps its
// recent history with nothing else installed. Writes never block the event path: when the disk falls
// behind, lines are dropped and counted instead.

import { createReadStream, createWriteStream, mkdirSync, openSync, readdirSync, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface JournalOptions {
  dir: string;
  segmentBytes: number;
  maxBytes: number;
  maxAgeMs: number;
  /** Lines waiting for the disk beyond this many bytes are dropped (and counted). */
  maxPendingBytes?: number;
  now?: () => number;
}

export interface JournalStats {
  written: number;
  bytes: number;
  dropped: number;
  rotations: number;
  removedSegments: number;
  writeErrors: number;
  segments: number;
  diskBytes: number;
}

interface Segment {
  name: string;
  startMs: number;
  bytes: number;
}

const SEGMENT_RE = /^journal-(\d{13})-(\d{6})\.ndjson$/;

export class Journal {
  private stream: WriteStream | undefined;
  private current: Segment | undefined;
  private segments: Segment[] = [];
  private seq = 0;
  private readonly now: () => number;
  readonly stats: JournalStats = { written: 0, bytes: 0, dropped: 0, rotations: 0, removedSegments: 0, writeErrors: 0, segments: 0, diskBytes: 0 };

  constructor(private readonly opts: JournalOptions) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(opts.dir).sort()) {
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      try {
        this.segments.push({ name, startMs: Number(m[1]), bytes: statSync(join(opts.dir, name)).size });
      } catch {
        // vanished between readdir and stat
      }
    }
    this.enforceRetention();
  }

  /** Appends one record as a JSON line. Returns false when it was dropped. */
  append(record: unknown): boolean {
    return this.appendLine(JSON.stringify(record));
  }

  /** Appends an already serialized record (one JSON document, no newline): callers serialize once for every sink. */
  appendLine(json: string): boolean {
    const line = `${json}\n`;
    const stream = this.writable();
    if (!stream) {
      this.stats.dropped++;
      return false;
    }
    if (stream.writableLength > (this.opts.maxPendingBytes ?? 8 * 1024 * 1024)) {
      this.stats.dropped++;
      return false;
    }
    stream.write(line);
    const n = Buffer.byteLength(line);
    this.current!.bytes += n;
    this.stats.written++;
    this.stats.bytes += n;
    if (this.current!.bytes >= this.opts.segmentBytes) this.rotate();
    return true;
  }

  private writable(): WriteStream | undefined {
    if (this.stream) return this.stream;
    const startMs = this.now();
    const name = `journal-${String(startMs).padStart(13, '0')}-${String(this.seq++ % 1_000_000).padStart(6, '0')}.ndjson`;
    try {
      // Opened synchronously so retention can never unlink a segment whose open is still in flight.
      const fd = openSync(join(this.opts.dir, name), 'a', 0o600);
      const stream = createWriteStream('', { fd, autoClose: true });
      stream.on('error', () => {
        this.stats.writeErrors++;
        if (this.stream === stream) this.stream = undefined;
      });
      this.stream = stream;
      this.current = { name, startMs, bytes: 0 };
      this.segments.push(this.current);
      this.stats.segments = this.segments.length;
      return stream;
    } catch {
      this.stats.writeErrors++;
      return undefined;
    }
  }

  private rotate(): void {
    this.stream?.end();
    this.stream = undefined;
    this.current = undefined;
    this.stats.rotations++;
    this.enforceRetention();
  }

  /** Removes the oldest closed segments past the size bound or the age bound. */
  enforceRetention(): void {
    const cutoff = this.now() - this.opts.maxAgeMs;
    let total = this.segments.reduce((s, x) => s + x.bytes, 0);
    while (this.segments.length > 0) {
      const oldest = this.segments[0]!;
      if (oldest === this.current) break;
      const next = this.segments[1];
      // A segment is older than the bound once the next one started before the cutoff.
      const tooOld = next !== undefined && next.startMs < cutoff;
      if (total <= this.opts.maxBytes && !tooOld) break;
      try {
        unlinkSync(join(this.opts.dir, oldest.name));
      } catch {
        // already gone
      }
      total -= oldest.bytes;
      this.segments.shift();
      this.stats.removedSegments++;
    }
    this.stats.segments = this.segments.length;
    this.stats.diskBytes = total;
  }

  /** Reads records with ts in [sinceMs, untilMs] that pass `keep`, oldest first, at most `limit`. */
  async read(sinceMs: number, untilMs: number, keep: (r: Record<string, unknown>) => boolean, limit: number): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    const segs = this.segments.filter((s, i) => s.startMs <= untilMs && (this.segments[i + 1]?.startMs ?? Infinity) >= sinceMs);
    for (const seg of segs) {
      const rl = createInterface({ input: createReadStream(join(this.opts.dir, seg.name), { encoding: 'utf8' }), crlfDelay: Infinity });
      try {
        for await (const line of rl) {
          if (!line) continue;
          let rec: unknown;
          try {
            rec = JSON.parse(line);
          } catch {
            continue; // a torn last line after a crash
          }
          if (typeof rec !== 'object' || rec === null) continue;
          const r = rec as Record<string, unknown>;
          const ts = typeof r.ts === 'number' ? r.ts : NaN;
          if (ts < sinceMs || ts > untilMs || !keep(r)) continue;
          out.push(r);
          if (out.length >= limit) return out;
        }
      } catch {
        // a segment removed by retention while we read it
      } finally {
        rl.close();
      }
    }
    return out;
  }

  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((resolve) => s.end(resolve));
  }
}
