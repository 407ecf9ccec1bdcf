import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRemediation, remediationGroups, unfixableCount } from '../../../src/scanner/report/index.js';
import type { Finding } from '../../../src/scanner/types.js';
import { alpineFinding, debianFindings, finding, LAYER_BASE, ubuntuUnfixedFinding, wheezyFinding } from '../policy/fixtures.js';

/** Refuses every ecosystem: forces exact grouping by fixed version. */
const noOrdering = () => {
  throw new Error('no ordering');
};

describe('remediation grouping', () => {
  test('exact grouping: one upgrade per fixed version, counted by distinct advisory', () => {
    const groups = remediationGroups(debianFindings(), { compareVersions: noOrdering });
    assert.deepEqual(groups.map(describeRemediation), [
      'upgrade openssl 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1 fixes 4 (2 critical)',
      'upgrade org.apache.any23:apache-any23 2.4 → 2.5 fixes 1 (1 critical)',
      'upgrade github.com/gogo/protobuf v1.3.1 → 1.3.2 fixes 1 (1 high)',
      'upgrade openssl 3.0.11-1~deb12u2 → 3.0.14-1~deb12u1 fixes 1 (1 high)',
    ]);
    const openssl = groups[0];
    assert.ok(openssl);
    // CVE-2024-0727 is on libssl3 and openssl: one advisory, two binary packages.
    assert.deepEqual(openssl.packages, ['libssl3', 'openssl']);
    assert.deepEqual(openssl.vulnerabilities.map((v) => v.id), ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2024-0727', 'CVE-2023-6237']);
    assert.deepEqual(openssl.bySeverity, { CRITICAL: 2, MEDIUM: 1, LOW: 1 });
    assert.equal(openssl.weight, 16 + 16 + 4 + 2);
  });

  test('with the real dpkg ordering, fixes for one package merge into the highest fixed version', () => {
    const groups = remediationGroups(debianFindings());
    assert.equal(describeRemediation(groups[0] ?? assert.fail()), 'upgrade openssl 3.0.11-1~deb12u2 → 3.0.14-1~deb12u1 fixes 5 (2 critical, 1 high)');
    assert.equal(groups.filter((g) => g.package === 'openssl').length, 1);
  });

  test('the highest fix wins even when the string order says otherwise (dpkg: 3.0.9 < 3.0.13)', () => {
    const base = { pkg: 'libssl3', src: 'openssl', installed: '3.0.8-1', layer: LAYER_BASE, purl: 'pkg:deb/debian/libssl3@3.0.8-1' };
    const fs: Finding[] = [
      finding({ id: 'CVE-A', ...base, fixed: '3.0.13-1', severity: 'LOW' }),
      finding({ id: 'CVE-B', ...base, fixed: '3.0.9-1', severity: 'LOW' }),
    ];
    assert.equal(remediationGroups(fs)[0]?.fixedVersion, '3.0.13-1');
    assert.equal(remediationGroups([...fs].reverse())[0]?.fixedVersion, '3.0.13-1');
  });

  test('sorted by severity weight: one critical beats three lows', () => {
    const lows = ['CVE-L1', 'CVE-L2', 'CVE-L3'].map((id) => finding({ id, pkg: 'bash', src: 'bash', installed: '5.2.15-2', fixed: '5.2.15-3', severity: 'LOW', layer: LAYER_BASE, purl: 'pkg:deb/debian/bash@5.2.15-2' }));
    const groups = remediationGroups([...lows, alpineFinding(), wheezyFinding()]);
    assert.deepEqual(groups.map((g) => [g.package, g.vulnerabilities.length, g.weight]), [
      ['mariadb', 1, 8],
      ['bash', 3, 6],
      ['nginx', 1, 4],
    ]);
  });

  test('suppressed and unfixed findings are left out; unfixed ones are counted', () => {
    const fs = debianFindings().map((f) => (f.id === 'GO-2021-0053' ? { ...f, suppressed: { by: 'vex:x', reason: 'r' } } : f));
    const groups = remediationGroups([...fs, ubuntuUnfixedFinding()]);
    assert.ok(!groups.some((g) => g.package === 'github.com/gogo/protobuf'));
    assert.ok(!groups.some((g) => g.package === 'zlib' || g.package === 'linux'));
    assert.equal(unfixableCount([...fs, ubuntuUnfixedFinding()]), 2);
  });
});
