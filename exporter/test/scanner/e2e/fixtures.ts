// Test content for the scanner's end-to-end tests: a Debian 12 image whose dpkg status holds real-looking stanzas
// (fields as bookworm writes them), an image whose OS cannot be identified, and OSV records modelled on the real
// ones in /work/shared/testdata/osv-examples (DEBIAN-CVE with per-release urgency, a DSA with aliases, a
// multi-CVE DSA bulletin, a GHSA for npm), shipped in an all.zip like osv.dev's bulk downloads.
// Identifiers use the reserved year 2099 so they can never be mistaken for real advisories.
import { createHash } from 'node:crypto';
import { buildTar, type TarEntrySpec } from '../fixtures/tar-builder.js';
import { buildImage, type BuiltImage } from '../fixtures/oci-builder.js';
import { fixtureFile } from '../fixtures/image-content.js';
import { buildZip } from '../vulndb/zip-writer.js';

const stanza = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

const common = { Status: 'install ok installed', Priority: 'optional', 'Installed-Size': '1024', Maintainer: 'Debian Maintainers <maint@debian.org>' };

/** dpkg status of a small bookworm image: openssl 3.0.11, zlib, glibc, bash (binNMU), curl, tzdata. */
export function dpkgStatus(opensslVersion = '3.0.11-1~deb12u2'): string {
  return [
    stanza({ Package: 'bash', Essential: 'yes', ...common, Section: 'shells', Architecture: 'amd64', 'Multi-Arch': 'foreign', Source: 'bash (5.2.15-2)', Version: '5.2.15-2+b2', Description: 'GNU Bourne Again SHell' }),
    stanza({ Package: 'libc-bin', Essential: 'yes', ...common, Section: 'libs', Architecture: 'amd64', 'Multi-Arch': 'foreign', Source: 'glibc', Version: '2.36-9+deb12u4', Description: 'GNU C Library: Binaries' }),
    stanza({ Package: 'libc6', ...common, Section: 'libs', Architecture: 'amd64', 'Multi-Arch': 'same', Source: 'glibc', Version: '2.36-9+deb12u4', Description: 'GNU C Library: Shared libraries' }),
    stanza({ Package: 'libssl3', ...common, Section: 'libs', Architecture: 'amd64', 'Multi-Arch': 'same', Source: 'openssl', Version: opensslVersion, Description: 'Secure Sockets Layer toolkit - shared libraries' }),
    stanza({ Package: 'openssl', ...common, Section: 'utils', Architecture: 'amd64', 'Multi-Arch': 'foreign', Version: opensslVersion, Description: 'Secure Sockets Layer toolkit - cryptographic utility' }),
    stanza({ Package: 'zlib1g', ...common, Section: 'libs', Architecture: 'amd64', 'Multi-Arch': 'same', Source: 'zlib', Version: '1:1.2.13.dfsg-1', Description: 'compression library - runtime' }),
    stanza({ Package: 'curl', ...common, Section: 'web', Architecture: 'amd64', Version: '7.88.1-10+deb12u5', Description: 'command line tool for transferring data with URL syntax' }),
    stanza({ Package: 'libcurl4', ...common, Section: 'libs', Architecture: 'amd64', 'Multi-Arch': 'same', Source: 'curl', Version: '7.88.1-10+deb12u5', Description: 'easy-to-use client-side URL transfer library (OpenSSL flavour)' }),
    stanza({ Package: 'tzdata', ...common, Priority: 'required', Section: 'localization', Architecture: 'all', 'Multi-Arch': 'foreign', Version: '2024a-0+deb12u1', Description: 'time zone and daylight-saving time data' }),
    // removed, configuration files remain: not installed
    stanza({ Package: 'oldpkg', Status: 'deinstall ok config-files', Priority: 'optional', Architecture: 'amd64', Version: '0.9-1', Description: 'removed' }),
  ].join('\n\n') + '\n';
}

export const APP_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export function debianImageFiles(opensslVersion?: string): TarEntrySpec[] {
  return [
    { name: 'usr/lib/os-release', content: fixtureFile('debian-os-release') },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'etc/debian_version', content: '12.5\n' },
    { name: 'var/lib/dpkg/status', content: dpkgStatus(opensslVersion) },
  ];
}

export function appLayerFiles(): TarEntrySpec[] {
  return [
    { name: 'app/node_modules/express/package.json', content: JSON.stringify({ name: 'express', version: '4.17.1', license: 'MIT' }) },
    { name: 'app/package.json', content: JSON.stringify({ name: 'shop-api', version: '1.4.2' }) },
  ];
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Rewrites an image's config (user, env) and with it the config and manifest digests. */
export function withConfig(img: BuiltImage, change: (config: Record<string, any>) => void): BuiltImage {
  const config = JSON.parse(img.config.bytes.toString()) as Record<string, any>;
  change(config);
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = JSON.parse(img.manifest.bytes.toString()) as Record<string, any>;
  manifest.config = { ...manifest.config, digest: sha256(configBytes), size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    ...img,
    config: { ...img.config, bytes: configBytes, digest: sha256(configBytes) },
    manifest: { ...img.manifest, bytes: manifestBytes, digest: sha256(manifestBytes) },
  };
}

/** The Debian application image: runs as root and carries a secret in its environment. */
export async function buildDebianApp(opensslVersion?: string): Promise<BuiltImage> {
  const base = await buildTar(debianImageFiles(opensslVersion));
  const app = await buildTar(appLayerFiles());
  const img = buildImage([base, app], { history: ['debootstrap bookworm', 'COPY app /app'] });
  return withConfig(img, (c) => {
    c.config.User = 'root';
    c.config.Env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `AWS_SECRET_ACCESS_KEY=${APP_SECRET}`];
  });
}

/** An image without any os-release or distribution file: only an npm package. */
export async function buildUnknownOsImage(): Promise<BuiltImage> {
  return buildImage([await buildTar(appLayerFiles())], { history: ['COPY app /app'] });
}

const DEBIAN_TRACKER = 'https://security-tracker.debian.org/tracker/';

function debianCve(n: number, pkg: string, releases: Record<string, { fixed?: string; urgency: string; nodsa?: string }>, cvss?: string): Record<string, unknown> {
  const cve = `CVE-2099-${n}`;
  return {
    id: `DEBIAN-${cve}`,
    upstream: [cve],
    modified: `2026-11-${String(10 + (n % 18)).padStart(2, '0')}T08:00:00Z`,
    published: '2026-10-01T00:00:00Z',
    details: `A flaw in ${pkg} (modelled on the Debian security tracker conversion).`,
    ...(cvss ? { severity: [{ type: 'CVSS_V3', score: cvss }] } : {}),
    affected: Object.entries(releases).map(([rel, r]) => ({
      package: { ecosystem: `Debian:${rel}`, name: pkg },
      ranges: [{ type: 'ECOSYSTEM', events: r.fixed ? [{ introduced: '0' }, { fixed: r.fixed }] : [{ introduced: '0' }] }],
      ecosystem_specific: { urgency: r.urgency, ...(r.nodsa ? { nodsa_reason: r.nodsa } : {}) },
    })),
    references: [{ type: 'ADVISORY', url: `${DEBIAN_TRACKER}${cve}` }],
  };
}

/** The records the e2e tests import. `extra` adds records (a later import with a new advisory). */
export function osvRecords(extra: Record<string, unknown>[] = []): Record<string, unknown>[] {
  return [
    debianCve(1001, 'openssl', { '11': { fixed: '1.1.1w-0+deb11u2', urgency: 'high' }, '12': { fixed: '3.0.13-1~deb12u1', urgency: 'high' } }, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'),
    debianCve(1002, 'openssl', { '12': { fixed: '3.0.14-1~deb12u1', urgency: 'medium' } }, 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H'),
    debianCve(1003, 'zlib', { '12': { urgency: 'low' } }),
    debianCve(1004, 'glibc', { '12': { urgency: 'unimportant', nodsa: 'ignored' } }),
    debianCve(1005, 'curl', { '12': { fixed: '7.88.1-10+deb12u8', urgency: 'high' } }, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N'),
    // another release only: must not match bookworm
    debianCve(1006, 'openssl', { '11': { fixed: '1.1.1w-0+deb11u3', urgency: 'medium' } }),
    // a DSA for one CVE (shaped like DSA-3029-1): the same vulnerability as DEBIAN-CVE-2099-1001
    {
      id: 'DSA-9001-1',
      summary: 'openssl - security update',
      aliases: ['CVE-2099-1001'],
      modified: '2026-11-02T08:18:07Z',
      published: '2026-11-02T00:00:00Z',
      details: '\nA flaw was found in OpenSSL.\n\nFor the stable distribution (bookworm), this problem has been fixed in version 3.0.13-1~deb12u1.\n',
      affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }] }] }],
      references: [{ type: 'ADVISORY', url: 'https://www.debian.org/security/2099/dsa-9001' }],
    },
    // a bulletin fixing two CVEs at once: folded into both, never a third finding
    {
      id: 'DSA-9002-1',
      summary: 'openssl - security update',
      aliases: ['CVE-2099-1001', 'CVE-2099-1002'],
      modified: '2026-11-20T08:18:07Z',
      published: '2026-11-20T00:00:00Z',
      affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.14-1~deb12u1' }] }] }],
      references: [{ type: 'ADVISORY', url: 'https://www.debian.org/security/2099/dsa-9002' }],
    },
    // withdrawn: dropped at import, must never match bash
    { ...debianCve(1007, 'bash', { '12': { fixed: '5.2.15-3', urgency: 'high' } }), withdrawn: '2026-11-15T00:00:00Z' },
    // a GitHub advisory (shaped like GHSA-838r-hvwh-24h8) for the npm package in the app layer
    {
      schema_version: '1.4.0',
      id: 'GHSA-2099-expr-0001',
      modified: '2026-11-05T00:00:00Z',
      published: '2026-11-01T00:00:00Z',
      aliases: ['CVE-2099-2001'],
      summary: 'Open redirect in express',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' }],
      affected: [{ package: { ecosystem: 'npm', name: 'express', purl: 'pkg:npm/express' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.3' }] }] }],
      references: [{ type: 'ADVISORY', url: 'https://github.com/advisories/GHSA-2099-expr-0001' }],
      database_specific: { severity: 'HIGH', github_reviewed: true, cwe_ids: ['CWE-601'] },
    },
    ...extra,
  ];
}

/** A record the "re-import" tests add: a new critical vulnerability in bash. */
export function newBashRecord(): Record<string, unknown> {
  return debianCve(1010, 'bash', { '12': { fixed: '5.2.15-2+deb12u1', urgency: 'high' } }, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
}

/** An all.zip as osv.dev serves them (deflated entries), plus one malformed entry the import must skip. */
export function osvZip(records: Record<string, unknown>[], withMalformed = true): Buffer {
  const entries = records.map((r) => ({ name: `${String(r.id)}.json`, data: JSON.stringify(r), deflate: true }));
  if (withMalformed) entries.push({ name: 'BROKEN-1.json', data: '{"modified": "2026-01-01T00:00:00Z", "affected": [', deflate: true });
  return buildZip(entries);
}
