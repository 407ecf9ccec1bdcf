// What the layer reader keeps of one layer so that the next image built on the same base does not read it again:
// the layer's whiteouts, opaque directories and entries (with the content and reduced values the capture rules
// kept), independent of the position the layer has in any image. The reader owns the format; callers provide the
// store (the scanner service puts a BoundedCache behind it) and never look inside.
import { createHash } from 'node:crypto';
import type { LayerCompression } from './decompress.js';
import type { LayerLimits } from './limits.js';
import type { FsEntry } from './merged-fs.js';

/** An entry as its layer wrote it; the layer index is given when the layer is applied to an image's view. */
export type LayerEntry = Omit<FsEntry, 'layer'>;

/** One layer's changes to the view below it, in the order they apply. Shared between images: never mutated. */
export interface LayerChanges {
  opaque: string[];
  whiteouts: string[];
  additions: LayerEntry[];
}

export interface CachedLayer {
  changes: LayerChanges;
  compression: LayerCompression;
  /** Size of the blob when it was read (progress and summaries) */
  compressedBytes: number;
  /** What it decompressed to: counts against the image's decompression budget each time it is used */
  uncompressedBytes: number;
  /** Tar entries, counted against the image's entry limit each time it is used */
  entries: number;
  filesSeen: number;
  /** This layer's own skip reasons (bad paths, files too large, ...), replayed into each image's stats */
  skipped: Record<string, number>;
  /** Bytes of content the additions hold, checked against the image's capture budget each time it is used */
  capturedBytes: number;
}

/** The store behind the per-layer cache. `bytes` is the reader's estimate of the value's memory. */
export interface LayerCache {
  get(key: string): CachedLayer | undefined;
  set(key: string, value: CachedLayer, bytes: number): void;
}

/** Bump when the meaning of a cached layer changes, so that no store can hand back an older shape. */
const FORMAT = 1;

/**
 * Names everything besides the layer's bytes that decides what the reader keeps of it: the capture rules (name,
 * size cap, the code of match and reduce, and an optional explicit fingerprint for what their closures hold) and
 * the per-layer limits. Two scans agree on a cached layer only when they agree on this.
 */
export function captureFingerprint(rules: readonly { name: string; maxFileBytes: number; match: unknown; reduce?: unknown; fingerprint?: string }[], limits: LayerLimits): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      format: FORMAT,
      limits: [limits.maxPathBytes, limits.maxLayerBytes, limits.maxZstdWindowBytes],
      rules: rules.map((r) => [r.name, r.maxFileBytes, String(r.match), r.reduce ? String(r.reduce) : '', r.fingerprint ?? '']),
    }),
  );
  return h.digest('hex').slice(0, 32);
}

/** The cache key of a layer: its verified digest plus the fingerprint of what was kept of it. */
export function layerCacheKey(digest: string, fingerprint: string): string {
  return `${digest}#${fingerprint}`;
}

// Measured on Node 20 (test/scanner/layers/layer-cache.test.ts): layers of 20,000 entries with 45-character paths
// hold 70-120 bytes per entry (the entry object, its array slot and its path string). The estimate takes 64 bytes
// plus the path, two bytes per character when a path is not Latin-1 (V8 then stores it as UTF-16).
const ENTRY_OVERHEAD = 64;

function stringBytes(s: string): number {
  return /[^\u0000-\u00ff]/.test(s) ? s.length * 2 : s.length;
}

/** Estimated memory a cached layer holds (content buffers included). */
export function estimateCachedLayerBytes(layer: CachedLayer): number {
  let n = 512;
  for (const p of layer.changes.opaque) n += 32 + stringBytes(p);
  for (const p of layer.changes.whiteouts) n += 32 + stringBytes(p);
  for (const e of layer.changes.additions) {
    n += ENTRY_OVERHEAD + stringBytes(e.path);
    if (e.linkTarget !== undefined) n += 16 + stringBytes(e.linkTarget);
    if (e.content !== undefined) n += 96 + e.content.length;
    if (e.reduced !== undefined) for (const v of e.reduced.values()) n += 96 + estimateValueBytes(v);
  }
  return n;
}

/** Reduced values are plain data (records, coordinates, build info); their JSON size is a fair measure of them. */
function estimateValueBytes(value: unknown): number {
  try {
    return (JSON.stringify(value)?.length ?? 8) * 2;
  } catch {
    return 1024;
  }
}

/** Reduced values are shared by every image that uses the layer: freezing them makes a cataloger that writes to one fail loudly instead of changing other images' results. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  return value;
}
