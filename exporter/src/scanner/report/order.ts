// Orderings and short forms shared by every report format, so the table and the JSON list findings alike.
import type { Finding } from '../types.js';
import { compareSeverityDesc } from '../policy/severity.js';
import { cleanText } from '../policy/text.js';

/** "sha256:1f3b2c4d5e6f…" → "1f3b2c4d5e6f" */
export function shortDigest(digest: string | undefined, n = 12): string {
  if (!digest) return '-';
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return cleanText(hex.slice(0, n), n);
}

/** Severity first, then package, then id: the order readers scan a findings table in. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => compareSeverityDesc(a.severity, b.severity) || a.package.localeCompare(b.package) || a.id.localeCompare(b.id) || a.installedVersion.localeCompare(b.installedVersion));
}
