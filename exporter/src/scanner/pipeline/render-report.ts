// Turns an assessment into the output a user asked for. An incomplete scan is announced at the top of the table,
// the table says what was not checked instead of "No vulnerabilities found.", and the JSON report carries
// `complete` and `incomplete_reasons`.
import { renderTable, toCycloneDx, toJsonReport } from '../report/index.js';
import type { Assessment } from './assess-image.js';

import type { ReportFormat } from './formats.js';

export { REPORT_FORMATS, type ReportFormat } from './formats.js';

export interface RenderOptions {
  now?: Date;
  scannerVersion?: string;
  /** table only */
  width?: number;
  color?: boolean;
}

export function incompleteBanner(a: Pick<Assessment, 'completeness'>): string[] {
  if (a.completeness.complete) return [];
  return [
    'WARNING: INCOMPLETE SCAN. This is not a clean result: some of the image was not checked.',
    ...a.completeness.reasons.map((r) => `  - ${r}`),
  ];
}

export function renderReport(a: Assessment, format: ReportFormat, options: RenderOptions = {}): string {
  const now = options.now ?? new Date();
  const version = options.scannerVersion ?? '0.0.0';
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJsonReport(a.result, a.policies, { now, scannerVersion: version, completeness: a.completeness }), null, 2)}\n`;
    case 'cyclonedx':
      return `${toCycloneDx(a.result, { now, scannerVersion: version, specVersion: '1.6' })}\n`;
    case 'table': {
      const banner = incompleteBanner(a);
      const table = renderTable(a.result, a.policies, { now, completeness: a.completeness, ...(options.width ? { width: options.width } : {}), color: options.color === true });
      return banner.length > 0 ? `${banner.join('\n')}\n\n${table}` : table;
    }
  }
}
