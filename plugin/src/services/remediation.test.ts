import report from '../pages/ImageScans/testdata/image-report.json';
import { parseImageReport } from './scannerApi';
import { compareVersionsApprox, describeAdvice, groupRemediation, remediationForReport } from './remediation';
import type { Finding } from './scannerTypes';

describe('compareVersionsApprox', () => {
  // [lower, higher] pairs: Debian's own ordering rules (tilde, epoch, revisions) and dotted versions.
  const ascending: Array<[string, string]> = [
    ['3.0.9', '3.0.13'],
    ['3.0.13-1~deb12u1', '3.0.14-1~deb12u1'],
    ['3.0.11-1~deb12u2', '3.0.11-1'],
    ['1.0~rc1', '1.0'],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u8'],
    ['2:1.0', '3:0.1'],
    ['9.9', '1:0.1'],
    ['1.2', '1.2.1'],
    ['1.2a', '1.2b'],
    ['v1.3.1', '1.3.2'],
    ['1.0.99999999999999999998', '1.0.99999999999999999999'],
  ];
  it.each(ascending)('%s < %s', (lo, hi) => {
    expect(compareVersionsApprox(lo, hi)).toBeLessThan(0);
    expect(compareVersionsApprox(hi, lo)).toBeGreaterThan(0);
  });
  it('treats equal versions (leading zeros, v prefix) as equal', () => {
    expect(compareVersionsApprox('1.02', '1.2')).toBe(0);
    expect(compareVersionsApprox('v2.0.0', '2.0.0')).toBe(0);
    expect(compareVersionsApprox('0:1.0', '1.0')).toBe(0);
  });
});

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'X',
    aliases: [],
    summary: null,
    severity: 'HIGH',
    score: null,
    package: 'p',
    sourcePackage: null,
    ecosystem: 'Debian:12',
    installedVersion: '1.0',
    fixedVersion: '1.1',
    status: 'fixed',
    layer: '',
    references: [],
    suppressedBy: null,
    ...over,
  };
}

describe('groupRemediation', () => {
  it('groups binary packages by source package and targets the fix that covers all findings', () => {
    const plan = groupRemediation(parseImageReport(report).findings);
    const openssl = plan.advice.find((a) => a.package === 'openssl')!;
    expect(openssl.targetVersion).toBe('3.0.14-1~deb12u1');
    expect(openssl.packages).toEqual(['libssl3', 'openssl']);
    // CVE-2099-1002 is on two binary packages: one fix.
    expect(openssl.vulnerabilities.map((v) => v.id)).toEqual(['DEBIAN-CVE-2099-1001', 'DEBIAN-CVE-2099-1002']);
    const curl = plan.advice.find((a) => a.package === 'curl')!;
    expect(curl.targetVersion).toBe('7.88.1-10+deb12u8');
    expect(curl.bySeverity).toEqual({ HIGH: 1, MEDIUM: 1 });
    // two LOW without a fix; the suppressed one does not count
    expect(plan.unfixable).toBe(2);
    expect(plan.advice.map((a) => a.package)).toEqual(['openssl', 'curl', 'express', 'qs']);
  });

  it('orders by severity first: one critical beats three highs', () => {
    const plan = groupRemediation([
      finding({ id: 'H1', package: 'a' }),
      finding({ id: 'H2', package: 'a' }),
      finding({ id: 'H3', package: 'a' }),
      finding({ id: 'C1', package: 'b', severity: 'CRITICAL' }),
    ]);
    expect(plan.advice.map((a) => a.package)).toEqual(['b', 'a']);
  });

  it('ignores suppressed findings and keeps different installed versions apart', () => {
    const plan = groupRemediation([
      finding({ id: 'A', installedVersion: '1.0' }),
      finding({ id: 'B', installedVersion: '2.0', fixedVersion: '2.1' }),
      finding({ id: 'C', suppressedBy: 'vex:x' }),
    ]);
    expect(plan.advice.map((a) => `${a.installedVersion}→${a.targetVersion}`).sort()).toEqual(['1.0→1.1', '2.0→2.1']);
  });
});

describe('remediationForReport', () => {
  it('uses the scanner advice and fills severities from the findings', () => {
    const plan = remediationForReport(parseImageReport(report));
    expect(plan.advice.every((a) => a.source === 'scanner')).toBe(true);
    expect(plan.advice.map(describeAdvice)).toEqual([
      'upgrade openssl 3.0.11-1~deb12u2 → 3.0.14-1~deb12u1 fixes 2 (2 high)',
      'upgrade curl 7.88.1-10+deb12u5 → 7.88.1-10+deb12u8 fixes 2 (1 high)',
      'upgrade express 4.17.1 → 4.17.3 fixes 1 (1 high)',
      'upgrade qs 6.7.0 → 6.7.3 fixes 1',
    ]);
    expect(plan.unfixable).toBe(2);
  });

  it('adds approximate groups for fixable findings the scanner advice leaves out', () => {
    const r = parseImageReport(report);
    const plan = remediationForReport({ findings: r.findings, remediation: r.remediation.filter((x) => x.package !== 'qs') });
    const qs = plan.advice.find((a) => a.package === 'qs')!;
    expect(qs).toMatchObject({ source: 'approximate', targetVersion: '6.7.3' });
  });
});
