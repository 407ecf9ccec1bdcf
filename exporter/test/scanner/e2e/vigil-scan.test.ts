// `vigil db import` and `vigil scan` end to end, as real subprocesses, against a REAL registry (Debian's
// docker-registry on loopback) holding images built in the test and pushed with skopeo. A private repository sits
// behind token auth served by the STAND-IN token server of fixtures/token-server.ts. The OSV records are modelled
// on /work/shared/testdata/osv-examples and imported from an all.zip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonReportSchema, type JsonReport } from '../../../src/scanner/report/index.js';
import { startRegistry, type RunningRegistry } from '../fixtures/registry.js';
import { startTokenServer, type TokenServer } from '../fixtures/token-server.js';
import { missingTools } from '../fixtures/tools.js';
import type { BuiltImage } from '../fixtures/oci-builder.js';
import { APP_SECRET, buildDebianApp, buildUnknownOsImage, osvRecords, osvZip } from './fixtures.js';
import { pushImages, runVigil } from './support.js';

const skip = missingTools('docker-registry', 'skopeo', 'openssl');

describe('vigil scan and vigil db (subprocess, real registry)', { skip: skip ?? false }, () => {
  let work: string;
  let registry: RunningRegistry;
  let authed: RunningRegistry;
  let tokens: TokenServer;
  let app: BuiltImage;
  let noOs: BuiltImage;
  let db: string;
  let appRef: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-e2e-scan-'));
    registry = await startRegistry();
    tokens = await startTokenServer();
    authed = await startRegistry({ storage: registry.storage, token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile } });
    app = await buildDebianApp();
    noOs = await buildUnknownOsImage();
    await pushImages(join(work, 'layout'), [
      { tag: 'app', image: app, to: [`${registry.host}/shop/api:1.4.2`, `${registry.host}/private/api:1`] },
      { tag: 'noos', image: noOs, to: [`${registry.host}/shop/static:1`] },
    ]);
    appRef = `${registry.host}/shop/api:1.4.2`;
    await writeFile(join(work, 'all.zip'), osvZip(osvRecords()));
    db = join(work, 'db');
  });

  after(async () => {
    await authed?.stop();
    await registry?.stop();
    await tokens?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const scanJson = async (ref: string, extra: string[] = []): Promise<{ code: number | null; report: JsonReport; stderr: string }> => {
    const r = await runVigil(['scan', ref, '--db', db, '--format', 'json', ...extra]);
    assert.equal(r.stderr.includes('Error:'), false, r.stderr);
    return { code: r.code, report: jsonReportSchema.parse(JSON.parse(r.stdout)), stderr: r.stderr };
  };

  test('db import: counts, skipped records, digest and age; db info shows the same database', async () => {
    const r = await runVigil(['db', 'import', join(work, 'all.zip'), '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    // 10 records + 1 broken entry; the withdrawn one is dropped
    assert.match(r.stdout, /imported 10 records from 11 files: 9 kept, 1 malformed \(skipped\), 1 withdrawn/);
    assert.match(r.stdout, /problems \(1, first 1 shown\):\n {2}.*all\.zip!BROKEN-1\.json: /);
    assert.match(r.stdout, /^digest: +sha256:[0-9a-f]{64}$/m);
    assert.match(r.stdout, /data age: +newest record modified 2026-11-/);
    const digest = /^digest: +(sha256:[0-9a-f]{64})$/m.exec(r.stdout)![1]!;
    const info = await runVigil(['db', 'info', '--json'], { env: { VIGIL_DB_DIR: db } });
    assert.equal(info.code, 0, info.stderr);
    const meta = JSON.parse(info.stdout) as { digest: string; records: number; ecosystems: Record<string, number> };
    assert.equal(meta.digest, digest);
    assert.equal(meta.records, 9);
    assert.equal(meta.ecosystems['Debian:12'], 7);
    const text = await runVigil(['db', 'info', '--db', db]);
    assert.match(text.stdout, new RegExp(`digest: +${digest}`));
  });

  test('table: findings grouped per vulnerability, fixed versions, remediation, violated policies; progress on stderr', async () => {
    const r = await runVigil(['scan', appRef, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /^Image: +127\.0\.0\.1:\d+\/shop\/api:1\.4\.2$/m);
    assert.match(out, new RegExp(`^Digest: +${app.manifest.digest}$`, 'm'));
    assert.match(out, /^OS: +Debian GNU\/Linux 12 \(bookworm\)$/m);
    const row = (id: string, pkg: string): string | undefined => out.split('\n').find((l) => l.startsWith(id) && l.includes(` ${pkg} `));
    assert.match(row('DEBIAN-CVE-2099-1001', 'libssl3') ?? '', /3\.0\.11-1~deb12u2 +3\.0\.13-1~deb12u1 +HIGH +fixed/);
    assert.match(row('DEBIAN-CVE-2099-1002', 'openssl') ?? '', /3\.0\.14-1~deb12u1 +MEDIUM +fixed/);
    assert.match(row('DEBIAN-CVE-2099-1003', 'zlib1g') ?? '', /1:1\.2\.13\.dfsg-1 +LOW +affected/);
    assert.match(row('DEBIAN-CVE-2099-1004', 'libc6') ?? '', /LOW +will-not-fix/);
    assert.match(row('GHSA-2099-expr-0001', 'express') ?? '', /4\.17\.1 +4\.17\.3 +HIGH +fixed/);
    // the DSAs are the same vulnerabilities: folded into the DEBIAN-CVE findings, never rows of their own
    assert.equal(out.split('\n').some((l) => l.startsWith('DSA-')), false, out);
    assert.match(out, /^ALL +total +10 +unsuppressed 10$/m);
    assert.match(out, /upgrade openssl 3\.0\.11-1~deb12u2 → 3\.0\.14-1~deb12u1 fixes 2 \(1 high\)$/m);
    assert.match(out, /upgrade curl 7\.88\.1-10\+deb12u5 → 7\.88\.1-10\+deb12u8 fixes 1 \(1 high\)/);
    assert.match(out, /upgrade express 4\.17\.1 → 4\.17\.3 fixes 1 \(1 high\)/);
    assert.match(out, /3 unsuppressed findings have no fix yet/);
    assert.match(out, /Policy violations: 4 of 6 policies/);
    for (const p of ['vulnerabilities', 'non-root-user', 'image-reference', 'secret-env']) assert.match(out, new RegExp(`^ +[A-Z]+ +${p}: `, 'm'));
    assert.doesNotMatch(out, /WARNING: INCOMPLETE/);
    assert.equal(out.includes(APP_SECRET) || r.stderr.includes(APP_SECRET), false, 'the secret value never appears');
    // not a TTY: a few plain progress lines, no carriage returns
    assert.match(r.stderr, /^resolving 127\.0\.0\.1:\d+\/shop\/api:1\.4\.2$/m);
    assert.match(r.stderr, /^layer [0-9a-f]{12}: done/m);
    assert.match(r.stderr, /^10 findings \(10 unsuppressed\) in 10 packages/m);
    assert.equal(r.stderr.includes('\r'), false);
  });

  test('json: the report schema, aliases of grouped records, statuses, counts, remediation and policies', async () => {
    const { code, report } = await scanJson(appRef);
    assert.equal(code, 0);
    assert.equal(report.image.digest, app.manifest.digest);
    assert.equal(report.image.os?.id, 'debian');
    assert.equal(report.findings.length, 10);
    const f = (id: string, pkg: string) => report.findings.find((x) => x.id === id && x.package === pkg);
    const ssl = f('DEBIAN-CVE-2099-1001', 'libssl3');
    assert.ok(ssl);
    assert.deepEqual(ssl.aliases, ['DSA-9001-1', 'DSA-9002-1']);
    assert.deepEqual(ssl.upstream, ['CVE-2099-1001']);
    assert.equal(ssl.sourcePackage, 'openssl');
    assert.equal(ssl.fixedVersion, '3.0.13-1~deb12u1');
    assert.equal(ssl.severity, 'HIGH');
    assert.equal(ssl.severitySource, 'Debian urgency');
    assert.equal(ssl.layer, app.layers[0]!.diffId);
    assert.ok(ssl.references.includes('https://www.debian.org/security/2099/dsa-9001'));
    assert.deepEqual(f('DEBIAN-CVE-2099-1002', 'openssl')?.aliases, ['DSA-9002-1']);
    assert.equal(f('DEBIAN-CVE-2099-1003', 'zlib1g')?.status, 'affected');
    assert.equal(f('DEBIAN-CVE-2099-1003', 'zlib1g')?.fixedVersion, null);
    assert.equal(f('DEBIAN-CVE-2099-1004', 'libc-bin')?.status, 'will-not-fix');
    assert.equal(f('GHSA-2099-expr-0001', 'express')?.layer, app.layers[1]!.diffId);
    assert.equal(report.findings.some((x) => x.id.startsWith('DSA-') || x.id === 'DEBIAN-CVE-2099-1006' || x.id === 'DEBIAN-CVE-2099-1007'), false);
    const s = report.summary.bySeverity;
    assert.deepEqual([s.HIGH.total, s.HIGH.fixable, s.MEDIUM.total, s.LOW.total, s.LOW.fixable, s.CRITICAL.total], [5, 5, 2, 3, 0, 0]);
    assert.equal(report.summary.packages, 10);
    assert.equal(report.remediation[0]?.package, 'openssl');
    assert.equal(report.remediation[0]?.fixedVersion, '3.0.14-1~deb12u1');
    assert.deepEqual(report.remediation[0]?.packages, ['libssl3', 'openssl']);
    assert.deepEqual(report.policies.filter((p) => p.violated).map((p) => p.id).sort(), ['image-reference', 'non-root-user', 'secret-env', 'vulnerabilities']);
    assert.equal(JSON.stringify(report).includes(APP_SECRET), false);
  });

  test('cyclonedx to a file: components with purls, one vulnerability per advisory with its recommendation', async () => {
    const file = join(work, 'sbom.cdx.json');
    const r = await runVigil(['scan', appRef, '--db', db, '--format', 'cyclonedx', '--output', file, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    const bom = JSON.parse(await readFile(file, 'utf8')) as { bomFormat: string; specVersion: string; components: { purl?: string }[]; vulnerabilities: { id: string; recommendation?: string; affects: unknown[] }[] };
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.equal(bom.specVersion, '1.6');
    assert.ok(bom.components.some((c) => c.purl?.startsWith('pkg:deb/debian/libssl3@3.0.11-1~deb12u2')));
    assert.ok(bom.components.some((c) => c.purl === 'pkg:npm/express@4.17.1'));
    const v = bom.vulnerabilities.filter((x) => x.id === 'DEBIAN-CVE-2099-1001');
    assert.ok(v.length >= 1);
    assert.equal(v.reduce((n, x) => n + x.affects.length, 0), 2, 'libssl3 and openssl');
    assert.match(v[0]!.recommendation ?? '', /Upgrade source package openssl .*3\.0\.13-1~deb12u1/);
    assert.equal(bom.vulnerabilities.some((x) => x.id.startsWith('DSA-')), false);
  });

  test('--fail-on and --fail-on-policy set the exit status; ignore list and VEX suppress but keep findings visible', async () => {
    assert.equal((await runVigil(['scan', appRef, '--db', db, '-q', '--fail-on', 'CRITICAL'])).code, 0);
    assert.equal((await runVigil(['scan', appRef, '--db', db, '-q', '--fail-on', 'high'])).code, 1);
    assert.equal((await runVigil(['scan', appRef, '--db', db, '-q', '--fail-on-policy'])).code, 1);
    assert.equal((await runVigil(['scan', appRef, '--db', db, '-q', '--fail-on-policy', 'critical'])).code, 1, 'secret-env is CRITICAL');

    const ignore = join(work, 'ignore.yaml');
    await writeFile(
      ignore,
      [
        'ignore:',
        '  - id: CVE-2099-1001            # the upstream id suppresses the DEBIAN-CVE record',
        '    reason: not reachable in this service',
        '    expires: 2099-01-01',
        '  - id: DEBIAN-CVE-2099-1005',
        '    package: pkg:deb/debian/curl   # the curl binary only, not libcurl4',
        '    reason: curl binary is never run',
        '    expires: 2099-01-01',
        '  - id: GHSA-2099-expr-0001',
        '    reason: redirects are not used',
        '    expires: 2099-01-01',
        '  - id: DEBIAN-CVE-2099-1005',
        '    reason: expired long ago',
        '    expires: 2020-01-01',
        '',
      ].join('\n'),
    );
    const vex = join(work, 'app.vex.json');
    await writeFile(
      vex,
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://example.test/vex/shop-api-1',
        author: 'shop security team',
        timestamp: '2026-11-25T00:00:00Z',
        version: 1,
        statements: [{ vulnerability: { name: 'CVE-2099-1002' }, products: [{ '@id': 'pkg:deb/debian/libssl3' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }],
      }),
    );
    // libcurl4's 1005 and openssl's 1002 are still active, so HIGH still fails; MEDIUM findings remain
    const still = await scanJson(appRef, ['-q', '--ignore', ignore, '--vex', vex, '--fail-on', 'HIGH']);
    assert.equal(still.code, 1);
    const sup = (id: string, pkg: string) => still.report.findings.find((x) => x.id === id && x.package === pkg)?.suppressed;
    assert.equal(sup('DEBIAN-CVE-2099-1001', 'libssl3')?.kind, 'ignore');
    assert.match(sup('DEBIAN-CVE-2099-1001', 'openssl')?.by ?? '', /^ignore:.*ignore\.yaml:2$/);
    assert.equal(sup('DEBIAN-CVE-2099-1005', 'curl')?.kind, 'ignore');
    assert.equal(sup('DEBIAN-CVE-2099-1005', 'libcurl4'), null);
    assert.equal(sup('DEBIAN-CVE-2099-1002', 'libssl3')?.kind, 'vex');
    assert.equal(sup('DEBIAN-CVE-2099-1002', 'libssl3')?.justification, 'vulnerable_code_not_in_execute_path');
    assert.equal(sup('DEBIAN-CVE-2099-1002', 'openssl'), null);
    assert.equal(still.report.findings.length, 10, 'suppressed findings stay in the report');
    assert.equal(still.report.summary.unsuppressed, 5);
    assert.equal(still.report.suppressions.expired.length, 1);
    // package-scoped ignore of the other curl binary too: now nothing HIGH is active
    await writeFile(ignore, (await readFile(ignore, 'utf8')) + '  - id: CVE-2099-1005\n    package: libcurl4\n    reason: same\n    expires: 2099-01-01\n');
    const table = await runVigil(['scan', appRef, '--db', db, '-q', '--ignore', ignore, '--vex', vex, '--fail-on', 'HIGH']);
    assert.equal(table.code, 0, table.stdout);
    assert.match(table.stdout.split('\n').find((l) => l.startsWith('DEBIAN-CVE-2099-1001') && l.includes('libssl3')) ?? '', /suppressed/);
    assert.match(table.stdout, /Expired ignore entries: 1/);
  });

  test('OS not identified: a banner, exit status 3, never a clean result; --allow-incomplete accepts it', async () => {
    const ref = `${registry.host}/shop/static:1`;
    const t = await runVigil(['scan', ref, '--db', db, '-q']);
    assert.equal(t.code, 3, t.stderr);
    assert.match(t.stdout, /^WARNING: INCOMPLETE SCAN\. This is not a clean result/);
    assert.match(t.stdout, /the OS could not be identified/);
    assert.match(t.stdout, /^OS: +unknown/m);
    assert.match(t.stdout, /os-identified: /);
    const j = await scanJson(ref, ['-q']);
    assert.equal(j.code, 3);
    assert.equal(j.report.image.os, null);
    assert.equal(j.report.complete, false);
    assert.match(j.report.incomplete_reasons[0] ?? '', /^the OS could not be identified/);
    assert.equal(j.report.policies.find((p) => p.id === 'os-identified')?.violated, true);
    assert.match(j.stderr, /WARNING: incomplete scan, not a clean result:\n {2}- the OS could not be identified/);
    assert.equal((await runVigil(['scan', ref, '--db', db, '-q', '--allow-incomplete'])).code, 0);
    // a failing gate wins over "incomplete": the express finding is HIGH
    assert.equal((await runVigil(['scan', ref, '--db', db, '-q', '--fail-on', 'HIGH'])).code, 1);
  });

  test('input errors: one clear line and exit status 2 (more in cli/cli.test.ts)', async () => {
    const nodb = await runVigil(['scan', appRef, '--db', join(work, 'nothing-here')]);
    assert.equal(nodb.code, 2);
    assert.match(nodb.stderr, /^vigil scan: no vulnerability database in .*nothing-here: import OSV data first with "vigil db import PATH\.\.\. --db /);
    assert.equal(nodb.stderr.trim().split('\n').length, 1);
    const badFormat = await runVigil(['scan', appRef, '--db', db, '--format', 'xml']);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /expected one of table, json, cyclonedx/);
    const missing = await runVigil(['scan', `${registry.host}/shop/missing:1`, '--db', db, '-q']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^vigil scan: cannot read the image \(not-found\)/);
    const policy = join(work, 'policy.yaml');
    await writeFile(policy, 'policies:\n  vulnerabilities:\n    severities: [CRITICAL, HUGE]\n');
    const badPolicy = await runVigil(['scan', appRef, '--db', db, '-q', '--policy', policy]);
    assert.equal(badPolicy.code, 2);
    assert.match(badPolicy.stderr, /policy file is invalid:\n {2}.*policy\.yaml:3:\d+: /);
  });

  test('private repository: unauthorized without credentials, scanned with --docker-config (token auth)', async () => {
    const ref = `${authed.host}/private/api:1`;
    const denied = await runVigil(['scan', ref, '--db', db, '-q']);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /cannot read the image \(unauthorized\)/);
    const config = join(work, 'docker-config.json');
    await writeFile(config, JSON.stringify({ auths: { [authed.host]: { auth: Buffer.from('alice:wonderland').toString('base64') } } }));
    const ok = await scanJson(ref, ['-q', '--docker-config', config]);
    assert.equal(ok.code, 0);
    assert.equal(ok.report.image.digest, app.manifest.digest);
    assert.equal(ok.report.findings.length, 10);
    assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.scope === 'repository:private/api:pull' && r.granted));
  });

  test('other source forms: an OCI layout directory gives the same findings', async () => {
    const { code, report } = await scanJson(`oci:${join(work, 'layout')}:app`, ['-q']);
    assert.equal(code, 0);
    assert.equal(report.image.digest, app.manifest.digest);
    assert.deepEqual(report.findings.map((f) => `${f.id} ${f.package}`).sort().slice(0, 3), ['DEBIAN-CVE-2099-1001 libssl3', 'DEBIAN-CVE-2099-1001 openssl', 'DEBIAN-CVE-2099-1002 libssl3']);
  });
});
