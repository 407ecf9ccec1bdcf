import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { applySuppressions, parseIgnoreFile, parseOpenVex } from '../../../src/scanner/policy/index.js';
import { toCycloneDx, type ScanResult } from '../../../src/scanner/report/index.js';
import { debianScan, IMAGE_DIGEST, LAYER_APP, NOW } from '../policy/fixtures.js';

// Schema validation uses the JSON schemas shipped inside @cyclonedx/cyclonedx-library (strict variants),
// compiled with ajv offline.
function scenario(): ScanResult {
  const scan = debianScan();
  const ignore = parseIgnoreFile('ignore:\n  - {id: CVE-2021-38555, reason: signed XML only, expires: 2026-12-31}\n', 'ig.yaml').entries;
  const vex = parseOpenVex(
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://vex.example.com/1',
      author: 'sec',
      timestamp: '2026-01-01T00:00:00Z',
      statements: [
        { vulnerability: { name: 'CVE-2021-3121' }, products: [{ '@id': 'pkg:golang/github.com/gogo/protobuf' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', impact_statement: 'never unmarshals untrusted input' },
        { vulnerability: { name: 'CVE-2024-5535' }, products: [{ '@id': 'pkg:deb/debian/libssl3' }], status: 'fixed' },
      ],
    }),
    'v.json',
  );
  const s = applySuppressions(scan.findings, { ignore, vex: [vex], image: scan.image, now: NOW });
  scan.findings = s.findings;
  scan.suppressions = s.summary;
  // Hostile strings must not break the document.
  scan.findings.find((f) => f.id === 'CVE-2023-5678')?.references.push('javascript:alert(1)', 'not a url', 'https://security-tracker.debian.org/tracker/CVE-2023-5678');
  return scan;
}

const SERIAL = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';

describe('CycloneDX', () => {
  for (const [spec, version] of [['1.5', CDX.Spec.Version.v1dot5], ['1.6', CDX.Spec.Version.v1dot6]] as const) {
    test(`valid against the CycloneDX ${spec} strict JSON schema`, async () => {
      const text = toCycloneDx(scenario(), { specVersion: spec, now: NOW, serialNumber: SERIAL, scannerVersion: '0.1.0' });
      const errors = await new CDX.Validation.JsonStrictValidator(version).validate(text);
      assert.equal(errors, null, JSON.stringify(errors, null, 2));
      const bom = JSON.parse(text);
      assert.equal(bom.specVersion, spec);
    });
  }

  test('the validator really rejects a broken document (the schema check can fail)', async () => {
    const bom = JSON.parse(toCycloneDx(scenario(), { now: NOW, serialNumber: SERIAL }));
    bom.vulnerabilities[0].ratings[0].severity = 'catastrophic';
    const errors = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(JSON.stringify(bom));
    assert.notEqual(errors, null);
  });

  test('content: image, OS, components with purls and layers, vulnerabilities with ratings, affects, recommendation and analysis', () => {
    const bom = JSON.parse(toCycloneDx(scenario(), { now: NOW, serialNumber: SERIAL, scannerVersion: '0.1.0' }));
    assert.equal(bom.serialNumber, SERIAL);
    assert.equal(bom.metadata.timestamp, '2026-03-02T12:00:00.000Z');
    assert.deepEqual(bom.metadata.tools.components.map((c: { name: string; version: string }) => [c.name, c.version]), [['vigil', '0.1.0']]);
    const image = bom.metadata.component;
    assert.equal(image.type, 'container');
    assert.equal(image.name, 'registry.example.com/shop/api');
    assert.equal(image.version, IMAGE_DIGEST);
    // packageurl-js leaves ':' in versions unencoded, as the purl spec allows.
    assert.equal(image.purl, `pkg:oci/api@${IMAGE_DIGEST}?repository_url=registry.example.com%2Fshop%2Fapi&tag=1.4.2`);

    const os = bom.components.find((c: { type: string }) => c.type === 'operating-system');
    assert.deepEqual([os.name, os.version, os.description], ['debian', '12', 'Debian GNU/Linux 12 (bookworm)']);

    const any23 = bom.components.find((c: { name: string }) => c.name === 'apache-any23');
    assert.equal(any23.group, 'org.apache.any23');
    assert.equal(any23.purl, 'pkg:maven/org.apache.any23/apache-any23@2.4');
    const prop = (c: { properties: { name: string; value: string }[] }, n: string) => c.properties.find((p) => p.name === n)?.value;
    assert.equal(prop(any23, 'vigil:layer'), LAYER_APP);
    assert.equal(prop(any23, 'vigil:layer:index'), '2');
    const libssl = bom.components.find((c: { name: string }) => c.name === 'libssl3');
    assert.deepEqual(libssl.licenses, [{ license: { id: 'Apache-2.0' } }]);
    const bash = bom.components.find((c: { name: string }) => c.name === 'bash');
    assert.deepEqual(bash.licenses, [{ license: { name: 'GPL-3+' } }]);

    const vulns = bom.vulnerabilities as { id: string; ratings: Record<string, unknown>[]; affects: { ref: string; versions: unknown[] }[]; recommendation: string; analysis?: Record<string, unknown>; advisories?: { url: string }[]; references?: { id: string; source: { name: string } }[]; source: { name: string; url: string } }[];
    const ghsa = vulns.find((v) => v.id === 'GHSA-838r-hvwh-24h8');
    assert.ok(ghsa);
    assert.deepEqual(ghsa.ratings, [{ source: { name: 'CVSS_V3' }, score: 9.1, severity: 'critical', method: 'CVSSv31', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N' }]);
    assert.deepEqual(ghsa.source, { name: 'GitHub', url: 'https://osv.dev/vulnerability/GHSA-838r-hvwh-24h8' });
    assert.deepEqual(ghsa.references, [{ id: 'CVE-2021-38555', source: { name: 'NVD', url: 'https://osv.dev/vulnerability/CVE-2021-38555' } }]);
    assert.equal(ghsa.recommendation, 'Upgrade org.apache.any23:apache-any23 to 2.5 or later.');
    assert.deepEqual(ghsa.affects, [{ ref: any23['bom-ref'], versions: [{ version: '2.4', status: 'affected' }] }]);
    assert.deepEqual(ghsa.analysis, { detail: 'suppressed by ignore:ig.yaml:2 until 2026-12-31: signed XML only' });

    const go = vulns.find((v) => v.id === 'GO-2021-0053');
    assert.deepEqual(go?.analysis, { state: 'not_affected', justification: 'code_not_reachable', detail: 'vulnerable_code_not_in_execute_path: never unmarshals untrusted input' });
    assert.equal(vulns.find((v) => v.id === 'CVE-2024-5535')?.analysis?.['state'], 'resolved');

    // One advisory on two binary packages: one entry, two affects, one recommendation naming the source package.
    const pkcs = vulns.filter((v) => v.id === 'CVE-2024-0727');
    assert.equal(pkcs.length, 1);
    assert.equal(pkcs[0]?.affects.length, 2);
    assert.equal(pkcs[0]?.recommendation, 'Upgrade source package openssl (libssl3, openssl) to 3.0.13-1~deb12u1 or later.');

    const zlib = vulns.find((v) => v.id === 'CVE-2023-45853');
    assert.equal(zlib?.recommendation, 'No fixed version is available yet (status: will-not-fix).');
    assert.equal(vulns.find((v) => v.id === 'CVE-2023-6237')?.ratings[0]?.['method'], 'other');

    const cve5678 = vulns.find((v) => v.id === 'CVE-2023-5678');
    assert.deepEqual(cve5678?.advisories?.map((a) => a.url), ['https://osv.dev/vulnerability/CVE-2023-5678', 'https://security-tracker.debian.org/tracker/CVE-2023-5678']);

    // Every affects ref points at a component.
    const refs = new Set([...bom.components.map((c: { 'bom-ref': string }) => c['bom-ref']), image['bom-ref']]);
    for (const v of vulns) for (const a of v.affects) assert.ok(refs.has(a.ref), a.ref);
  });

  test('duplicate purls get distinct bom-refs; a finding without a catalogued package still gets a component', () => {
    const scan = debianScan();
    const jar = scan.image.packages.find((p) => p.kind === 'maven');
    assert.ok(jar);
    scan.image.packages.push({ ...jar, foundIn: 'app/lib2/apache-any23-2.4.jar', layer: 'sha256:other' });
    scan.findings.push({ ...scan.findings[0]!, id: 'CVE-2099-0001', package: 'ghost', purl: 'pkg:deb/debian/ghost@1.0', installedVersion: '1.0', layer: 'sha256:zzz' });
    const bom = JSON.parse(toCycloneDx(scan, { now: NOW, serialNumber: SERIAL }));
    const refs: string[] = bom.components.map((c: { 'bom-ref': string }) => c['bom-ref']);
    assert.equal(new Set(refs).size, refs.length);
    assert.ok(refs.includes('pkg:maven/org.apache.any23/apache-any23@2.4#2'));
    assert.ok(refs.includes('pkg:deb/debian/ghost@1.0'));
  });
});
