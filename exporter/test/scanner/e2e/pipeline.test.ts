// The pipeline's own decisions: grouping advisory findings per vulnerability (a DSA and the DEBIAN-CVE record for
// the same CVE are one finding, a multi-CVE bulletin folds into its CVEs, distinct CVEs never merge) and whether a
// result is complete. Grouping is a pure function, so these tests hand it findings shaped like the matcher's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { groupFindings, assessCompleteness } from '../../../src/scanner/pipeline/index.js';
import { newMatchStats } from '../../../src/scanner/match/index.js';
import type { Finding, InstalledPackage } from '../../../src/scanner/types.js';

function finding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id,
    aliases: [],
    upstream: [],
    package: 'libssl3',
    sourcePackage: 'openssl',
    ecosystem: 'Debian:12',
    installedVersion: '3.0.11-1~deb12u2',
    status: 'affected',
    severity: 'UNKNOWN',
    severitySource: 'none',
    ratings: [],
    layer: 'sha256:aaaa',
    purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
    references: [],
    ...over,
  };
}

const fixed = (v: string): Partial<Finding> => ({ fixedVersion: v, status: 'fixed' });
const high: Partial<Finding> = { severity: 'HIGH', severitySource: 'Debian urgency', ratings: [{ severity: 'HIGH', source: 'Debian urgency', vendorValue: 'high' }] };

describe('groupFindings', () => {
  test('a DSA and the DEBIAN-CVE record of its CVE are one finding; the better record leads, the other is an alias', () => {
    const out = groupFindings([
      finding('DSA-3029-1', { aliases: ['CVE-2014-3616'], ...fixed('3.0.13-1~deb12u1'), references: ['https://www.debian.org/security/2014/dsa-3029'] }),
      finding('DEBIAN-CVE-2014-3616', { upstream: ['CVE-2014-3616'], ...fixed('3.0.13-1~deb12u1'), ...high }),
    ]);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.id, 'DEBIAN-CVE-2014-3616');
    assert.deepEqual(out[0]!.aliases, ['DSA-3029-1']);
    assert.deepEqual(out[0]!.upstream, ['CVE-2014-3616']);
    assert.equal(out[0]!.severity, 'HIGH');
    assert.deepEqual(out[0]!.references, ['https://www.debian.org/security/2014/dsa-3029']);
  });

  test('GHSA, PYSEC and GO ids of one vulnerability group through shared aliases', () => {
    const pkg = { package: 'requests', sourcePackage: undefined, ecosystem: 'PyPI', installedVersion: '2.19.0', purl: 'pkg:pypi/requests@2.19.0' } as Partial<Finding>;
    const out = groupFindings([
      finding('PYSEC-2018-28', { ...pkg, aliases: ['CVE-2018-18074', 'GHSA-x84v-xcm2-53pg'], ...fixed('2.20.0') }),
      finding('GHSA-x84v-xcm2-53pg', { ...pkg, aliases: ['CVE-2018-18074'], ...fixed('2.20.0'), ...high, severitySource: 'GHSA' }),
    ]);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.id, 'GHSA-x84v-xcm2-53pg');
    assert.deepEqual(out[0]!.aliases, ['CVE-2018-18074', 'PYSEC-2018-28']);
  });

  test('a bulletin covering two CVEs folds into both; with a CVE nobody else reports it stays its own finding', () => {
    const a = finding('DEBIAN-CVE-2099-0001', { upstream: ['CVE-2099-0001'], ...fixed('3.0.13-1~deb12u1'), ...high });
    const b = finding('DEBIAN-CVE-2099-0002', { upstream: ['CVE-2099-0002'], ...fixed('3.0.12-1~deb12u1'), severity: 'MEDIUM' });
    const bulletin = finding('DSA-9002-1', { aliases: ['CVE-2099-0001', 'CVE-2099-0002'], ...fixed('3.0.14-1~deb12u1') });
    const folded = groupFindings([a, b, bulletin]);
    assert.deepEqual(folded.map((f) => [f.id, f.aliases, f.fixedVersion]), [
      ['DEBIAN-CVE-2099-0001', ['DSA-9002-1'], '3.0.13-1~deb12u1'],
      ['DEBIAN-CVE-2099-0002', ['DSA-9002-1'], '3.0.12-1~deb12u1'],
    ]);
    // the other CVE of the bulletin is not an alias of this vulnerability
    assert.equal(folded[0]!.aliases.includes('CVE-2099-0002'), false);
    const wider = finding('DSA-9003-1', { aliases: ['CVE-2099-0001', 'CVE-2099-0003'], ...fixed('3.0.14-1~deb12u1') });
    const kept = groupFindings([a, wider]);
    assert.deepEqual(kept.map((f) => f.id), ['DEBIAN-CVE-2099-0001', 'DSA-9003-1']);
    assert.deepEqual(kept[0]!.aliases, []);
  });

  test('a bulletin gives its fix when the per-CVE record has none', () => {
    const unfixed = finding('DEBIAN-CVE-2099-0005', { upstream: ['CVE-2099-0005'], ...high });
    const other = finding('DEBIAN-CVE-2099-0006', { upstream: ['CVE-2099-0006'], severity: 'LOW' });
    const bulletin = finding('DSA-9005-1', { aliases: ['CVE-2099-0005', 'CVE-2099-0006'], ...fixed('3.0.15-1~deb12u1') });
    const out = groupFindings([unfixed, other, bulletin]);
    assert.equal(out.length, 2);
    assert.equal(out[0]!.fixedVersion, '3.0.15-1~deb12u1');
    assert.equal(out[0]!.status, 'fixed');
  });

  test('the fixed version of a group is the highest of its records (by the ecosystem ordering, not as text)', () => {
    const out = groupFindings([
      finding('DEBIAN-CVE-2099-0007', { upstream: ['CVE-2099-0007'], ...fixed('3.0.9-1'), ...high }),
      finding('DSA-9007-1', { aliases: ['CVE-2099-0007'], ...fixed('3.0.13-1') }),
    ]);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.fixedVersion, '3.0.13-1');
  });

  test('never merged: different CVEs sharing a non-CVE alias, different packages, different installed versions', () => {
    const sharedGhsa = groupFindings([
      finding('DEBIAN-CVE-2099-0008', { upstream: ['CVE-2099-0008'], aliases: ['GHSA-same'] }),
      finding('DEBIAN-CVE-2099-0009', { upstream: ['CVE-2099-0009'], aliases: ['GHSA-same'] }),
    ]);
    assert.equal(sharedGhsa.length, 2);
    const packages = groupFindings([
      finding('DEBIAN-CVE-2099-0001', { upstream: ['CVE-2099-0001'] }),
      finding('DSA-1', { aliases: ['CVE-2099-0001'], package: 'openssl', purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2' }),
      finding('DSA-1', { aliases: ['CVE-2099-0001'], installedVersion: '3.0.12-1' }),
    ]);
    assert.equal(packages.length, 3);
    const single = [finding('CVE-2022-27449', { ecosystem: 'Alpine:v3.16', package: 'mariadb' })];
    assert.deepEqual(groupFindings(single), single);
  });
});

describe('assessCompleteness', () => {
  const pkg = (p: Partial<InstalledPackage>): InstalledPackage => ({ kind: 'dpkg', name: 'x', version: '1', ecosystem: 'Debian:12', purl: 'pkg:deb/debian/x@1', layer: 'sha256:l', foundIn: 'var/lib/dpkg/status', ...p });
  const os = { id: 'debian', versionId: '12', source: 'etc/os-release' };

  test('complete when the OS is known, catalogers ran and the database covers every ecosystem', () => {
    const c = assessCompleteness({ os, packages: [pkg({}), pkg({ kind: 'npm', ecosystem: 'npm', name: 'a' })], catalogErrors: [], match: newMatchStats(), dbEcosystems: { 'Debian:12': 10, npm: 3 } });
    assert.deepEqual(c, { complete: true, reasons: [], unchecked: [] });
  });

  test('every gap is a reason: OS unknown, a failed cataloger, unmatchable packages, ecosystems missing from the DB', () => {
    const stats = newMatchStats();
    stats.problems['no-ecosystem'] = 2;
    stats.problems['invalid-version'] = 1;
    const c = assessCompleteness({
      os: undefined,
      packages: [pkg({ kind: 'npm', ecosystem: 'npm', name: 'a' }), pkg({ kind: 'pypi', ecosystem: 'PyPI', name: 'b' }), pkg({ kind: 'pypi', ecosystem: 'PyPI', name: 'c' })],
      catalogErrors: [{ cataloger: 'rpm', message: 'database disk image is malformed' }],
      match: stats,
      dbEcosystems: { npm: 1 },
    });
    assert.equal(c.complete, false);
    assert.match(c.reasons[0]!, /OS could not be identified/);
    assert.match(c.reasons[1]!, /the rpm cataloger failed \(database disk image is malformed\)/);
    assert.match(c.reasons[2]!, /2 packages could not be matched/);
    assert.match(c.reasons[3]!, /^1 package has a version that cannot be read, so it was not checked$/);
    assert.match(c.reasons[4]!, /no records for PyPI \(2 packages in the image\)/);
    assert.equal(c.reasons.length, 5);
    // the same gaps, said as what was not checked (the table shows these instead of "No vulnerabilities found.")
    assert.deepEqual(c.unchecked, [
      'OS packages were not checked: the OS could not be identified',
      'packages of the rpm cataloger were not checked: it failed (database disk image is malformed)',
      '2 packages were not checked: no OSV release ecosystem is known for them',
      '1 package was not checked: its version cannot be read',
      '2 PyPI packages were not checked: the vulnerability database has no records for PyPI',
    ]);
  });
});
