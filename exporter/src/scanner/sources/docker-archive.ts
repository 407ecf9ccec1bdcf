// docker-archive: what `docker save`, `podman save` and `skopeo copy ... docker-archive:` write. manifest.json lists
// images as {Config, RepoTags, Layers}. Two layouts exist: the legacy one (<id>/layer.tar, uncompressed, plus
// <config-hex>.json) and the newer OCI-in-docker-archive one (blobs/sha256/<hex> plus index.json), which docker
// 25+ writes. Legacy layers are plain tars, so their blob digest is their diff id and is verified against it.
import { z } from 'zod';
import { SourceError } from './errors.js';
import type { ImageFiles } from './image-files.js';
import type { ImageHandle } from './image-handle.js';
import { checkImageManifest, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, MEDIA, parseImageConfig, type ImageManifest } from './manifest.js';
import { blobPath, readIndexJson, REF_NAME } from './oci-layout.js';
import { parseReference } from './reference.js';
import { digestOf, verified } from './verify-stream.js';

const manifestJsonSchema = z
  .array(
    z.object({
      Config: z.string().max(4096),
      RepoTags: z.array(z.string()).nullish(),
      Layers: z.array(z.string().max(4096)).max(1000),
    }),
  )
  .min(1)
  .max(1000);

const BLOB_PATH = /^blobs\/(sha256|sha512)\/([a-f0-9]{64}|[a-f0-9]{128})$/;

function sameImageName(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return parseReference(a).normalized === parseReference(b).normalized;
  } catch {
    return false;
  }
}

export async function openDockerArchive(files: ImageFiles, ref: string | undefined, reference: string): Promise<ImageHandle> {
  const raw = await files.read('manifest.json', MAX_MANIFEST_BYTES).catch((err: unknown) => {
    if (err instanceof SourceError && err.code === 'blob-too-large') throw new SourceError('manifest-too-large', `${files.label}: manifest.json is larger than ${MAX_MANIFEST_BYTES} bytes`);
    throw err;
  });
  if (!raw) throw new SourceError('bad-archive', `${files.label} has no manifest.json: not a docker-archive`);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new SourceError('bad-manifest', `${files.label}: manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = manifestJsonSchema.safeParse(json);
  if (!parsed.success) throw new SourceError('bad-manifest', `${files.label}: manifest.json is not a docker-archive manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const images = parsed.data;
  let image = images[0]!;
  if (ref !== undefined) {
    const hit = images.find((i) => (i.RepoTags ?? []).some((t) => sameImageName(t, ref)));
    if (!hit) throw new SourceError('not-found', `${files.label} holds no image named ${ref} (has: ${images.flatMap((i) => i.RepoTags ?? []).join(', ') || 'untagged images'})`);
    image = hit;
  } else if (images.length > 1) {
    throw new SourceError('bad-reference', `${files.label} holds ${images.length} images; name one as docker-archive:FILE:NAME:TAG`);
  }

  const configBytes = await files.read(image.Config, MAX_CONFIG_BYTES);
  if (!configBytes) throw new SourceError('bad-archive', `${files.label}: config ${image.Config} is missing`);
  const configDigest = digestOf(configBytes);
  const configBlob = BLOB_PATH.exec(image.Config);
  if (configBlob && `${configBlob[1]}:${configBlob[2]}` !== digestOf(configBytes, configBlob[1] as 'sha256' | 'sha512')) {
    throw new SourceError('digest-mismatch', `${files.label}: config ${image.Config} does not match its name`);
  }
  const config = parseImageConfig(configBytes, `${files.label} config ${image.Config}`);
  if (config.rootfs.diff_ids.length !== image.Layers.length) {
    throw new SourceError('bad-config', `${files.label}: config lists ${config.rootfs.diff_ids.length} diff_ids for ${image.Layers.length} layers`);
  }

  // The OCI layout beside manifest.json (newer saves) gives the real manifest digest and the layers' media types.
  let manifestDigest: string | undefined;
  let manifestMediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  let ociManifest: ImageManifest | undefined;
  if ((await files.size('index.json')) !== undefined) {
    const index = await readIndexJson(files).catch(() => undefined);
    for (const d of index?.manifests ?? []) {
      const bytes = await files.read(blobPath(d.digest), MAX_MANIFEST_BYTES).catch(() => undefined);
      if (!bytes || digestOf(bytes) !== d.digest) continue;
      try {
        const m = JSON.parse(bytes.toString('utf8')) as ImageManifest;
        if (m.config?.digest === configDigest && Array.isArray(m.layers)) {
          manifestDigest = d.digest;
          manifestMediaType = d.mediaType;
          ociManifest = m;
          if (!ref && d.annotations?.[REF_NAME]) break;
        }
      } catch {
        // Not a manifest; the docker-archive manifest.json still describes the image.
      }
    }
  }

  const layers = await Promise.all(
    image.Layers.map(async (path, i) => {
      const size = await files.size(path);
      if (size === undefined) throw new SourceError('bad-archive', `${files.label}: layer ${path} is missing`);
      const blob = BLOB_PATH.exec(path);
      const diffId = config.rootfs.diff_ids[i]!;
      const digest = blob ? `${blob[1]}:${blob[2]}` : diffId;
      const mediaType = ociManifest?.layers?.[i]?.mediaType ?? (blob ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.docker.image.rootfs.diff.tar');
      return { digest, mediaType, size, diffId, open: async () => verified(await files.open(path), digest, size, `${files.label} layer ${path}`) };
    }),
  );
  if (ociManifest) checkImageManifest(ociManifest, config, `${files.label} manifest ${manifestDigest}`);
  return {
    reference,
    // Without an OCI manifest in the archive there is no manifest digest; the config digest (the image id) stands in.
    digest: manifestDigest ?? configDigest,
    platform: { os: config.os ?? 'linux', architecture: config.architecture ?? 'amd64', ...(config.variant ? { variant: config.variant } : {}) },
    manifestMediaType,
    config,
    configDigest,
    layers,
  };
}
