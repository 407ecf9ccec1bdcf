// Parses the image references users type: registry references as docker understands them (docker.io default,
// library/ for single names, tag "latest" when neither tag nor digest is given) and the transports skopeo uses
// (oci:DIR[:tag], oci-archive:FILE[:tag], docker-archive:FILE[:name:tag], containers-storage:NAME).
import { SourceError } from './errors.js';

export type ImageReference =
  | { transport: 'registry'; registry: string; repository: string; tag?: string; digest?: string; normalized: string }
  | { transport: 'oci'; path: string; tag?: string; normalized: string }
  | { transport: 'oci-archive'; path: string; tag?: string; normalized: string }
  | { transport: 'docker-archive'; path: string; ref?: string; normalized: string }
  | { transport: 'containers-storage'; name: string; normalized: string };

export const DOCKER_HUB = 'docker.io';

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
// Distribution's repository name grammar: lowercase components separated by '/', with . _ __ - as separators inside.
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

// An image name, tag, digest or id as podman takes it: it starts with a letter or digit (never '-', so it can never
// be read as an option) and holds only the characters references use; an IPv6 registry host may come first.
const CONTAINERS_STORAGE_NAME = /^(?:\[[0-9a-fA-F:]+\](?::\d{1,5})?\/)?[A-Za-z0-9][A-Za-z0-9._\-/:@+]*$/;
const MAX_CONTAINERS_STORAGE_NAME = 1024;

/** Whether `name` is safe to hand to podman as an image name or id (see CONTAINERS_STORAGE_NAME). */
export function isContainersStorageName(name: string): boolean {
  return name.length <= MAX_CONTAINERS_STORAGE_NAME && CONTAINERS_STORAGE_NAME.test(name);
}

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

function splitTag(path: string): { path: string; tag?: string } {
  // A tag follows the last ':' when no '/' follows it (a ':' earlier is part of the path).
  const i = path.lastIndexOf(':');
  if (i > 0 && !path.slice(i + 1).includes('/') && TAG.test(path.slice(i + 1))) return { path: path.slice(0, i), tag: path.slice(i + 1) };
  return { path };
}

export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref === '' || ref.length > 4096) throw new SourceError('bad-reference', `invalid image reference ${JSON.stringify(input.slice(0, 100))}`);
  if (ref.startsWith('oci:') || ref.startsWith('oci-archive:')) {
    const transport = ref.startsWith('oci:') ? 'oci' : 'oci-archive';
    const rest = ref.slice(transport.length + 1);
    const { path, tag } = splitTag(rest);
    if (path === '') throw new SourceError('bad-reference', `${transport}: needs a path`);
    return { transport, path, ...(tag ? { tag } : {}), normalized: `${transport}:${path}${tag ? `:${tag}` : ''}` };
  }
  if (ref.startsWith('docker-archive:')) {
    const rest = ref.slice('docker-archive:'.length);
    // docker-archive:FILE or docker-archive:FILE:name:tag (skopeo's form); a path with ':' in it is not supported.
    const i = rest.indexOf(':');
    const path = i < 0 ? rest : rest.slice(0, i);
    const inner = i < 0 ? undefined : rest.slice(i + 1);
    if (path === '') throw new SourceError('bad-reference', 'docker-archive: needs a file');
    return { transport: 'docker-archive', path, ...(inner ? { ref: inner } : {}), normalized: `docker-archive:${rest}` };
  }
  if (ref.startsWith('containers-storage:')) {
    const name = ref.slice('containers-storage:'.length);
    if (name === '') throw new SourceError('bad-reference', 'containers-storage: needs an image name or id');
    if (!isContainersStorageName(name)) {
      throw new SourceError('bad-reference', `containers-storage: ${JSON.stringify(name.slice(0, 100))} is not an image name or id (letters, digits and . _ - / : @ +, starting with a letter or digit)`);
    }
    return { transport: 'containers-storage', name, normalized: ref };
  }
  return parseRegistryReference(ref.startsWith('docker://') ? ref.slice('docker://'.length) : ref);
}

function parseRegistryReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new SourceError('bad-reference', `invalid digest in ${JSON.stringify(ref)}`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new SourceError('bad-reference', `invalid tag ${JSON.stringify(tag)} in ${JSON.stringify(ref)}`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    registry = first;
    parts.shift();
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p)) || repository.length > 255) {
    throw new SourceError('bad-reference', `invalid repository name ${JSON.stringify(repository)} in ${JSON.stringify(ref)}`);
  }
  if (!tag && !digest) tag = 'latest';
  const normalized = `${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { transport: 'registry', registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), normalized };
}
