// Reads an image's layers, bottom to top, each exactly once, into a MergedFs. Every layer is streamed: compressed
// blob -> decoder chosen by magic bytes -> byte budget -> tar-stream. Only files that a capture rule asks for are
// buffered; everything else is counted and drained. Nothing is written to disk.
// With a layer cache, a layer whose verified digest was read before (under the same capture rules) is not read
// again: its recorded changes are applied instead, so images on a shared base read only their own layers.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ByteBudget, createLayerDecoder, describeDecoderError, detectCompression, peekHead, type LayerCompression } from './decompress.js';
import { LayerError } from './errors.js';
import { basename, dirname, normalizeLayerPath } from './layer-path.js';
import { DEFAULT_LAYER_LIMITS, type LayerLimits } from './limits.js';
import { MergedFs, type FsEntry, type FsEntryType } from './merged-fs.js';
import {
  captureFingerprint,
  deepFreeze,
  estimateCachedLayerBytes,
  layerCacheKey,
  type CachedLayer,
  type LayerCache,
  type LayerChanges,
  type LayerEntry,
} from './layer-cache.js';

export type { CachedLayer, LayerCache, LayerChanges, LayerEntry } from './layer-cache.js';

/** A cataloger's request to keep some files while the layers stream past. */
export interface CaptureRule {
  /** Unique name; reduced values are stored under it. */
  name: string;
  /** Decided on the tar header alone, so it must be cheap: it runs for every regular file of every layer. */
  match(path: string, info: { size: number; mode: number }): boolean;
  /** Files larger than this are skipped and counted as `file-too-large:<name>`. */
  maxFileBytes: number;
  /**
   * When present, the content is handed over here as soon as it is read and only the returned value is kept
   * (undefined keeps nothing). Used for binaries and archives, whose bytes are too big to hold. Must be pure: the
   * value is cached with the layer and reused for every image that has the layer, at whatever position.
   */
  reduce?(path: string, content: Buffer): unknown;
  /**
   * Called with each value `reduce` kept, in layer order, as its layer is applied to the view (also when the layer
   * came from the cache and `reduce` did not run). Per-scan bookkeeping such as a package database's history
   * across layers belongs here.
   */
  observe?(path: string, value: unknown, layer: number): void;
  /** What else, beyond its code, decides what this rule keeps (options its closures hold); part of the cache key. */
  fingerprint?: string;
}

/** One layer to read: `label` names it in errors and attribution (diff id when known, else blob digest). */
export interface LayerInput {
  label: string;
  size?: number;
  /**
   * A digest that names exactly the bytes open() streams and that open() verifies (the blob digest): the layer's
   * key in the layer cache. Unverified names such as diff ids must not be used (a hostile image could claim another
   * image's diff id and poison the cache). Without it the layer is always read.
   */
  cacheKey?: string;
  open(): Promise<Readable>;
}

export interface LayerProgress {
  layerIndex: number;
  layerCount: number;
  label: string;
  compressedBytes: number;
  totalBytes?: number;
  done: boolean;
}

export interface LayerReadSummary {
  label: string;
  compression: LayerCompression;
  compressedBytes: number;
  uncompressedBytes: number;
  entries: number;
  /** Taken from the layer cache: nothing was read from the source */
  cached: boolean;
}

export interface LayerReadStats {
  entriesSeen: number;
  filesSeen: number;
  /** Compressed bytes read from the sources (cached layers read none) */
  compressedBytes: number;
  uncompressedBytes: number;
  /** Counted reasons for entries that were not taken into the view or not captured. */
  skipped: Record<string, number>;
  layers: LayerReadSummary[];
  /** Layers applied from the layer cache */
  cachedLayers: number;
}

export interface ReadLayersOptions {
  limits?: Partial<LayerLimits>;
  onProgress?: (p: LayerProgress) => void;
  /** Reuse layers read before (by their cacheKey) and keep the ones read now. */
  layerCache?: LayerCache;
}

export interface ReadLayersResult {
  fs: MergedFs;
  stats: LayerReadStats;
}

/** Counts compressed bytes as they pass, for progress; no copy. */
class ProgressTap extends Transform {
  bytes = 0;
  private lastReport = 0;
  constructor(private readonly report: (bytes: number) => void) {
    super({ highWaterMark: 256 * 1024 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes - this.lastReport >= 4 * 1024 * 1024) {
      this.lastReport = this.bytes;
      this.report(this.bytes);
    }
    done(null, chunk);
  }
}

function entryType(type: tar.Header['type'] | undefined | null): FsEntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

export async function readLayers(layers: LayerInput[], rules: CaptureRule[], options: ReadLayersOptions = {}): Promise<ReadLayersResult> {
  const limits: LayerLimits = { ...DEFAULT_LAYER_LIMITS, ...options.limits };
  const fs = new MergedFs();
  const stats: LayerReadStats = { entriesSeen: 0, filesSeen: 0, compressedBytes: 0, uncompressedBytes: 0, skipped: {}, layers: [], cachedLayers: 0 };
  const image = { bytes: 0, max: limits.maxImageBytes };
  const skip = (reason: string): void => {
    stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
  };
  const cache = options.layerCache;
  const fingerprint = cache ? captureFingerprint(rules, limits) : '';
  const observers = new Map<string, NonNullable<CaptureRule['observe']>>();
  for (const r of rules) if (r.observe) observers.set(r.name, r.observe.bind(r));

  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index]!;
    const progress = (bytes: number, done: boolean): void =>
      options.onProgress?.({ layerIndex: index, layerCount: layers.length, label: layer.label, compressedBytes: bytes, totalBytes: layer.size, done });
    const key = cache && layer.cacheKey ? layerCacheKey(layer.cacheKey, fingerprint) : undefined;
    let record: CachedLayer | undefined = key !== undefined ? cache!.get(key) : undefined;
    // A layer only fits the capture budget left by the layers below it; if it no longer does, read it afresh so
    // that exactly the files a fresh read would keep are kept.
    if (record && fs.capturedBytes + record.capturedBytes > limits.maxCapturedBytes) record = undefined;
    const cached = record !== undefined;
    if (record) {
      replayCounts(layer.label, record, stats, image, limits);
      stats.cachedLayers++;
    } else {
      const read = await readOneLayer(layer, { rules, limits, stats, image, fs, progress });
      record = read.record;
      stats.compressedBytes += record.compressedBytes;
      stats.uncompressedBytes += record.uncompressedBytes;
      // Only a verified, complete read that did not depend on the image around it may serve other images.
      if (key !== undefined && read.reusable) cache!.set(key, record, estimateCachedLayerBytes(record));
    }
    for (const [reason, n] of Object.entries(record.skipped)) stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
    stats.layers.push({
      label: layer.label,
      compression: record.compression,
      compressedBytes: record.compressedBytes,
      uncompressedBytes: record.uncompressedBytes,
      entries: record.entries,
      cached,
    });
    applyChanges(fs, record.changes, index, observers, rules, skip);
    progress(record.compressedBytes, true);
  }
  return { fs, stats };
}

interface LayerContext {
  rules: CaptureRule[];
  limits: LayerLimits;
  stats: LayerReadStats;
  image: { bytes: number; max: number };
  fs: MergedFs;
  progress: (bytes: number, done: boolean) => void;
}

/** A cached layer counts against the image's limits exactly as reading it would have. */
function replayCounts(label: string, record: CachedLayer, stats: LayerReadStats, image: { bytes: number; max: number }, limits: LayerLimits): void {
  if (stats.entriesSeen + record.entries > limits.maxEntries) {
    throw new LayerError('too-many-entries', label, `the image has more than ${limits.maxEntries} tar entries`);
  }
  image.bytes += record.uncompressedBytes;
  if (image.bytes > image.max) throw new LayerError('image-too-large', label, `image layers decompress to more than ${image.max} bytes in total`);
  stats.entriesSeen += record.entries;
  stats.filesSeen += record.filesSeen;
  stats.uncompressedBytes += record.uncompressedBytes;
}

async function readOneLayer(layer: LayerInput, ctx: LayerContext): Promise<{ record: CachedLayer; reusable: boolean }> {
  const src = await layer.open();
  let head: Buffer;
  try {
    head = await peekHead(src, 18);
  } catch (err) {
    src.destroy();
    throw err;
  }
  const compression = detectCompression(head);
  const tap = new ProgressTap((bytes) => ctx.progress(bytes, false));
  const decoder = createLayerDecoder(compression, layer.label, ctx.limits.maxZstdWindowBytes);
  const budget = new ByteBudget(layer.label, ctx.limits.maxLayerBytes, ctx.image);
  const extract = tar.extract();
  const streams: NodeJS.ReadWriteStream[] = decoder ? [tap, decoder, budget] : [tap, budget];
  const piped = pipeline([src, ...streams, extract] as unknown as [Readable, NodeJS.WritableStream]);
  // Observed here; the loop below decides which error to report.
  piped.catch(() => undefined);

  const changes: LayerChanges = { opaque: [], whiteouts: [], additions: [] };
  // This layer's own counts: they are part of what a cached copy of it replays.
  const skipped: Record<string, number> = {};
  const skip = (reason: string): void => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  let entries = 0;
  let filesSeen = 0;
  let capturedThisLayer = 0;
  // What was kept here depended on the capture budget the layers below left: such a layer serves no other image.
  let dependsOnImage = false;
  try {
    for await (const entry of extract) {
      entries++;
      ctx.stats.entriesSeen++;
      if (ctx.stats.entriesSeen > ctx.limits.maxEntries) {
        throw new LayerError('too-many-entries', layer.label, `the image has more than ${ctx.limits.maxEntries} tar entries`);
      }
      const header = entry.header;
      const verdict = normalizeLayerPath(header.name, ctx.limits.maxPathBytes);
      if (!verdict.ok) {
        skip(verdict.reason);
        entry.resume();
        continue;
      }
      const path = verdict.path;
      if (path === '') {
        entry.resume();
        continue;
      }
      const name = basename(path);
      // Whiteouts are told by the basename only: a path like usr/share/.wh.x/real-file is an ordinary file.
      if (name.startsWith('.wh.')) {
        if (name === '.wh..wh..opq') changes.opaque.push(dirname(path));
        else if (name.startsWith('.wh..wh.')) skip('aufs-metadata');
        else changes.whiteouts.push(joinPath(dirname(path), name.slice(4)));
        entry.resume();
        continue;
      }
      const type = entryType(header.type);
      const size = type === 'file' ? header.size ?? 0 : 0;
      const added: LayerEntry = { path, type, size, mode: header.mode ?? 0 };
      if (type === 'symlink') {
        const target = header.linkname ?? '';
        if (Buffer.byteLength(target) > ctx.limits.maxPathBytes) {
          skip('link-target-too-long');
          entry.resume();
          continue;
        }
        added.linkTarget = target;
      } else if (type === 'hardlink') {
        const target = normalizeLayerPath(header.linkname ?? '', ctx.limits.maxPathBytes);
        if (!target.ok || target.path === '') {
          skip(`hardlink-${target.ok ? 'path-invalid' : target.reason}`);
          entry.resume();
          continue;
        }
        added.linkTarget = target.path;
      }
      if (type === 'file') {
        filesSeen++;
        ctx.stats.filesSeen++;
        const wanted = ctx.rules.filter((r) => r.match(path, { size, mode: added.mode }));
        const fitting = wanted.filter((r) => size <= r.maxFileBytes);
        for (const r of wanted) if (size > r.maxFileBytes) skip(`file-too-large:${r.name}`);
        if (fitting.length > 0) {
          const content = await readEntry(entry as unknown as AsyncIterable<Buffer>, size, layer.label, path);
          for (const rule of fitting) {
            if (rule.reduce) {
              try {
                const value = await rule.reduce(path, content);
                if (value !== undefined) (added.reduced ??= new Map()).set(rule.name, deepFreeze(value));
              } catch {
                skip(`unreadable:${rule.name}`);
              }
            } else if (added.content === undefined) {
              if (ctx.fs.capturedBytes + capturedThisLayer + content.length > ctx.limits.maxCapturedBytes) {
                skip(`capture-budget-exceeded:${rule.name}`);
                dependsOnImage = true;
              } else {
                added.content = content;
                capturedThisLayer += content.length;
              }
            }
          }
          changes.additions.push(added);
          continue;
        }
      }
      changes.additions.push(added);
      entry.resume();
    }
  } catch (err) {
    src.destroy();
    const pipeErr = await piped.then(() => undefined, (e: unknown) => e);
    // Our own verdicts win; otherwise the stream's first error (the iterator only sees "premature close").
    if (err instanceof LayerError) throw err;
    const premature = (pipeErr as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
    throw classify(pipeErr !== undefined && !premature ? pipeErr : err, layer.label);
  }
  try {
    // Resolves only once the source has ended, i.e. after its digest and size were verified.
    await piped;
  } catch (err) {
    throw classify(err, layer.label);
  }
  const record: CachedLayer = {
    changes,
    compression,
    compressedBytes: tap.bytes,
    uncompressedBytes: budget.bytes,
    entries,
    filesSeen,
    skipped,
    capturedBytes: capturedThisLayer,
  };
  return { record, reusable: !dependsOnImage };
}

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

async function readEntry(entry: AsyncIterable<Buffer>, size: number, label: string, path: string): Promise<Buffer> {
  // Never from Node's shared 8 KiB pool: a kept file may live long in the layer cache, and a pooled slice would keep
  // its whole slab alive with it.
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for await (const chunk of entry) {
    if (at + chunk.length > size) throw new LayerError('layer-corrupt', label, `tar entry ${path} is longer than its header says`);
    chunk.copy(out, at);
    at += chunk.length;
  }
  if (at !== size) throw new LayerError('layer-truncated', label, `tar entry ${path} ends after ${at} of ${size} bytes`);
  return out;
}

/** Maps whatever a stream threw to a LayerError that names the layer and says what kind of damage it was. */
function classify(err: unknown, label: string): Error {
  const described = describeDecoderError(err, label);
  if (described instanceof LayerError) return described;
  const message = described.message;
  if (/unexpected end of data|unexpected end/i.test(message)) {
    return new LayerError('layer-truncated', label, `tar stream is truncated (${message})`, { cause: err });
  }
  if (/invalid tar header|tar/i.test(message)) {
    return new LayerError('layer-corrupt', label, `not a valid tar stream (${message})`, { cause: err });
  }
  return described;
}

/**
 * Whiteouts first (they only ever see lower layers), then this layer's entries in tar order. The changes may be
 * shared with other images (the layer cache), so every entry is copied into the view, never put there itself.
 */
function applyChanges(
  fs: MergedFs,
  changes: LayerChanges,
  layer: number,
  observers: ReadonlyMap<string, NonNullable<CaptureRule['observe']>>,
  rules: CaptureRule[],
  skip: (reason: string) => void,
): void {
  for (const dir of changes.opaque) fs.makeOpaque(dir);
  for (const path of changes.whiteouts) fs.remove(path);
  for (const added of changes.additions) {
    const entry: FsEntry = { ...added, layer };
    if (added.reduced) {
      entry.reduced = new Map(added.reduced);
      for (const [name, value] of added.reduced) observers.get(name)?.(added.path, value, layer);
    }
    if (entry.type === 'hardlink' && entry.linkTarget !== undefined) {
      const target = fs.lstat(entry.linkTarget);
      if (target?.type === 'file') {
        // A hard link is the same file under a second name: give it the target's size and captured values.
        entry.type = 'file';
        entry.size = target.size;
        if (target.content) entry.content = target.content;
        if (target.reduced) entry.reduced = target.reduced;
        if (!target.content && !target.reduced && rules.some((r) => r.match(entry.path, { size: target.size, mode: target.mode }))) {
          skip('hardlink-content-not-captured');
        }
        delete entry.linkTarget;
      }
    }
    fs.put(entry);
  }
}
