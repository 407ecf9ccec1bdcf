// The report formats `vigil scan --format` accepts (kept apart so the CLI can parse flags without loading reports).
export const REPORT_FORMATS = ['table', 'json', 'cyclonedx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
