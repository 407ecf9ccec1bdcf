// The first half of a scan: open the image from its source, read its layers once and catalogue the OS and the
// packages. The result does not depend on the vulnerability database, so the scanner service keeps it per image
// digest and re-matches it whenever the database changes, without pulling again.
import type { TokenCache } from '../sources/registry-auth.js';
import type { RegistryCredential } from '../sources/credentials.js';
import type { Platform } from '../sources/image-handle.js';
import { openImage } from '../sources/open-image.js';
import { parseReference } from '../sources/reference.js';
import { scanImageFilesystem, type FilesystemScan } from '../catalog/scan-filesystem.js';
import type { LayerLimits } from '../layers/limits.js';
import type { LayerCache } from '../layers/read-layers.js';
import type { ImageDescription } from '../report/types.js';

export type PipelineEvent =
  | { type: 'phase'; text: string }
  | { type: 'layer'; index: number; count: number; digest: string; compressedBytes: number; totalBytes?: number; done: boolean };

export interface CatalogRequest {
  /** What to read: any form parseReference accepts. */
  reference: string;
  /**
   * The reference as the user or the workload wrote it, recorded in the description (policies judge it: a pod
   * running "app:1" is not pinned even when the scanner pulls it by digest). Default: `reference`.
   */
  displayReference?: string;
  platform?: Platform;
  credentials?: RegistryCredential[];
  insecureRegistries?: string[];
  /** Share one across scans so registry tokens are reused. */
  tokenCache?: TokenCache;
  /** containers-storage exports and the rpm reader's database copy go here. */
  tempDir?: string;
  limits?: Partial<LayerLimits>;
  /** Per-layer cache shared across scans: layers read before (by blob digest) are not read again. */
  layerCache?: LayerCache;
  requestTimeoutMs?: number;
  blobIdleTimeoutMs?: number;
  onEvent?: (e: PipelineEvent) => void;
}

export interface CatalogedImage {
  /** reference as typed, manifest digest, OS, config, packages, layers: what policies and reports read */
  image: ImageDescription;
  /** The reference in normal form (docker.io/library/nginx:1.25, oci:DIR:TAG, ...) */
  normalizedReference: string;
  /** Digest of the index the platform manifest was chosen from, when there was one */
  indexDigest?: string;
  /** The config blob's digest: the image id podman and docker show */
  configDigest: string;
  platform: Platform;
  stats: FilesystemScan['stats'];
  /** Catalogers that failed; their packages are missing */
  catalogErrors: FilesystemScan['errors'];
  catalogedAt: string;
  /** Seconds spent opening, pulling and cataloguing */
  seconds: number;
  /** A rough size of this value in memory, for bounded caches */
  approxBytes: number;
}

function estimateBytes(image: ImageDescription): number {
  let n = 1024;
  for (const p of image.packages) {
    n += 200 + p.name.length * 2 + p.version.length * 2 + p.purl.length * 2 + p.layer.length * 2 + p.foundIn.length * 2;
    for (const f of p.ownedFiles ?? []) n += 40 + f.length * 2;
  }
  for (const e of image.config.env ?? []) n += 40 + e.length * 2;
  for (const [k, v] of Object.entries(image.config.labels ?? {})) n += 40 + (k.length + v.length) * 2;
  n += image.layers.length * 300;
  return n;
}

/**
 * Opens, pulls and catalogues one image. Throws the sources' SourceError or the layers' LayerError (each naming
 * what failed); never leaves temporary files behind.
 */
export async function catalogImage(req: CatalogRequest): Promise<CatalogedImage> {
  const started = process.hrtime.bigint();
  const ref = parseReference(req.reference);
  const emit = req.onEvent ?? (() => undefined);
  emit({ type: 'phase', text: `resolving ${ref.normalized}` });
  const handle = await openImage(ref, {
    ...(req.platform ? { platform: req.platform } : {}),
    ...(req.credentials ? { credentials: req.credentials } : {}),
    ...(req.insecureRegistries ? { insecureRegistries: req.insecureRegistries } : {}),
    ...(req.tokenCache ? { tokenCache: req.tokenCache } : {}),
    ...(req.tempDir ? { tempDir: req.tempDir } : {}),
    ...(req.requestTimeoutMs ? { requestTimeoutMs: req.requestTimeoutMs } : {}),
    ...(req.blobIdleTimeoutMs ? { blobIdleTimeoutMs: req.blobIdleTimeoutMs } : {}),
  });
  try {
    const total = handle.layers.reduce((n, l) => n + l.size, 0);
    emit({ type: 'phase', text: `${handle.digest}: ${handle.layers.length} layer${handle.layers.length === 1 ? '' : 's'}, ${total} bytes` });
    const fsScan = await scanImageFilesystem(handle, {
      ...(req.limits ? { limits: req.limits } : {}),
      ...(req.tempDir ? { tempDir: req.tempDir } : {}),
      ...(req.layerCache ? { layerCache: req.layerCache } : {}),
      onProgress: (p) =>
        emit({
          type: 'layer',
          index: p.layerIndex,
          count: p.layerCount,
          digest: handle.layers[p.layerIndex]?.digest ?? p.label,
          compressedBytes: p.compressedBytes,
          ...(p.totalBytes !== undefined ? { totalBytes: p.totalBytes } : {}),
          done: p.done,
        }),
    });
    const c = handle.config;
    const image: ImageDescription = {
      reference: req.displayReference ?? req.reference,
      digest: handle.digest,
      config: {
        ...(c.user !== undefined ? { user: c.user } : {}),
        env: [...c.env],
        labels: { ...c.labels },
        ...(c.created !== undefined ? { created: c.created } : {}),
        ...(c.entrypoint ? { entrypoint: [...c.entrypoint] } : {}),
        ...(c.cmd ? { cmd: [...c.cmd] } : {}),
      },
      packages: fsScan.packages,
      layers: fsScan.layers.map((l) => ({ digest: l.digest, size: l.size, ...(l.diffId ? { diffId: l.diffId } : {}), ...(l.createdBy ? { createdBy: l.createdBy } : {}) })),
    };
    if (fsScan.os) image.os = fsScan.os;
    const out: CatalogedImage = {
      image,
      normalizedReference: ref.normalized,
      configDigest: handle.configDigest,
      platform: handle.platform,
      stats: fsScan.stats,
      catalogErrors: fsScan.errors,
      catalogedAt: new Date().toISOString(),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      approxBytes: 0,
    };
    if (handle.indexDigest) out.indexDigest = handle.indexDigest;
    out.approxBytes = estimateBytes(image);
    return out;
  } finally {
    await handle.close?.();
  }
}
