// Remediation advice: which upgrades remove the most risk. Findings are grouped by the upgrade that fixes them
// (distro findings by source package, since one source upgrade replaces all its binary packages), and groups are
// sorted by the severity-weighted number of distinct advisories they remove.
import type { Finding, Severity } from '../types.js';
import { isActive, isFixable } from '../policy/findings.js';
import { compareSeverityDesc, severityRank, severityWeight, SEVERITIES } from '../policy/severity.js';
import { compareVersions as compareByEcosystem } from '../versions/index.js';

export interface RemediationGroup {
  /** What to upgrade: the source package for OS packages, else the package itself */
  package: string;
  ecosystem: string;
  installedVersion: string;
  /** The version to upgrade to: the highest fixed version among the group's findings */
  fixedVersion: string;
  /** The installed packages the upgrade replaces (binary packages of a source package) */
  packages: string[];
  /** Distinct advisories removed, most severe first */
  vulnerabilities: { id: string; severity: Severity }[];
  bySeverity: Partial<Record<Severity, number>>;
  /** Sum of severity weights: the sort key */
  weight: number;
}

/** Orders two versions of one ecosystem (<0, 0, >0). The matcher's orderings fit here. */
export type VersionComparator = (ecosystem: string, a: string, b: string) => number;

export interface RemediationOptions {
  /**
   * Orders fixed versions so that all fixes for one installed package merge into one upgrade to the highest fixed
   * version. Defaults to the scanner's ecosystem orderings (versions/). Where it cannot order a version (unknown
   * ecosystem, unparsable version) each distinct fixed version stays its own group: comparing as strings would
   * put 3.0.9 after 3.0.13.
   */
  compareVersions?: VersionComparator;
}

export function remediationGroups(findings: readonly Finding[], options: RemediationOptions = {}): RemediationGroup[] {
  const cmp = options.compareVersions ?? compareByEcosystem;
  const orderable = (ecosystem: string, v: string): boolean => {
    try {
      cmp(ecosystem, v, v);
      return true;
    } catch {
      return false;
    }
  };
  const groups = new Map<string, { g: RemediationGroup; vulns: Map<string, Severity>; pkgs: Set<string> }>();
  for (const f of findings) {
    if (!isActive(f) || !isFixable(f)) continue;
    const target = f.sourcePackage ?? f.package;
    const fixed = (f.fixedVersion ?? '').trim();
    const merge = orderable(f.ecosystem, fixed);
    const key = JSON.stringify([f.ecosystem, target, f.installedVersion, merge ? '' : fixed]);
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        g: { package: target, ecosystem: f.ecosystem, installedVersion: f.installedVersion, fixedVersion: fixed, packages: [], vulnerabilities: [], bySeverity: {}, weight: 0 },
        vulns: new Map(),
        pkgs: new Set(),
      };
      groups.set(key, entry);
    } else if (merge && cmp(f.ecosystem, fixed, entry.g.fixedVersion) > 0) {
      entry.g.fixedVersion = fixed;
    }
    entry.pkgs.add(f.package);
    // One advisory on several binary packages is one fix; keep its highest severity.
    const prev = entry.vulns.get(f.id);
    if (prev === undefined || severityRank(f.severity) > severityRank(prev)) entry.vulns.set(f.id, f.severity);
  }
  const out: RemediationGroup[] = [];
  for (const { g, vulns, pkgs } of groups.values()) {
    g.packages = [...pkgs].sort();
    g.vulnerabilities = [...vulns].map(([id, severity]) => ({ id, severity })).sort((a, b) => compareSeverityDesc(a.severity, b.severity) || a.id.localeCompare(b.id));
    for (const v of g.vulnerabilities) {
      g.bySeverity[v.severity] = (g.bySeverity[v.severity] ?? 0) + 1;
      g.weight += severityWeight(v.severity);
    }
    out.push(g);
  }
  return out.sort((a, b) => b.weight - a.weight || b.vulnerabilities.length - a.vulnerabilities.length || a.package.localeCompare(b.package) || a.fixedVersion.localeCompare(b.fixedVersion));
}

/** "upgrade openssl 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1 fixes 4 (2 critical)" */
export function describeRemediation(g: RemediationGroup): string {
  const serious = SEVERITIES.filter((s) => s === 'CRITICAL' || s === 'HIGH')
    .map((s) => [s, g.bySeverity[s] ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s.toLowerCase()}`);
  return `upgrade ${g.package} ${g.installedVersion} → ${g.fixedVersion} fixes ${g.vulnerabilities.length}${serious.length ? ` (${serious.join(', ')})` : ''}`;
}

/** Unsuppressed findings no upgrade can fix yet */
export function unfixableCount(findings: readonly Finding[]): number {
  return findings.filter((f) => isActive(f) && !isFixable(f)).length;
}
