import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { applySuppressions, evaluatePolicies, parseIgnoreFile, parseOpenVex } from '../../../src/scanner/policy/index.js';
import { jsonReportSchema, toJsonReport, type ScanResult } from '../../../src/scanner/report/index.js';
import { debianScan, IMAGE_DIGEST, NOW } from '../policy/fixtures.js';
import { assessCompleteness } from '../../../src/scanner/pipeline/completeness.js';
import { newMatchStats } from '../../../src/scanner/match/index.js';

const COMPLETE = { complete: true, reasons: [] };

function scenario(): ScanResult {
  const scan = debianScan();
  scan.image.config.env = [...(scan.image.config.env ?? []), 'DB_PASSWORD=correct-horse-battery-staple'];
  const ignore = parseIgnoreFile('ignore:\n  - {id: CVE-2021-38555, reason: signed XML only, expires: 2026-12-31}\n  - {id: CVE-2023-6129, reason: ppc only, expires: 2026-01-31}\n', 'ig.yaml').entries;
  const vex = parseOpenVex(
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://vex.example.com/1',
      author: 'sec',
      timestamp: '2026-01-01T00:00:00Z',
      statements: [{ vulnerability: { name: 'CVE-2021-3121' }, products: [{ '@id': `pkg:oci/api@${encodeURIComponent(IMAGE_DIGEST)}` }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }],
    }),
    'v.json',
  );
  const s = applySuppressions(scan.findings, { ignore, vex: [vex], image: scan.image, now: NOW });
  scan.findings = s.findings;
  scan.suppressions = s.summary;
  return scan;
}

test('the JSON report matches its published schema exactly (strict: no extra or missing keys)', () => {
  const scan = scenario();
  const report = toJsonReport(scan, evaluatePolicies(scan, undefined, { now: NOW }), { now: NOW, scannerVersion: '0.1.0', completeness: COMPLETE });
  const parsed = jsonReportSchema.parse(JSON.parse(JSON.stringify(report)));
  assert.equal(parsed.schemaVersion, 2);
  assert.equal(parsed.complete, true);
  assert.deepEqual(parsed.incomplete_reasons, []);
  assert.equal(parsed.generatedAt, '2026-03-02T12:00:00.000Z');
  assert.deepEqual(parsed.summary.bySeverity.CRITICAL, { total: 4, fixable: 2, suppressed: 1 });
  assert.deepEqual(parsed.summary.bySeverity.HIGH, { total: 2, fixable: 1, suppressed: 1 });
  assert.deepEqual([parsed.summary.findings, parsed.summary.unsuppressed, parsed.summary.fixable], [9, 7, 6]);
  assert.deepEqual(parsed.findings.map((f) => f.id).slice(0, 4), ['CVE-2023-5678', 'CVE-2023-6129', 'GHSA-838r-hvwh-24h8', 'CVE-2023-45853']);
  const go = parsed.findings.find((f) => f.id === 'GO-2021-0053');
  assert.deepEqual(go?.suppressed, { by: 'vex:https://vex.example.com/1', kind: 'vex', reason: 'vulnerable_code_not_in_execute_path', expires: null, vexStatus: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' });
  assert.equal(parsed.findings.find((f) => f.id === 'CVE-2023-45853')?.fixedVersion, null);
  assert.deepEqual(parsed.suppressions, { ignored: 1, vex: 1, expired: [{ id: 'CVE-2023-6129', package: null, image: null, reason: 'ppc only', expires: '2026-01-31', source: 'ig.yaml:3', matched: 1 }] });
  assert.deepEqual(parsed.remediation[0], {
    package: 'openssl',
    ecosystem: 'Debian:12',
    installedVersion: '3.0.11-1~deb12u2',
    fixedVersion: '3.0.14-1~deb12u1',
    packages: ['libssl3', 'openssl'],
    fixes: 5,
    bySeverity: { CRITICAL: 2, HIGH: 1, MEDIUM: 1, LOW: 1 },
    vulnerabilities: ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2024-5535', 'CVE-2024-0727', 'CVE-2023-6237'],
  });
  assert.equal(parsed.policies.find((p) => p.id === 'secret-env')?.violated, true);
  assert.equal(parsed.packages.length, 6);
  assert.equal(parsed.image.os?.codename, 'bookworm');
});

test('the JSON report never carries environment values', () => {
  const scan = scenario();
  const text = JSON.stringify(toJsonReport(scan, evaluatePolicies(scan, undefined, { now: NOW }), { now: NOW, completeness: COMPLETE }));
  assert.ok(!text.includes('correct-horse-battery-staple'));
  assert.ok(!text.includes('LANG=C.UTF-8'), 'no env at all, not even harmless values');
  assert.ok(text.includes('DB_PASSWORD'), 'the secret-env policy names the variable');
});

test('the schema rejects drift: an unknown key or a missing one fails validation', () => {
  const scan = scenario();
  const report = JSON.parse(JSON.stringify(toJsonReport(scan, [], { now: NOW, completeness: COMPLETE })));
  assert.equal(jsonReportSchema.safeParse(report).success, true);
  assert.equal(jsonReportSchema.safeParse({ ...report, extra: 1 }).success, false);
  const { db: _db, ...missing } = report;
  assert.equal(jsonReportSchema.safeParse(missing).success, false);
  report.findings[0].severity = 'SEVERE';
  assert.equal(jsonReportSchema.safeParse(report).success, false);
});

test('the example in docs/scan-policies.md is a valid report of the current schema', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/scan-policies.md'), 'utf8');
  const m = /<!-- json-report-example -->\s*```json\n([\s\S]*?)\n```/.exec(doc);
  assert.ok(m?.[1], 'example block present');
  const example = jsonReportSchema.parse(JSON.parse(m[1]));
  assert.equal(example.schemaVersion, 2);
  // The example is the fixture's real output, shortened: its first finding must match what the code emits now.
  const scan = scenario();
  const now = toJsonReport(scan, [], { now: NOW, completeness: COMPLETE });
  assert.deepEqual(example.findings[0], now.findings.find((f) => f.id === example.findings[0]?.id));
});

test('an incomplete scan says so in the report: complete false with the reasons, even with no findings', () => {
  const scan = debianScan({ os: undefined });
  scan.findings = [];
  const completeness = assessCompleteness({ os: undefined, packages: scan.image.packages, catalogErrors: [], match: newMatchStats(), dbEcosystems: { Maven: 1 } });
  const report = jsonReportSchema.parse(JSON.parse(JSON.stringify(toJsonReport(scan, [], { now: NOW, completeness }))));
  assert.equal(report.complete, false);
  assert.equal(report.summary.findings, 0);
  assert.deepEqual(report.incomplete_reasons, completeness.reasons);
  assert.match(report.incomplete_reasons[0] ?? '', /^the OS could not be identified/);
  assert.ok(report.incomplete_reasons.some((r) => /no records for Go/.test(r)));
  // The two fields never contradict each other, whatever the caller hands over.
  const contradictory = toJsonReport(scan, [], { now: NOW, completeness: { complete: true, reasons: ['the rpm cataloger failed'] } });
  assert.deepEqual([contradictory.complete, contradictory.incomplete_reasons], [false, ['the rpm cataloger failed']]);
  const silent = toJsonReport(scan, [], { now: NOW, completeness: { complete: false, reasons: [] } });
  assert.equal(silent.complete, false);
  assert.equal(silent.incomplete_reasons.length, 1);
  // Version 1 consumers are told by the version: a report without the new keys is not a version 2 report.
  const { complete: _c, incomplete_reasons: _r, ...v1 } = JSON.parse(JSON.stringify(report));
  assert.equal(jsonReportSchema.safeParse({ ...v1, schemaVersion: 2 }).success, false);
});
