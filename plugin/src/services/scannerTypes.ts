// The scanner's JSON API as the plugin sees it (docs/scanner.md; exporter/src/scanner/service/api.ts builds the list
// entries, exporter/src/scanner/report/json-report.ts the per-image report, schemaVersion 2). These types describe
// what the plugin keeps AFTER validation (scannerApi.ts): required keys are checked, optional ones get defaults, so
// a scanner one version ahead or behind still renders.

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN', 'NONE'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityCounts = Record<Severity, number>;

export type ImageStatus = 'pending' | 'scanning' | 'scanned' | 'failed';
export type PolicyVerdict = 'pass' | 'fail' | 'unknown';

export interface ImageWorkload {
  namespace: string;
  kind: string;
  name: string;
  container: string;
  pods: number;
}

export interface ViolatedPolicyRef {
  id: string;
  title: string;
  severity: Severity;
}

export interface ScanError {
  code: string;
  message: string;
  at: string | null;
}

/** One entry of GET /api/v1/images. */
export interface ImageListEntry {
  /** The scanner's key: `sha256:…`, or `ref:…` for images known only by reference. Use it for GET /images/:id. */
  id: string;
  /** The reference workloads use (first of `refs`). The image page is addressed by it. */
  ref: string;
  refs: string[];
  digest: string | null;
  /** The other digests the image is known under (multi-arch index, manifest, config): the Inspect page matches a
   * container's image digest against any of them. */
  manifestDigest: string | null;
  indexDigest: string | null;
  configDigest: string | null;
  osName: string | null;
  status: ImageStatus;
  /** null before the first result */
  complete: boolean | null;
  incompleteReasons: string[];
  severity: SeverityCounts;
  fixable: SeverityCounts;
  findings: number;
  suppressed: number;
  packages: number;
  policy: { verdict: PolicyVerdict; evaluated: number; violated: ViolatedPolicyRef[] };
  workloads: ImageWorkload[];
  users: number;
  scannedAt: string | null;
  error: ScanError | null;
  nextRetryAt: string | null;
}

export interface VulnDbInfo {
  loaded: boolean;
  digest: string | null;
  builtAt: string | null;
  newestModified: string | null;
  ageSeconds: number | null;
  records: number | null;
}

export interface ImageList {
  images: ImageListEntry[];
  /** Entries that failed validation: counted and skipped, shown as a warning. */
  malformed: number;
  db: VulnDbInfo | null;
}

export type FindingStatus = 'fixed' | 'affected' | 'will-not-fix' | 'deferred' | 'end-of-life';

export interface Finding {
  id: string;
  aliases: string[];
  summary: string | null;
  severity: Severity;
  score: number | null;
  package: string;
  sourcePackage: string | null;
  ecosystem: string;
  installedVersion: string;
  fixedVersion: string | null;
  status: FindingStatus | string;
  layer: string;
  references: string[];
  /** Why it is suppressed (ignore entry or VEX statement), null when active. */
  suppressedBy: string | null;
}

export interface ImagePackage {
  name: string;
  version: string;
  kind: string;
  ecosystem: string;
  purl: string;
  sourceName: string | null;
  layer: string;
}

export interface ImageLayer {
  digest: string;
  diffId: string | null;
  size: number;
  createdBy: string | null;
}

export interface PolicyResult {
  id: string;
  title: string;
  severity: Severity;
  violated: boolean;
  details: string[];
}

/** The scanner's own remediation entries (report `remediation[]`, ordered with the ecosystem's real version order). */
export interface ReportRemediation {
  package: string;
  ecosystem: string;
  installedVersion: string;
  fixedVersion: string;
  packages: string[];
  fixes: number;
  vulnerabilities: string[];
}

/** GET /api/v1/images/:id with 200: the JSON report. */
export interface ImageReport {
  complete: boolean;
  incompleteReasons: string[];
  image: {
    reference: string;
    digest: string | null;
    osName: string | null;
    user: string | null;
    created: string | null;
    layers: ImageLayer[];
  };
  findings: Finding[];
  packages: ImagePackage[];
  policies: PolicyResult[];
  remediation: ReportRemediation[];
  /** Per section, the entries that failed validation and were skipped. */
  malformed: { findings: number; packages: number; layers: number; policies: number; remediation: number };
}

/** What GET /api/v1/images/:id can answer: a report, not yet (202), or failed (502). */
export type ImageReportAnswer =
  | { kind: 'report'; report: ImageReport }
  | { kind: 'pending'; status: string; image: ImageListEntry | null }
  | { kind: 'failed'; error: ScanError | null; nextRetryAt: string | null; image: ImageListEntry | null };
