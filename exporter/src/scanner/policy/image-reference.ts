// Splits an image reference the way container runtimes do (distribution/reference rules), so that policies can
// ask "is it pinned by digest?", "which registry?" about exactly what the user typed.

export interface ParsedReference {
  /** Lower-cased registry host[:port]; Docker Hub's aliases are folded into "docker.io". */
  registry: string;
  /** Repository path inside the registry; Docker Hub's single names get "library/". */
  repository: string;
  /** Absent when the reference names no tag (runtimes then pull "latest" unless a digest is given). */
  tag?: string;
  /** "sha256:<hex>" when the reference pins one */
  digest?: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/;

export type LocalTransport = 'oci' | 'oci-archive' | 'docker-archive' | 'containers-storage';

/**
 * Sources that are read from local files or a local store instead of being pulled from a registry, spelled as
 * `vigil scan` takes them. Recognised by prefix, exactly as the sources' parseReference does.
 */
const LOCAL_TRANSPORTS: Record<`${LocalTransport}:`, string> = {
  'oci:': 'an OCI layout directory',
  'oci-archive:': 'an OCI archive',
  'docker-archive:': 'a docker archive',
  'containers-storage:': "podman's local image store",
};

/** The local transport a reference names, with a phrase for reports; undefined for a registry reference. */
export function localTransport(reference: string): { transport: LocalTransport; description: string } | undefined {
  const ref = reference.trim();
  for (const [prefix, description] of Object.entries(LOCAL_TRANSPORTS)) {
    if (ref.startsWith(prefix)) return { transport: prefix.slice(0, -1) as LocalTransport, description };
  }
  return undefined;
}

export function normalizeRegistry(host: string): string {
  const h = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(h) ? 'docker.io' : h;
}

/**
 * Parses a registry reference (skopeo's `docker://` prefix allowed); returns undefined when it is not a valid one
 * (the policy then says so). Local sources (localTransport) are not registry references and give undefined too.
 */
export function parseImageReference(reference: string): ParsedReference | undefined {
  const trimmed = reference.trim();
  const ref = trimmed.startsWith('docker://') ? trimmed.slice('docker://'.length) : trimmed;
  if (ref.length === 0 || ref.length > 4096 || /\s/.test(ref)) return undefined;

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }

  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))) {
    if (!HOST.test(first)) return undefined;
    registry = normalizeRegistry(first);
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) return undefined;
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');

  const out: ParsedReference = { registry, repository: parts.join('/') };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}
