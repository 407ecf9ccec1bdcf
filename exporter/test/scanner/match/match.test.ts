// matchPackages against a real database imported from the real OSV records (fixtures/osv) and Vigil's modelled
// records (fixtures/vigil): source-package matching, release ecosystems, OSV range semantics, status, severity.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchPackages, newMatchStats, osReleaseEcosystem, type MatchProblem } from '../../../src/scanner/match/index.js';
import type { InstalledPackage, OsInfo } from '../../../src/scanner/types.js';
import { importOsv, openVulnDb, type VulnDb } from '../../../src/scanner/vulndb/index.js';

let tmp: string;
let db: VulnDb;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vigil-match-'));
  const res = await importOsv([join(import.meta.dirname, 'fixtures/osv'), join(import.meta.dirname, 'fixtures/vigil')], join(tmp, 'db'));
  assert.equal(res.meta.import.malformed, 0);
  db = openVulnDb(join(tmp, 'db'));
});
after(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

const os = (id: string, versionId: string, prettyName?: string): OsInfo => ({ id, versionId, source: 'etc/os-release', ...(prettyName ? { prettyName } : {}) });

function pkg(p: Partial<InstalledPackage> & Pick<InstalledPackage, 'kind' | 'name' | 'version'>): InstalledPackage {
  return { ecosystem: '', purl: `pkg:generic/${p.name}@${p.version}`, layer: 'sha256:layer', foundIn: 'test', ...p };
}

function ids(findings: { id: string }[]): string[] {
  return findings.map((f) => f.id).sort();
}

describe('release ecosystems', () => {
  test('OSV names per distribution release', () => {
    assert.equal(osReleaseEcosystem(os('debian', '12')), 'Debian:12');
    assert.equal(osReleaseEcosystem(os('ubuntu', '22.04')), 'Ubuntu:22.04:LTS');
    assert.equal(osReleaseEcosystem(os('ubuntu', '23.10')), 'Ubuntu:23.10');
    assert.equal(osReleaseEcosystem(os('alpine', '3.19.1')), 'Alpine:v3.19');
    assert.equal(osReleaseEcosystem(os('rocky', '9.3')), 'Rocky Linux:9');
    assert.equal(osReleaseEcosystem(os('debian', '')), undefined);
  });
});

describe('distribution packages', () => {
  test('Debian: matched by source package and source version; binNMU +bN counts as its source version', () => {
    const wheezy = os('debian', '7');
    const vulnerable = pkg({ kind: 'dpkg', name: 'nginx-full', sourceName: 'nginx', version: '1.2.1-2.2+wheezy2', ecosystem: 'Debian:7' });
    const binnmu = pkg({ kind: 'dpkg', name: 'nginx-common', sourceName: 'nginx', version: '1.2.1-2.2+wheezy2+b1', ecosystem: 'Debian:7' });
    const fixedPkg = pkg({ kind: 'dpkg', name: 'nginx-light', sourceName: 'nginx', version: '1.2.1-2.2+wheezy3', ecosystem: 'Debian:7' });
    const sourceVersioned = pkg({ kind: 'dpkg', name: 'nginx-extras', sourceName: 'nginx', version: '9.9', sourceVersion: '1.2.1-2.2+wheezy3' });
    const f = matchPackages(db, wheezy, [vulnerable, binnmu, fixedPkg, sourceVersioned]);
    assert.deepEqual(f.map((x) => `${x.package}:${x.id}`), ['nginx-full:DSA-3029-1', 'nginx-common:DSA-3029-1']);
    const first = f[0];
    assert.equal(first?.sourcePackage, 'nginx');
    assert.equal(first?.fixedVersion, '1.2.1-2.2+wheezy3');
    assert.equal(first?.status, 'fixed');
    assert.equal(first?.installedVersion, '1.2.1-2.2+wheezy2');
    assert.deepEqual(first?.aliases, ['CVE-2014-3616']);
    assert.equal(first?.severity, 'UNKNOWN'); // DSAs carry no severity
    assert.equal(f[1]?.installedVersion, '1.2.1-2.2+wheezy2+b1');
  });

  test('a binNMU of the last affected source version is affected', () => {
    const buster = os('debian', '10');
    const bin = (v: string): InstalledPackage => pkg({ kind: 'dpkg', name: 'libssl1.1', sourceName: 'openssl', version: v });
    const f = matchPackages(db, buster, [bin('1.1.1n-0+deb10u3+b1'), bin('1.1.1n-0+deb10u3'), bin('1.1.1n-0+deb10u4')]);
    assert.deepEqual(f.map((x) => x.installedVersion), ['1.1.1n-0+deb10u3+b1', '1.1.1n-0+deb10u3']);
    assert.equal(f[0]?.status, 'affected');
  });

  test('the same source in another release does not match another release\'s advisory', () => {
    const f = matchPackages(db, os('debian', '8'), [pkg({ kind: 'dpkg', name: 'nginx', version: '1.2.1-2.2+wheezy2' })]);
    assert.deepEqual(f, []);
  });

  test('Debian urgency: vendor severity first; end-of-life and postponed statuses for unfixed versions', () => {
    const openssl = (v: string): InstalledPackage => pkg({ kind: 'dpkg', name: 'libssl3', sourceName: 'openssl', version: v });
    const bookworm = matchPackages(db, os('debian', '12'), [openssl('3.0.14-1~deb12u2')]);
    assert.equal(bookworm.length, 1);
    assert.equal(bookworm[0]?.status, 'fixed');
    assert.equal(bookworm[0]?.fixedVersion, '3.0.15-1~deb12u1');
    assert.equal(bookworm[0]?.severity, 'LOW'); // "unimportant" beats the 9.8 CVSS vector
    assert.equal(bookworm[0]?.severitySource, 'Debian urgency');
    assert.equal(bookworm[0]?.ratings.find((r) => r.source === 'CVSS_V3')?.score, 9.8);
    assert.deepEqual(bookworm[0]?.upstream, ['CVE-2099-0001']);
    assert.deepEqual(matchPackages(db, os('debian', '12'), [openssl('3.0.15-1~deb12u1')]), []);
    const bullseye = matchPackages(db, os('debian', '11'), [openssl('1.1.1w-0+deb11u1')]);
    assert.equal(bullseye[0]?.status, 'end-of-life');
    assert.equal(bullseye[0]?.fixedVersion, undefined);
    // no usable urgency: the CVSS v3 score decides
    const trixie = matchPackages(db, os('debian', '13'), [openssl('3.3.2-1')]);
    assert.equal(trixie[0]?.status, 'deferred');
    assert.equal(trixie[0]?.severity, 'CRITICAL');
    assert.equal(trixie[0]?.severitySource, 'CVSS_V3');
  });

  test('Alpine: origin package, release from VERSION_ID major.minor', () => {
    const client = (v: string): InstalledPackage => pkg({ kind: 'apk', name: 'mariadb-client', sourceName: 'mariadb', version: v });
    const f = matchPackages(db, os('alpine', '3.15.4'), [client('10.6.7-r0'), client('10.6.8-r0')]);
    assert.equal(f.length, 1);
    assert.equal(f[0]?.id, 'CVE-2022-27449');
    assert.equal(f[0]?.ecosystem, 'Alpine:v3.15');
    assert.equal(f[0]?.fixedVersion, '10.6.8-r0');
    assert.deepEqual(matchPackages(db, os('alpine', '3.17.0'), [client('10.6.7-r0')]), []);
  });

  test('Ubuntu: LTS ecosystem naming, affected-level priority, unfixed release', () => {
    const curl = (v: string): InstalledPackage => pkg({ kind: 'dpkg', name: 'libcurl4', sourceName: 'curl', version: v });
    const jammy = matchPackages(db, os('ubuntu', '22.04', 'Ubuntu 22.04.4 LTS'), [curl('7.81.0-1ubuntu1.15'), curl('7.81.0-1ubuntu1.16')]);
    assert.equal(jammy.length, 1);
    assert.equal(jammy[0]?.ecosystem, 'Ubuntu:22.04:LTS');
    assert.equal(jammy[0]?.fixedVersion, '7.81.0-1ubuntu1.16');
    assert.equal(jammy[0]?.severity, 'MEDIUM'); // the package's ubuntu_priority before the record's "high"
    const mantic = matchPackages(db, os('ubuntu', '23.10'), [curl('8.2.1-1ubuntu3')]);
    assert.equal(mantic[0]?.status, 'affected');
    assert.equal(mantic[0]?.severity, 'HIGH');
    assert.equal(mantic[0]?.severitySource, 'Ubuntu priority');
  });

  test('Ubuntu Pro records only match a Pro ecosystem; the real record is unfixed with versions[]', () => {
    const linux = pkg({ kind: 'dpkg', name: 'linux-image-3.13.0-170-generic', sourceName: 'linux', version: '3.13.0-170.220', ecosystem: 'Ubuntu:Pro:14.04:LTS' });
    assert.deepEqual(matchPackages(db, os('ubuntu', '14.04'), [linux]), []);
    const f = matchPackages(db, undefined, [linux]);
    assert.equal(f[0]?.id, 'UBUNTU-CVE-2025-38094');
    assert.equal(f[0]?.status, 'affected');
    assert.equal(f[0]?.severity, 'MEDIUM');
    assert.deepEqual(f[0]?.upstream, ['CVE-2025-38094']);
  });
});

describe('language packages', () => {
  test('Maven GHSA: GitHub severity is the vendor rating, CVSS kept beside it', () => {
    const any23 = (v: string): InstalledPackage => pkg({ kind: 'maven', name: 'org.apache.any23:apache-any23', version: v, ecosystem: 'Maven' });
    const f = matchPackages(db, os('debian', '12'), [any23('2.4'), any23('2.5'), any23('2.5-SNAPSHOT')]);
    assert.deepEqual(f.map((x) => x.installedVersion), ['2.4', '2.5-SNAPSHOT']);
    assert.equal(f[0]?.severity, 'CRITICAL');
    assert.equal(f[0]?.severitySource, 'GHSA');
    assert.equal(f[0]?.ratings.find((r) => r.source === 'CVSS_V3')?.score, 9.1);
    assert.equal(f[0]?.summary, 'XML Injection in Any23');
  });

  test('Go SEMVER ranges, including pseudo-versions and the v prefix', () => {
    const gogo = (v: string): InstalledPackage => pkg({ kind: 'go', name: 'github.com/gogo/protobuf', version: v, ecosystem: 'Go' });
    const f = matchPackages(db, undefined, [gogo('v1.3.1'), gogo('v1.3.2'), gogo('v0.0.0-20190723190241-65acae22fc9d'), gogo('v1.3.2+incompatible')]);
    assert.deepEqual(f.map((x) => x.installedVersion), ['v1.3.1', 'v0.0.0-20190723190241-65acae22fc9d']);
    assert.equal(f[0]?.fixedVersion, '1.3.2');
  });

  test('several ranges: the smallest fix above the installed version; npm names are case-sensitive', () => {
    const lp = (v: string, name = 'Left-Pad'): InstalledPackage => pkg({ kind: 'npm', name, version: v, ecosystem: 'npm' });
    const f = matchPackages(db, undefined, [lp('0.9.0'), lp('1.1.0'), lp('1.2.0'), lp('2.0.1'), lp('2.0.4'), lp('2.0.5'), lp('1.1.0', 'left-pad')]);
    assert.deepEqual(f.map((x) => `${x.installedVersion}->${x.fixedVersion}`), ['1.1.0->1.2.0', '2.0.1->2.0.3', '2.0.4->2.0.5']);
    // v2 is UNKNOWN for the unscored v4 vector, so the v2 vector (4.3) decides
    assert.equal(f[0]?.severity, 'MEDIUM');
    assert.equal(f[0]?.severitySource, 'CVSS_V2');
  });

  test('last_affected is inclusive, limit exclusive', () => {
    const f = matchPackages(db, undefined, [
      pkg({ kind: 'npm', name: 'last-affected', version: '3.1.0', ecosystem: 'npm' }),
      pkg({ kind: 'npm', name: 'last-affected', version: '3.1.1', ecosystem: 'npm' }),
      pkg({ kind: 'npm', name: 'limited', version: '3.9.9', ecosystem: 'npm' }),
      pkg({ kind: 'npm', name: 'limited', version: '4.0.0', ecosystem: 'npm' }),
    ]);
    assert.deepEqual(f.map((x) => `${x.package}@${x.installedVersion}:${x.status}`), ['last-affected@3.1.0:affected', 'limited@3.9.9:affected']);
  });

  test('PyPI: PEP 503 names, explicit versions[] and ranges', () => {
    const foo = (v: string): InstalledPackage => pkg({ kind: 'pypi', name: 'foo-bar-baz', version: v, ecosystem: 'PyPI' });
    const f = matchPackages(db, undefined, [foo('1.0'), foo('1.0.0'), foo('1.2'), foo('2.0.1'), foo('2.1')]);
    assert.deepEqual(f.map((x) => x.installedVersion), ['1.0', '1.0.0', '2.0.1']);
    assert.equal(f[2]?.fixedVersion, '2.1');
    assert.equal(f[0]?.fixedVersion, undefined);
  });
});

describe('bad input is counted and skipped', () => {
  test('unknown ecosystems, unreadable versions and unorderable advisories', () => {
    const problems: MatchProblem[] = [];
    const stats = newMatchStats();
    const f = matchPackages(
      db,
      os('debian', '12'),
      [
        pkg({ kind: 'dpkg', name: 'bad', sourceName: 'openssl', version: 'not a version' }),
        pkg({ kind: 'npm', name: 'bad-events', version: '1.0.0', ecosystem: 'npm' }),
        pkg({ kind: 'pypi', name: 'x', version: '1.0', ecosystem: 'NuGet' }),
        pkg({ kind: 'dpkg', name: 'sid-pkg', version: '1.0', ecosystem: 'Debian' }),
        pkg({ kind: 'dpkg', name: 'libssl3', sourceName: 'openssl', version: '3.0.0-1' }),
      ],
      { onProblem: (p) => problems.push(p), stats },
    );
    assert.deepEqual(ids(f), ['DEBIAN-CVE-2099-0001']);
    assert.deepEqual(problems.map((p) => p.kind).sort(), ['invalid-version', 'unorderable-advisory', 'unsupported-ecosystem']);
    assert.equal(stats.packages, 5);
    assert.equal(stats.problems['invalid-version'], 1);
    assert.equal(stats.findings, 1);
    // the Debian sid package took the OS release from os-release, so it was looked up, not skipped
    const sid = matchPackages(db, undefined, [pkg({ kind: 'dpkg', name: 'sid-pkg', version: '1.0', ecosystem: 'Debian' })], { onProblem: (p) => problems.push(p) });
    assert.deepEqual(sid, []);
    assert.equal(problems.at(-1)?.kind, 'no-ecosystem');
  });
});
