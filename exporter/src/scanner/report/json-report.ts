// The JSON report: one stable, documented shape (docs/scan-policies.md) shared by `vigil scan --format json`, the
// scanner service's API and the Grafana plugin. The zod schema below is the definition; the type is derived from
// it, and consumers may validate what they receive with `jsonReportSchema`.
//
// Stability rules: every key is always present (absent values are null, empty lists are []), keys are only ever
// added in a new schemaVersion, and image environment variables are never included (they may hold secrets).
// Version 2 added `complete` and `incomplete_reasons`: a report with no findings is only clean when complete.
import { z } from 'zod';
import type { Finding } from '../types.js';
import { SEVERITIES } from '../policy/severity.js';
import type { PolicyResult } from '../policy/types.js';
import { remediationGroups, type VersionComparator } from './remediation.js';
import { summarizeFindings } from './summary.js';
import { sortFindings } from './order.js';
import type { ScanCompleteness, ScanResult } from './types.js';

export const JSON_REPORT_SCHEMA_VERSION = 2;

const severity = z.enum(SEVERITIES as [(typeof SEVERITIES)[number], ...(typeof SEVERITIES)[number][]]);
const counts = z.strictObject({ total: z.number().int(), fixable: z.number().int(), suppressed: z.number().int() });

export const jsonReportSchema = z.strictObject({
  schemaVersion: z.literal(JSON_REPORT_SCHEMA_VERSION),
  generatedAt: z.string(),
  scanner: z.strictObject({ name: z.literal('vigil'), version: z.string() }),
  /** false: part of the image was not checked (see incomplete_reasons); zero findings then mean nothing */
  complete: z.boolean(),
  incomplete_reasons: z.array(z.string()),
  image: z.strictObject({
    reference: z.string(),
    digest: z.string().nullable(),
    os: z.strictObject({ id: z.string(), versionId: z.string(), codename: z.string().nullable(), prettyName: z.string().nullable(), source: z.string() }).nullable(),
    user: z.string().nullable(),
    created: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    layers: z.array(z.strictObject({ digest: z.string(), diffId: z.string().nullable(), size: z.number(), createdBy: z.string().nullable() })),
  }),
  db: z.strictObject({ builtAt: z.string(), newestModified: z.string(), digest: z.string() }),
  summary: z.strictObject({
    bySeverity: z.strictObject(Object.fromEntries(SEVERITIES.map((s) => [s, counts])) as Record<(typeof SEVERITIES)[number], typeof counts>),
    findings: z.number().int(),
    unsuppressed: z.number().int(),
    fixable: z.number().int(),
    packages: z.number().int(),
    policiesEvaluated: z.number().int(),
    policiesViolated: z.number().int(),
  }),
  findings: z.array(
    z.strictObject({
      id: z.string(),
      aliases: z.array(z.string()),
      upstream: z.array(z.string()),
      summary: z.string().nullable(),
      severity,
      score: z.number().nullable(),
      severitySource: z.string(),
      ratings: z.array(z.strictObject({ severity, score: z.number().nullable(), vector: z.string().nullable(), source: z.string(), vendorValue: z.string().nullable() })),
      package: z.string(),
      sourcePackage: z.string().nullable(),
      ecosystem: z.string(),
      purl: z.string(),
      installedVersion: z.string(),
      fixedVersion: z.string().nullable(),
      status: z.enum(['fixed', 'affected', 'will-not-fix', 'deferred', 'end-of-life']),
      layer: z.string(),
      references: z.array(z.string()),
      suppressed: z
        .strictObject({
          by: z.string(),
          kind: z.enum(['ignore', 'vex']).nullable(),
          reason: z.string(),
          expires: z.string().nullable(),
          vexStatus: z.enum(['not_affected', 'fixed']).nullable(),
          justification: z.string().nullable(),
        })
        .nullable(),
    }),
  ),
  policies: z.array(z.strictObject({ id: z.string(), title: z.string(), severity, violated: z.boolean(), details: z.array(z.string()) })),
  remediation: z.array(
    z.strictObject({
      package: z.string(),
      ecosystem: z.string(),
      installedVersion: z.string(),
      fixedVersion: z.string(),
      packages: z.array(z.string()),
      fixes: z.number().int(),
      bySeverity: z.record(z.string(), z.number().int()),
      vulnerabilities: z.array(z.string()),
    }),
  ),
  suppressions: z.strictObject({
    ignored: z.number().int(),
    vex: z.number().int(),
    expired: z.array(
      z.strictObject({ id: z.string(), package: z.string().nullable(), image: z.string().nullable(), reason: z.string(), expires: z.string(), source: z.string(), matched: z.number().int() }),
    ),
  }),
  packages: z.array(
    z.strictObject({ name: z.string(), version: z.string(), kind: z.string(), ecosystem: z.string(), purl: z.string(), sourceName: z.string().nullable(), layer: z.string(), foundIn: z.string() }),
  ),
});

export type JsonReport = z.infer<typeof jsonReportSchema>;

export interface JsonReportOptions {
  /** Required: a report must say whether the scan was complete (pipeline/completeness.ts). */
  completeness: Pick<ScanCompleteness, 'complete' | 'reasons'>;
  now?: Date;
  scannerVersion?: string;
  compareVersions?: VersionComparator;
}

function findingJson(f: Finding): JsonReport['findings'][number] {
  const s = f.suppressed;
  return {
    id: f.id,
    aliases: [...f.aliases],
    upstream: [...f.upstream],
    summary: f.summary ?? null,
    severity: f.severity,
    score: f.score ?? null,
    severitySource: f.severitySource,
    ratings: f.ratings.map((r) => ({ severity: r.severity, score: r.score ?? null, vector: r.vector ?? null, source: r.source, vendorValue: r.vendorValue ?? null })),
    package: f.package,
    sourcePackage: f.sourcePackage ?? null,
    ecosystem: f.ecosystem,
    purl: f.purl,
    installedVersion: f.installedVersion,
    fixedVersion: f.fixedVersion && f.fixedVersion.trim() !== '' ? f.fixedVersion : null,
    status: f.status,
    layer: f.layer,
    references: [...f.references],
    suppressed: s ? { by: s.by, kind: s.kind ?? null, reason: s.reason, expires: s.expires ?? null, vexStatus: s.vexStatus ?? null, justification: s.justification ?? null } : null,
  };
}

/** Never "complete" with a reason against it, never incomplete without one. */
function completenessJson(c: JsonReportOptions['completeness']): Pick<JsonReport, 'complete' | 'incomplete_reasons'> {
  const complete = c.complete && c.reasons.length === 0;
  if (complete) return { complete, incomplete_reasons: [] };
  return { complete, incomplete_reasons: c.reasons.length > 0 ? [...c.reasons] : ['the scan did not record why it is incomplete'] };
}

export function toJsonReport(result: ScanResult, policies: readonly PolicyResult[], options: JsonReportOptions): JsonReport {
  const img = result.image;
  const sum = summarizeFindings(result.findings);
  const unsuppressed = result.findings.filter((f) => !f.suppressed).length;
  const remediation = remediationGroups(result.findings, options.compareVersions ? { compareVersions: options.compareVersions } : {});
  return {
    schemaVersion: JSON_REPORT_SCHEMA_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    scanner: { name: 'vigil', version: options.scannerVersion ?? '0.0.0' },
    ...completenessJson(options.completeness),
    image: {
      reference: img.reference,
      digest: img.digest ?? null,
      os: img.os ? { id: img.os.id, versionId: img.os.versionId, codename: img.os.codename ?? null, prettyName: img.os.prettyName ?? null, source: img.os.source } : null,
      user: img.config.user ?? null,
      created: img.config.created ?? null,
      labels: { ...(img.config.labels ?? {}) },
      layers: img.layers.map((l) => ({ digest: l.digest, diffId: l.diffId ?? null, size: l.size, createdBy: l.createdBy ?? null })),
    },
    db: { builtAt: result.db.builtAt, newestModified: result.db.newestModified, digest: result.db.digest },
    summary: {
      bySeverity: sum,
      findings: result.findings.length,
      unsuppressed,
      fixable: SEVERITIES.reduce((n, s) => n + sum[s].fixable, 0),
      packages: img.packages.length,
      policiesEvaluated: policies.length,
      policiesViolated: policies.filter((p) => p.violated).length,
    },
    findings: sortFindings(result.findings).map(findingJson),
    policies: policies.map((p) => ({ id: p.id, title: p.title, severity: p.severity, violated: p.violated, details: [...p.details] })),
    remediation: remediation.map((g) => ({
      package: g.package,
      ecosystem: g.ecosystem,
      installedVersion: g.installedVersion,
      fixedVersion: g.fixedVersion,
      packages: g.packages,
      fixes: g.vulnerabilities.length,
      bySeverity: { ...g.bySeverity } as Record<string, number>,
      vulnerabilities: g.vulnerabilities.map((v) => v.id),
    })),
    suppressions: {
      ignored: result.suppressions?.ignored ?? 0,
      vex: result.suppressions?.vex ?? 0,
      expired: (result.suppressions?.expired ?? []).map((e) => ({ id: e.id, package: e.package ?? null, image: e.image ?? null, reason: e.reason, expires: e.expires, source: e.source, matched: e.matched })),
    },
    packages: img.packages.map((p) => ({ name: p.name, version: p.version, kind: p.kind, ecosystem: p.ecosystem, purl: p.purl, sourceName: p.sourceName ?? null, layer: p.layer, foundIn: p.foundIn })),
  };
}
