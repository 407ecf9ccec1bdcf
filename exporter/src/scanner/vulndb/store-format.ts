// The on-disk layout of a Vigil vulnerability database directory:
//   <dbDir>/current            symlink to the live generation (swapped atomically by rename)
//   <dbDir>/gen-<time>-<rand>/ one complete generation:
//       advisories.jsonl       one line per package key: a JSON array of Advisory objects
//       index.json             { keys[], offsets[], lengths[] } sorted by key, offsets into advisories.jsonl
//       meta.json              VulnDbMeta
// Readers resolve `current` once at open and keep their file descriptor, so a concurrent import never changes
// what an open database reads.

export const DB_FORMAT = 'vigil-vulndb';
export const DB_SCHEMA_VERSION = 1;
export const CURRENT_LINK = 'current';
export const ADVISORIES_FILE = 'advisories.jsonl';
export const INDEX_FILE = 'index.json';
export const META_FILE = 'meta.json';

export interface ImportCounts {
  /** JSON texts read (files and zip entries) */
  files: number;
  /** records seen (a file may hold one record or an array) */
  records: number;
  /** records kept in the database */
  imported: number;
  malformed: number;
  withdrawn: number;
  /** older copies of a record id replaced by a newer `modified` */
  duplicates: number;
  gitRangesIgnored: number;
  /** affected entries with no package (commit-only data) */
  packagelessAffected: number;
  /** records with nothing matchable (no package ranges or versions) */
  unmatchable: number;
}

export interface VulnDbMeta {
  format: typeof DB_FORMAT;
  schemaVersion: number;
  /** OSV schema version the records were validated against */
  osvSchema: string;
  builtAt: string;
  /** newest `modified` among the records: how fresh the data is */
  newestModified: string | undefined;
  records: number;
  /** package keys in the index */
  packages: number;
  /** advisories stored (one per record and package) */
  advisories: number;
  /** records per affected ecosystem */
  ecosystems: Record<string, number>;
  /** "sha256:<hex>" over "id\tmodified\n" of every record, sorted by id */
  digest: string;
  import: ImportCounts;
}

export interface IndexFile {
  keys: string[];
  offsets: number[];
  lengths: number[];
}
