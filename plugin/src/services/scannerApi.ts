// Validation and transforms of the scanner's JSON API answers (pure: no React, no @grafana/runtime). The scanner is
// another process, maybe another version: every answer is treated as untrusted JSON. An item missing a required key
// is counted and skipped; a missing optional key gets its documented default; nothing here throws on bad items,
// only on an answer whose outer shape is wrong (then the page shows the error).
import {
  SEVERITIES,
  type Finding,
  type ImageLayer,
  type ImageList,
  type ImageListEntry,
  type ImagePackage,
  type ImageReport,
  type ImageReportAnswer,
  type ImageStatus,
  type ImageWorkload,
  type PolicyResult,
  type PolicyVerdict,
  type ReportRemediation,
  type ScanError,
  type Severity,
  type SeverityCounts,
  type ViolatedPolicyRef,
  type VulnDbInfo,
} from './scannerTypes';

/** Hard caps: a hostile or broken scanner must not make the browser hold millions of rows. */
export const LIMITS = { images: 20_000, findings: 100_000, packages: 100_000, layers: 1_000, workloads: 1_000, policies: 100 } as const;

export class ScannerResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScannerResponseError';
  }
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function optString(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}
function optNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function strings(v: unknown, max = 1000): string[] {
  if (!Array.isArray(v)) {
    return [];
  }
  const out: string[] = [];
  for (const x of v) {
    if (typeof x === 'string') {
      out.push(x);
      if (out.length >= max) {
        break;
      }
    }
  }
  return out;
}

export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

/** Unknown severities become UNKNOWN rather than dropping the finding: a new severity name must not hide risk. */
function severityOf(v: unknown): Severity {
  return isSeverity(v) ? v : 'UNKNOWN';
}

export function zeroCounts(): SeverityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0, NONE: 0 };
}

function severityCounts(v: unknown): SeverityCounts {
  const out = zeroCounts();
  if (isRecord(v)) {
    for (const s of SEVERITIES) {
      out[s] = count(v[s]);
    }
  }
  return out;
}

const STATUSES: readonly ImageStatus[] = ['pending', 'scanning', 'scanned', 'failed'];
const VERDICTS: readonly PolicyVerdict[] = ['pass', 'fail', 'unknown'];

function scanError(v: unknown): ScanError | null {
  if (!isRecord(v)) {
    return null;
  }
  return { code: optString(v.code) ?? 'unknown', message: optString(v.message) ?? '', at: optString(v.at) };
}

function workload(v: unknown): ImageWorkload | null {
  if (!isRecord(v) || typeof v.name !== 'string') {
    return null;
  }
  return {
    namespace: optString(v.namespace) ?? '',
    kind: optString(v.kind) ?? '',
    name: v.name,
    container: optString(v.container) ?? '',
    pods: count(v.pods),
  };
}

function violatedRef(v: unknown): ViolatedPolicyRef | null {
  if (!isRecord(v) || typeof v.id !== 'string') {
    return null;
  }
  return { id: v.id, title: optString(v.title) ?? v.id, severity: severityOf(v.severity) };
}

function collect<T>(v: unknown, parse: (x: unknown) => T | null, max: number): { items: T[]; malformed: number } {
  const items: T[] = [];
  let malformed = 0;
  if (!Array.isArray(v)) {
    return { items, malformed: v === undefined || v === null ? 0 : 1 };
  }
  for (const x of v) {
    if (items.length >= max) {
      break;
    }
    const parsed = parse(x);
    if (parsed === null) {
      malformed++;
    } else {
      items.push(parsed);
    }
  }
  return { items, malformed };
}

/** One list entry, or null when a required key (id, ref or reference) is missing. */
export function parseImageListEntry(v: unknown): ImageListEntry | null {
  if (!isRecord(v) || typeof v.id !== 'string' || v.id === '') {
    return null;
  }
  const ref = optString(v.ref) ?? optString(v.reference);
  if (!ref) {
    return null;
  }
  const policy = isRecord(v.policy) ? v.policy : {};
  const verdict = VERDICTS.includes(policy.verdict as PolicyVerdict) ? (policy.verdict as PolicyVerdict) : 'unknown';
  const os = isRecord(v.os) ? v.os : null;
  const status = STATUSES.includes(v.status as ImageStatus) ? (v.status as ImageStatus) : 'pending';
  const refs = strings(v.refs);
  return {
    id: v.id,
    ref,
    refs: refs.length > 0 ? refs : [ref],
    digest: optString(v.digest),
    manifestDigest: optString(v.manifest_digest),
    indexDigest: optString(v.index_digest),
    configDigest: optString(v.config_digest),
    osName: os ? (optString(os.pretty_name) ?? ([optString(os.id), optString(os.version_id)].filter(Boolean).join(' ') || null)) : null,
    status,
    complete: typeof v.complete === 'boolean' ? v.complete : null,
    incompleteReasons: strings(v.incomplete_reasons),
    severity: severityCounts(v.severity),
    fixable: severityCounts(v.fixable),
    findings: count(v.findings),
    suppressed: count(v.suppressed),
    packages: count(v.packages),
    policy: {
      verdict,
      evaluated: count(policy.evaluated),
      violated: collect(policy.violated, violatedRef, LIMITS.policies).items,
    },
    workloads: collect(v.workloads, workload, LIMITS.workloads).items,
    users: count(v.users),
    scannedAt: optString(v.scanned_at),
    error: scanError(v.error),
    nextRetryAt: optString(v.next_retry_at),
  };
}

export function parseDbInfo(v: unknown): VulnDbInfo | null {
  if (!isRecord(v)) {
    return null;
  }
  return {
    loaded: v.loaded === true,
    digest: optString(v.digest),
    builtAt: optString(v.built_at),
    newestModified: optString(v.newest_modified),
    ageSeconds: optNumber(v.age_seconds),
    records: optNumber(v.records),
  };
}

/** GET /api/v1/images. Throws ScannerResponseError only when the answer is not a list answer at all. */
export function parseImageList(body: unknown): ImageList {
  if (!isRecord(body) || !Array.isArray(body.images)) {
    throw new ScannerResponseError('the scanner answered /api/v1/images without an "images" list');
  }
  const { items, malformed } = collect(body.images, parseImageListEntry, LIMITS.images);
  return { images: items, malformed, db: parseDbInfo(body.db) };
}

function finding(v: unknown): Finding | null {
  if (!isRecord(v) || typeof v.id !== 'string' || typeof v.package !== 'string' || typeof v.installedVersion !== 'string') {
    return null;
  }
  const fixed = optString(v.fixedVersion);
  const suppressed = isRecord(v.suppressed) ? (optString(v.suppressed.by) ?? 'suppressed') : null;
  return {
    id: v.id,
    aliases: strings(v.aliases, 100),
    summary: optString(v.summary),
    severity: severityOf(v.severity),
    score: optNumber(v.score),
    package: v.package,
    sourcePackage: optString(v.sourcePackage),
    ecosystem: optString(v.ecosystem) ?? '',
    installedVersion: v.installedVersion,
    fixedVersion: fixed && fixed.trim() !== '' ? fixed : null,
    status: optString(v.status) ?? (fixed ? 'fixed' : 'affected'),
    layer: optString(v.layer) ?? '',
    references: strings(v.references, 50),
    suppressedBy: suppressed,
  };
}

function imagePackage(v: unknown): ImagePackage | null {
  if (!isRecord(v) || typeof v.name !== 'string' || typeof v.version !== 'string') {
    return null;
  }
  return {
    name: v.name,
    version: v.version,
    kind: optString(v.kind) ?? '',
    ecosystem: optString(v.ecosystem) ?? '',
    purl: optString(v.purl) ?? '',
    sourceName: optString(v.sourceName),
    layer: optString(v.layer) ?? '',
  };
}

function layer(v: unknown): ImageLayer | null {
  if (!isRecord(v) || typeof v.digest !== 'string') {
    return null;
  }
  return { digest: v.digest, diffId: optString(v.diffId), size: count(v.size), createdBy: optString(v.createdBy) };
}

function policyResult(v: unknown): PolicyResult | null {
  if (!isRecord(v) || typeof v.id !== 'string' || typeof v.violated !== 'boolean') {
    return null;
  }
  return { id: v.id, title: optString(v.title) ?? v.id, severity: severityOf(v.severity), violated: v.violated, details: strings(v.details, 200) };
}

function remediationEntry(v: unknown): ReportRemediation | null {
  if (!isRecord(v) || typeof v.package !== 'string' || typeof v.fixedVersion !== 'string') {
    return null;
  }
  const vulnerabilities = strings(v.vulnerabilities, 10_000);
  return {
    package: v.package,
    ecosystem: optString(v.ecosystem) ?? '',
    installedVersion: optString(v.installedVersion) ?? '',
    fixedVersion: v.fixedVersion,
    packages: strings(v.packages, 1000),
    fixes: typeof v.fixes === 'number' ? count(v.fixes) : vulnerabilities.length,
    vulnerabilities,
  };
}

/** The 200 answer of GET /api/v1/images/:id (the JSON report). */
export function parseImageReport(body: unknown): ImageReport {
  if (!isRecord(body) || !isRecord(body.image) || !Array.isArray(body.findings)) {
    throw new ScannerResponseError('the scanner answered with something that is not an image report (no "image" or "findings")');
  }
  const img = body.image;
  const os = isRecord(img.os) ? img.os : null;
  const findings = collect(body.findings, finding, LIMITS.findings);
  const packages = collect(body.packages, imagePackage, LIMITS.packages);
  const layers = collect(img.layers, layer, LIMITS.layers);
  const policies = collect(body.policies, policyResult, LIMITS.policies);
  const remediation = collect(body.remediation, remediationEntry, LIMITS.packages);
  const incompleteReasons = strings(body.incomplete_reasons);
  return {
    // A report that does not say it is complete is not treated as clean.
    complete: body.complete === true && incompleteReasons.length === 0,
    incompleteReasons,
    image: {
      reference: optString(img.reference) ?? '',
      digest: optString(img.digest),
      osName: os ? (optString(os.prettyName) ?? ([optString(os.id), optString(os.versionId)].filter(Boolean).join(' ') || null)) : null,
      user: optString(img.user),
      created: optString(img.created),
      layers: layers.items,
    },
    findings: findings.items,
    packages: packages.items,
    policies: policies.items,
    remediation: remediation.items,
    malformed: {
      findings: findings.malformed,
      packages: packages.malformed,
      layers: layers.malformed,
      policies: policies.malformed,
      remediation: remediation.malformed,
    },
  };
}

/** Any answer of GET /api/v1/images/:id by HTTP status: 200 report, 202 not yet, 502 failed. */
export function parseImageReportAnswer(status: number, body: unknown): ImageReportAnswer {
  if (status === 202) {
    const b = isRecord(body) ? body : {};
    return { kind: 'pending', status: optString(b.status) ?? 'pending', image: parseImageListEntry(b.image) };
  }
  if (status === 502) {
    const b = isRecord(body) ? body : {};
    return { kind: 'failed', error: scanError(b.error), nextRetryAt: optString(b.next_retry_at), image: parseImageListEntry(b.image) };
  }
  return { kind: 'report', report: parseImageReport(body) };
}

/** The scanner's error bodies are `{"error": "…"}`; anything else is summarised by status. */
export function describeHttpError(status: number, body: unknown, statusText = ''): string {
  const detail = isRecord(body) && typeof body.error === 'string' ? body.error : isRecord(body) && typeof body.message === 'string' ? body.message : '';
  const cut = detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
  const head = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return cut ? `${head}: ${cut}` : head;
}

// ----- the image list: filtering and sorting -----

export interface ImageFilter {
  /** Case-insensitive substring of the reference, digest, OS or a workload (namespace/name/container). */
  text: string;
  /** Only images with at least one unsuppressed finding at one of these severities; empty = any. */
  severities: Severity[];
  fixableOnly: boolean;
  policyFailingOnly: boolean;
}

export const EMPTY_FILTER: ImageFilter = { text: '', severities: [], fixableOnly: false, policyFailingOnly: false };

export function totalOf(counts: SeverityCounts): number {
  return SEVERITIES.reduce((n, s) => n + counts[s], 0);
}

function searchText(e: ImageListEntry): string {
  return [e.ref, ...e.refs, e.digest ?? '', e.osName ?? '', ...e.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}/${w.container}`)]
    .join('\n')
    .toLowerCase();
}

export function filterImages(images: readonly ImageListEntry[], filter: ImageFilter): ImageListEntry[] {
  const needle = filter.text.trim().toLowerCase();
  return images.filter((e) => {
    if (filter.severities.length > 0) {
      const counts = filter.fixableOnly ? e.fixable : e.severity;
      if (!filter.severities.some((s) => counts[s] > 0)) {
        return false;
      }
    } else if (filter.fixableOnly && totalOf(e.fixable) === 0) {
      return false;
    }
    if (filter.policyFailingOnly && e.policy.verdict !== 'fail') {
      return false;
    }
    return needle === '' || searchText(e).includes(needle);
  });
}

/** Risk order: most critical first, then high, … then fixable, then reference (stable for equal images). */
export function compareByRisk(a: ImageListEntry, b: ImageListEntry): number {
  for (const s of SEVERITIES) {
    const d = b.severity[s] - a.severity[s];
    if (d !== 0) {
      return d;
    }
  }
  return totalOf(b.fixable) - totalOf(a.fixable) || a.ref.localeCompare(b.ref);
}

/** Findings table order: active before suppressed, then severity, then score, id. */
export function compareFindings(a: Finding, b: Finding): number {
  const sa = a.suppressedBy ? 1 : 0;
  const sb = b.suppressedBy ? 1 : 0;
  return sa - sb || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (b.score ?? -1) - (a.score ?? -1) || a.id.localeCompare(b.id);
}

/** Where to read about an advisory: its first http(s) reference, else osv.dev by id. */
export function advisoryUrl(f: Pick<Finding, 'id' | 'references'>): string {
  const ref = f.references.find((r) => /^https?:\/\//i.test(r));
  return ref ?? `https://osv.dev/vulnerability/${encodeURIComponent(f.id)}`;
}

/** Finds the list entry an image page address names: its reference, any of its refs, its id or digest. */
export function findImage(images: readonly ImageListEntry[], refOrId: string): ImageListEntry | undefined {
  return (
    images.find((e) => e.ref === refOrId) ??
    images.find((e) => e.refs.includes(refOrId) || e.id === refOrId || e.digest === refOrId)
  );
}

const SCANNER_ID = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|ref:[\x21-\x7e]{1,4096})$/;

/** The scanner accepts ids and digests only; a plain reference must first be looked up in the list. */
export function isScannerId(v: string): boolean {
  return SCANNER_ID.test(v);
}
