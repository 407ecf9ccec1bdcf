// The OSV vulnerability database: import (validate, compact, index, atomic swap) and lookup.
export { importOsv, type ImportOptions, type ImportProblem, type ImportResult } from './importer.js';
export { openVulnDb, VulnDbError, type VulnDb, type OpenOptions } from './open-db.js';
export { SourceError, DEFAULT_SOURCE_LIMITS, type SourceLimits } from './sources.js';
export type { VulnDbMeta, ImportCounts } from './store-format.js';
export {
  type Advisory,
  type AffectedPackage,
  type AdvisoryRange,
  type RangeEvent,
  type VendorStatus,
  packageKey,
  normalizePyPiName,
} from './advisory.js';
export { scoreCvss, severityBand, type CvssResult } from './cvss.js';
export { chooseRating } from './severity.js';
export { validateOsvRecord, type OsvRecord } from './osv-schema.js';
