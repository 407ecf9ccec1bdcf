// The one entry point of the scanner's top half: reads an image's layers once into the merged view, identifies the
// OS and runs every cataloger over it. Language packages whose file an OS package owns (python3-requests' METADATA
// under /usr/lib/python3/dist-packages, say) are dropped: the distro's advisories cover them, and listing them twice
// would report each vulnerability twice against different version schemes.
import { tmpdir } from 'node:os';
import type { ImageHandle } from '../sources/image-handle.js';
import type { InstalledPackage, OsInfo } from '../types.js';
import { readLayers, type LayerCache, type LayerInput, type LayerProgress } from '../layers/read-layers.js';
import type { LayerLimits } from '../layers/limits.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { detectOs, osReleaseCapture } from './os-release.js';
import { createDpkgCataloger } from './dpkg.js';
import { createApkCataloger } from './apk.js';
import { createRpmCataloger } from './rpm.js';
import { createNpmCataloger } from './npm.js';
import { createPypiCataloger } from './pypi.js';
import { createGoCataloger } from './go.js';
import { createJavaCataloger } from './java.js';

export interface ScanFilesystemOptions {
  limits?: Partial<LayerLimits>;
  /** Called as compressed bytes of each layer are read (at least every 4 MiB and once when a layer is done). */
  onProgress?: (p: LayerProgress) => void;
  /** Where the rpm reader may put its short-lived database copy; defaults to the OS temp dir. */
  tempDir?: string;
  /** Replace the default catalogers (tests, or a caller that wants only some ecosystems). */
  catalogers?: Cataloger[];
  /** Layers read before (by blob digest, under the same catalogers) are taken from here; new ones are kept. */
  layerCache?: LayerCache;
}

export interface ScannedLayer {
  digest: string;
  diffId?: string;
  size: number;
  createdBy?: string;
}

export interface FilesystemScan {
  /** Undefined when nothing identified the OS: the caller must say "OS unknown", never "clean". */
  os?: OsInfo;
  packages: InstalledPackage[];
  layers: ScannedLayer[];
  stats: {
    filesSeen: number;
    entriesSeen: number;
    /** Compressed bytes read from the source (layers taken from the layer cache read none). */
    bytesRead: number;
    uncompressedBytes: number;
    /** Layers taken from the layer cache */
    cachedLayers: number;
    skipped: Record<string, number>;
  };
  /** Catalogers that failed on this image, with why; their packages are missing from `packages`. */
  errors: { cataloger: string; message: string }[];
}

export function defaultCatalogers(): Cataloger[] {
  return [
    createDpkgCataloger(),
    createApkCataloger(),
    createRpmCataloger(),
    createNpmCataloger(),
    createPypiCataloger(),
    createGoCataloger(),
    createJavaCataloger(),
  ];
}

/** config.history entries that made a layer, in layer order (empty_layer entries made none). */
function layerHistory(handle: ImageHandle): (string | undefined)[] {
  return handle.config.history.filter((h) => !h.empty_layer).map((h) => h.created_by);
}

function normalizeOwned(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

export async function scanImageFilesystem(handle: ImageHandle, options: ScanFilesystemOptions = {}): Promise<FilesystemScan> {
  const catalogers = options.catalogers ?? defaultCatalogers();
  const labels = handle.layers.map((l) => l.diffId ?? l.digest);
  // The cache key is the blob digest, which open() verifies; diff ids come from the config unverified.
  const inputs: LayerInput[] = handle.layers.map((l, i) => ({ label: labels[i]!, size: l.size, cacheKey: l.digest, open: () => l.open() }));
  const rules = [osReleaseCapture, ...catalogers.flatMap((c) => c.captures)];
  const readOptions: Parameters<typeof readLayers>[2] = {};
  if (options.limits) readOptions.limits = options.limits;
  if (options.onProgress) readOptions.onProgress = options.onProgress;
  if (options.layerCache) readOptions.layerCache = options.layerCache;
  const { fs, stats } = await readLayers(inputs, rules, readOptions);

  const os = detectOs(fs);
  const skip = (reason: string): void => {
    stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
  };
  const ctx: CatalogContext = {
    fs,
    os,
    layerDigest: (i) => labels[i] ?? 'unknown',
    skip,
    tempDir: options.tempDir ?? tmpdir(),
  };
  const errors: FilesystemScan['errors'] = [];
  const osPackages: InstalledPackage[] = [];
  const languagePackages: InstalledPackage[] = [];
  for (const c of catalogers) {
    try {
      const found = await c.catalog(ctx);
      for (const p of found) (p.kind === 'dpkg' || p.kind === 'apk' || p.kind === 'rpm' ? osPackages : languagePackages).push(p);
    } catch (err) {
      errors.push({ cataloger: c.name, message: (err as Error).message });
    }
  }

  const owned = new Set<string>();
  for (const p of osPackages) for (const f of p.ownedFiles ?? []) owned.add(normalizeOwned(f));
  const kept = languagePackages.filter((p) => {
    const file = normalizeOwned(p.foundIn.split('!/')[0]!);
    const dir = file.slice(0, Math.max(0, file.lastIndexOf('/')));
    // dist-info / egg-info directories are listed by dpkg as directories too, so the metadata's directory counts.
    const isOwned = owned.has(file) || (p.kind === 'pypi' && /\.(dist|egg)-info$/.test(dir) && owned.has(dir));
    if (isOwned) skip('owned-by-os-package');
    return !isOwned;
  });

  const history = layerHistory(handle);
  const layers: ScannedLayer[] = handle.layers.map((l, i) => {
    const out: ScannedLayer = { digest: l.digest, size: l.size };
    if (l.diffId) out.diffId = l.diffId;
    // History lines up with layers only when the counts agree; a guess would attribute commands to the wrong layer.
    if (history.length === handle.layers.length && history[i]) out.createdBy = history[i]!;
    return out;
  });

  const result: FilesystemScan = {
    packages: [...osPackages, ...kept],
    layers,
    stats: {
      filesSeen: stats.filesSeen,
      entriesSeen: stats.entriesSeen,
      bytesRead: stats.compressedBytes,
      uncompressedBytes: stats.uncompressedBytes,
      cachedLayers: stats.cachedLayers,
      skipped: stats.skipped,
    },
    errors,
  };
  if (os) result.os = os;
  return result;
}
