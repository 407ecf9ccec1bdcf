// OCI / Docker manifest, index and image config documents: validated with zod (they are untrusted JSON), platform
// selection from an index, and conversion of the config into the ImageConfig the scanner uses.
import { z } from 'zod';
import { SourceError } from './errors.js';
import type { ImageConfig, Platform } from './image-handle.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** What a registry is asked for, in order of preference. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const MAX_LAYERS = 1000;
const MAX_INDEX_ENTRIES = 1000;

const digestSchema = z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'not a sha256/sha512 digest');

const descriptorSchema = z.object({
  mediaType: z.string().max(255),
  digest: digestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .object({ os: z.string(), architecture: z.string(), variant: z.string().optional() })
    .optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(MAX_LAYERS),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema).max(MAX_INDEX_ENTRIES),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export type ParsedManifest = { kind: 'manifest'; mediaType: string; manifest: ImageManifest } | { kind: 'index'; mediaType: string; index: ImageIndex };

function parseJson(bytes: Buffer, what: string, code: 'bad-manifest' | 'bad-config'): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new SourceError(code, `${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Parses a manifest or index. `contentType` (from HTTP) is used when the document does not name its media type. */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  const json = parseJson(bytes, what, 'bad-manifest') as { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
  if (!json || typeof json !== 'object') throw new SourceError('bad-manifest', `${what} is not a JSON object`);
  const declared = typeof json.mediaType === 'string' ? json.mediaType : contentType?.split(';')[0]?.trim();
  if (declared === MEDIA.dockerSchema1 || declared === MEDIA.dockerSchema1Signed || json.schemaVersion === 1) {
    throw new SourceError('unsupported-media-type', `${what} is a Docker schema 1 manifest, which is deprecated and not supported`);
  }
  const isIndex = declared === MEDIA.ociIndex || declared === MEDIA.dockerList || (declared === undefined && Array.isArray(json.manifests));
  if (isIndex) {
    const r = indexSchema.safeParse(json);
    if (!r.success) throw new SourceError('bad-manifest', `${what} is not a valid image index: ${describeIssues(r.error)}`);
    return { kind: 'index', mediaType: declared ?? MEDIA.ociIndex, index: r.data };
  }
  if (declared !== undefined && declared !== MEDIA.ociManifest && declared !== MEDIA.dockerManifest && !declared.endsWith('+json')) {
    throw new SourceError('unsupported-media-type', `${what} has unsupported media type ${declared}`);
  }
  const r = imageManifestSchema.safeParse(json);
  if (!r.success) throw new SourceError('bad-manifest', `${what} is not a valid image manifest: ${describeIssues(r.error)}`);
  return { kind: 'manifest', mediaType: declared ?? MEDIA.ociManifest, manifest: r.data };
}

/** Attestation manifests (buildkit provenance / SBOM) sit in indexes beside the images; they are not images. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown');
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new SourceError('bad-reference', `platform ${JSON.stringify(s)} is not os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * Picks the manifest for a platform. Without a requested variant, an entry without variant wins over one with;
 * arm64's "v8" is treated as its default variant, as containerd does.
 */
export function selectPlatform(index: ImageIndex, want: Platform, what: string): Descriptor {
  const candidates = index.manifests.filter((d) => !isAttestation(d) && d.platform !== undefined);
  const normVariant = (arch: string, v: string | undefined): string | undefined => (arch === 'arm64' && (v === undefined || v === 'v8') ? undefined : v);
  const matches = candidates.filter((d) => d.platform!.os === want.os && d.platform!.architecture === want.architecture);
  const wantVariant = normVariant(want.architecture, want.variant);
  const exact = matches.find((d) => normVariant(d.platform!.architecture, d.platform!.variant) === wantVariant);
  const chosen = exact ?? (wantVariant === undefined ? matches[0] : undefined);
  if (!chosen) {
    const available = candidates.map((d) => formatPlatform(d.platform!)).join(', ') || 'none';
    throw new SourceError('no-matching-platform', `${what} has no image for ${formatPlatform(want)} (available: ${available})`);
  }
  return chosen;
}

const configSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  config: z
    .object({
      User: z.string().optional(),
      Env: z.array(z.string()).nullish(),
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().optional(),
      Labels: z.record(z.string(), z.string()).nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  history: z
    .array(z.object({ created: z.string().optional(), created_by: z.string().optional(), comment: z.string().optional(), empty_layer: z.boolean().optional() }))
    .nullish(),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(digestSchema).max(MAX_LAYERS) }),
});

export function parseImageConfig(bytes: Buffer, what: string): ImageConfig {
  const json = parseJson(bytes, what, 'bad-config');
  const r = configSchema.safeParse(json);
  if (!r.success) throw new SourceError('bad-config', `${what} is not a valid image config: ${describeIssues(r.error)}`);
  const c = r.data;
  const out: ImageConfig = {
    env: c.config?.Env ?? [],
    labels: c.config?.Labels ?? {},
    history: (c.history ?? []).map((h) => ({ ...h })),
    rootfs: { type: c.rootfs.type, diff_ids: c.rootfs.diff_ids },
  };
  if (c.architecture) out.architecture = c.architecture;
  if (c.os) out.os = c.os;
  if (c.variant) out.variant = c.variant;
  if (c.created) out.created = c.created;
  if (c.config?.User) out.user = c.config.User;
  if (c.config?.Entrypoint) out.entrypoint = c.config.Entrypoint;
  if (c.config?.Cmd) out.cmd = c.config.Cmd;
  if (c.config?.WorkingDir) out.workingDir = c.config.WorkingDir;
  if (c.config?.ExposedPorts) out.exposedPorts = Object.keys(c.config.ExposedPorts);
  return out;
}

const LAYER_TYPES = /^application\/vnd\.(oci\.image\.layer\.v1\.tar(\+gzip|\+zstd)?|docker\.image\.rootfs\.diff\.tar\.gzip|docker\.image\.rootfs\.foreign\.diff\.tar\.gzip|oci\.image\.layer\.nondistributable\.v1\.tar(\+gzip|\+zstd)?)$/;

/** Checks what makes a manifest an image the scanner can read: a container config and tar layers matching diff_ids. */
export function checkImageManifest(m: ImageManifest, config: ImageConfig, what: string): void {
  if (m.config.mediaType !== MEDIA.ociConfig && m.config.mediaType !== MEDIA.dockerConfig) {
    throw new SourceError('unsupported-media-type', `${what} is not a container image (config media type ${m.config.mediaType})`);
  }
  for (const l of m.layers) {
    if (!LAYER_TYPES.test(l.mediaType)) throw new SourceError('unsupported-media-type', `${what}: layer ${l.digest} has unsupported media type ${l.mediaType}`);
  }
  if (config.rootfs.diff_ids.length !== m.layers.length) {
    throw new SourceError('bad-config', `${what}: config lists ${config.rootfs.diff_ids.length} diff_ids for ${m.layers.length} layers`);
  }
}
