// Does a pattern from an ignore entry or a VEX product name the scanned image?
import { PackageURL } from 'packageurl-js';
import { parseImageReference } from '../image-reference.js';

export interface ImageIdentity {
  /** As the user typed it */
  reference: string;
  /** Resolved manifest digest, when known */
  digest?: string;
}

function digestsOf(image: ImageIdentity): Set<string> {
  const out = new Set<string>();
  if (image.digest) out.add(image.digest.toLowerCase());
  const d = parseImageReference(image.reference)?.digest;
  if (d) out.add(d.toLowerCase());
  return out;
}

function globMatch(glob: string, text: string): boolean {
  const body = glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i').test(text);
}

/**
 * Ignore entries' `image:` field: a glob ("ghcr.io/org/*", "nginx:1.*") matched against the reference as typed
 * and against its normalised form ("docker.io/library/nginx:1.25"), or a bare digest "sha256:...".
 */
export function imageGlobMatches(pattern: string, image: ImageIdentity): boolean {
  const p = pattern.trim();
  if (/^[a-z0-9]+:[a-f0-9]{32,}$/i.test(p)) return digestsOf(image).has(p.toLowerCase());
  if (globMatch(p, image.reference)) return true;
  const parsed = parseImageReference(image.reference);
  if (!parsed) return false;
  const base = `${parsed.registry}/${parsed.repository}`;
  const forms = [base, parsed.tag ? `${base}:${parsed.tag}` : `${base}:latest`];
  if (parsed.digest) forms.push(`${base}@${parsed.digest}`);
  return forms.some((f) => globMatch(p, f));
}

/** An OpenVEX product naming an image: pkg:oci/NAME@DIGEST?repository_url=... or a plain image reference. */
export function isImageProduct(id: string): boolean {
  if (id.startsWith('pkg:')) return id.startsWith('pkg:oci/') || id.startsWith('pkg:docker/');
  return parseImageReference(id) !== undefined;
}

export function vexProductMatchesImage(id: string, image: ImageIdentity, purl: PackageURL | undefined): boolean {
  const digests = digestsOf(image);
  const parsed = parseImageReference(image.reference);
  if (purl && (purl.type === 'oci' || purl.type === 'docker')) {
    // pkg:oci versions are manifest digests: the strongest identity there is.
    if (purl.version) return digests.has(purl.version.toLowerCase());
    if (!parsed) return false;
    const repoUrl = (purl.qualifiers as Record<string, string> | undefined)?.['repository_url'];
    if (repoUrl) {
      const r = parseImageReference(repoUrl);
      return r !== undefined && r.registry === parsed.registry && r.repository === parsed.repository;
    }
    const last = parsed.repository.split('/').pop() ?? '';
    return last.toLowerCase() === purl.name.toLowerCase();
  }
  const stated = parseImageReference(id);
  if (!stated || !parsed) return false;
  if (stated.digest) return digests.has(stated.digest.toLowerCase());
  if (stated.registry !== parsed.registry || stated.repository !== parsed.repository) return false;
  return stated.tag === undefined || stated.tag === parsed.tag;
}
