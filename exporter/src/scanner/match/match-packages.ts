// Matches installed packages against the vulnerability index and turns hits into findings.
// OS packages are looked up by SOURCE package (dpkg Source, apk origin, rpm source name) in the release ecosystem
// and compared by source version (a binNMU "+bN" binary of a source version is that source version); language
// packages by name in their ecosystem. Bad input (unknown ecosystem, unreadable version, an advisory whose own
// versions cannot be ordered) is counted and skipped, never thrown.
import type { Finding, InstalledPackage, OsInfo, SeverityRating } from '../types.js';
import { InvalidVersionError, UnsupportedEcosystemError, type VersionOrdering, orderingFor } from '../versions/index.js';
import { type Advisory, type VulnDb, chooseRating } from '../vulndb/index.js';
import { isOsPackage, matchEcosystem } from './release-ecosystem.js';
import { type AffectedMatch, UnorderableAdvisoryError, matchAffected } from './ranges.js';

export type MatchProblemKind = 'no-ecosystem' | 'unsupported-ecosystem' | 'invalid-version' | 'unorderable-advisory';

export interface MatchProblem {
  kind: MatchProblemKind;
  package: string;
  version: string;
  ecosystem?: string;
  advisory?: string;
  reason: string;
}

export interface MatchStats {
  packages: number;
  lookups: number;
  advisoriesEvaluated: number;
  findings: number;
  problems: Record<MatchProblemKind, number>;
}

export interface MatchOptions {
  onProblem?: (p: MatchProblem) => void;
  /** filled in when given */
  stats?: MatchStats;
}

export function newMatchStats(): MatchStats {
  return {
    packages: 0,
    lookups: 0,
    advisoriesEvaluated: 0,
    findings: 0,
    problems: { 'no-ecosystem': 0, 'unsupported-ecosystem': 0, 'invalid-version': 0, 'unorderable-advisory': 0 },
  };
}

/** Debian binNMUs append "+bN" to the source version; the advisory's versions are source versions. */
export function dpkgSourceVersion(pkg: InstalledPackage): string {
  if (pkg.sourceVersion) return pkg.sourceVersion;
  return pkg.version.replace(/\+b\d+$/, '');
}

function comparedVersion(pkg: InstalledPackage): string {
  if (pkg.kind === 'dpkg') return dpkgSourceVersion(pkg);
  if (isOsPackage(pkg.kind)) return pkg.sourceVersion ?? pkg.version;
  return pkg.version;
}

function lookupName(pkg: InstalledPackage): string {
  return isOsPackage(pkg.kind) ? pkg.sourceName || pkg.name : pkg.name;
}

function dedupe(ratings: SeverityRating[]): SeverityRating[] {
  const seen = new Set<string>();
  return ratings.filter((r) => {
    const k = `${r.source}\u0000${r.vector ?? r.vendorValue ?? ''}\u0000${r.severity}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function toFinding(pkg: InstalledPackage, ecosystem: string, adv: Advisory, hit: AffectedMatch, entryRatings: SeverityRating[], status: Finding['status']): Finding {
  // package-entry ratings (Debian urgency for this release) come before record-level ones: vendor first
  const ratings = dedupe([...entryRatings, ...adv.ratings]);
  const chosen = chooseRating(ratings);
  const f: Finding = {
    id: adv.id,
    aliases: adv.aliases,
    upstream: adv.upstream,
    package: pkg.name,
    ecosystem,
    installedVersion: pkg.version,
    status,
    severity: chosen?.severity ?? 'UNKNOWN',
    severitySource: chosen?.source ?? 'none',
    ratings,
    layer: pkg.layer,
    purl: pkg.purl,
    references: adv.references,
  };
  if (adv.summary) f.summary = adv.summary;
  const name = lookupName(pkg);
  if (isOsPackage(pkg.kind) && pkg.sourceName) f.sourcePackage = name;
  if (hit.fixed !== undefined) f.fixedVersion = hit.fixed;
  if (chosen?.score !== undefined) f.score = chosen.score;
  return f;
}

/** Findings for every installed package affected by an advisory in the database. */
export function matchPackages(
  db: Pick<VulnDb, 'lookup'>,
  os: OsInfo | undefined,
  packages: readonly InstalledPackage[],
  opts: MatchOptions = {},
): Finding[] {
  const stats = opts.stats ?? newMatchStats();
  const report = (p: MatchProblem): void => {
    stats.problems[p.kind]++;
    opts.onProblem?.(p);
  };
  const findings: Finding[] = [];
  for (const pkg of packages) {
    stats.packages++;
    const ecosystem = matchEcosystem(pkg, os);
    if (!ecosystem) {
      report({ kind: 'no-ecosystem', package: pkg.name, version: pkg.version, reason: `no OSV release ecosystem for ${pkg.kind} package (${pkg.ecosystem || 'none'})` });
      continue;
    }
    let ordering: VersionOrdering;
    try {
      ordering = orderingFor(ecosystem);
    } catch (e) {
      if (!(e instanceof UnsupportedEcosystemError)) throw e;
      report({ kind: 'unsupported-ecosystem', package: pkg.name, version: pkg.version, ecosystem, reason: e.message });
      continue;
    }
    const version = comparedVersion(pkg);
    try {
      ordering.parse(version);
    } catch (e) {
      if (!(e instanceof InvalidVersionError)) throw e;
      report({ kind: 'invalid-version', package: pkg.name, version, ecosystem, reason: e.message });
      continue;
    }
    stats.lookups++;
    for (const adv of db.lookup(ecosystem, lookupName(pkg))) {
      stats.advisoriesEvaluated++;
      let hit: AffectedMatch = { affected: false };
      let entryRatings: SeverityRating[] = [];
      let status: Finding['status'] = 'affected';
      for (const entry of adv.affected) {
        let m: AffectedMatch;
        try {
          m = matchAffected(entry, version, ordering);
        } catch (e) {
          if (!(e instanceof UnorderableAdvisoryError || e instanceof InvalidVersionError)) throw e;
          report({ kind: 'unorderable-advisory', package: pkg.name, version, ecosystem, advisory: adv.id, reason: e.message });
          continue;
        }
        if (!m.affected) continue;
        // prefer an entry that names a fix
        if (!hit.affected || (hit.fixed === undefined && m.fixed !== undefined)) {
          hit = m;
          entryRatings = entry.ratings;
          status = m.fixed !== undefined ? 'fixed' : (entry.status ?? 'affected');
        }
      }
      if (hit.affected) findings.push(toFinding(pkg, ecosystem, adv, hit, entryRatings, status));
    }
  }
  stats.findings += findings.length;
  return findings;
}
