// Opens an image in a registry: resolves the reference to a platform manifest (through an index when there is one),
// fetches and checks the config, and returns layers whose open() streams verified blobs.
import { SourceError } from './errors.js';
import type { ImageHandle, Platform } from './image-handle.js';
import { checkImageManifest, DEFAULT_PLATFORM, formatPlatform, MAX_CONFIG_BYTES, parseImageConfig, parseManifest, selectPlatform } from './manifest.js';
import type { ImageReference } from './reference.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';

export interface RegistrySourceOptions extends RegistryClientOptions {
  platform?: Platform;
}

export async function openRegistryImage(ref: Extract<ImageReference, { transport: 'registry' }>, options: RegistrySourceOptions = {}): Promise<ImageHandle> {
  const client = new RegistryClient(ref.registry, options);
  await client.ping();
  const want = options.platform ?? DEFAULT_PLATFORM;
  let fetched = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  let parsed = parseManifest(fetched.bytes, fetched.contentType, `manifest of ${ref.normalized}`);
  let indexDigest: string | undefined;
  if (parsed.kind === 'index') {
    indexDigest = fetched.digest;
    const chosen = selectPlatform(parsed.index, want, ref.normalized);
    fetched = await client.getManifest(ref.repository, chosen.digest);
    parsed = parseManifest(fetched.bytes, chosen.mediaType, `manifest ${chosen.digest} of ${ref.normalized}`);
    if (parsed.kind !== 'manifest') throw new SourceError('bad-manifest', `${ref.normalized}: index entry ${chosen.digest} is itself an index`);
  }
  const manifest = parsed.manifest;
  const what = `${ref.normalized}@${fetched.digest}`;
  const configBytes = await client.fetchBlob(ref.repository, manifest.config.digest, manifest.config.size, MAX_CONFIG_BYTES);
  const config = parseImageConfig(configBytes, `config of ${what}`);
  checkImageManifest(manifest, config, what);
  const platform: Platform = {
    os: config.os ?? want.os,
    architecture: config.architecture ?? want.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
  if (!indexDigest && (platform.os !== want.os || platform.architecture !== want.architecture) && options.platform) {
    throw new SourceError('no-matching-platform', `${ref.normalized} is a single-platform image for ${formatPlatform(platform)}, not ${formatPlatform(want)}`);
  }
  return {
    reference: ref.normalized,
    digest: fetched.digest,
    ...(indexDigest ? { indexDigest } : {}),
    platform,
    manifestMediaType: parsed.mediaType,
    config,
    configDigest: manifest.config.digest,
    layers: manifest.layers.map((l, i) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      diffId: config.rootfs.diff_ids[i]!,
      open: () => client.openBlob(ref.repository, l.digest, l.size),
    })),
  };
}
