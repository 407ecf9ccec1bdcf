// The human report for a terminal: header, per-severity summary, findings table, violated policies, expired
// ignore entries and remediation advice. Pure: returns the text; the caller decides width and colour.
import type { Finding, Severity } from '../types.js';
import { violatedPolicies } from '../policy/evaluate.js';
import { isActive } from '../policy/findings.js';
import { SEVERITIES } from '../policy/severity.js';
import { cleanText } from '../policy/text.js';
import type { PolicyResult } from '../policy/types.js';
import { describeRemediation, remediationGroups, unfixableCount, type VersionComparator } from './remediation.js';
import { shortDigest, sortFindings } from './order.js';
import { summarizeFindings } from './summary.js';
import { fit, padEnd, painter, visibleLength, type Painter, type Style } from './terminal.js';
import type { ScanCompleteness, ScanResult } from './types.js';

export interface TableOptions {
  /**
   * Required: whether the scan was complete. An incomplete scan with no findings lists what was not checked, never
   * "No vulnerabilities found.".
   */
  completeness: Pick<ScanCompleteness, 'complete' | 'unchecked'>;
  /** Columns available; long cells are cut to fit. Default 160. */
  width?: number;
  color?: boolean;
  /** For the database age; defaults to the current time. */
  now?: Date;
  compareVersions?: VersionComparator;
  /** Detail lines shown per violated policy (the JSON report has them all). Default 6. */
  policyDetailLines?: number;
  /** Remediation lines shown. Default 10. */
  remediationLines?: number;
}

const SEVERITY_STYLE: Record<Severity, Style | undefined> = { CRITICAL: 'boldRed', HIGH: 'red', MEDIUM: 'yellow', LOW: 'blue', UNKNOWN: 'magenta', NONE: undefined };

function age(fromIso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(fromIso);
  if (Number.isNaN(ms)) return 'unknown age';
  if (ms < 0) return 'in the future';
  const hours = Math.floor(ms / 3_600_000);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} old`;
  const days = Math.floor(hours / 24);
  return `${days} days old`;
}

function header(result: ScanResult, now: Date, paint: Painter, width: number): string[] {
  const img = result.image;
  const os = img.os ? (img.os.prettyName ?? `${img.os.id} ${img.os.versionId}`) : 'unknown (no os-release found)';
  const db = result.db;
  const dbAgeMs = now.getTime() - Date.parse(db.builtAt);
  const stale = dbAgeMs > 7 * 86_400_000 ? paint(' (stale: import fresh OSV data with `vigil db import`)', 'yellow') : '';
  const rows: [string, string][] = [
    ['Image', img.reference],
    ['Digest', img.digest ?? '(not resolved)'],
    ['OS', os],
    ['Packages', `${img.packages.length} in ${img.layers.length} layer${img.layers.length === 1 ? '' : 's'}`],
    ['DB', `built ${db.builtAt} (${age(db.builtAt, now)}), newest record ${db.newestModified}, ${shortDigest(db.digest)}`],
  ];
  return rows.map(([k, v], i) => `${paint(padEnd(`${k}:`, 10), 'bold')}${fit(v, Math.max(10, width - 10))}${i === rows.length - 1 ? stale : ''}`);
}

function summaryLines(findings: readonly Finding[], paint: Painter): string[] {
  const sum = summarizeFindings(findings);
  const shown = SEVERITIES.filter((s) => s !== 'UNKNOWN' && s !== 'NONE' ? true : sum[s].total > 0);
  const lines = shown.map((s) => {
    const c = sum[s];
    const label = padEnd(s, 9);
    return `${SEVERITY_STYLE[s] && c.total > 0 ? paint(label, SEVERITY_STYLE[s]) : label} total ${String(c.total).padStart(4)}   fixable ${String(c.fixable).padStart(4)}   suppressed ${String(c.suppressed).padStart(4)}`;
  });
  const active = findings.filter(isActive).length;
  lines.push(`${padEnd('ALL', 9)} total ${String(findings.length).padStart(4)}   unsuppressed ${active}`);
  return lines;
}

interface Column {
  title: string;
  /** Never narrower than this (header included) */
  min: number;
  /** Natural widths are capped here: nobody reads a 200-character version */
  max: number;
  cell: (f: Finding) => string;
}

const COLUMNS: Column[] = [
  { title: 'ID', min: 13, max: 28, cell: (f) => f.id },
  { title: 'PACKAGE', min: 10, max: 40, cell: (f) => f.package },
  { title: 'INSTALLED', min: 8, max: 30, cell: (f) => f.installedVersion },
  { title: 'FIXED', min: 8, max: 30, cell: (f) => f.fixedVersion ?? '' },
  { title: 'SEVERITY', min: 8, max: 8, cell: (f) => f.severity },
  { title: 'STATUS', min: 10, max: 12, cell: (f) => (f.suppressed ? 'suppressed' : f.status) },
  { title: 'LAYER', min: 12, max: 12, cell: (f) => shortDigest(f.layer) },
];
const GAP = 2;

/** Natural widths, then shrink the widest shrinkable column one step at a time; drop trailing columns if needed. */
function layout(findings: readonly Finding[], width: number): { cols: Column[]; widths: number[] } {
  let cols = [...COLUMNS];
  for (;;) {
    const widths = cols.map((c) => Math.min(c.max, Math.max(visibleLength(c.title), ...findings.map((f) => visibleLength(cleanText(c.cell(f), c.max))))));
    const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
    while (total() > width) {
      let widest = -1;
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i];
        const w = widths[i];
        if (c && w !== undefined && w > c.min && (widest < 0 || w - c.min > (widths[widest] ?? 0) - (cols[widest]?.min ?? 0))) widest = i;
      }
      if (widest < 0) break;
      widths[widest] = (widths[widest] ?? 1) - 1;
    }
    // Layer, then status go first when even minimum widths do not fit.
    if (total() <= width || cols.length <= 5) return { cols, widths };
    cols = cols.slice(0, -1);
  }
}

function findingsTable(findings: readonly Finding[], completeness: TableOptions['completeness'], width: number, paint: Painter): string[] {
  if (findings.length === 0) {
    if (completeness.complete) return ['No vulnerabilities found.'];
    const unchecked = completeness.unchecked.length > 0 ? completeness.unchecked : ['part of the image was not checked'];
    // Sentences may begin with a cataloger's lower-case name: the table starts each line with a capital.
    return unchecked.map((u) => paint(fit(`${u.charAt(0).toUpperCase()}${u.slice(1)}`, width), 'yellow'));
  }
  const sorted = sortFindings(findings);
  const { cols, widths } = layout(sorted, width);
  const row = (cells: string[], styles: (Style | undefined)[] = []) =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const text = padEnd(fit(c, w), w);
        const st = styles[i];
        return st ? paint(text, st) : text;
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const lines = [paint(row(cols.map((c) => c.title)), 'bold')];
  for (const f of sorted) {
    const cells = cols.map((c) => c.cell(f));
    if (f.suppressed) lines.push(paint(row(cells), 'dim'));
    else lines.push(row(cells, cols.map((c) => (c.title === 'SEVERITY' ? SEVERITY_STYLE[f.severity] : undefined))));
  }
  return lines;
}

function policyLines(policies: readonly PolicyResult[], width: number, paint: Painter, maxDetails: number): string[] {
  const bad = violatedPolicies(policies);
  const title = `Policy violations: ${bad.length} of ${policies.length} policies`;
  if (bad.length === 0) return [paint(`${title}: all passed`, 'green')];
  const lines = [paint(title, 'bold')];
  for (const p of bad) {
    const sev = padEnd(p.severity, 9);
    lines.push(`  ${SEVERITY_STYLE[p.severity] ? paint(sev, SEVERITY_STYLE[p.severity] ?? 'bold') : sev} ${fit(`${p.id}: ${p.title}`, Math.max(10, width - 12))}`);
    for (const d of p.details.slice(0, maxDetails)) lines.push(`            ${fit(d, Math.max(10, width - 12))}`);
    if (p.details.length > maxDetails) lines.push(`            … ${p.details.length - maxDetails} more (see the JSON report)`);
  }
  return lines;
}

function expiredLines(result: ScanResult, width: number, paint: Painter): string[] {
  const expired = result.suppressions?.expired ?? [];
  if (expired.length === 0) return [];
  const lines = [paint(`Expired ignore entries: ${expired.length} (they no longer suppress anything)`, 'yellow')];
  for (const e of expired) {
    const what = [e.id, e.package ? `package ${e.package}` : '', e.image ? `image ${e.image}` : ''].filter(Boolean).join(', ');
    lines.push(`  ${fit(`${what}: expired ${e.expires} (${e.source}), matches ${e.matched} finding${e.matched === 1 ? '' : 's'}: ${e.reason}`, Math.max(10, width - 2))}`);
  }
  return lines;
}

function remediationLines(result: ScanResult, width: number, paint: Painter, max: number, cmp: VersionComparator | undefined): string[] {
  const groups = remediationGroups(result.findings, cmp ? { compareVersions: cmp } : {});
  const unfixable = unfixableCount(result.findings);
  const lines = [paint('Remediation', 'bold')];
  if (groups.length === 0) lines.push('  no upgrade fixes any unsuppressed finding');
  for (const g of groups.slice(0, max)) lines.push(`  ${fit(describeRemediation(g), Math.max(10, width - 2))}`);
  if (groups.length > max) lines.push(`  … ${groups.length - max} more upgrades`);
  if (unfixable > 0) lines.push(`  ${unfixable} unsuppressed finding${unfixable === 1 ? ' has' : 's have'} no fix yet`);
  return lines;
}

export function renderTable(result: ScanResult, policies: readonly PolicyResult[], options: TableOptions): string {
  const width = Math.max(40, Math.floor(options.width ?? 160));
  const paint = painter(options.color === true);
  const now = options.now ?? new Date();
  const sections = [
    header(result, now, paint, width),
    summaryLines(result.findings, paint),
    findingsTable(result.findings, options.completeness, width, paint),
    policyLines(policies, width, paint, options.policyDetailLines ?? 6),
    expiredLines(result, width, paint),
    remediationLines(result, width, paint, options.remediationLines ?? 10, options.compareVersions),
  ].filter((s) => s.length > 0);
  return `${sections.map((s) => s.join('\n')).join('\n\n')}\n`;
}
