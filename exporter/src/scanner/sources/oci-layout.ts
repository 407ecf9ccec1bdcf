// OCI image layouts: index.json names manifests (the tag is the org.opencontainers.image.ref.name annotation), blobs
// live under blobs/<algorithm>/<hex>. Used for oci:DIR, for oci-archive: tarballs, and for the OCI layout that newer
// docker/podman save put inside a docker-archive.
import { SourceError } from './errors.js';
import type { ImageFiles } from './image-files.js';
import type { ImageHandle, Platform } from './image-handle.js';
import {
  checkImageManifest, DEFAULT_PLATFORM, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseImageConfig, parseManifest, selectPlatform,
  type Descriptor, type ImageIndex,
} from './manifest.js';
import { digestOf, verified } from './verify-stream.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';

export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

async function readVerifiedBlob(files: ImageFiles, d: { digest: string; size?: number }, max: number, what: string): Promise<Buffer> {
  const size = await files.size(blobPath(d.digest));
  if (size === undefined) throw new SourceError('bad-archive', `${files.label}: ${what} blob ${d.digest} is missing`);
  if (size > max) throw new SourceError(max === MAX_MANIFEST_BYTES ? 'manifest-too-large' : 'blob-too-large', `${files.label}: ${what} ${d.digest} is ${size} bytes (limit ${max})`);
  const bytes = (await files.read(blobPath(d.digest), max))!;
  const actual = digestOf(bytes, d.digest.startsWith('sha512:') ? 'sha512' : 'sha256');
  if (actual !== d.digest) throw new SourceError('digest-mismatch', `${files.label}: ${what} blob ${d.digest} has content digest ${actual}`);
  if (d.size !== undefined && d.size !== bytes.length) throw new SourceError('size-mismatch', `${files.label}: ${what} ${d.digest} is ${bytes.length} bytes, its descriptor says ${d.size}`);
  return bytes;
}

export async function readIndexJson(files: ImageFiles): Promise<ImageIndex> {
  const bytes = await files.read('index.json', MAX_MANIFEST_BYTES).catch((err: unknown) => {
    if (err instanceof SourceError && err.code === 'blob-too-large') throw new SourceError('manifest-too-large', `${files.label}: index.json is larger than ${MAX_MANIFEST_BYTES} bytes`);
    throw err;
  });
  if (!bytes) throw new SourceError('bad-archive', `${files.label} has no index.json: not an OCI image layout`);
  const parsed = parseManifest(bytes, 'application/vnd.oci.image.index.v1+json', `${files.label}/index.json`);
  if (parsed.kind !== 'index') throw new SourceError('bad-manifest', `${files.label}/index.json is not an image index`);
  return parsed.index;
}

/** Picks the index.json entry for a tag; without a tag the layout must hold exactly one image (or one index). */
function pickEntry(index: ImageIndex, tag: string | undefined, label: string): Descriptor {
  const entries = index.manifests;
  if (tag !== undefined) {
    const hit = entries.find((d) => d.annotations?.[REF_NAME] === tag || d.annotations?.['io.containerd.image.name']?.endsWith(`:${tag}`));
    if (!hit) {
      const tags = entries.map((d) => d.annotations?.[REF_NAME]).filter(Boolean).join(', ') || 'none';
      throw new SourceError('not-found', `${label} has no image tagged ${JSON.stringify(tag)} (tags: ${tags})`);
    }
    return hit;
  }
  if (entries.length === 1) return entries[0]!;
  throw new SourceError('bad-reference', `${label} holds ${entries.length} images; name one with :TAG`);
}

export interface LayoutOptions {
  platform?: Platform;
}

export async function openLayoutImage(files: ImageFiles, tag: string | undefined, reference: string, options: LayoutOptions = {}, startFrom?: Descriptor): Promise<ImageHandle> {
  const want = options.platform ?? DEFAULT_PLATFORM;
  let descriptor = startFrom ?? pickEntry(await readIndexJson(files), tag, files.label);
  let bytes = await readVerifiedBlob(files, descriptor, MAX_MANIFEST_BYTES, 'manifest');
  let parsed = parseManifest(bytes, descriptor.mediaType, `${files.label} manifest ${descriptor.digest}`);
  let indexDigest: string | undefined;
  // Nested indexes (an index.json entry that is itself a multi-platform index) are followed, at most twice.
  for (let depth = 0; parsed.kind === 'index'; depth++) {
    if (depth >= 2) throw new SourceError('bad-manifest', `${files.label}: indexes nested too deep`);
    indexDigest ??= descriptor.digest;
    descriptor = selectPlatform(parsed.index, want, `${files.label} index ${descriptor.digest}`);
    bytes = await readVerifiedBlob(files, descriptor, MAX_MANIFEST_BYTES, 'manifest');
    parsed = parseManifest(bytes, descriptor.mediaType, `${files.label} manifest ${descriptor.digest}`);
  }
  const manifest = parsed.manifest;
  const what = `${files.label} manifest ${descriptor.digest}`;
  const config = parseImageConfig(await readVerifiedBlob(files, manifest.config, MAX_CONFIG_BYTES, 'config'), `config of ${what}`);
  checkImageManifest(manifest, config, what);
  return {
    reference,
    digest: descriptor.digest,
    ...(indexDigest ? { indexDigest } : {}),
    platform: { os: config.os ?? want.os, architecture: config.architecture ?? want.architecture, ...(config.variant ? { variant: config.variant } : {}) },
    manifestMediaType: parsed.mediaType,
    config,
    configDigest: manifest.config.digest,
    layers: manifest.layers.map((l, i) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      diffId: config.rootfs.diff_ids[i]!,
      open: async () => verified(await files.open(blobPath(l.digest)), l.digest, l.size, `${files.label} layer ${l.digest}`),
    })),
  };
}
