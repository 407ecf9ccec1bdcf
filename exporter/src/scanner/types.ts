// Types shared by the scanner's stages: sources -> layers -> catalogers -> vulnerability index -> matcher ->
// policies -> report. Stages pass these plain values along; none of them imports another stage sideways.

/** The operating system found in an image's filesystem. */
export interface OsInfo {
  /** os-release ID: debian, ubuntu, alpine, rhel, rocky, almalinux, fedora, amzn, ... */
  id: string;
  /** os-release VERSION_ID (or what the fallbacks found): "12", "22.04", "3.19.1" */
  versionId: string;
  /** VERSION_CODENAME when known: bookworm, jammy */
  codename?: string;
  prettyName?: string;
  /** Which file told us: etc/os-release, usr/lib/os-release, etc/debian_version, etc/alpine-release, ... */
  source: string;
}

/** Package ecosystems as OSV names them; OS ecosystems carry their release ("Debian:12", "Alpine:v3.19"). */
export type Ecosystem = string;

export type PackageKind = 'dpkg' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'go' | 'maven';

/** One installed package found by a cataloger. */
export interface InstalledPackage {
  kind: PackageKind;
  name: string;
  version: string;
  /** Source package (dpkg Source, apk origin, rpm source rpm name); distro advisories are keyed by it. */
  sourceName?: string;
  sourceVersion?: string;
  /** OSV ecosystem used for matching, e.g. "Debian:12", "Alpine:v3.19", "npm", "PyPI", "Go", "Maven". */
  ecosystem: Ecosystem;
  purl: string;
  /** Digest (diff id when known, else blob digest) of the layer that introduced this package version. */
  layer: string;
  /** The file the package was read from (status file, package.json, METADATA, binary, jar). */
  foundIn: string;
  /** Files the OS package manager says this package owns (dpkg .list, apk R: lines, rpm file list), when known. */
  ownedFiles?: string[];
  licenses?: string[];
  arch?: string;
}

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE' | 'UNKNOWN';

export type FindingStatus = 'fixed' | 'affected' | 'will-not-fix' | 'deferred' | 'end-of-life';

export interface SeverityRating {
  severity: Severity;
  /** CVSS base score when known */
  score?: number;
  vector?: string;
  /** Where it came from: "Debian urgency", "CVSS_V3", "CVSS_V4", "CVSS_V2", "GHSA", ... */
  source: string;
  /** The vendor's own word for vendor ratings: Debian "unimportant", Ubuntu "negligible", GHSA "MODERATE". */
  vendorValue?: string;
}

/** One vulnerable package in an image. */
export interface Finding {
  id: string;
  aliases: string[];
  upstream: string[];
  summary?: string;
  package: string;
  sourcePackage?: string;
  ecosystem: Ecosystem;
  installedVersion: string;
  /** Empty when no fix exists. */
  fixedVersion?: string;
  status: FindingStatus;
  /** The severity used for policies and metrics (vendor first, else the best CVSS). */
  severity: Severity;
  score?: number;
  severitySource: string;
  /** Every rating the advisory carries, kept apart and labelled. */
  ratings: SeverityRating[];
  layer: string;
  purl: string;
  references: string[];
  /** Set when an ignore rule or VEX statement suppresses the finding; it stays in the report. */
  suppressed?: {
    /** Where the suppression came from: "ignore:FILE:LINE" or "vex:DOCUMENT-ID" */
    by: string;
    reason: string;
    expires?: string;
    /** Which mechanism suppressed it (policy/suppressions sets it; reports map it to CycloneDX analysis). */
    kind?: 'ignore' | 'vex';
    /** For VEX: the statement's status. */
    vexStatus?: 'not_affected' | 'fixed';
    /** For VEX not_affected: the OpenVEX justification label, e.g. "vulnerable_code_not_in_execute_path". */
    justification?: string;
  };
}
