// Package URL comparison for suppressions. A VEX or ignore entry usually names a package more loosely than the
// scanner does (no qualifiers, sometimes no version), so matching is "the pattern's parts agree with the finding's".
import { PackageURL } from 'packageurl-js';

export function parsePurl(text: string): PackageURL | undefined {
  if (!text.startsWith('pkg:') || text.length > 4096) return undefined;
  try {
    return PackageURL.fromString(text);
  } catch {
    return undefined;
  }
}

const same = (a: string | undefined | null, b: string | undefined | null) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/**
 * True when `candidate` is the package `pattern` names: type, namespace and name agree (case-insensitively);
 * the version agrees when the pattern has one; qualifiers agree where both carry the same key (so
 * "pkg:deb/debian/openssl" matches "pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12", but an
 * arch=arm64 pattern does not match an amd64 package). Subpaths are ignored.
 */
export function purlMatches(pattern: PackageURL, candidate: PackageURL): boolean {
  if (!same(pattern.type, candidate.type) || !same(pattern.namespace, candidate.namespace) || !same(pattern.name, candidate.name)) return false;
  if (pattern.version && pattern.version !== candidate.version) return false;
  const pq = (pattern.qualifiers ?? {}) as Record<string, string>;
  const cq = (candidate.qualifiers ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(pq)) {
    if (Object.prototype.hasOwnProperty.call(cq, k) && cq[k] !== v) return false;
  }
  return true;
}
