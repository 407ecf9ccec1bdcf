// CycloneDX (1.5 or 1.6) JSON: the image as metadata.component, the OS and every package as components (purl,
// layer as a property), and the findings as vulnerabilities with ratings, affects, a recommendation and, for
// suppressed ones, an analysis. Built with @cyclonedx/cyclonedx-library so the output follows the spec's rules.
import { randomUUID } from 'node:crypto';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import type { Finding, InstalledPackage, Severity, SeverityRating } from '../types.js';
import { isFixable } from '../policy/findings.js';
import { parseImageReference } from '../policy/image-reference.js';
import type { ScanResult } from './types.js';

const { Enums, Models } = CDX;
const V = Models.Vulnerability;
const VE = Enums.Vulnerability;

export type CycloneDxSpecVersion = '1.5' | '1.6';

export interface CycloneDxOptions {
  specVersion?: CycloneDxSpecVersion;
  now?: Date;
  /** urn:uuid:...; random when absent */
  serialNumber?: string;
  scannerVersion?: string;
  /** Pretty-print with this many spaces (default 2; 0 for compact). */
  space?: number;
}

const SPEC = { '1.5': CDX.Spec.Spec1dot5, '1.6': CDX.Spec.Spec1dot6 } as const;

const SEVERITY: Record<Severity, CDX.Enums.Vulnerability.Severity> = {
  CRITICAL: VE.Severity.Critical,
  HIGH: VE.Severity.High,
  MEDIUM: VE.Severity.Medium,
  LOW: VE.Severity.Low,
  NONE: VE.Severity.None,
  UNKNOWN: VE.Severity.Unknown,
};

const JUSTIFICATION: Record<string, CDX.Enums.Vulnerability.AnalysisJustification> = {
  // OpenVEX has no "component not present" in CycloneDX terms; "code not present" is the closest claim.
  component_not_present: VE.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_present: VE.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_in_execute_path: VE.AnalysisJustification.CodeNotReachable,
  vulnerable_code_cannot_be_controlled_by_adversary: VE.AnalysisJustification.RequiresEnvironment,
  inline_mitigations_already_exist: VE.AnalysisJustification.ProtectedByMitigatingControl,
};

function ratingMethod(r: SeverityRating): CDX.Enums.Vulnerability.RatingMethod {
  switch (r.source) {
    case 'CVSS_V4':
      return VE.RatingMethod.CVSSv4;
    case 'CVSS_V3':
      return r.vector?.startsWith('CVSS:3.1/') ? VE.RatingMethod.CVSSv31 : VE.RatingMethod.CVSSv3;
    case 'CVSS_V2':
      return VE.RatingMethod.CVSSv2;
    default:
      return VE.RatingMethod.Other;
  }
}

const DISTRO_SOURCES: [RegExp, string][] = [
  [/^Debian/i, 'Debian'],
  [/^Ubuntu/i, 'Ubuntu'],
  [/^Alpine/i, 'Alpine'],
  [/^(Red Hat|RHEL)/i, 'Red Hat'],
  [/^Rocky/i, 'Rocky Linux'],
  [/^AlmaLinux/i, 'AlmaLinux'],
];
const ID_SOURCES: [RegExp, string][] = [
  [/^GHSA-/, 'GitHub'],
  [/^GO-/, 'Go'],
  [/^PYSEC-/, 'PyPA'],
  [/^RUSTSEC-/, 'RustSec'],
  [/^(DSA|DLA|DTSA|DEBIAN)-/, 'Debian'],
  [/^(USN|UBUNTU)-/, 'Ubuntu'],
  [/^CVE-/, 'NVD'],
];

function sourceFor(id: string, ecosystem?: string): CDX.Models.Vulnerability.Source {
  const name = (ecosystem ? DISTRO_SOURCES.find(([re]) => re.test(ecosystem))?.[1] : undefined) ?? ID_SOURCES.find(([re]) => re.test(id))?.[1] ?? 'OSV';
  return new V.Source({ name, url: `https://osv.dev/vulnerability/${encodeURIComponent(id)}` });
}

function httpUrl(text: string): string | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Maven "group:artifact" and npm "@scope/name" carry a group; CycloneDX keeps it apart from the name. */
function splitName(p: InstalledPackage): { group?: string; name: string } {
  if (p.kind === 'maven' && p.name.includes(':')) {
    const [group = '', name = ''] = p.name.split(':', 2);
    return group && name ? { group, name } : { name: p.name };
  }
  if (p.kind === 'npm' && p.name.startsWith('@') && p.name.includes('/')) {
    const i = p.name.indexOf('/');
    return { group: p.name.slice(0, i), name: p.name.slice(i + 1) };
  }
  return { name: p.name };
}

function licensesOf(p: InstalledPackage): CDX.Models.LicenseRepository {
  const repo = new Models.LicenseRepository();
  for (const raw of p.licenses ?? []) {
    const l = raw.trim();
    if (l === '') continue;
    const spdx = CDX.SPDX.fixupSpdxId(l);
    repo.add(spdx !== undefined ? new Models.SpdxLicense(spdx) : new Models.NamedLicense(l.slice(0, 500)));
  }
  return repo;
}

function imagePurl(result: ScanResult): string | undefined {
  const parsed = parseImageReference(result.image.reference);
  const digest = result.image.digest ?? parsed?.digest;
  if (!parsed || !digest) return undefined;
  const name = parsed.repository.split('/').pop() ?? parsed.repository;
  const qualifiers: Record<string, string> = { repository_url: `${parsed.registry}/${parsed.repository}` };
  if (parsed.tag) qualifiers['tag'] = parsed.tag;
  return new PackageURL('oci', undefined, name, digest, qualifiers, undefined).toString();
}

function suppressionAnalysis(f: Finding): CDX.Models.Vulnerability.Analysis | undefined {
  const s = f.suppressed;
  if (!s) return undefined;
  if (s.kind === 'vex' && s.vexStatus === 'not_affected') {
    const a = new V.Analysis({ state: VE.AnalysisState.NotAffected, detail: s.reason || `not affected (${s.by})` });
    const j = s.justification ? JUSTIFICATION[s.justification] : undefined;
    if (j) a.justification = j;
    return a;
  }
  if (s.kind === 'vex' && s.vexStatus === 'fixed') return new V.Analysis({ state: VE.AnalysisState.Resolved, detail: s.reason || `fixed (${s.by})` });
  // An ignore entry is an accepted risk, not a claim about exploitability: no state, the reason as the detail.
  return new V.Analysis({ detail: `suppressed by ${s.by}${s.expires ? ` until ${s.expires}` : ''}: ${s.reason}` });
}

function recommendation(f: Finding, packages: readonly string[]): string {
  if (!isFixable(f)) return `No fixed version is available yet (status: ${f.status}).`;
  const names = [...new Set(packages)].sort().join(', ');
  const what = f.sourcePackage && (packages.length > 1 || f.sourcePackage !== f.package) ? `source package ${f.sourcePackage} (${names})` : names || f.package;
  return `Upgrade ${what} to ${f.fixedVersion ?? ''} or later.`;
}

/** Renders the SBOM with vulnerabilities as a JSON string. */
export function toCycloneDx(result: ScanResult, options: CycloneDxOptions = {}): string {
  const spec = SPEC[options.specVersion ?? '1.6'];
  const bom = new Models.Bom();
  bom.serialNumber = options.serialNumber ?? `urn:uuid:${randomUUID()}`;
  bom.metadata.timestamp = options.now ?? new Date();
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, 'vigil', { version: options.scannerVersion ?? '0.0.0' }));
  for (const [k, v] of [
    ['vigil:db:builtAt', result.db.builtAt],
    ['vigil:db:newestModified', result.db.newestModified],
    ['vigil:db:digest', result.db.digest],
  ] as const) {
    bom.metadata.properties.add(new Models.Property(k, v));
  }

  const parsed = parseImageReference(result.image.reference);
  const image = new Models.Component(Enums.ComponentType.Container, parsed ? `${parsed.registry}/${parsed.repository}` : result.image.reference, {
    bomRef: 'image',
    version: result.image.digest ?? parsed?.digest ?? parsed?.tag ?? '',
  });
  const ipurl = imagePurl(result);
  if (ipurl) image.purl = ipurl;
  image.properties.add(new Models.Property('vigil:image:reference', result.image.reference));
  bom.metadata.component = image;

  const os = result.image.os;
  if (os && os.id) {
    const c = new Models.Component(Enums.ComponentType.OperatingSystem, os.id, { bomRef: `os:${os.id}@${os.versionId}`, version: os.versionId });
    if (os.prettyName) c.description = os.prettyName;
    bom.components.add(c);
    image.dependencies.add(c.bomRef);
  }

  const layerIndex = new Map<string, number>();
  result.image.layers.forEach((l, i) => {
    layerIndex.set(l.digest, i);
    if (l.diffId) layerIndex.set(l.diffId, i);
  });

  // bom-refs must be unique; the same purl can appear twice (one jar copied to two places).
  const used = new Set<string>();
  const uniqueRef = (want: string) => {
    let ref = want;
    for (let n = 2; used.has(ref); n++) ref = `${want}#${n}`;
    used.add(ref);
    return ref;
  };
  const byPurl = new Map<string, CDX.Models.Component[]>();
  const componentFor = new Map<string, CDX.Models.Component>();
  const addComponent = (p: InstalledPackage, catalogued = true): CDX.Models.Component => {
    const { group, name } = splitName(p);
    const c = new Models.Component(Enums.ComponentType.Library, name, { bomRef: uniqueRef(p.purl || `${p.kind}:${p.name}@${p.version}`), version: p.version, licenses: licensesOf(p) });
    if (group) c.group = group;
    if (p.purl) c.purl = p.purl;
    if (catalogued) c.properties.add(new Models.Property('vigil:package:kind', p.kind));
    else c.properties.add(new Models.Property('vigil:package:catalogued', 'false'));
    c.properties.add(new Models.Property('vigil:package:ecosystem', p.ecosystem));
    if (p.layer) c.properties.add(new Models.Property('vigil:layer', p.layer));
    const idx = layerIndex.get(p.layer);
    if (idx !== undefined) c.properties.add(new Models.Property('vigil:layer:index', String(idx)));
    if (p.foundIn) c.properties.add(new Models.Property('vigil:foundIn', p.foundIn));
    if (p.sourceName) c.properties.add(new Models.Property('vigil:package:sourceName', p.sourceName));
    if (p.sourceVersion) c.properties.add(new Models.Property('vigil:package:sourceVersion', p.sourceVersion));
    if (p.arch) c.properties.add(new Models.Property('vigil:package:arch', p.arch));
    bom.components.add(c);
    image.dependencies.add(c.bomRef);
    const list = byPurl.get(p.purl);
    if (list) list.push(c);
    else byPurl.set(p.purl, [c]);
    componentFor.set(`${p.purl}\u0000${p.layer}`, c);
    return c;
  };
  for (const p of result.image.packages) addComponent(p);

  const findComponent = (f: Finding): CDX.Models.Component =>
    componentFor.get(`${f.purl}\u0000${f.layer}`) ??
    byPurl.get(f.purl)?.[0] ??
    // The matcher reported a package the catalogue does not list: describe it from the finding.
    // (`kind` is unknown then and left out.)
    addComponent({ kind: 'dpkg', name: f.package, version: f.installedVersion, ecosystem: f.ecosystem, purl: f.purl, layer: f.layer, foundIn: '' }, false);

  // One vulnerability entry per advisory, fix and suppression: CycloneDX keeps analysis and recommendation per entry.
  const groups = new Map<string, { f: Finding; refs: Set<CDX.Models.Component>; packages: string[] }>();
  for (const f of result.findings) {
    const key = JSON.stringify([f.id, f.fixedVersion ?? '', f.suppressed ?? null, f.status]);
    const g = groups.get(key);
    const c = findComponent(f);
    if (g) {
      g.refs.add(c);
      g.packages.push(f.package);
    } else groups.set(key, { f, refs: new Set([c]), packages: [f.package] });
  }
  for (const { f, refs, packages } of groups.values()) {
    const v = new V.Vulnerability({ bomRef: uniqueRef(`vuln:${f.id}`), id: f.id, source: sourceFor(f.id, f.ecosystem), recommendation: recommendation(f, packages) });
    if (f.summary) v.description = f.summary;
    for (const r of f.ratings) {
      const rating = new V.Rating({ source: new V.Source({ name: r.source }), severity: SEVERITY[r.severity] ?? VE.Severity.Unknown, method: ratingMethod(r) });
      if (typeof r.score === 'number' && Number.isFinite(r.score)) rating.score = r.score;
      if (r.vector) rating.vector = r.vector;
      v.ratings.add(rating);
    }
    if (f.ratings.length === 0) v.ratings.add(new V.Rating({ severity: SEVERITY[f.severity] ?? VE.Severity.Unknown, method: VE.RatingMethod.Other, source: new V.Source({ name: f.severitySource || 'vigil' }) }));
    for (const alias of new Set([...f.aliases, ...f.upstream])) if (alias && alias !== f.id) v.references.add(new V.Reference(alias, sourceFor(alias)));
    for (const ref of f.references.slice(0, 50)) {
      const url = httpUrl(ref);
      if (url) v.advisories.add(new V.Advisory(url));
    }
    for (const c of refs) {
      const versions = new V.AffectedVersionRepository([new V.AffectedSingleVersion(f.installedVersion, { status: VE.AffectStatus.Affected })]);
      v.affects.add(new V.Affect(c.bomRef, { versions }));
    }
    const analysis = suppressionAnalysis(f);
    if (analysis) v.analysis = analysis;
    v.properties.add(new Models.Property('vigil:status', f.status));
    v.properties.add(new Models.Property('vigil:severity', f.severity));
    if (f.fixedVersion) v.properties.add(new Models.Property('vigil:fixedVersion', f.fixedVersion));
    if (f.suppressed) v.properties.add(new Models.Property('vigil:suppressed:by', f.suppressed.by));
    bom.vulnerabilities.add(v);
  }

  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(spec));
  return serializer.serialize(bom, { sortLists: true, space: options.space ?? 2 });
}
