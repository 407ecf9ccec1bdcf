// Public surface of the scanner's report stage.
export type { DbMetadata, ExpiredIgnore, ImageConfig, ImageDescription, LayerInfo, ScanCompleteness, ScanResult, SuppressionSummary } from './types.js';
export { renderTable, type TableOptions } from './table.js';
export { toJsonReport, jsonReportSchema, JSON_REPORT_SCHEMA_VERSION, type JsonReport, type JsonReportOptions } from './json-report.js';
export { toCycloneDx, type CycloneDxOptions, type CycloneDxSpecVersion } from './cyclonedx.js';
export { exitCodeFor, type ExitCodeOptions } from './exit-code.js';
export { remediationGroups, describeRemediation, unfixableCount, type RemediationGroup, type RemediationOptions, type VersionComparator } from './remediation.js';
export { summarizeFindings, type SeverityCounts, type SeveritySummary } from './summary.js';
export { sortFindings, shortDigest } from './order.js';
export { ScanProgress, formatBytes, type ProgressOptions, type ProgressStream } from './progress.js';
export { colorEnabled, outputWidth, type TerminalLike } from './terminal.js';
