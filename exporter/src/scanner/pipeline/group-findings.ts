// One finding per vulnerability per installed package. The matcher emits one finding per advisory, and the OSV data
// describes one vulnerability in several records: Debian's DEBIAN-CVE-X next to the DSA that fixed it, Ubuntu's
// UBUNTU-CVE-X next to a USN, GHSA next to PYSEC or GO ids. Counting each would inflate every number a user sees.
//
// Rules (per installed package: same ecosystem, package, installed version, layer and purl):
//  - every record's identifiers are its id, aliases and upstream ids (case-insensitive);
//  - records that name at most one CVE are grouped when they share an identifier, but never across two different
//    CVEs (a shared GHSA id must not merge CVE-A with CVE-B);
//  - a bulletin (a record naming two or more CVEs, e.g. a DSA fixing several) is folded into the groups of its CVEs
//    when every one of them has a group; otherwise it stays its own finding (some of its CVEs have no other record);
//  - the group's finding is its best member (a fix over none, a known severity over UNKNOWN, the more severe, then
//    the smaller id for a stable result); the other ids become aliases, ratings and references are merged, and the
//    fixed version is the highest fixed version of the per-CVE members (the one upgrade that closes all of them).
import type { Finding } from '../types.js';
import { severityRank } from '../policy/severity.js';
import { compareVersions } from '../versions/index.js';

const CVE = /^CVE-\d{4}-\d{4,}$/;
const MAX_REFERENCES = 12;

interface Member {
  finding: Finding;
  keys: Set<string>;
  cves: Set<string>;
}

function identifiers(f: Finding): Set<string> {
  const out = new Set<string>();
  for (const id of [f.id, ...f.aliases, ...f.upstream]) {
    const k = id.trim().toUpperCase();
    if (k !== '') out.add(k);
  }
  return out;
}

function packageKey(f: Finding): string {
  return [f.ecosystem, f.package, f.installedVersion, f.layer, f.purl].join('\u0000');
}

/** Better first: has a fix, has a known severity, more severe, smaller id. */
function better(a: Finding, b: Finding): number {
  const fixA = a.fixedVersion ? 1 : 0;
  const fixB = b.fixedVersion ? 1 : 0;
  if (fixA !== fixB) return fixB - fixA;
  const knownA = a.severity === 'UNKNOWN' ? 0 : 1;
  const knownB = b.severity === 'UNKNOWN' ? 0 : 1;
  if (knownA !== knownB) return knownB - knownA;
  const sev = severityRank(b.severity) - severityRank(a.severity);
  if (sev !== 0) return sev;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function highestFix(ecosystem: string, versions: string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    if (best === undefined) {
      best = v;
      continue;
    }
    try {
      if (compareVersions(ecosystem, v, best) > 0) best = v;
    } catch {
      // An unorderable fixed version cannot be compared: keep the one we have rather than guess.
    }
  }
  return best;
}

function ratingKey(r: Finding['ratings'][number]): string {
  return `${r.source}\u0000${r.vector ?? r.vendorValue ?? ''}\u0000${r.severity}`;
}

function merge(members: Member[], folded: Member[]): Finding {
  const sorted = [...members].sort((a, b) => better(a.finding, b.finding));
  const primary = sorted[0]!.finding;
  if (sorted.length === 1 && folded.length === 0) return primary;
  const aliases = new Set<string>();
  const upstream = new Set<string>();
  const references = new Set<string>();
  const ratings = new Map<string, Finding['ratings'][number]>();
  for (const m of sorted) {
    const f = m.finding;
    aliases.add(f.id);
    for (const a of f.aliases) aliases.add(a);
    for (const u of f.upstream) upstream.add(u);
    for (const r of f.references) if (references.size < MAX_REFERENCES) references.add(r);
    for (const r of f.ratings) if (!ratings.has(ratingKey(r))) ratings.set(ratingKey(r), r);
  }
  // A bulletin speaks for several vulnerabilities: only its own id (and links) belong to this one.
  for (const m of folded) {
    aliases.add(m.finding.id);
    for (const r of m.finding.references) if (references.size < MAX_REFERENCES) references.add(r);
  }
  aliases.delete(primary.id);
  for (const u of upstream) aliases.delete(u);
  // Ratings of the chosen record first: its severity is the finding's severity (vendor first, as the matcher chose).
  const primaryRatings = primary.ratings.map(ratingKey);
  const mergedRatings = [...primary.ratings, ...[...ratings.entries()].filter(([k]) => !primaryRatings.includes(k)).map(([, r]) => r)];
  const out: Finding = { ...primary, aliases: [...aliases].sort(), upstream: [...upstream].sort(), ratings: mergedRatings, references: [...references] };
  // A bulletin's fix covers all its CVEs together; the per-CVE records say what each one needs.
  const fixes = sorted.map((m) => m.finding.fixedVersion).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  const bulletinFixes = folded.map((m) => m.finding.fixedVersion).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  const fix = highestFix(primary.ecosystem, fixes.length > 0 ? fixes : bulletinFixes);
  if (fix !== undefined) {
    out.fixedVersion = fix;
    out.status = 'fixed';
  }
  if (!out.summary) {
    const summary = [...sorted, ...folded].map((m) => m.finding.summary).find((s) => s);
    if (summary) out.summary = summary;
  }
  return out;
}

/** Groups one package's findings; order of the result follows the first member of each group. */
function groupPackage(findings: Finding[]): Finding[] {
  const members: Member[] = findings.map((f) => {
    const keys = identifiers(f);
    return { finding: f, keys, cves: new Set([...keys].filter((k) => CVE.test(k))) };
  });
  const singles = members.filter((m) => m.cves.size <= 1);
  const bulletins = members.filter((m) => m.cves.size > 1);

  // Union-find over singles, refusing unions that would join two different CVEs.
  const parent = singles.map((_, i) => i);
  const cveOf = singles.map((m) => [...m.cves][0]);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const byKey = new Map<string, number>();
  singles.forEach((m, i) => {
    for (const k of m.keys) {
      const j = byKey.get(k);
      if (j === undefined) {
        byKey.set(k, i);
        continue;
      }
      const ri = find(i);
      const rj = find(j);
      if (ri === rj) continue;
      const ci = cveOf[ri];
      const cj = cveOf[rj];
      if (ci !== undefined && cj !== undefined && ci !== cj) continue;
      parent[ri] = rj;
      cveOf[rj] = cj ?? ci;
    }
  });
  const groups = new Map<number, Member[]>();
  singles.forEach((m, i) => {
    const r = find(i);
    const g = groups.get(r) ?? [];
    g.push(m);
    groups.set(r, g);
  });
  const groupByCve = new Map<string, number>();
  for (const [root] of groups) {
    const cve = cveOf[root];
    if (cve !== undefined && !groupByCve.has(cve)) groupByCve.set(cve, root);
  }

  const folded = new Map<number, Member[]>();
  const standalone: Member[] = [];
  for (const b of bulletins) {
    const roots = [...b.cves].map((c) => groupByCve.get(c));
    if (roots.every((r): r is number => r !== undefined)) {
      for (const r of new Set(roots)) {
        const list = folded.get(r) ?? [];
        list.push(b);
        folded.set(r, list);
      }
    } else standalone.push(b);
  }

  const singleIndex = new Map(singles.map((m, i) => [m, i]));
  const keep = new Set(standalone);
  const out: Finding[] = [];
  const emitted = new Set<number>();
  for (const m of members) {
    if (m.cves.size > 1) {
      if (keep.has(m)) out.push(m.finding);
      continue;
    }
    const root = find(singleIndex.get(m)!);
    if (emitted.has(root)) continue;
    emitted.add(root);
    out.push(merge(groups.get(root) ?? [m], folded.get(root) ?? []));
  }
  return out;
}

/**
 * Merges findings that describe the same vulnerability in the same installed package (see the rules above).
 * Pure; the input is not modified. Findings without any shared identifier pass through unchanged.
 */
export function groupFindings(findings: readonly Finding[]): Finding[] {
  const byPackage = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = packageKey(f);
    const list = byPackage.get(k);
    if (list) list.push(f);
    else byPackage.set(k, [f]);
  }
  const out: Finding[] = [];
  for (const list of byPackage.values()) {
    if (list.length === 1) out.push(list[0]!);
    else out.push(...groupPackage(list));
  }
  return out;
}
