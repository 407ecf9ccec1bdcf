// Realistic scan results for policy and report tests.
//
// The Maven, Go, Alpine, Debian-DSA and Ubuntu findings are modelled on the OSV records in
// /work/shared/testdata/osv-examples (GHSA-838r-hvwh-24h8, GO-2021-0053, CVE-2022-27449, DSA-3029-1,
// UBUNTU-CVE-2025-38094), taken from the test data of google/osv.dev and google/osv-scalibr (Apache-2.0):
// ids, aliases, packages, fixed versions and CVSS vectors are theirs. The OpenSSL/zlib findings use real
// Debian 12 CVE ids and versions.
import type { Finding, InstalledPackage, Severity } from '../../../src/scanner/types.js';
import type { ScanResult } from '../../../src/scanner/report/types.js';

export const LAYER_BASE = 'sha256:1f3b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
export const LAYER_APT = 'sha256:7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b';
export const LAYER_APP = 'sha256:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
export const IMAGE_DIGEST = 'sha256:4bcd5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b';

const DEB = 'Debian:12';

function pkg(p: Partial<InstalledPackage> & Pick<InstalledPackage, 'kind' | 'name' | 'version' | 'ecosystem' | 'purl' | 'layer'>): InstalledPackage {
  return { foundIn: p.kind === 'dpkg' ? 'var/lib/dpkg/status' : 'app', ...p };
}

export function debianPackages(): InstalledPackage[] {
  return [
    pkg({ kind: 'dpkg', name: 'libssl3', version: '3.0.11-1~deb12u2', sourceName: 'openssl', ecosystem: DEB, purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', layer: LAYER_BASE, licenses: ['Apache-2.0'] }),
    pkg({ kind: 'dpkg', name: 'openssl', version: '3.0.11-1~deb12u2', sourceName: 'openssl', ecosystem: DEB, purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', layer: LAYER_APT, licenses: ['Apache-2.0'] }),
    pkg({ kind: 'dpkg', name: 'zlib1g', version: '1:1.2.13.dfsg-1', sourceName: 'zlib', ecosystem: DEB, purl: 'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12', layer: LAYER_BASE, licenses: ['Zlib'] }),
    pkg({ kind: 'dpkg', name: 'bash', version: '5.2.15-2+b2', sourceName: 'bash', ecosystem: DEB, purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12', layer: LAYER_BASE, licenses: ['GPL-3+'] }),
    pkg({ kind: 'maven', name: 'org.apache.any23:apache-any23', version: '2.4', ecosystem: 'Maven', purl: 'pkg:maven/org.apache.any23/apache-any23@2.4', layer: LAYER_APP, foundIn: 'app/lib/apache-any23-2.4.jar' }),
    pkg({ kind: 'go', name: 'github.com/gogo/protobuf', version: 'v1.3.1', ecosystem: 'Go', purl: 'pkg:golang/github.com/gogo/protobuf@v1.3.1', layer: LAYER_APP, foundIn: 'app/bin/server' }),
  ];
}

interface F {
  id: string;
  aliases?: string[];
  upstream?: string[];
  pkg: string;
  src?: string;
  eco?: string;
  installed: string;
  fixed?: string;
  severity: Severity;
  score?: number;
  vector?: string;
  ratingSource?: string;
  layer: string;
  purl: string;
  status?: Finding['status'];
  summary?: string;
}

export function finding(f: F): Finding {
  const ratings = f.score !== undefined ? [{ severity: f.severity, score: f.score, source: f.ratingSource ?? 'CVSS_V3', ...(f.vector ? { vector: f.vector } : {}) }] : [{ severity: f.severity, source: f.ratingSource ?? 'Debian urgency' }];
  const out: Finding = {
    id: f.id,
    aliases: f.aliases ?? [],
    upstream: f.upstream ?? [],
    package: f.pkg,
    ecosystem: f.eco ?? DEB,
    installedVersion: f.installed,
    status: f.status ?? (f.fixed ? 'fixed' : 'affected'),
    severity: f.severity,
    severitySource: ratings[0]?.source ?? '',
    ratings,
    layer: f.layer,
    purl: f.purl,
    references: [`https://osv.dev/vulnerability/${f.id}`],
  };
  if (f.src) out.sourcePackage = f.src;
  if (f.fixed) out.fixedVersion = f.fixed;
  if (f.score !== undefined) out.score = f.score;
  if (f.summary) out.summary = f.summary;
  return out;
}

const LIBSSL = { pkg: 'libssl3', src: 'openssl', installed: '3.0.11-1~deb12u2', layer: LAYER_BASE, purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12' };
const OPENSSL = { pkg: 'openssl', src: 'openssl', installed: '3.0.11-1~deb12u2', layer: LAYER_APT, purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12' };
const V31 = 'CVSS:3.1/';

export function debianFindings(): Finding[] {
  return [
    // openssl 3.0.13-1~deb12u1 fixes four advisories, two of them critical; two binary packages carry each.
    finding({ id: 'CVE-2024-0727', ...LIBSSL, fixed: '3.0.13-1~deb12u1', severity: 'MEDIUM', score: 5.5, vector: `${V31}AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H`, summary: 'PKCS12 NULL dereference' }),
    finding({ id: 'CVE-2024-0727', ...OPENSSL, fixed: '3.0.13-1~deb12u1', severity: 'MEDIUM', score: 5.5, vector: `${V31}AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H`, summary: 'PKCS12 NULL dereference' }),
    finding({ id: 'CVE-2023-5678', ...LIBSSL, fixed: '3.0.13-1~deb12u1', severity: 'CRITICAL', score: 9.8, vector: `${V31}AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` }),
    finding({ id: 'CVE-2023-6129', ...LIBSSL, fixed: '3.0.13-1~deb12u1', severity: 'CRITICAL', score: 9.1, vector: `${V31}AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H` }),
    finding({ id: 'CVE-2023-6237', ...LIBSSL, fixed: '3.0.13-1~deb12u1', severity: 'LOW', ratingSource: 'Debian urgency' }),
    // A later fix for a later advisory: a separate upgrade step.
    finding({ id: 'CVE-2024-5535', ...LIBSSL, fixed: '3.0.14-1~deb12u1', severity: 'HIGH', score: 7.5, vector: `${V31}AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N` }),
    // Critical but unfixed: Debian will not fix it in bookworm.
    finding({ id: 'CVE-2023-45853', pkg: 'zlib1g', src: 'zlib', installed: '1:1.2.13.dfsg-1', severity: 'CRITICAL', score: 9.8, vector: `${V31}AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`, layer: LAYER_BASE, purl: 'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12', status: 'will-not-fix' }),
    // GHSA-838r-hvwh-24h8 (osv-examples): Maven any23, fixed in 2.5, CVSS 3.1 vector from the record.
    finding({ id: 'GHSA-838r-hvwh-24h8', aliases: ['CVE-2021-38555'], pkg: 'org.apache.any23:apache-any23', eco: 'Maven', installed: '2.4', fixed: '2.5', severity: 'CRITICAL', score: 9.1, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N', ratingSource: 'CVSS_V3', layer: LAYER_APP, purl: 'pkg:maven/org.apache.any23/apache-any23@2.4', summary: 'XML Injection in Any23' }),
    // GO-2021-0053 (osv-examples): gogo/protobuf fixed in 1.3.2.
    finding({ id: 'GO-2021-0053', aliases: ['BIT-consul-2021-3121', 'BIT-protobuf-2021-3121', 'CVE-2021-3121', 'GHSA-c3h9-896r-86jm'], pkg: 'github.com/gogo/protobuf', eco: 'Go', installed: 'v1.3.1', fixed: '1.3.2', severity: 'HIGH', score: 8.6, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', layer: LAYER_APP, purl: 'pkg:golang/github.com/gogo/protobuf@v1.3.1', summary: 'Panic due to improper input validation in github.com/gogo/protobuf' }),
  ];
}

export function debianScan(overrides: Partial<ScanResult['image']> = {}): ScanResult {
  return {
    image: {
      reference: 'registry.example.com/shop/api:1.4.2',
      digest: IMAGE_DIGEST,
      os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: 'etc/os-release' },
      config: {
        user: '',
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
        labels: { 'org.opencontainers.image.source': 'https://git.example.com/shop/api' },
        created: '2025-11-03T10:00:00Z',
      },
      packages: debianPackages(),
      layers: [
        { digest: 'sha256:aa01', diffId: LAYER_BASE, size: 29_000_000, createdBy: '/bin/sh -c #(nop) ADD file:... in /' },
        { digest: 'sha256:aa02', diffId: LAYER_APT, size: 4_200_000, createdBy: 'RUN apt-get install -y openssl' },
        { digest: 'sha256:aa03', diffId: LAYER_APP, size: 61_000_000, createdBy: 'COPY app /app' },
      ],
      ...overrides,
    },
    findings: debianFindings(),
    db: { builtAt: '2026-03-01T04:00:00Z', newestModified: '2026-02-28T23:10:00Z', digest: 'sha256:db0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd' },
    scannedAt: '2026-03-02T09:30:00Z',
  };
}

/** DSA-3029-1 (osv-examples): nginx on Debian 7 "wheezy", fixed in 1.2.1-2.2+wheezy3; alias CVE-2014-3616. */
export function wheezyFinding(): Finding {
  return finding({ id: 'DSA-3029-1', aliases: ['CVE-2014-3616'], pkg: 'nginx', src: 'nginx', eco: 'Debian:7', installed: '1.2.1-2.2+wheezy2', fixed: '1.2.1-2.2+wheezy3', severity: 'MEDIUM', layer: LAYER_APT, purl: 'pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?arch=amd64&distro=debian-7', summary: 'nginx - security update' });
}

/** UBUNTU-CVE-2025-38094 (osv-examples): linux, Ubuntu severity "medium", no fixed version. */
export function ubuntuUnfixedFinding(): Finding {
  return finding({ id: 'UBUNTU-CVE-2025-38094', upstream: ['CVE-2025-38094'], pkg: 'linux', src: 'linux', eco: 'Ubuntu:Pro:14.04:LTS', installed: '3.13.0-206.257', severity: 'MEDIUM', ratingSource: 'Ubuntu', layer: LAYER_BASE, purl: 'pkg:deb/ubuntu/linux@3.13.0-206.257?arch=source&distro=esm-infra-legacy/trusty' });
}

/** CVE-2022-27449 (osv-examples): mariadb on Alpine v3.16, fixed in 10.6.8-r0. */
export function alpineFinding(): Finding {
  return finding({ id: 'CVE-2022-27449', pkg: 'mariadb', src: 'mariadb', eco: 'Alpine:v3.16', installed: '10.6.7-r0', fixed: '10.6.8-r0', severity: 'HIGH', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', layer: LAYER_BASE, purl: 'pkg:apk/alpine/mariadb@10.6.7-r0?arch=x86_64&distro=3.16.2' });
}

export const NOW = new Date('2026-03-02T12:00:00Z');
