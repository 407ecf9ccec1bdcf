import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicyConfig, evaluatePolicies, policyById, type PolicyResult } from '../../../src/scanner/policy/index.js';
import type { ScanResult } from '../../../src/scanner/report/types.js';
import { debianScan, NOW } from './fixtures.js';

/** Runs exactly one policy with the given parameters (validated by the policy's own schema). */
function run(id: string, scan: ScanResult, params: Record<string, unknown> = {}, now = NOW): PolicyResult {
  const def = policyById(id);
  assert.ok(def, `policy ${id} exists`);
  const config = defaultPolicyConfig();
  for (const p of config.policies) p.enabled = false;
  const setting = config.policies.find((p) => p.id === id);
  assert.ok(setting);
  setting.enabled = true;
  setting.params = def.params.parse(params) as Record<string, unknown>;
  const results = evaluatePolicies(scan, config, { now });
  assert.equal(results.length, 1);
  const r = results[0];
  assert.ok(r);
  return r;
}

function withImage(patch: Partial<ScanResult['image']>): ScanResult {
  return debianScan(patch);
}
function withConfig(patch: Partial<ScanResult['image']['config']>): ScanResult {
  const s = debianScan();
  s.image.config = { ...s.image.config, ...patch };
  return s;
}

interface Case {
  name: string;
  scan: ScanResult;
  params?: Record<string, unknown>;
  now?: Date;
  violated: boolean;
  /** Each must appear in some detail line */
  details?: (string | RegExp)[];
}

function table(id: string, cases: Case[]) {
  describe(`policy ${id}`, () => {
    for (const c of cases) {
      test(`${c.name} → ${c.violated ? 'violated' : 'passes'}`, () => {
        const r = run(id, c.scan, c.params, c.now);
        assert.equal(r.id, id);
        assert.equal(r.violated, c.violated, `details: ${r.details.join(' | ')}`);
        for (const d of c.details ?? []) {
          assert.ok(r.details.some((line) => (typeof d === 'string' ? line.includes(d) : d.test(line))), `expected a detail matching ${String(d)} in: ${r.details.join(' | ')}`);
        }
      });
    }
  });
}

const suppressAll = (s: ScanResult, ids: string[]): ScanResult => {
  s.findings = s.findings.map((f) => (ids.includes(f.id) ? { ...f, suppressed: { by: 'ignore:test:1', reason: 'accepted', kind: 'ignore' as const } } : f));
  return s;
};

table('vulnerabilities', [
  { name: 'fixable critical and high present', scan: debianScan(), violated: true, details: ['5 findings (3 critical, 2 high)', 'CVE-2023-5678 CRITICAL libssl3 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1', 'GO-2021-0053 HIGH'] },
  {
    name: 'only unfixed critical left',
    scan: suppressAll(debianScan(), ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2024-5535', 'GHSA-838r-hvwh-24h8', 'GO-2021-0053']),
    violated: false,
  },
  {
    name: 'unfixed critical counts with fixableOnly false',
    scan: suppressAll(debianScan(), ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2024-5535', 'GHSA-838r-hvwh-24h8', 'GO-2021-0053']),
    params: { fixableOnly: false },
    violated: true,
    details: ['1 finding (1 critical)', 'CVE-2023-45853 CRITICAL zlib1g 1:1.2.13.dfsg-1 (no fix)'],
  },
  { name: 'only LOW configured', scan: debianScan(), params: { severities: ['low'] }, violated: true, details: ['1 finding (1 low)', 'CVE-2023-6237'] },
  { name: 'no findings', scan: { ...debianScan(), findings: [] }, violated: false },
]);

test('vulnerabilities: an unfixed critical is not listed when fixableOnly', () => {
  const r = run('vulnerabilities', debianScan());
  assert.equal(r.violated, true);
  assert.ok(r.details.length > 1);
  assert.ok(!r.details.some((d) => d.includes('CVE-2023-45853')), r.details.join(' | '));
});

test('vulnerabilities title follows the parameters', () => {
  assert.equal(run('vulnerabilities', debianScan()).title, 'No critical or high vulnerability with a fix available');
  assert.equal(run('vulnerabilities', debianScan(), { severities: ['MEDIUM', 'CRITICAL', 'HIGH'], fixableOnly: false }).title, 'No critical, high or medium vulnerability');
});

const os = (id: string, versionId: string, codename?: string) => ({ id, versionId, source: 'etc/os-release', ...(codename ? { codename } : {}) });

table('os-end-of-life', [
  { name: 'Debian 12 in 2026', scan: debianScan(), violated: false, details: ['Debian 12 (bookworm) is supported until 2028-06-30'] },
  { name: 'Debian 10 after LTS', scan: withImage({ os: os('debian', '10') }), violated: true, details: ['Debian 10 (buster) reached end of life: end of Debian LTS on 2024-06-30, 610 days ago'] },
  { name: 'Debian 9', scan: withImage({ os: os('debian', '9.13') }), violated: true, details: ['Debian 9 (stretch)'] },
  { name: 'Debian 8', scan: withImage({ os: os('debian', '8') }), violated: true, details: ['2020-06-30'] },
  { name: 'Debian 11 before LTS end, with warning window', scan: withImage({ os: os('debian', '11') }), now: new Date('2026-07-15T00:00:00Z'), violated: false, details: ['supported until 2026-08-31', 'reaches end of life in 48 days'] },
  { name: 'Debian 11 on its last day', scan: withImage({ os: os('debian', '11') }), now: new Date('2026-08-31T23:59:59Z'), violated: false },
  { name: 'Debian 11 the day after', scan: withImage({ os: os('debian', '11') }), now: new Date('2026-09-01T00:00:00Z'), violated: true, details: ['1 day ago'] },
  { name: 'Debian 10 with extended support (ELTS)', scan: withImage({ os: os('debian', '10') }), params: { support: 'extended' }, violated: false, details: ['until 2029-06-30 (end of extended support)'] },
  { name: 'Debian codename only', scan: withImage({ os: { id: 'debian', versionId: '', codename: 'buster', source: 'etc/os-release' } }), violated: true, details: ['buster'] },
  { name: 'Debian testing', scan: withImage({ os: os('debian', 'trixie/sid') }), violated: false, details: ['rolling'] },
  { name: 'Debian older than the table', scan: withImage({ os: os('debian', '5') }), violated: true, details: ['older than every release'] },
  { name: 'Ubuntu 14.04', scan: withImage({ os: os('ubuntu', '14.04', 'trusty') }), violated: true, details: ['Ubuntu 14.04 (trusty) reached end of life'] },
  { name: 'Ubuntu 20.04 standard support over', scan: withImage({ os: os('ubuntu', '20.04') }), violated: true, details: ['2025-05-29'] },
  { name: 'Ubuntu 20.04 within ESM', scan: withImage({ os: os('ubuntu', '20.04') }), params: { support: 'extended' }, violated: false, details: ['2030-04-30'] },
  { name: 'Ubuntu 22.04', scan: withImage({ os: os('ubuntu', '22.04') }), violated: false, details: ['paid extended support runs until 2032-04-30'] },
  { name: 'Ubuntu 24.04', scan: withImage({ os: os('ubuntu', '24.04') }), violated: false, details: ['2029-04-30'] },
  { name: 'Ubuntu interim 23.10', scan: withImage({ os: os('ubuntu', '23.10') }), violated: true },
  { name: 'Alpine 3.16.2', scan: withImage({ os: os('alpine', '3.16.2') }), violated: true, details: ['Alpine Linux 3.16 reached end of life: end of branch support on 2024-05-23'] },
  { name: 'Alpine 3.21.3', scan: withImage({ os: os('alpine', '3.21.3') }), violated: false, details: ['2026-11-01'] },
  { name: 'Alpine 3.20 warning', scan: withImage({ os: os('alpine', '3.20.1') }), violated: false, details: ['reaches end of life in 31 days'] },
  { name: 'Alpine edge', scan: withImage({ os: { id: 'alpine', versionId: '3.22_alpha20250108', codename: 'edge', source: 'etc/os-release' } }), violated: false, details: ['rolling'] },
  { name: 'Alpine edge as the catalog reports it', scan: withImage({ os: { id: 'alpine', versionId: '3.22.0_alpha20250108', prettyName: 'Alpine Linux edge', source: 'etc/os-release' } }), violated: false, details: ['Alpine Linux edge is a rolling branch'] },
  { name: 'Debian sid as the catalog reports it', scan: withImage({ os: { id: 'debian', versionId: '13', codename: 'trixie', prettyName: 'Debian GNU/Linux trixie/sid', source: 'etc/os-release' } }), violated: false, details: ['Debian sid is a rolling branch'] },
  { name: 'RHEL 7.9', scan: withImage({ os: os('rhel', '7.9') }), violated: true, details: ['Red Hat Enterprise Linux 7'] },
  { name: 'RHEL 9.4', scan: withImage({ os: os('rhel', '9.4') }), violated: false, details: ['2032-05-31'] },
  { name: 'Rocky 8.9', scan: withImage({ os: os('rocky', '8.9') }), violated: false, details: ['Rocky Linux 8 is supported until 2029-05-31'] },
  { name: 'AlmaLinux 9', scan: withImage({ os: os('almalinux', '9.3') }), violated: false, details: ['AlmaLinux 9'] },
  { name: 'CentOS 7', scan: withImage({ os: os('centos', '7') }), violated: true },
  { name: 'unknown distribution passes by default', scan: withImage({ os: os('fedora', '39') }), violated: false, details: ['no end-of-life data for fedora 39'] },
  { name: 'unknown distribution may violate', scan: withImage({ os: os('fedora', '39') }), params: { unknownRelease: 'violate' }, violated: true },
  { name: 'Ubuntu release that never existed', scan: withImage({ os: os('ubuntu', '22.07') }), violated: false, details: ['not a known release'] },
  { name: 'newer than the table', scan: withImage({ os: os('debian', '14') }), violated: false, details: ['newer than the embedded end-of-life table'] },
  { name: 'no OS leaves it to os-identified', scan: withImage({ os: undefined }), violated: false, details: ['skipped'] },
]);

table('os-identified', [
  { name: 'Debian found', scan: debianScan(), violated: false, details: ['Debian GNU/Linux 12 (bookworm) (from etc/os-release)'] },
  { name: 'no OS (distroless static or scratch)', scan: withImage({ os: undefined }), violated: true, details: ['OS could not be identified'] },
  { name: 'empty id', scan: withImage({ os: { id: '', versionId: '', source: 'etc/os-release' } }), violated: true, details: ['OS could not be identified'] },
]);

table('non-root-user', [
  { name: 'no USER', scan: withConfig({ user: '' }), violated: true, details: ['no USER is set'] },
  { name: 'USER missing from config', scan: withConfig({ user: undefined }), violated: true },
  { name: 'USER root', scan: withConfig({ user: 'root' }), violated: true, details: ['USER is "root", which is root'] },
  { name: 'USER 0', scan: withConfig({ user: '0' }), violated: true },
  { name: 'USER 0:0', scan: withConfig({ user: '0:0' }), violated: true },
  { name: 'USER root:wheel', scan: withConfig({ user: 'root:wheel' }), violated: true },
  { name: 'USER 1000', scan: withConfig({ user: '1000' }), violated: false, details: ['runs as user "1000"'] },
  { name: 'USER 65532:65532', scan: withConfig({ user: '65532:65532' }), violated: false },
  { name: 'USER app:0 (root group only)', scan: withConfig({ user: 'app:0' }), violated: false },
  { name: 'USER 10 is not uid 0', scan: withConfig({ user: '10' }), violated: false },
  { name: 'USER with escape characters is cleaned', scan: withConfig({ user: 'app\u001b[31m' }), violated: false, details: ['runs as user "app?[31m"'] },
]);

table('image-reference', [
  { name: 'tag without digest', scan: withImage({ reference: 'registry.example.com/shop/api:1.4.2' }), violated: true, details: ['has no digest'] },
  { name: 'tag without digest, digest not required', scan: withImage({ reference: 'registry.example.com/shop/api:1.4.2' }), params: { requireDigest: false }, violated: false },
  { name: 'no tag means latest', scan: withImage({ reference: 'nginx' }), params: { requireDigest: false }, violated: true, details: ['has no tag, which means "latest"'] },
  { name: 'explicit latest', scan: withImage({ reference: 'docker.io/library/nginx:latest' }), params: { requireDigest: false }, violated: true, details: ['uses the mutable "latest" tag'] },
  { name: 'latest allowed', scan: withImage({ reference: 'nginx:latest' }), params: { requireDigest: false, forbidLatest: false }, violated: false },
  { name: 'digest pinned', scan: withImage({ reference: `registry.example.com/shop/api@sha256:${'ab'.repeat(32)}` }), violated: false, details: ['pinned to sha256:abab'] },
  { name: 'latest pinned by digest', scan: withImage({ reference: `nginx:latest@sha256:${'cd'.repeat(32)}` }), violated: false },
  { name: 'garbage reference', scan: withImage({ reference: 'Not A Reference!' }), violated: true, details: ['is not a valid image reference'] },
  { name: 'registry with port and no tag', scan: withImage({ reference: 'localhost:5000/app' }), params: { requireDigest: false }, violated: true, details: ['no tag'] },
  { name: 'skopeo docker:// form is a registry reference', scan: withImage({ reference: 'docker://nginx:1.25' }), violated: true, details: ['"docker://nginx:1.25" has no digest'] },
  { name: 'docker:// pinned', scan: withImage({ reference: `docker://ghcr.io/org/app@sha256:${'ab'.repeat(32)}` }), violated: false, details: ['pinned to sha256:abab'] },
  // Local sources are not references a runtime pulls: not applicable, never "not a valid image reference".
  ...(
    [
      ['oci:/tmp/layout:app', 'an OCI layout directory'],
      ['oci:./layout', 'an OCI layout directory'],
      ['oci-archive:/srv/app.tar:1.0', 'an OCI archive'],
      ['docker-archive:/srv/app.tar', 'a docker archive'],
      ['docker-archive:/srv/app.tar:app:latest', 'a docker archive'],
      ['containers-storage:localhost/demo:1', "podman's local image store"],
      [`containers-storage:${'c'.repeat(64)}`, "podman's local image store"],
    ] as const
  ).map(([reference, what]) => ({
    name: `local source ${reference}`,
    scan: withImage({ reference }),
    violated: false,
    details: [`not applicable: "${reference}" is read from ${what}, not pulled from a registry`],
  })),
]);

test('image-reference never calls a local source an invalid reference, whatever its parameters', () => {
  for (const reference of ['oci:/x', 'oci-archive:/x.tar', 'docker-archive:/x.tar', 'containers-storage:x']) {
    for (const params of [{}, { requireDigest: false }, { forbidLatest: false }]) {
      const r = run('image-reference', withImage({ reference }), params);
      assert.equal(r.violated, false);
      assert.ok(!r.details.join(' ').includes('not a valid image reference'), r.details.join(' | '));
    }
  }
});

table('secret-env', [
  { name: 'clean environment', scan: debianScan(), violated: false, details: ['2 environment variables checked'] },
  { name: 'password variable', scan: withConfig({ env: ['PATH=/bin', 'POSTGRES_PASSWORD=hunter2-very-secret'] }), violated: true, details: [/^POSTGRES_PASSWORD: name contains PASSWORD \(value fingerprint sha256:[0-9a-f]{8}\)$/] },
  { name: '*_FILE pointer is fine', scan: withConfig({ env: ['POSTGRES_PASSWORD_FILE=/run/secrets/pg'] }), violated: false },
  { name: 'empty secret-named variable is fine', scan: withConfig({ env: ['API_TOKEN='] }), violated: false },
  { name: 'allowlisted name', scan: withConfig({ env: ['GITHUB_TOKEN=abc123def456ghi'] }), params: { allowNames: ['github_token'] }, violated: false },
  { name: 'AWS secret access key by name', scan: withConfig({ env: ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'] }), violated: true, details: ['AWS_SECRET_ACCESS_KEY: name is AWS_SECRET_ACCESS_KEY'] },
  { name: 'extra name word', scan: withConfig({ env: ['LICENSE_BLOB=abcdefghijklmnop'] }), params: { extraNameWords: ['blob'] }, violated: true, details: ['LICENSE_BLOB: name contains BLOB'] },
]);

test('secret-env never reveals a value, in details or anywhere in the result', () => {
  const secrets = {
    DB_PASSWORD: 'Tr0ub4dor&3-horse-battery',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    SESSION: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    CI_HELPER: 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    DATABASE_URL: 'postgres://app:s3cr3tpass@db.internal:5432/shop',
    TLS_KEY: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  };
  const scan = withConfig({ env: Object.entries(secrets).map(([k, v]) => `${k}=${v}`) });
  const r = run('secret-env', scan);
  assert.equal(r.violated, true);
  assert.equal(r.details.length, 6);
  const text = JSON.stringify(r);
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(text.includes(name), `${name} is named`);
    assert.ok(!text.includes(value), `value of ${name} must not appear`);
    // Not even a recognisable fragment of it.
    assert.ok(!text.includes(value.slice(0, 12)), `no prefix of ${name}'s value`);
  }
  assert.match(text, /value looks like an AWS access key id/);
  assert.match(text, /value looks like a JSON Web Token/);
  assert.match(text, /value looks like a GitHub token/);
  assert.match(text, /URL with an embedded password/);
  assert.match(text, /PEM private key/);
});

table('allowed-registries', [
  { name: 'allowed host', scan: debianScan(), params: { registries: ['registry.example.com'] }, violated: false, details: ['registry.example.com/shop/api is allowed'] },
  { name: 'allowed path prefix', scan: debianScan(), params: { registries: ['registry.example.com/shop'] }, violated: false },
  { name: 'prefix stops at a slash', scan: debianScan(), params: { registries: ['registry.example.com/sho'] }, violated: true },
  { name: 'other registry', scan: debianScan(), params: { registries: ['ghcr.io/my-org'] }, violated: true, details: ['not in the allowed registries (ghcr.io/my-org)'] },
  { name: 'Docker Hub short name vs index.docker.io', scan: withImage({ reference: 'nginx:1.25' }), params: { registries: ['index.docker.io/library'] }, violated: false },
  { name: 'registry host is case-insensitive', scan: withImage({ reference: 'GHCR.io/my-org/app:1' }), params: { registries: ['ghcr.io/my-org'] }, violated: false },
  { name: 'a local archive comes from no registry (and is no invalid reference)', scan: withImage({ reference: 'docker-archive:/srv/app.tar' }), params: { registries: ['ghcr.io/my-org'] }, violated: true, details: ['"docker-archive:/srv/app.tar" is read from a docker archive, not from a registry: no allowed registry vouches for it'] },
]);

table('max-image-age', [
  { name: '119 days old, limit 180', scan: debianScan(), params: { maxDays: 180 }, violated: false, details: ['built 2025-11-03, 119 days ago'] },
  { name: '119 days old, limit 90', scan: debianScan(), params: { maxDays: 90 }, violated: true, details: ['more than 90'] },
  { name: 'reproducible-build epoch passes by default', scan: withConfig({ created: '1970-01-01T00:00:00Z' }), params: { maxDays: 30 }, violated: false, details: ['reproducible-build placeholder'] },
  { name: 'unknown creation may violate', scan: withConfig({ created: undefined }), params: { maxDays: 30, unknownCreated: 'violate' }, violated: true, details: ['no creation time'] },
  { name: 'garbage timestamp', scan: withConfig({ created: 'yesterday' }), params: { maxDays: 30 }, violated: false, details: ['"yesterday" is not usable'] },
  { name: 'future timestamp', scan: withConfig({ created: '2027-01-01T00:00:00Z' }), params: { maxDays: 30 }, violated: false, details: ['in the future'] },
]);

table('required-labels', [
  { name: 'present', scan: debianScan(), params: { labels: ['org.opencontainers.image.source'] }, violated: false },
  { name: 'missing', scan: debianScan(), params: { labels: ['org.opencontainers.image.source', 'team'] }, violated: true, details: ['label "team" is missing'] },
  { name: 'pattern matches', scan: debianScan(), params: { labels: [{ name: 'org.opencontainers.image.source', pattern: '^https://git\\.example\\.com/' }] }, violated: false },
  { name: 'pattern fails', scan: debianScan(), params: { labels: [{ name: 'org.opencontainers.image.source', pattern: '^https://github\\.com/' }] }, violated: true, details: ['does not match'] },
  { name: 'inherited Object properties are not labels', scan: withConfig({ labels: {} }), params: { labels: ['constructor'] }, violated: true, details: ['label "constructor" is missing'] },
]);

table('banned-packages', [
  { name: 'banned dpkg package present', scan: debianScan(), params: { packages: [{ name: 'bash', reason: 'no shells in production images' }] }, violated: true, details: ['bash 5.2.15-2+b2 (dpkg) in layer 1f3b2c4d5e6f: no shells in production images'] },
  { name: 'glob and kind', scan: debianScan(), params: { packages: [{ name: 'org.apache.any23:*', kind: 'maven' }] }, violated: true, details: ['org.apache.any23:apache-any23 2.4 (maven)'] },
  { name: 'kind mismatch', scan: debianScan(), params: { packages: [{ name: 'bash', kind: 'apk' }] }, violated: false },
  { name: 'not installed', scan: debianScan(), params: { packages: [{ name: 'telnetd' }] }, violated: false, details: ['6 packages checked'] },
]);

test('defaults: the built-in set runs the default policies and reports the expected violations', () => {
  const results = evaluatePolicies(debianScan(), undefined, { now: NOW });
  assert.deepEqual(results.map((r) => r.id), ['vulnerabilities', 'os-end-of-life', 'os-identified', 'non-root-user', 'image-reference', 'secret-env']);
  assert.deepEqual(results.filter((r) => r.violated).map((r) => r.id), ['vulnerabilities', 'non-root-user', 'image-reference']);
  assert.deepEqual(results.map((r) => r.severity), ['HIGH', 'HIGH', 'MEDIUM', 'MEDIUM', 'MEDIUM', 'CRITICAL']);
});

test('a policy that throws on odd input becomes a violated result, not a crash', () => {
  const scan = debianScan();
  // Hostile or broken input: env that is not an array of strings.
  (scan.image.config as unknown as { env: unknown }).env = 42;
  const r = run('secret-env', scan);
  assert.equal(r.violated, true);
  assert.match(r.details[0] ?? '', /^policy could not be evaluated: /);
});

test('details stay bounded for huge inputs', () => {
  const scan = debianScan();
  const base = scan.findings.find((f) => f.id === 'CVE-2023-5678');
  assert.ok(base);
  scan.findings = Array.from({ length: 5000 }, (_, i) => ({ ...base, id: `CVE-2099-${10000 + i}` }));
  const r = run('vulnerabilities', scan);
  assert.equal(r.details.length, 1 + 50 + 1);
  assert.equal(r.details[r.details.length - 1], '… and 4950 more');
});
