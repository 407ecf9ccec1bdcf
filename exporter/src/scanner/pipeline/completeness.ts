// Whether a scan looked at everything it should have. "0 vulnerabilities" is only a clean result when the OS was
// identified, every cataloger ran, every package could be matched, and the database holds data for the ecosystems
// the image uses. Anything else is reported as incomplete, with the reasons, and never as clean.
import type { InstalledPackage, OsInfo } from '../types.js';
import { matchEcosystem, type MatchStats } from '../match/index.js';
import type { FilesystemScan } from '../catalog/scan-filesystem.js';

export interface Completeness {
  complete: boolean;
  /** Human sentences, most important first; empty when complete */
  reasons: string[];
}

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
  if (!input.os) {
    reasons.push('the OS could not be identified (no os-release or distribution release file): OS packages were not checked');
  }
  for (const e of input.catalogErrors) reasons.push(`the ${e.cataloger} cataloger failed (${e.message}): its packages were not checked`);
  const p = input.match.problems;
  if (p['no-ecosystem'] > 0) reasons.push(`${plural(p['no-ecosystem'], 'package')} could not be matched: no OSV release ecosystem is known for them`);
  const u = p['unsupported-ecosystem'];
  if (u > 0) reasons.push(`${plural(u, 'package')} ${u === 1 ? 'is in an ecosystem' : 'are in ecosystems'} Vigil cannot order versions for`);
  const v = p['invalid-version'];
  if (v > 0) reasons.push(`${plural(v, 'package')} ${v === 1 ? 'has a version' : 'have versions'} that cannot be read, so ${v === 1 ? 'it was' : 'they were'} not checked`);

  // Ecosystems the image needs that the database knows nothing about: matching them found nothing by construction.
  const needed = new Map<string, number>();
  for (const pkg of input.packages) {
    const eco = matchEcosystem(pkg, input.os);
    if (eco) needed.set(eco, (needed.get(eco) ?? 0) + 1);
  }
  const missing = [...needed.entries()].filter(([eco]) => !(input.dbEcosystems[eco] && input.dbEcosystems[eco] > 0));
  missing.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [eco, n] of missing) {
    reasons.push(`the vulnerability database has no records for ${eco} (${plural(n, 'package')} in the image): import that ecosystem's data`);
  }
  return { complete: reasons.length === 0, reasons };
}
