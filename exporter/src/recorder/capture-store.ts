// Finalized captures on disk, so they survive a restart: `<id>.json` holds the document (what the API serves) and
// `<id>.meta.json` its list form, so a restart reads only the small files. Both are written to a temporary name
// and renamed, document first, so a crash leaves either both, a document without meta (the meta is rebuilt
// from it on restore) or nothing. Bounded by file count, total bytes and age, oldest first; every removal and error is counted. The
// directory is Vigil's own (mode 0700) but its contents are still checked: sizes before reading, ids against
// their pattern, metadata against a schema.

import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isCaptureId } from './capture-id.js';
import { metaOf } from './open-capture.js';
import type { CaptureDocument, CaptureMeta } from './types.js';

export interface CaptureStoreOptions {
  dir: string;
  maxFiles: number;
  maxBytes: number;
  maxAgeMs: number;
  /** A document file larger than this is not read back (and not written). */
  maxFileBytes: number;
  /** Writes waiting beyond this many are refused (counted); the capture stays in memory only. */
  maxQueuedWrites?: number;
  now?: () => number;
}

export interface CaptureStoreStats {
  files: number;
  bytes: number;
  written: number;
  writeErrors: number;
  /** refused: the write queue was full, or the document exceeded maxFileBytes */
  writesRefused: number;
  restored: number;
  /** unreadable or invalid files met on restore (left in place unless they are leftovers of an interrupted write) */
  restoreErrors: number;
  /** documents whose metadata was missing or damaged, re-indexed from the document itself */
  recovered: number;
  readErrors: number;
  removed: { count: number; bytes: number; age: number; orphan: number };
}

const META_SUFFIX = '.meta.json';
const DOC_SUFFIX = '.json';
const MAX_META_BYTES = 64 * 1024;

const alertSchema = z.object({ uuid: z.string(), rule: z.string(), priority: z.string(), ts: z.number(), pid: z.number().optional() });
const metaSchema = z.object({
  id: z.string().refine(isCaptureId, 'not a capture id'),
  status: z.enum(['pending', 'complete']),
  created: z.number(),
  completed: z.number().optional(),
  container: z.object({ id: z.string(), name: z.string().optional(), image: z.string().optional() }),
  k8s: z.object({ ns: z.string(), pod: z.string() }).optional(),
  alert: alertSchema,
  alert_count: z.number().int().nonnegative(),
  window: z.object({ from: z.number(), to: z.number() }),
  entries: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  persisted: z.boolean(),
});
// What a document must have to be served; the entries and tree are passed through as stored.
const docSchema = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'complete']),
    created: z.number(),
    completed: z.number().optional(),
    container: z.object({ id: z.string(), name: z.string().optional(), image: z.string().optional() }).loose(),
    k8s: z.object({ ns: z.string(), pod: z.string() }).loose().optional(),
    alert: alertSchema,
    alert_count: z.number().int().nonnegative(),
    window: z.object({ from: z.number(), to: z.number() }).loose(),
    entries: z.array(z.unknown()),
    processes: z.array(z.unknown()),
    summary: z.object({}).loose(),
  })
  .loose();

interface StoredFile {
  bytes: number;
  completed: number;
}

export class CaptureStore {
  private readonly files = new Map<string, StoredFile>();
  private bytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly now: () => number;
  private readonly removedListeners: ((ids: string[]) => void)[] = [];
  readonly stats: CaptureStoreStats = {
    files: 0, bytes: 0, written: 0, writeErrors: 0, writesRefused: 0, restored: 0, restoreErrors: 0, recovered: 0, readErrors: 0,
    removed: { count: 0, bytes: 0, age: 0, orphan: 0 },
  };

  constructor(private readonly opts: CaptureStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Called with the ids whose files retention removed. */
  onRemoved(listener: (ids: string[]) => void): void {
    this.removedListeners.push(listener);
  }

  /** Reads the metadata of what is on disk (oldest first), after clearing leftovers and applying retention. */
  async restore(): Promise<CaptureMeta[]> {
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    const names = await readdir(this.opts.dir);
    const docs = new Set<string>();
    const metas: string[] = [];
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        await this.unlinkQuietly(name);
        this.stats.removed.orphan++;
      } else if (name.endsWith(META_SUFFIX)) metas.push(name.slice(0, -META_SUFFIX.length));
      else if (name.endsWith(DOC_SUFFIX)) docs.add(name.slice(0, -DOC_SUFFIX.length));
    }
    const out: CaptureMeta[] = [];
    for (const id of metas.sort()) {
      if (!isCaptureId(id)) {
        this.stats.restoreErrors++;
        continue;
      }
      const meta = await this.readMeta(id);
      if (!meta) continue;
      if (!docs.has(id)) {
        // Metadata without its document: the document was removed by hand; the metadata is useless.
        await this.unlinkQuietly(id + META_SUFFIX);
        this.stats.removed.orphan++;
        continue;
      }
      docs.delete(id);
      const [docBytes, total] = await this.sizesOf(id);
      this.track(id, total, meta.completed ?? meta.created);
      meta.bytes = docBytes;
      meta.persisted = true;
      out.push(meta);
      this.stats.restored++;
    }
    for (const id of [...docs].sort()) {
      // A document without (valid) metadata: the write was interrupted between the two renames, or the meta
      // file was damaged. The document says everything the metadata would.
      if (!isCaptureId(id)) continue;
      const doc = await this.readDocument(id);
      if (!doc) {
        await this.unlinkQuietly(id + DOC_SUFFIX);
        this.stats.removed.orphan++;
        continue;
      }
      const meta = metaOf(doc, 0, true);
      const metaText = JSON.stringify(meta);
      try {
        await writeFile(join(this.opts.dir, `${id}${META_SUFFIX}.tmp`), metaText, { mode: 0o600 });
        await rename(join(this.opts.dir, `${id}${META_SUFFIX}.tmp`), join(this.opts.dir, id + META_SUFFIX));
      } catch {
        this.stats.writeErrors++;
      }
      const [docBytes, total] = await this.sizesOf(id);
      meta.bytes = docBytes;
      this.track(id, total, meta.completed ?? meta.created);
      out.push(meta);
      this.stats.recovered++;
    }
    // Recovered ones were appended out of time order; retention and listing go by age.
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const order = [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.files.clear();
    for (const [id, f] of order) this.files.set(id, f);
    const removed = await this.enforceRetention();
    const gone = new Set(removed);
    return out.filter((m) => !gone.has(m.id));
  }

  /**
   * Queues the document for writing; resolves with the bytes written, or undefined when it was refused or failed
   * (counted). Never rejects.
   */
  save(doc: CaptureDocument, meta: CaptureMeta): Promise<number | undefined> {
    if (this.queued >= (this.opts.maxQueuedWrites ?? 8)) {
      this.stats.writesRefused++;
      return Promise.resolve(undefined);
    }
    this.queued++;
    const result = this.chain.then(() => this.write(doc, meta));
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => this.queued--);
  }

  /** Resolves when every queued write is done. */
  idle(): Promise<void> {
    return this.chain;
  }

  has(id: string): boolean {
    return this.files.has(id);
  }

  /** The stored document, or undefined (unknown id, unreadable, too large or invalid: counted). */
  async read(id: string): Promise<CaptureDocument | undefined> {
    if (!isCaptureId(id) || !this.files.has(id)) return undefined;
    const doc = await this.readDocument(id);
    if (!doc) this.stats.readErrors++;
    return doc;
  }

  private async readDocument(id: string): Promise<CaptureDocument | undefined> {
    try {
      const path = join(this.opts.dir, id + DOC_SUFFIX);
      const st = await stat(path);
      if (!st.isFile() || st.size > this.opts.maxFileBytes) return undefined;
      const parsed = docSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (!parsed.success || parsed.data.id !== id) return undefined;
      return parsed.data as unknown as CaptureDocument;
    } catch {
      return undefined;
    }
  }

  /** Removes the oldest files past the age, count and byte bounds; returns their ids. */
  async enforceRetention(): Promise<string[]> {
    const removed: string[] = [];
    const cutoff = this.now() - this.opts.maxAgeMs;
    // Map order is age order (restore goes by id, which sorts by time; then files are added as they are written).
    for (const [id, f] of this.files) {
      let reason: 'age' | 'count' | 'bytes' | undefined;
      if (f.completed < cutoff) reason = 'age';
      else if (this.files.size > this.opts.maxFiles) reason = 'count';
      else if (this.bytes > this.opts.maxBytes) reason = 'bytes';
      else break;
      await this.unlinkQuietly(id + DOC_SUFFIX);
      await this.unlinkQuietly(id + META_SUFFIX);
      this.files.delete(id);
      this.bytes -= f.bytes;
      this.stats.removed[reason]++;
      removed.push(id);
    }
    this.publish();
    if (removed.length > 0) for (const l of this.removedListeners) l(removed);
    return removed;
  }

  private async write(doc: CaptureDocument, meta: CaptureMeta): Promise<number | undefined> {
    const docText = JSON.stringify(doc);
    const docBytes = Buffer.byteLength(docText);
    if (docBytes > this.opts.maxFileBytes) {
      this.stats.writesRefused++;
      return undefined;
    }
    const docPath = join(this.opts.dir, doc.id + DOC_SUFFIX);
    const metaPath = join(this.opts.dir, doc.id + META_SUFFIX);
    try {
      await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
      await writeFile(`${docPath}.tmp`, docText, { mode: 0o600 });
      await rename(`${docPath}.tmp`, docPath);
      const metaText = JSON.stringify({ ...meta, bytes: docBytes, persisted: true });
      await writeFile(`${metaPath}.tmp`, metaText, { mode: 0o600 });
      await rename(`${metaPath}.tmp`, metaPath);
      const total = docBytes + Buffer.byteLength(metaText);
      const prev = this.files.get(doc.id);
      if (prev) {
        this.bytes -= prev.bytes;
        this.files.delete(doc.id);
      }
      this.track(doc.id, total, meta.completed ?? this.now());
      this.stats.written++;
      await this.enforceRetention();
      return this.files.has(doc.id) ? docBytes : undefined;
    } catch {
      this.stats.writeErrors++;
      await this.unlinkQuietly(`${doc.id}${DOC_SUFFIX}.tmp`);
      await this.unlinkQuietly(`${doc.id}${META_SUFFIX}.tmp`);
      return undefined;
    }
  }

  private async readMeta(id: string): Promise<CaptureMeta | undefined> {
    const path = join(this.opts.dir, id + META_SUFFIX);
    try {
      const st = await stat(path);
      if (!st.isFile() || st.size > MAX_META_BYTES) throw new Error('not a small regular file');
      const parsed = metaSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (!parsed.success || parsed.data.id !== id) throw new Error('invalid capture metadata');
      return parsed.data as CaptureMeta;
    } catch {
      this.stats.restoreErrors++;
      return undefined;
    }
  }

  /** [document bytes, document + metadata bytes]; a file gone meanwhile counts as empty. */
  private async sizesOf(id: string): Promise<[number, number]> {
    const size = async (name: string): Promise<number> => {
      try {
        return (await stat(join(this.opts.dir, name))).size;
      } catch {
        return 0;
      }
    };
    const doc = await size(id + DOC_SUFFIX);
    return [doc, doc + (await size(id + META_SUFFIX))];
  }

  private track(id: string, bytes: number, completed: number): void {
    this.files.set(id, { bytes, completed });
    this.bytes += bytes;
    this.publish();
  }

  private publish(): void {
    this.stats.files = this.files.size;
    this.stats.bytes = this.bytes;
  }

  private async unlinkQuietly(name: string): Promise<void> {
    try {
      await unlink(join(this.opts.dir, name));
    } catch {
      // already gone
    }
  }
}
