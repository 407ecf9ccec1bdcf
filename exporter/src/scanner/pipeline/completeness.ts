// Whether a scan looked at everything it should have. "0 vulnerabilities" is only a clean result when the OS was
// identified, every cataloger ran, every package could be matched, and the database holds data for the ecosystems
// the image uses. Anything else is reported as incomplete, with the reasons, and never as clean.
import type { InstalledPackage, OsInfo } from '../types.js';
import { matchEcosystem, type MatchStats } from '../match/index.js';
import type { FilesystemScan } from '../catalog/scan-filesystem.js';
import type { ScanCompleteness } from '../report/types.js';

/** See ScanCompleteness (report/types.ts): reasons for the banner and the JSON report, unchecked for the table. */
export type Completeness = ScanCompleteness;

export interface CompletenessInput {
  os: OsInfo | undefined;
  packages: readonly InstalledPackage[];
  catalogErrors: FilesystemScan['errors'];
  match: MatchStats;
  /** Records per ecosystem in the vulnerability database (VulnDbMeta.ecosystems) */
  dbEcosystems: Readonly<Record<string, number>>;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function assessCompleteness(input: CompletenessInput): Completeness {
  const reasons: string[] = [];
  const unchecked: string[] = [];
  // Each gap is said twice: as a reason (why the scan is incomplete) and as what was not checked because of it.
  const gap = (reason: string, notChecked: string): void => {
    reasons.push(reason);
    unchecked.push(notChecked);
  };
  if (!input.os) {
    gap(
      'the OS could not be identified (no os-release or distribution release file): OS packages were not checked',
      'OS packages were not checked: the OS could not be identified',
    );
  }
  for (const e of input.catalogErrors) {
    gap(`the ${e.cataloger} cataloger failed (${e.message}): its packages were not checked`, `packages of the ${e.cataloger} cataloger were not checked: it failed (${e.message})`);
  }
  const p = input.match.problems;
  const n = p['no-ecosystem'];
  if (n > 0) {
    gap(
      `${plural(n, 'package')} could not be matched: no OSV release ecosystem is known for them`,
      `${plural(n, 'package')} ${n === 1 ? 'was' : 'were'} not checked: no OSV release ecosystem is known for ${n === 1 ? 'it' : 'them'}`,
    );
  }
  const u = p['unsupported-ecosystem'];
  if (u > 0) {
    gap(
      `${plural(u, 'package')} ${u === 1 ? 'is in an ecosystem' : 'are in ecosystems'} Vigil cannot order versions for`,
      `${plural(u, 'package')} ${u === 1 ? 'was' : 'were'} not checked: Vigil cannot order versions in ${u === 1 ? 'its ecosystem' : 'their ecosystems'}`,
    );
  }
  const v = p['invalid-version'];
  if (v > 0) {
    gap(
      `${plural(v, 'package')} ${v === 1 ? 'has a version' : 'have versions'} that cannot be read, so ${v === 1 ? 'it was' : 'they were'} not checked`,
      `${plural(v, 'package')} ${v === 1 ? 'was' : 'were'} not checked: ${v === 1 ? 'its version' : 'their versions'} cannot be read`,
    );
  }

  // Ecosystems the image needs that the database knows nothing about: matching them found nothing by construction.
  const needed = new Map<string, number>();
  for (const pkg of input.packages) {
    const eco = matchEcosystem(pkg, input.os);
    if (eco) needed.set(eco, (needed.get(eco) ?? 0) + 1);
  }
  const missing = [...needed.entries()].filter(([eco]) => !(input.dbEcosystems[eco] && input.dbEcosystems[eco] > 0));
  missing.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [eco, count] of missing) {
    gap(
      `the vulnerability database has no records for ${eco} (${plural(count, 'package')} in the image): import that ecosystem's data`,
      `${plural(count, `${eco} package`)} ${count === 1 ? 'was' : 'were'} not checked: the vulnerability database has no records for ${eco}`,
    );
  }
  return { complete: reasons.length === 0, reasons, unchecked };
}
