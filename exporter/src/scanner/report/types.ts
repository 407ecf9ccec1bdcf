// What a finished scan hands to policies and reports. The matcher produces the findings, the sources/layers/
// catalogers produce the image description; this module only names the shape they meet in.
import type { Finding, InstalledPackage, OsInfo } from '../types.js';

export interface ImageConfig {
  /** Config.User as written in the image: "", "root", "0", "0:0", "1000", "app:app" */
  user?: string;
  /** Config.Env, "NAME=value" strings. May hold secrets: reports never print values. */
  env?: string[];
  labels?: Record<string, string>;
  /** RFC 3339 creation time from the image config */
  created?: string;
  entrypoint?: string[];
  cmd?: string[];
}

export interface LayerInfo {
  /** Blob digest as the manifest names it */
  digest: string;
  /** Uncompressed digest from rootfs.diff_ids, when known; packages' `layer` fields use it when present. */
  diffId?: string;
  size: number;
  /** history[].created_by of the step that made the layer */
  createdBy?: string;
}

export interface ImageDescription {
  /** The reference as the user typed it ("nginx:1.25", "ghcr.io/org/app@sha256:..."). */
  reference: string;
  /** Manifest digest the scan resolved, when known. */
  digest?: string;
  os?: OsInfo;
  config: ImageConfig;
  packages: InstalledPackage[];
  layers: LayerInfo[];
}

export interface DbMetadata {
  /** When the vulnerability database was built (RFC 3339) */
  builtAt: string;
  /** The newest `modified` time among its records (RFC 3339): how fresh the data really is. */
  newestModified: string;
  /** Content digest of the database */
  digest: string;
}

/** An ignore entry whose expiry date has passed: it no longer suppresses anything and is shown to the user. */
export interface ExpiredIgnore {
  id: string;
  package?: string;
  image?: string;
  reason: string;
  expires: string;
  /** "file:line" of the entry */
  source: string;
  /** Findings it would have suppressed, had it not expired. */
  matched: number;
}

export interface SuppressionSummary {
  /** Findings suppressed by ignore entries */
  ignored: number;
  /** Findings suppressed by VEX statements */
  vex: number;
  expired: ExpiredIgnore[];
}

/**
 * Whether a scan looked at everything it should have (pipeline/completeness.ts decides). Reports must never present
 * an incomplete scan as clean: "no vulnerabilities" means nothing when the OS packages were never checked.
 */
export interface ScanCompleteness {
  complete: boolean;
  /** Why it is incomplete, most important first; empty when complete. The banner and the JSON report show these. */
  reasons: string[];
  /** The same gaps, one per reason, said as what was not checked ("OS packages were not checked: …"). */
  unchecked: string[];
}

export interface ScanResult {
  image: ImageDescription;
  findings: Finding[];
  db: DbMetadata;
  /** When the scan ran (RFC 3339). */
  scannedAt?: string;
  /** Filled by applySuppressions; absent when no ignore file or VEX document was used. */
  suppressions?: SuppressionSummary;
}
