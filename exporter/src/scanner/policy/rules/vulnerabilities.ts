// No unsuppressed vulnerability at the configured severities (by default: critical or high with a fix available).
import { z } from 'zod';
import type { Finding, Severity } from '../../types.js';
import { definePolicy } from '../definition.js';
import { isActive, isFixable } from '../findings.js';
import { severitySchema } from '../schema-helpers.js';
import { compareSeverityDesc, SEVERITIES } from '../severity.js';
import { boundedLines, cleanText } from '../text.js';

const params = z.strictObject({
  severities: z.array(severitySchema).min(1).default(['CRITICAL', 'HIGH']),
  /** Only findings with a fixed version count: unfixed ones cannot be acted on by rebuilding. */
  fixableOnly: z.boolean().default(true),
});

function describe(f: Finding): string {
  const fix = isFixable(f) ? ` → ${cleanText(f.fixedVersion ?? '', 80)}` : ' (no fix)';
  return `${cleanText(f.id, 80)} ${f.severity} ${cleanText(f.package, 80)} ${cleanText(f.installedVersion, 80)}${fix}`;
}

function listSeverities(s: readonly Severity[]): string {
  const sorted = [...new Set(s)].sort(compareSeverityDesc).map((x) => x.toLowerCase());
  return sorted.length <= 1 ? (sorted[0] ?? '') : `${sorted.slice(0, -1).join(', ')} or ${sorted[sorted.length - 1]}`;
}

export const vulnerabilitiesPolicy = definePolicy({
  id: 'vulnerabilities',
  title: (p) => `No ${listSeverities(p.severities)} vulnerability${p.fixableOnly ? ' with a fix available' : ''}`,
  defaultSeverity: 'HIGH',
  defaultEnabled: true,
  params,
  check(input, p) {
    const wanted = new Set<Severity>(p.severities);
    const hits = input.findings
      .filter((f) => isActive(f) && wanted.has(f.severity) && (!p.fixableOnly || isFixable(f)))
      .sort((a, b) => compareSeverityDesc(a.severity, b.severity) || a.package.localeCompare(b.package) || a.id.localeCompare(b.id));
    if (hits.length === 0) return { violated: false, details: [] };
    const counts = SEVERITIES.map((s) => [s, hits.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
    const head = `${hits.length} finding${hits.length === 1 ? '' : 's'} (${counts.map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ')})`;
    return { violated: true, details: [head, ...boundedLines(hits.map(describe))] };
  },
});
