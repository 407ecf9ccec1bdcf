import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applySuppressions,
  evaluatePolicies,
  parseIgnoreFile,
  parseOpenVex,
  SourceFileError,
  type VexDocument,
} from '../../../src/scanner/policy/index.js';
import type { Finding } from '../../../src/scanner/types.js';
import { debianFindings, debianScan, IMAGE_DIGEST, NOW, wheezyFinding } from './fixtures.js';

const IMAGE = { reference: 'registry.example.com/shop/api:1.4.2', digest: IMAGE_DIGEST };

function byKey(findings: Finding[], id: string, pkg?: string): Finding {
  const f = findings.find((x) => x.id === id && (pkg === undefined || x.package === pkg));
  assert.ok(f, `finding ${id} ${pkg ?? ''}`);
  return f;
}

function vexDoc(statements: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://vex.example.com/shop-api/2026-001',
      author: 'Shop Security <security@example.com>',
      timestamp: '2026-01-10T12:00:00Z',
      version: 1,
      statements,
      ...extra,
    },
    null,
    2,
  );
}

describe('ignore file', () => {
  const text = [
    'ignore:', //                                                          1
    '  - id: CVE-2021-38555          # an alias of GHSA-838r-hvwh-24h8', //  2
    '    reason: any23 only parses our own, signed XML', //                  3
    '    expires: 2026-12-31', //                                            4
    '  - id: CVE-2024-0727', //                                              5
    '    package: libssl3', //                                               6
    '    reason: PKCS12 files are never parsed', //                          7
    '    expires: 2026-06-30', //                                            8
    '  - id: CVE-2023-6129', //                                              9
    '    reason: POLY1305 on PowerPC only; we run amd64', //                10
    '    expires: 2026-01-31', //                                           11  expired at NOW
    '  - id: GO-2021-0053', //                                              12
    '    image: "ghcr.io/other/*"', //                                      13  other image
    '    reason: other team', //                                            14
    '    expires: 2027-01-01', //                                           15
    '',
  ].join('\n');

  test('entries suppress by id or alias, package and image; expired entries do not suppress and are reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ignore-'));
    const file = join(dir, '.vigilignore.yaml');
    writeFileSync(file, text);
    const parsed = parseIgnoreFile(readFileSync(file, 'utf8'), file);
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.entries.length, 4);
    assert.equal(parsed.entries[0]?.source, `${file}:2`);

    const { findings, summary } = applySuppressions(debianFindings(), { ignore: parsed.entries, image: IMAGE, now: NOW });
    const ghsa = byKey(findings, 'GHSA-838r-hvwh-24h8');
    assert.deepEqual(ghsa.suppressed, { by: `ignore:${file}:2`, reason: 'any23 only parses our own, signed XML', expires: '2026-12-31', kind: 'ignore' });
    // package: libssl3 suppresses that binary package only, not the openssl binary with the same CVE.
    assert.ok(byKey(findings, 'CVE-2024-0727', 'libssl3').suppressed);
    assert.equal(byKey(findings, 'CVE-2024-0727', 'openssl').suppressed, undefined);
    // Expired: still reported, not suppressed.
    assert.equal(byKey(findings, 'CVE-2023-6129').suppressed, undefined);
    // image glob for another image.
    assert.equal(byKey(findings, 'GO-2021-0053').suppressed, undefined);

    assert.equal(summary.ignored, 2);
    assert.equal(summary.vex, 0);
    assert.deepEqual(summary.expired, [{ id: 'CVE-2023-6129', reason: 'POLY1305 on PowerPC only; we run amd64', expires: '2026-01-31', source: `${file}:9`, matched: 1 }]);
    // Every finding is still there.
    assert.equal(findings.length, debianFindings().length);
  });

  test('suppressed findings no longer count for policies', () => {
    const scan = debianScan();
    const before = evaluatePolicies(scan, undefined, { now: NOW }).find((r) => r.id === 'vulnerabilities');
    assert.equal(before?.details[0], '5 findings (3 critical, 2 high)');
    const ignore = parseIgnoreFile(text, 'i.yaml').entries;
    scan.findings = applySuppressions(scan.findings, { ignore, image: IMAGE, now: NOW }).findings;
    const after = evaluatePolicies(scan, undefined, { now: NOW }).find((r) => r.id === 'vulnerabilities');
    assert.equal(after?.details[0], '4 findings (2 critical, 2 high)');
  });

  test('an entry expires at the start of its date (UTC)', () => {
    const entries = parseIgnoreFile('ignore:\n  - {id: CVE-2023-5678, reason: r, expires: 2026-03-02}\n', 'i.yaml').entries;
    const before = applySuppressions(debianFindings(), { ignore: entries, image: IMAGE, now: new Date('2026-03-01T23:59:59Z') });
    assert.ok(byKey(before.findings, 'CVE-2023-5678').suppressed);
    const at = applySuppressions(debianFindings(), { ignore: entries, image: IMAGE, now: new Date('2026-03-02T00:00:00Z') });
    assert.equal(byKey(at.findings, 'CVE-2023-5678').suppressed, undefined);
    assert.equal(at.summary.expired.length, 1);
  });

  test('package may be a purl (qualifiers ignored unless both sides carry them) and image may be a digest', () => {
    const yaml = [
      'ignore:',
      '  - {id: CVE-2023-5678, package: "pkg:deb/debian/libssl3", reason: r, expires: 2027-01-01}',
      '  - {id: CVE-2024-5535, package: "pkg:deb/debian/libssl3?arch=arm64", reason: r, expires: 2027-01-01}',
      `  - {id: GO-2021-0053, image: "${IMAGE_DIGEST}", reason: r, expires: 2027-01-01}`,
      '  - {id: CVE-2023-45853, package: zlib, image: "registry.example.com/shop/*", reason: by source package, expires: 2027-01-01}',
    ].join('\n');
    const { findings } = applySuppressions(debianFindings(), { ignore: parseIgnoreFile(yaml, 'i.yaml').entries, image: IMAGE, now: NOW });
    assert.ok(byKey(findings, 'CVE-2023-5678').suppressed);
    assert.equal(byKey(findings, 'CVE-2024-5535').suppressed, undefined, 'arch=arm64 does not match an amd64 package');
    assert.ok(byKey(findings, 'GO-2021-0053').suppressed);
    assert.ok(byKey(findings, 'CVE-2023-45853').suppressed);
  });

  test('bad entries are skipped with file:line:column; good ones still load', () => {
    const yaml = [
      'ignore:', //                          1
      '  - id: CVE-2023-5678', //            2  no reason
      '    expires: 2027-01-01', //          3
      '  - id: CVE-2024-5535', //            4
      '    reason: fine', //                 5
      '    expires: 2027-02-30', //          6  not a date
      '  - id: CVE-2024-0727', //            7
      '    reason: fine', //                 8
      '    expires: 2027-01-01', //          9
      '    packge: libssl3', //             10  typo
      '  - id: GO-2021-0053', //            11
      '    reason: ok', //                  12
      '    expires: 2027-01-01', //         13
      '  - id: CVE-2023-6129', //           14  no expiry
      '    reason: forever', //             15
      '',
    ].join('\n');
    const parsed = parseIgnoreFile(yaml, 'ignore.yaml');
    assert.deepEqual(parsed.entries.map((e) => e.id), ['GO-2021-0053']);
    const msgs = parsed.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
    assert.deepEqual(msgs, ['2:5 missing required field "reason"', '6:14 not a real calendar date', '10:5 unknown field "packge"', '14:5 missing required field "expires"']);
  });

  test('large ignore lists stay fast: 20000 entries against 5000 findings', () => {
    const lines = ['ignore:'];
    for (let i = 0; i < 20000; i++) lines.push(`  - {id: CVE-2031-${i}, package: p${i}, reason: bulk, expires: ${i % 2 ? '2027-01-01' : '2025-01-01'}}`);
    const base = byKey(debianFindings(), 'CVE-2023-5678');
    const findings = Array.from({ length: 5000 }, (_, i) => ({ ...base, id: `CVE-2031-${i * 4}`, aliases: [`GHSA-x-${i}`], package: `p${i * 4}` }));
    const t0 = performance.now();
    const entries = parseIgnoreFile(lines.join('\n'), 'bulk.yaml').entries;
    const out = applySuppressions(findings, { ignore: entries, image: IMAGE, now: NOW });
    const ms = performance.now() - t0;
    // Even ids expire in 2025: i*4 is always even, so every finding matches an expired entry only.
    assert.equal(out.summary.ignored, 0);
    assert.equal(out.summary.expired.length, 10000);
    assert.equal(out.summary.expired.filter((e) => e.matched === 1).length, 5000);
    assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  });

  test('a bare list is accepted, and a wrong top level is rejected', () => {
    assert.equal(parseIgnoreFile('- {id: X-1, reason: r, expires: 2030-01-01}\n', 'l.yaml').entries.length, 1);
    assert.throws(() => parseIgnoreFile('ignore: nope\n', 'x.yaml'), (e: unknown) => e instanceof SourceFileError && e.issues[0]?.line === 1);
    assert.throws(() => parseIgnoreFile('ignor: []\n', 'x.yaml'), /x\.yaml:1:1: ignor: unknown field "ignor"/);
  });
});

describe('OpenVEX', () => {
  const imagePurl = `pkg:oci/api@${encodeURIComponent(IMAGE_DIGEST)}?repository_url=registry.example.com/shop/api`;

  test('not_affected suppresses (by alias, image product with subcomponent); under_investigation does not', () => {
    const doc = parseOpenVex(
      vexDoc([
        {
          vulnerability: { name: 'CVE-2021-3121', '@id': 'https://nvd.nist.gov/vuln/detail/CVE-2021-3121' },
          products: [{ '@id': imagePurl, subcomponents: [{ '@id': 'pkg:golang/github.com/gogo/protobuf@v1.3.1' }] }],
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
          impact_statement: 'server never unmarshals untrusted protobuf',
        },
        {
          vulnerability: { name: 'CVE-2023-5678' },
          products: [{ '@id': imagePurl, subcomponents: [{ '@id': 'pkg:deb/debian/libssl3' }] }],
          status: 'under_investigation',
        },
        {
          vulnerability: { name: 'GHSA-838r-hvwh-24h8' },
          products: [{ '@id': 'pkg:maven/org.apache.any23/apache-any23@2.4' }],
          status: 'affected',
          action_statement: 'upgrade to 2.5',
        },
      ]),
      'shop.vex.json',
    );
    assert.deepEqual(doc.errors, []);
    const { findings, summary } = applySuppressions(debianFindings(), { vex: [doc], image: IMAGE, now: NOW });
    assert.deepEqual(byKey(findings, 'GO-2021-0053').suppressed, {
      by: 'vex:https://vex.example.com/shop-api/2026-001',
      reason: 'vulnerable_code_not_in_execute_path: server never unmarshals untrusted protobuf',
      kind: 'vex',
      vexStatus: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    });
    assert.equal(byKey(findings, 'CVE-2023-5678').suppressed, undefined, 'under_investigation does not suppress');
    assert.equal(byKey(findings, 'GHSA-838r-hvwh-24h8').suppressed, undefined, 'affected does not suppress');
    assert.equal(summary.vex, 1);
  });

  test('fixed suppresses; an image product without subcomponents covers the whole image', () => {
    const doc = parseOpenVex(
      vexDoc([{ vulnerability: { name: 'CVE-2024-0727' }, products: [{ '@id': `registry.example.com/shop/api@${IMAGE_DIGEST}` }], status: 'fixed', status_notes: 'patched openssl rebuilt in place' }]),
      'v.json',
    );
    const { findings } = applySuppressions(debianFindings(), { vex: [doc], image: IMAGE, now: NOW });
    for (const pkg of ['libssl3', 'openssl']) {
      const s = byKey(findings, 'CVE-2024-0727', pkg).suppressed;
      assert.equal(s?.vexStatus, 'fixed');
      assert.equal(s?.reason, 'patched openssl rebuilt in place');
    }
  });

  test('a statement for another image digest does not apply', () => {
    const other = `pkg:oci/api@sha256%3A${'0'.repeat(64)}`;
    const doc = parseOpenVex(vexDoc([{ vulnerability: { name: 'CVE-2024-0727' }, products: [{ '@id': other }], status: 'not_affected', justification: 'component_not_present' }]), 'v.json');
    const { findings } = applySuppressions(debianFindings(), { vex: [doc], image: IMAGE, now: NOW });
    assert.ok(findings.every((f) => f.suppressed === undefined));
  });

  test('the most recent statement wins: a later under_investigation lifts an earlier not_affected', () => {
    const product = [{ '@id': 'pkg:deb/debian/libssl3' }];
    const older = parseOpenVex(vexDoc([{ vulnerability: { name: 'CVE-2023-6129' }, products: product, status: 'not_affected', justification: 'vulnerable_code_not_present', timestamp: '2026-01-01T00:00:00Z' }]), 'a.json');
    const newer = parseOpenVex(vexDoc([{ vulnerability: { name: 'CVE-2023-6129' }, products: product, status: 'under_investigation', timestamp: '2026-02-01T00:00:00Z' }], { '@id': 'doc-2' }), 'b.json');
    const lifted = applySuppressions(debianFindings(), { vex: [newer, older], image: IMAGE, now: NOW });
    assert.equal(byKey(lifted.findings, 'CVE-2023-6129').suppressed, undefined);
    const kept = applySuppressions(debianFindings(), { vex: [older], image: IMAGE, now: NOW });
    assert.equal(byKey(kept.findings, 'CVE-2023-6129').suppressed?.vexStatus, 'not_affected');
  });

  test('upstream ids match too (DSA-3029-1 is CVE-2014-3616); the v0.0.x string forms are read', () => {
    const doc = parseOpenVex(
      vexDoc([{ vulnerability: 'CVE-2014-3616', products: ['pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2'], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }], { '@context': 'https://openvex.dev/ns' }),
      'legacy.json',
    );
    const { findings } = applySuppressions([wheezyFinding()], { vex: [doc], image: { reference: 'nginx:1.2' }, now: NOW });
    assert.equal(findings[0]?.suppressed?.kind, 'vex');
  });

  test('bad statements are skipped with positions; a non-VEX document is rejected', () => {
    const text = vexDoc([
      { vulnerability: { name: 'CVE-2023-5678' }, products: [{ '@id': 'pkg:deb/debian/libssl3' }], status: 'not_affected' },
      { vulnerability: { name: 'CVE-2023-6129' }, products: [{ '@id': 'pkg:deb/debian/libssl3' }], status: 'maybe' },
      { vulnerability: { name: 'CVE-2024-0727' }, products: [], status: 'fixed' },
      { vulnerability: { name: 'CVE-2024-5535' }, products: [{ '@id': 'pkg:deb/debian/libssl3' }], status: 'fixed' },
    ]);
    const doc = parseOpenVex(text, 'mixed.json');
    assert.deepEqual(doc.statements.map((s) => s.vulnerability.name), ['CVE-2024-5535']);
    assert.equal(doc.statements[0]?.source, 'mixed.json#/statements/3');
    const lines = text.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const got = doc.errors.map((e) => [e.line, e.message]);
    // The statement itself is pointed at: its opening brace is two lines above the vulnerability name.
    assert.deepEqual(got[0], [lineOf('"CVE-2023-5678"') - 2, 'a not_affected statement needs a justification or an impact_statement']);
    assert.deepEqual(got[1], [lineOf('"maybe"'), 'status must be one of not_affected, affected, fixed, under_investigation']);
    assert.deepEqual(got[2], [lineOf('"products": []'), 'a statement needs at least one product']);
    assert.throws(() => parseOpenVex('{"@context": "https://example.com/not-vex", "statements": []}', 'x.json'), (e: unknown) => e instanceof SourceFileError && e.issues.some((i) => /not an OpenVEX document/.test(i.message)));
    assert.throws(() => parseOpenVex('{"@context": ', 'x.json'), SourceFileError);
  });

  test('VEX takes precedence over an ignore entry for the same finding', () => {
    const vex = parseOpenVex(vexDoc([{ vulnerability: { name: 'CVE-2023-5678' }, products: [{ '@id': 'pkg:deb/debian/libssl3' }], status: 'not_affected', justification: 'vulnerable_code_not_present' }]), 'v.json');
    const ignore = parseIgnoreFile('ignore:\n  - {id: CVE-2023-5678, reason: r, expires: 2027-01-01}\n', 'i.yaml').entries;
    const { findings, summary } = applySuppressions(debianFindings(), { vex: [vex], ignore, image: IMAGE, now: NOW });
    assert.equal(byKey(findings, 'CVE-2023-5678').suppressed?.kind, 'vex');
    assert.deepEqual([summary.vex, summary.ignored], [1, 0]);
  });

  test('large documents stay fast: 20000 statements against 2000 findings', () => {
    const statements = Array.from({ length: 20000 }, (_, i) => ({
      vulnerability: { name: `CVE-2030-${i}` },
      products: [{ '@id': imagePurl, subcomponents: [{ '@id': `pkg:deb/debian/p${i}` }] }],
      status: 'not_affected',
      justification: 'component_not_present',
    }));
    const base = byKey(debianFindings(), 'CVE-2023-5678');
    const findings = Array.from({ length: 2000 }, (_, i) => ({ ...base, id: `CVE-2030-${i * 10}`, package: `p${i * 10}`, purl: `pkg:deb/debian/p${i * 10}@1.0?arch=amd64` }));
    const t0 = performance.now();
    const doc: VexDocument = parseOpenVex(vexDoc(statements), 'big.json');
    const out = applySuppressions(findings, { vex: [doc], image: IMAGE, now: NOW });
    const ms = performance.now() - t0;
    assert.equal(out.summary.vex, 2000);
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
