// Severity ratings of an advisory, each kept apart and labelled with where it came from: vendor ratings
// (Debian urgency, Ubuntu priority, GitHub's reviewed severity) and CVSS vectors with their computed base scores.
// The finding's severity is chosen from them: vendor first, else CVSS v4 > v3 > v2 (the first with a known band).
import type { Severity, SeverityRating } from '../types.js';
import { scoreCvss, severityBand } from './cvss.js';
import type { OsvSeverity } from './osv-schema.js';

export const SOURCE_DEBIAN = 'Debian urgency';
export const SOURCE_UBUNTU = 'Ubuntu priority';
export const SOURCE_GHSA = 'GHSA';

const DEBIAN_URGENCY: Record<string, Severity> = { unimportant: 'LOW', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };
const UBUNTU_PRIORITY: Record<string, Severity> = { negligible: 'LOW', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };
const GHSA_SEVERITY: Record<string, Severity> = { LOW: 'LOW', MODERATE: 'MEDIUM', MEDIUM: 'MEDIUM', HIGH: 'HIGH', CRITICAL: 'CRITICAL' };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined;
}

/** Debian urgency ("low", "medium**", "not yet assigned", "end-of-life", ...) as a rating, when it has a band. */
export function debianUrgencyRating(urgency: string): SeverityRating | undefined {
  const key = urgency.trim().replace(/\*+$/, '').toLowerCase();
  const severity = DEBIAN_URGENCY[key];
  return severity ? { severity, source: SOURCE_DEBIAN, vendorValue: key } : undefined;
}

export function ubuntuPriorityRating(priority: string): SeverityRating | undefined {
  const key = priority.trim().toLowerCase();
  const severity = UBUNTU_PRIORITY[key];
  return severity ? { severity, source: SOURCE_UBUNTU, vendorValue: key } : undefined;
}

/** Ratings from an OSV severity[] list (record level or affected level). */
export function ratingsFromSeverityList(list: readonly OsvSeverity[] | null | undefined): SeverityRating[] {
  const out: SeverityRating[] = [];
  for (const s of list ?? []) {
    if (s.type === 'Ubuntu') {
      const r = ubuntuPriorityRating(s.score);
      if (r) out.push(r);
      continue;
    }
    const c = scoreCvss(s.type, s.score);
    const rating: SeverityRating = { severity: severityBand(c.score), source: s.type, vector: c.vector };
    if (c.score !== undefined) rating.score = c.score;
    out.push(rating);
  }
  return out;
}

/** Vendor ratings carried in ecosystem_specific / database_specific maps. */
export function ratingsFromSpecific(...maps: (Record<string, unknown> | undefined)[]): SeverityRating[] {
  const out: SeverityRating[] = [];
  for (const m of maps) {
    if (!m) continue;
    const urgency = str(m.urgency);
    if (urgency) {
      const r = debianUrgencyRating(urgency);
      if (r) out.push(r);
    }
    const priority = str(m.ubuntu_priority);
    if (priority) {
      const r = ubuntuPriorityRating(priority);
      if (r) out.push(r);
    }
  }
  return out;
}

/** GitHub's reviewed severity (database_specific.severity on GHSA records). */
export function ghsaRating(databaseSpecific: Record<string, unknown> | undefined): SeverityRating | undefined {
  const s = str(databaseSpecific?.severity);
  const severity = s ? GHSA_SEVERITY[s.toUpperCase()] : undefined;
  return severity && s ? { severity, source: SOURCE_GHSA, vendorValue: s.toUpperCase() } : undefined;
}

const CVSS_PREFERENCE = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

/** Removes exact duplicates (same source, vector and severity), keeping the first. */
export function dedupeRatings(ratings: SeverityRating[]): SeverityRating[] {
  const seen = new Set<string>();
  return ratings.filter((r) => {
    const k = `${r.source}\u0000${r.vector ?? r.vendorValue ?? ''}\u0000${r.severity}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The rating that decides a finding's severity: vendor first, else CVSS v4 > v3 > v2, each only with a known band. */
export function chooseRating(ratings: readonly SeverityRating[]): SeverityRating | undefined {
  const known = ratings.filter((r) => r.severity !== 'UNKNOWN');
  const vendor = known.find((r) => !r.source.startsWith('CVSS_'));
  if (vendor) return vendor;
  for (const source of CVSS_PREFERENCE) {
    const withSource = known.filter((r) => r.source === source);
    // several vectors of one version (e.g. NVD and a CNA): take the highest score
    const best = withSource.sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0];
    if (best) return best;
  }
  return undefined;
}
