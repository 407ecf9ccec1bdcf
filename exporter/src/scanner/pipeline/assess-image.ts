// The second half of a scan, pure and synchronous: catalogued packages -> findings (matched against the
// vulnerability database, grouped per vulnerability) -> suppressions (VEX, ignore list) -> policies, plus whether
// the result is complete. The same catalogued image can be assessed again against a newer database.
import { matchPackages, newMatchStats, type MatchProblem, type MatchStats } from '../match/index.js';
import { applySuppressions, defaultPolicyConfig, evaluatePolicies, type IgnoreEntry, type PolicyConfig, type PolicyResult, type VexDocument } from '../policy/index.js';
import type { DbMetadata, ScanResult } from '../report/types.js';
import type { VulnDb, VulnDbMeta } from '../vulndb/index.js';
import type { CatalogedImage } from './catalog-image.js';
import { assessCompleteness, type Completeness } from './completeness.js';
import { groupFindings } from './group-findings.js';

export interface AssessmentInputs {
  db: Pick<VulnDb, 'lookup' | 'meta'>;
  policy?: PolicyConfig;
  ignore?: readonly IgnoreEntry[];
  vex?: readonly VexDocument[];
  now?: Date;
}

export interface Assessment {
  /** With suppressions applied; feed it to renderTable / toJsonReport / toCycloneDx */
  result: ScanResult;
  policies: PolicyResult[];
  completeness: Completeness;
  match: MatchStats;
  /** The first problems the matcher reported (all are counted in match.problems) */
  matchProblems: MatchProblem[];
  /** Advisory findings before grouping per vulnerability */
  rawFindings: number;
  /** The database generation this assessment used */
  dbDigest: string;
}

const MAX_PROBLEMS_KEPT = 100;

export function dbMetadata(meta: VulnDbMeta): DbMetadata {
  return { builtAt: meta.builtAt, newestModified: meta.newestModified ?? meta.builtAt, digest: meta.digest };
}

export function assessImage(cataloged: CatalogedImage, inputs: AssessmentInputs): Assessment {
  const now = inputs.now ?? new Date();
  const image = cataloged.image;
  const stats = newMatchStats();
  const problems: MatchProblem[] = [];
  const matched = matchPackages(inputs.db, image.os, image.packages, {
    stats,
    onProblem: (p) => {
      if (problems.length < MAX_PROBLEMS_KEPT) problems.push(p);
    },
  });
  const grouped = groupFindings(matched);
  const suppression = applySuppressions(grouped, {
    ignore: inputs.ignore ?? [],
    vex: inputs.vex ?? [],
    image: { reference: image.reference, ...(image.digest ? { digest: image.digest } : {}) },
    now,
  });
  const result: ScanResult = {
    image,
    findings: suppression.findings,
    db: dbMetadata(inputs.db.meta),
    scannedAt: now.toISOString(),
  };
  if ((inputs.ignore?.length ?? 0) > 0 || (inputs.vex?.length ?? 0) > 0) result.suppressions = suppression.summary;
  const policies = evaluatePolicies(result, inputs.policy ?? defaultPolicyConfig(), { now });
  const completeness = assessCompleteness({
    os: image.os,
    packages: image.packages,
    catalogErrors: cataloged.catalogErrors,
    match: stats,
    dbEcosystems: inputs.db.meta.ecosystems ?? {},
  });
  return { result, policies, completeness, match: stats, matchProblems: problems, rawFindings: matched.length, dbDigest: inputs.db.meta.digest };
}
