// Remediation advice for one image: which upgrades remove the most risk (pure). Findings are grouped by what one
// upgrade replaces — the source package for OS packages (one `openssl` upgrade replaces libssl3 and openssl), else
// the package — and each group's target is the fixed version that covers all of the group's findings: the highest.
//
// The scanner orders versions with each ecosystem's real rules and puts its own advice in the report
// (`remediation[]`); `remediationForReport` uses that when present. The browser has only the approximate
// comparator below, used when a report carries no advice (older scanner) or for findings the advice misses.
import { SEVERITIES, type Finding, type ImageReport, type Severity } from './scannerTypes';

export interface RemediationAdvice {
  /** What to upgrade: the source package for OS packages, else the package itself. */
  package: string;
  ecosystem: string;
  installedVersion: string;
  /** The version that fixes every finding of the group. */
  targetVersion: string;
  /** The installed packages the upgrade replaces. */
  packages: string[];
  /** Distinct advisories removed, most severe first. */
  vulnerabilities: Array<{ id: string; severity: Severity }>;
  bySeverity: Partial<Record<Severity, number>>;
  /** 'scanner': from the report (exact version order); 'approximate': grouped here with compareVersionsApprox. */
  source: 'scanner' | 'approximate';
}

export interface RemediationPlan {
  advice: RemediationAdvice[];
  /** Active findings no upgrade fixes yet. */
  unfixable: number;
}

export type VersionCompare = (a: string, b: string) => number;

/**
 * APPROXIMATE version order, after dpkg's algorithm: an optional numeric epoch (`1:`), then alternating runs of
 * non-digits (compared character by character, letters before other characters, `~` before everything, even the
 * end) and digits (compared as numbers, so 3.0.9 < 3.0.13). It is right for Debian/Ubuntu versions and for plain
 * dotted versions (semver releases, PyPI final releases, Go `v1.2.3`), and can be wrong for pre-release
 * conventions that differ from Debian's (`1.0.0-rc1` sorts after `1.0.0` here, before it in semver). Only used to
 * pick the highest of the fixed versions the scanner reported for one package.
 */
export function compareVersionsApprox(a: string, b: string): number {
  const pa = splitEpoch(a.trim());
  const pb = splitEpoch(b.trim());
  if (pa.epoch !== pb.epoch) {
    return pa.epoch < pb.epoch ? -1 : 1;
  }
  return compareRuns(pa.rest, pb.rest);
}

function splitEpoch(v: string): { epoch: number; rest: string } {
  const m = /^(\d{1,9}):(.*)$/.exec(v);
  if (m) {
    return { epoch: Number(m[1]), rest: m[2] ?? '' };
  }
  // A leading `v` (Go, some tags) carries no order.
  return { epoch: 0, rest: /^v\d/.test(v) ? v.slice(1) : v };
}

function charOrder(c: string | undefined): number {
  if (c === undefined) {
    return 0;
  }
  if (c === '~') {
    return -1;
  }
  if (/[A-Za-z]/.test(c)) {
    return c.charCodeAt(0);
  }
  return c.charCodeAt(0) + 256;
}

function compareRuns(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run.
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ca = i < a.length && !isDigit(a[i]) ? a[i] : undefined;
      const cb = j < b.length && !isDigit(b[j]) ? b[j] : undefined;
      const d = charOrder(ca) - charOrder(cb);
      if (d !== 0) {
        return d < 0 ? -1 : 1;
      }
      if (ca !== undefined) {
        i++;
      }
      if (cb !== undefined) {
        j++;
      }
    }
    // Digit run, compared as a number without parsing (runs may exceed 2^53).
    let sa = i;
    while (sa < a.length && a[sa] === '0') {
      sa++;
    }
    let ea = sa;
    while (ea < a.length && isDigit(a[ea])) {
      ea++;
    }
    let sb = j;
    while (sb < b.length && b[sb] === '0') {
      sb++;
    }
    let eb = sb;
    while (eb < b.length && isDigit(b[eb])) {
      eb++;
    }
    const na = a.slice(sa, ea);
    const nb = b.slice(sb, eb);
    if (na.length !== nb.length) {
      return na.length < nb.length ? -1 : 1;
    }
    if (na !== nb) {
      return na < nb ? -1 : 1;
    }
    i = ea;
    j = eb;
  }
  return 0;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

/** Severity-lexicographic: one critical outweighs any number of highs. */
function compareAdviceDesc(a: RemediationAdvice, b: RemediationAdvice): number {
  for (const s of SEVERITIES) {
    const d = (b.bySeverity[s] ?? 0) - (a.bySeverity[s] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return b.vulnerabilities.length - a.vulnerabilities.length || a.package.localeCompare(b.package);
}

function isActive(f: Finding): boolean {
  return f.suppressedBy === null;
}

function isFixable(f: Finding): boolean {
  return f.fixedVersion !== null && f.fixedVersion.trim() !== '';
}

function finish(g: RemediationAdvice, vulns: Map<string, Severity>, pkgs: Set<string>): RemediationAdvice {
  g.packages = [...pkgs].sort();
  g.vulnerabilities = [...vulns]
    .map(([id, severity]) => ({ id, severity }))
    .sort((x, y) => severityRank(y.severity) - severityRank(x.severity) || x.id.localeCompare(y.id));
  g.bySeverity = {};
  for (const v of g.vulnerabilities) {
    g.bySeverity[v.severity] = (g.bySeverity[v.severity] ?? 0) + 1;
  }
  return g;
}

/** Groups the active, fixable findings into upgrades, best first. */
export function groupRemediation(findings: readonly Finding[], compare: VersionCompare = compareVersionsApprox): RemediationPlan {
  const groups = new Map<string, { g: RemediationAdvice; vulns: Map<string, Severity>; pkgs: Set<string> }>();
  let unfixable = 0;
  for (const f of findings) {
    if (!isActive(f)) {
      continue;
    }
    if (!isFixable(f)) {
      unfixable++;
      continue;
    }
    const target = f.sourcePackage ?? f.package;
    const fixed = (f.fixedVersion ?? '').trim();
    const key = JSON.stringify([f.ecosystem, target, f.installedVersion]);
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        g: { package: target, ecosystem: f.ecosystem, installedVersion: f.installedVersion, targetVersion: fixed, packages: [], vulnerabilities: [], bySeverity: {}, source: 'approximate' },
        vulns: new Map(),
        pkgs: new Set(),
      };
      groups.set(key, entry);
    } else if (compare(fixed, entry.g.targetVersion) > 0) {
      entry.g.targetVersion = fixed;
    }
    entry.pkgs.add(f.package);
    // One advisory on several binary packages is one fix; keep its highest severity.
    const prev = entry.vulns.get(f.id);
    if (prev === undefined || severityRank(f.severity) > severityRank(prev)) {
      entry.vulns.set(f.id, f.severity);
    }
  }
  const advice = [...groups.values()].map(({ g, vulns, pkgs }) => finish(g, vulns, pkgs)).sort(compareAdviceDesc);
  return { advice, unfixable };
}

/**
 * The advice for a report: the scanner's own entries (exact version order) with severities taken from the findings,
 * plus approximate groups for active fixable findings the scanner's advice does not mention.
 */
export function remediationForReport(report: Pick<ImageReport, 'findings' | 'remediation'>): RemediationPlan {
  const computed = groupRemediation(report.findings);
  if (report.remediation.length === 0) {
    return computed;
  }
  const severityById = new Map<string, Severity>();
  for (const f of report.findings) {
    if (!isActive(f)) {
      continue;
    }
    const prev = severityById.get(f.id);
    if (prev === undefined || severityRank(f.severity) > severityRank(prev)) {
      severityById.set(f.id, f.severity);
    }
  }
  const covered = new Set<string>();
  const advice: RemediationAdvice[] = report.remediation.map((r) => {
    const vulns = new Map<string, Severity>();
    for (const id of r.vulnerabilities) {
      vulns.set(id, severityById.get(id) ?? 'UNKNOWN');
      covered.add(`${r.package}\n${id}`);
    }
    const g: RemediationAdvice = {
      package: r.package,
      ecosystem: r.ecosystem,
      installedVersion: r.installedVersion,
      targetVersion: r.fixedVersion,
      packages: [],
      vulnerabilities: [],
      bySeverity: {},
      source: 'scanner',
    };
    return finish(g, vulns, new Set(r.packages));
  });
  for (const c of computed.advice) {
    const missing = c.vulnerabilities.filter((v) => !covered.has(`${c.package}\n${v.id}`));
    if (missing.length > 0) {
      advice.push(finish({ ...c }, new Map(missing.map((v) => [v.id, v.severity])), new Set(c.packages)));
    }
  }
  return { advice: advice.sort(compareAdviceDesc), unfixable: computed.unfixable };
}

/** "upgrade openssl 3.0.11-1~deb12u2 → 3.0.14-1~deb12u1 fixes 5 (2 critical, 1 high)" */
export function describeAdvice(a: RemediationAdvice): string {
  const serious = (['CRITICAL', 'HIGH'] as const)
    .map((s) => [s, a.bySeverity[s] ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s.toLowerCase()}`);
  return `upgrade ${a.package} ${a.installedVersion} → ${a.targetVersion} fixes ${a.vulnerabilities.length}${serious.length ? ` (${serious.join(', ')})` : ''}`;
}
