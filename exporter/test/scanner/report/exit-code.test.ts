import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies, parseSeverity } from '../../../src/scanner/policy/index.js';
import { exitCodeFor } from '../../../src/scanner/report/index.js';
import type { Severity } from '../../../src/scanner/types.js';
import { debianFindings, debianScan, NOW, ubuntuUnfixedFinding } from '../policy/fixtures.js';

const suppress = (ids: string[]) => debianFindings().map((f) => (ids.includes(f.id) ? { ...f, suppressed: { by: 'ignore:x:1', reason: 'r' } } : f));
const CRITICALS = ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2023-45853', 'GHSA-838r-hvwh-24h8'];

const cases: [string, Parameters<typeof exitCodeFor>[0], Severity | null | undefined, 0 | 1][] = [
  ['critical present, fail on CRITICAL', { findings: debianFindings() }, 'CRITICAL', 1],
  ['critical present, fail on HIGH', { findings: debianFindings() }, 'HIGH', 1],
  ['no fail-on never fails on findings', { findings: debianFindings() }, undefined, 0],
  ['null fail-on never fails on findings', { findings: debianFindings() }, null, 0],
  ['all criticals suppressed, fail on CRITICAL', { findings: suppress(CRITICALS) }, 'CRITICAL', 0],
  ['all criticals suppressed, fail on HIGH (highs remain)', { findings: suppress(CRITICALS) }, 'HIGH', 1],
  ['only a MEDIUM left, fail on HIGH', { findings: [ubuntuUnfixedFinding()] }, 'HIGH', 0],
  ['only a MEDIUM left, fail on MEDIUM', { findings: [ubuntuUnfixedFinding()] }, 'MEDIUM', 1],
  ['unknown severity counts for fail-on LOW', { findings: [{ ...ubuntuUnfixedFinding(), severity: 'UNKNOWN' }] }, 'LOW', 1],
  ['unknown severity does not count for fail-on MEDIUM', { findings: [{ ...ubuntuUnfixedFinding(), severity: 'UNKNOWN' }] }, 'MEDIUM', 0],
  ['no findings', { findings: [] }, 'LOW', 0],
];
for (const [name, result, failOn, want] of cases) {
  test(`exitCodeFor: ${name} → ${want}`, () => assert.equal(exitCodeFor(result, failOn), want));
}

test('policy violations fail only when asked, optionally from a severity up', () => {
  const scan = debianScan();
  scan.findings = [];
  const policies = evaluatePolicies(scan, undefined, { now: NOW }); // non-root-user and image-reference (MEDIUM) violated
  assert.ok(policies.some((p) => p.violated));
  assert.equal(exitCodeFor(scan, 'CRITICAL', { policies }), 0);
  assert.equal(exitCodeFor(scan, 'CRITICAL', { policies, failOnPolicy: true }), 1);
  assert.equal(exitCodeFor(scan, 'CRITICAL', { policies, failOnPolicy: 'MEDIUM' }), 1);
  assert.equal(exitCodeFor(scan, 'CRITICAL', { policies, failOnPolicy: 'HIGH' }), 0);
  assert.equal(exitCodeFor(scan, null, { policies, failOnPolicy: false }), 0);
});

test('--fail-on values parse case-insensitively and reject junk', () => {
  assert.equal(parseSeverity('high'), 'HIGH');
  assert.equal(parseSeverity(' Critical '), 'CRITICAL');
  assert.throws(() => parseSeverity('severe'), /unknown severity "severe" \(expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN, NONE\)/);
});
