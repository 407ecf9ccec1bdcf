import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applySuppressions, evaluatePolicies, parseIgnoreFile } from '../../../src/scanner/policy/index.js';
import { colorEnabled, outputWidth, renderTable, type ScanResult } from '../../../src/scanner/report/index.js';
import { assessCompleteness } from '../../../src/scanner/pipeline/completeness.js';
import { newMatchStats } from '../../../src/scanner/match/index.js';
import { debianScan, NOW } from '../policy/fixtures.js';

/** What the pipeline decides for a scan that saw everything (the fixture's ecosystems are all in "the database"). */
const COMPLETE = { complete: true, unchecked: [] };

const IGNORE = [
  'ignore:',
  '  - {id: CVE-2021-38555, reason: only our own signed XML is parsed, expires: 2026-12-31}',
  '  - {id: CVE-2023-6129, reason: POLY1305 on PowerPC only, expires: 2026-01-31}',
].join('\n');

function scenario(): { scan: ScanResult; text: (opts?: Partial<Parameters<typeof renderTable>[2]>) => string } {
  const scan = debianScan();
  const s = applySuppressions(scan.findings, { ignore: parseIgnoreFile(IGNORE, 'vigil-ignore.yaml').entries, image: scan.image, now: NOW });
  scan.findings = s.findings;
  scan.suppressions = s.summary;
  const policies = evaluatePolicies(scan, undefined, { now: NOW });
  return { scan, text: (opts = {}) => renderTable(scan, policies, { now: NOW, completeness: COMPLETE, ...opts }) };
}

const ESC = '\u001b';

describe('terminal table', () => {
  const { text } = scenario();
  const out = text({ width: 160 });
  const lines = out.split('\n');

  test('header names image, digest, OS and DB age', () => {
    assert.deepEqual(lines.slice(0, 5), [
      'Image:    registry.example.com/shop/api:1.4.2',
      'Digest:   sha256:4bcd5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b',
      'OS:       Debian GNU/Linux 12 (bookworm)',
      'Packages: 6 in 3 layers',
      'DB:       built 2026-03-01T04:00:00Z (32 hours old), newest record 2026-02-28T23:10:00Z, db0123456789',
    ]);
  });

  test('one summary line per severity: total / fixable / suppressed', () => {
    const start = lines.indexOf('') + 1;
    assert.deepEqual(lines.slice(start, start + 5), [
      'CRITICAL  total    4   fixable    2   suppressed    1',
      'HIGH      total    2   fixable    2   suppressed    0',
      'MEDIUM    total    2   fixable    2   suppressed    0',
      'LOW       total    1   fixable    1   suppressed    0',
      'ALL       total    9   unsuppressed 8',
    ]);
  });

  test('findings sorted by severity then package, with short layers', () => {
    const h = lines.findIndex((l) => l.startsWith('ID  '));
    assert.equal(lines[h], 'ID                   PACKAGE                        INSTALLED         FIXED             SEVERITY  STATUS        LAYER');
    assert.deepEqual(lines.slice(h + 1, h + 10), [
      'CVE-2023-5678        libssl3                        3.0.11-1~deb12u2  3.0.13-1~deb12u1  CRITICAL  fixed         1f3b2c4d5e6f',
      'CVE-2023-6129        libssl3                        3.0.11-1~deb12u2  3.0.13-1~deb12u1  CRITICAL  fixed         1f3b2c4d5e6f',
      'GHSA-838r-hvwh-24h8  org.apache.any23:apache-any23  2.4               2.5               CRITICAL  suppressed    c0ffee00c0ff',
      'CVE-2023-45853       zlib1g                         1:1.2.13.dfsg-1                     CRITICAL  will-not-fix  1f3b2c4d5e6f',
      'GO-2021-0053         github.com/gogo/protobuf       v1.3.1            1.3.2             HIGH      fixed         c0ffee00c0ff',
      'CVE-2024-5535        libssl3                        3.0.11-1~deb12u2  3.0.14-1~deb12u1  HIGH      fixed         1f3b2c4d5e6f',
      'CVE-2024-0727        libssl3                        3.0.11-1~deb12u2  3.0.13-1~deb12u1  MEDIUM    fixed         1f3b2c4d5e6f',
      'CVE-2024-0727        openssl                        3.0.11-1~deb12u2  3.0.13-1~deb12u1  MEDIUM    fixed         7a8b9c0d1e2f',
      'CVE-2023-6237        libssl3                        3.0.11-1~deb12u2  3.0.13-1~deb12u1  LOW       fixed         1f3b2c4d5e6f',
    ]);
  });

  test('violated policies, expired ignore entries, then remediation', () => {
    const from = lines.indexOf('Policy violations: 3 of 6 policies');
    assert.ok(from > 0, out);
    assert.deepEqual(lines.slice(from + 1, from + 3), [
      '  HIGH      vulnerabilities: No critical or high vulnerability with a fix available',
      '            4 findings (2 critical, 2 high)',
    ]);
    assert.ok(lines.includes('  MEDIUM    non-root-user: The image does not run as root'));
    assert.ok(lines.includes('            "registry.example.com/shop/api:1.4.2" has no digest: pin it as name@sha256:...'));
    const exp = lines.indexOf('Expired ignore entries: 1 (they no longer suppress anything)');
    assert.ok(exp > from);
    assert.equal(lines[exp + 1], '  CVE-2023-6129: expired 2026-01-31 (vigil-ignore.yaml:3), matches 1 finding: POLY1305 on PowerPC only');
    const rem = lines.indexOf('Remediation');
    assert.ok(rem > exp);
    // The dpkg ordering merges openssl's fixes into one upgrade to the highest fixed version.
    assert.deepEqual(lines.slice(rem + 1, rem + 4), [
      '  upgrade openssl 3.0.11-1~deb12u2 → 3.0.14-1~deb12u1 fixes 5 (2 critical, 1 high)',
      '  upgrade github.com/gogo/protobuf v1.3.1 → 1.3.2 fixes 1 (1 high)',
      '  1 unsuppressed finding has no fix yet',
    ]);
  });

  test('no colour unless asked; colour marks severities when asked', () => {
    assert.ok(!out.includes(ESC));
    const coloured = text({ width: 160, color: true });
    assert.ok(coloured.includes(`${ESC}[1;31mCRITICAL`));
    assert.ok(coloured.includes(`${ESC}[2m`), 'suppressed rows are dimmed');
    // Stripping the escapes gives back the plain report.
    assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), out);
  });

  test('narrow terminals: every line fits, cells are cut with an ellipsis, trailing columns go first', () => {
    for (const width of [100, 80, 60]) {
      const narrow = text({ width });
      for (const l of narrow.split('\n')) assert.ok(Array.from(l).length <= width, `width ${width}: ${JSON.stringify(l)} is ${Array.from(l).length}`);
    }
    const at80 = text({ width: 80 }).split('\n');
    const h = at80.findIndex((l) => l.startsWith('ID  '));
    assert.equal(at80[h], 'ID               PACKAGE        INSTALLED    FIXED        SEVERITY  STATUS');
    assert.equal(at80[h + 3], 'GHSA-838r-hvwh…  org.apache.a…  2.4          2.5          CRITICAL  suppressed');
  });

  test('hostile package data cannot inject terminal escapes or blow up the layout', () => {
    const scan = debianScan();
    const f = scan.findings[0];
    assert.ok(f);
    f.package = `evil${ESC}]0;pwned${String.fromCharCode(7)}${ESC}[2J`;
    f.installedVersion = 'x'.repeat(5000);
    const rendered = renderTable(scan, [], { now: NOW, width: 120, completeness: COMPLETE });
    assert.ok(!rendered.includes(ESC));
    assert.ok(!rendered.includes(String.fromCharCode(7)));
    for (const l of rendered.split('\n')) assert.ok(Array.from(l).length <= 120);
    assert.ok(rendered.includes('evil?]0;pwned??[2J'));
  });

  test('an incomplete scan without findings says what was not checked, never "No vulnerabilities found."', () => {
    const scan = debianScan({ os: undefined });
    scan.findings = [];
    const completeness = assessCompleteness({ os: undefined, packages: scan.image.packages, catalogErrors: [], match: newMatchStats(), dbEcosystems: { 'Debian:12': 10, Maven: 1, Go: 1 } });
    assert.equal(completeness.complete, false);
    const rendered = renderTable(scan, evaluatePolicies(scan, undefined, { now: NOW }), { now: NOW, completeness });
    assert.match(rendered, /^OS: {7}unknown \(no os-release found\)$/m);
    assert.doesNotMatch(rendered, /No vulnerabilities found/);
    assert.match(rendered, /^OS packages were not checked: the OS could not be identified$/m);
    assert.match(rendered, /^ {2}MEDIUM {4}os-identified: The OS could be identified$/m);
    assert.match(rendered, /^ {2}no upgrade fixes any unsuppressed finding$/m);

    // Another gap: the database has no data for an ecosystem the image uses.
    const known = debianScan();
    known.findings = [];
    const noMaven = assessCompleteness({ os: known.image.os, packages: known.image.packages, catalogErrors: [{ cataloger: 'rpm', message: 'database is corrupt' }], match: newMatchStats(), dbEcosystems: { 'Debian:12': 10, Go: 1 } });
    const text = renderTable(known, [], { now: NOW, completeness: noMaven });
    assert.doesNotMatch(text, /No vulnerabilities found/);
    assert.match(text, /^Packages of the rpm cataloger were not checked: it failed \(database is corrupt\)$/m);
    assert.match(text, /^1 Maven package was not checked: the vulnerability database has no records for Maven$/m);

    // A complete scan without findings is the one case that may say so.
    const clean = renderTable(known, [], { now: NOW, completeness: COMPLETE });
    assert.match(clean, /^No vulnerabilities found\.$/m);
  });

  test('a stale database is called out', () => {
    const { scan } = scenario();
    const rendered = renderTable(scan, [], { now: new Date('2026-04-01T00:00:00Z'), completeness: COMPLETE });
    assert.match(rendered, /\(30 days old\).*\(stale: import fresh OSV data with `vigil db import`\)/);
    assert.doesNotMatch(rendered, /db update/, 'no such command');
  });
});

describe('terminal detection', () => {
  test('colour: TTY yes, pipe no, NO_COLOR wins, FORCE_COLOR forces', () => {
    assert.equal(colorEnabled({ isTTY: true }, {}), true);
    assert.equal(colorEnabled({ isTTY: false }, {}), false);
    assert.equal(colorEnabled({}, {}), false);
    assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '' }), true);
    assert.equal(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(colorEnabled({ isTTY: false }, { FORCE_COLOR: '0' }), false);
    assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: 'x', FORCE_COLOR: '1' }), false);
  });
  test('width: the terminal\'s when a TTY, else the fallback', () => {
    assert.equal(outputWidth({ isTTY: true, columns: 97 }), 97);
    assert.equal(outputWidth({ isTTY: false, columns: 97 }), 160);
    assert.equal(outputWidth({ isTTY: true }), 160);
  });
});
