// Which scanner list entry is a running container's image (pure). The container side comes from vigil node's
// vigil_container_info (image, image_digest as the runtime reports them); the scanner side from GET /api/v1/images,
// validated by scannerApi.ts.
import type { ImageListEntry } from './scannerTypes';

/** The bare `sha256:…` of a runtime digest (`docker-pullable://repo@sha256:…`, `repo@sha256:…`), if any. */
export function bareDigest(d: string | undefined | null): string | undefined {
  if (!d) return undefined;
  const m = /(sha256:[0-9a-f]{64})/.exec(d);
  return m ? m[1] : undefined;
}

/** docker.io/library/x:1 and x:1 name one image; compare in a canonical form. */
export function canonicalRef(ref: string): string {
  let r = ref.trim();
  const slash = r.indexOf('/');
  const first = slash < 0 ? '' : r.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!hasRegistry) r = `docker.io/${r}`;
  if (r.startsWith('docker.io/') && r.slice('docker.io/'.length).indexOf('/') < 0) r = `docker.io/library/${r.slice('docker.io/'.length)}`;
  const lastPart = r.slice(r.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) r += ':latest';
  return r;
}

/**
 * The scanner's entry for a container's image: by digest first (a tag can move, a digest cannot; any digest the
 * scanner knows the image under counts, since runtimes report the index or the manifest digest), else by reference.
 */
export function matchImage(images: readonly ImageListEntry[], image: string | undefined, digest: string | undefined): ImageListEntry | undefined {
  const d = bareDigest(digest) ?? bareDigest(image);
  if (d) {
    const hit = images.find((i) => [i.digest, i.manifestDigest, i.indexDigest, i.configDigest, i.id].some((x) => bareDigest(x) === d));
    if (hit) return hit;
  }
  if (!image) return undefined;
  const want = canonicalRef(image);
  return images.find((i) => [i.ref, ...i.refs].some((r) => canonicalRef(r) === want));
}
