// The compact advisory the index stores: one per (record, ecosystem, package), holding only what matching and
// reporting need. Severity ratings are computed once at import time. GIT ranges are dropped (Vigil matches
// packages by version, not commits) and counted.
import type { SeverityRating } from '../types.js';
import type { OsvRecord } from './osv-schema.js';
import { dedupeRatings, ghsaRating, ratingsFromSeverityList, ratingsFromSpecific } from './severity.js';

export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface AdvisoryRange {
  type: 'SEMVER' | 'ECOSYSTEM';
  events: RangeEvent[];
}

/** What the vendor says about a vulnerable version that has no fix (Debian/Ubuntu tracker data). */
export type VendorStatus = 'will-not-fix' | 'deferred' | 'end-of-life';

export interface AffectedPackage {
  ranges: AdvisoryRange[];
  versions: string[];
  /** ratings specific to this package entry (e.g. Debian urgency per release) */
  ratings: SeverityRating[];
  status?: VendorStatus;
}

export interface Advisory {
  id: string;
  modified: string;
  published?: string;
  aliases: string[];
  upstream: string[];
  related: string[];
  summary?: string;
  /** ecosystem and package name exactly as the record writes them */
  ecosystem: string;
  package: string;
  purl?: string;
  affected: AffectedPackage[];
  /** record-level ratings (CVSS vectors, Ubuntu severity, GHSA severity) */
  ratings: SeverityRating[];
  references: string[];
}

export interface CompactResult {
  /** index key -> advisory */
  advisories: Map<string, Advisory>;
  gitRangesIgnored: number;
  /** affected entries without a package (commit-only data) */
  packagelessAffected: number;
}

const MAX_REFERENCES = 12;
const MAX_SUMMARY = 300;

/** PEP 503 name normalisation: runs of -, _, . become one '-', lower case. */
export function normalizePyPiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The index key for a package: ecosystem + name, the name normalised the way the ecosystem compares names. */
export function packageKey(ecosystem: string, name: string): string {
  const base = ecosystem.split(':', 1)[0] ?? ecosystem;
  const n = base === 'PyPI' ? normalizePyPiName(name) : name;
  return `${ecosystem}\u0000${n}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v.trim().toLowerCase() : undefined;
}

/** The vendor's statement about an unfixed version, from the fields the Debian and Ubuntu data use. */
export function vendorStatus(...maps: (Record<string, unknown> | undefined)[]): VendorStatus | undefined {
  for (const m of maps) {
    if (!m) continue;
    // Debian security tracker: urgency "end-of-life"; nodsa_reason "ignored" / "postponed"
    if (str(m.urgency) === 'end-of-life') return 'end-of-life';
    const nodsa = str(m.nodsa_reason);
    if (nodsa === 'ignored') return 'will-not-fix';
    if (nodsa === 'postponed') return 'deferred';
    const status = str(m.status) ?? str(m.fix_status);
    if (status) {
      if (['will-not-fix', 'will_not_fix', 'wontfix', 'wont-fix', 'ignored'].includes(status)) return 'will-not-fix';
      if (['deferred', 'postponed', 'fix_deferred'].includes(status)) return 'deferred';
      if (['end-of-life', 'end_of_life', 'eol'].includes(status)) return 'end-of-life';
    }
  }
  return undefined;
}

function summaryOf(record: OsvRecord): string | undefined {
  const s = record.summary?.trim() || record.details?.trim().split('\n', 1)[0]?.trim();
  if (!s) return undefined;
  return s.length > MAX_SUMMARY ? s.slice(0, MAX_SUMMARY - 1) + '…' : s;
}

/** Turns one validated, non-withdrawn record into compact advisories keyed by package. */
export function compactRecord(record: OsvRecord): CompactResult {
  const out = new Map<string, Advisory>();
  let gitRangesIgnored = 0;
  let packagelessAffected = 0;
  const recordRatings = dedupeRatings([
    ...ratingsFromSeverityList(record.severity),
    ...(record.id.startsWith('GHSA-') || record.database_specific?.github_reviewed !== undefined
      ? [ghsaRating(record.database_specific)].filter((r): r is SeverityRating => r !== undefined)
      : []),
  ]);
  const summary = summaryOf(record);
  const references = (record.references ?? []).slice(0, MAX_REFERENCES).map((r) => r.url);
  for (const a of record.affected ?? []) {
    const ranges: AdvisoryRange[] = [];
    for (const r of a.ranges ?? []) {
      if (r.type === 'GIT') {
        gitRangesIgnored++;
        continue;
      }
      const events = r.events.map((e): RangeEvent => {
        if (e.introduced !== undefined) return { introduced: e.introduced };
        if (e.fixed !== undefined) return { fixed: e.fixed };
        if (e.last_affected !== undefined) return { last_affected: e.last_affected };
        return { limit: e.limit ?? '' };
      });
      ranges.push({ type: r.type, events });
    }
    if (!a.package) {
      packagelessAffected++;
      continue;
    }
    const versions = a.versions ?? [];
    if (ranges.length === 0 && versions.length === 0) continue;
    const affected: AffectedPackage = {
      ranges,
      versions,
      ratings: dedupeRatings([...ratingsFromSpecific(a.ecosystem_specific, a.database_specific), ...ratingsFromSeverityList(a.severity)]),
    };
    const status = vendorStatus(a.ecosystem_specific, a.database_specific);
    if (status) affected.status = status;
    const key = packageKey(a.package.ecosystem, a.package.name);
    const existing = out.get(key);
    if (existing) {
      existing.affected.push(affected);
      continue;
    }
    const adv: Advisory = {
      id: record.id,
      modified: record.modified,
      aliases: record.aliases ?? [],
      upstream: record.upstream ?? [],
      related: record.related ?? [],
      ecosystem: a.package.ecosystem,
      package: a.package.name,
      affected: [affected],
      ratings: recordRatings,
      references,
    };
    if (record.published) adv.published = record.published;
    if (summary) adv.summary = summary;
    if (a.package.purl) adv.purl = a.package.purl;
    out.set(key, adv);
  }
  return { advisories: out, gitRangesIgnored, packagelessAffected };
}
