import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluatePolicies, parsePolicyConfig, SourceFileError, type SourceIssue } from '../../../src/scanner/policy/index.js';
import { debianScan, NOW } from './fixtures.js';

function errorsOf(fn: () => unknown): SourceIssue[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SourceFileError, `expected SourceFileError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected the file to be rejected');
}

describe('policy file', () => {
  test('a real file on disk configures, enables and disables policies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'policies:',
        '  vulnerabilities:',
        '    severities: [critical]',
        '    fixableOnly: false',
        '    severity: critical',
        '  non-root-user:',
        '    enabled: false',
        '  allowed-registries:',
        '    registries: [ghcr.io/my-org]',
        '  max-image-age:',
        '    enabled: false   # parameters may be absent when switched off',
        '',
      ].join('\n'),
    );
    const config = parsePolicyConfig(readFileSync(file, 'utf8'), file);
    const results = evaluatePolicies(debianScan(), config, { now: NOW });
    const ids = results.map((r) => r.id);
    assert.ok(!ids.includes('non-root-user'));
    assert.ok(!ids.includes('max-image-age'));
    assert.ok(ids.includes('allowed-registries'), 'listing an optional policy enables it');
    const vulns = results.find((r) => r.id === 'vulnerabilities');
    assert.equal(vulns?.severity, 'CRITICAL');
    assert.equal(vulns?.title, 'No critical vulnerability');
    assert.equal(vulns?.details[0], '4 findings (4 critical)'); // 5678, 6129, zlib 45853 (unfixed), GHSA
    assert.equal(results.find((r) => r.id === 'allowed-registries')?.violated, true);
  });

  test('an empty file means the defaults', () => {
    const config = parsePolicyConfig('', 'empty.yaml');
    assert.deepEqual(config.policies.filter((p) => p.enabled).map((p) => p.id), ['vulnerabilities', 'os-end-of-life', 'os-identified', 'non-root-user', 'image-reference', 'secret-env']);
  });

  test('unknown policy, unknown field, wrong type and missing parameter are all reported with positions', () => {
    const text = [
      'policies:', //                                   1
      '  vulnerabilites:', //                           2  typo
      '    severities: [HIGH]', //                      3
      '  non-root-user:', //                            4
      '    enabeld: false', //                          5  typo
      '  os-end-of-life:', //                           6
      '    warnDays: "soon"', //                        7
      '  allowed-registries:', //                       8  needs registries
      '  vulnerabilities:', //                          9
      '    severities: [HIGH, SEVERE]', //             10
      '',
    ].join('\n');
    const issues = errorsOf(() => parsePolicyConfig(text, 'policy.yaml'));
    const at = (line: number) => issues.filter((i) => i.line === line);
    assert.equal(issues.length, 5, issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n'));
    assert.match(at(2)[0]?.message ?? '', /unknown policy "vulnerabilites"/);
    assert.equal(at(2)[0]?.column, 3);
    assert.equal(at(5)[0]?.message, 'unknown field "enabeld"');
    assert.equal(at(5)[0]?.column, 5);
    assert.equal(at(7)[0]?.path, 'policies.os-end-of-life.warnDays');
    assert.equal(at(7)[0]?.column, 15);
    assert.equal(at(8)[0]?.message, 'missing required field "registries"');
    assert.equal(at(10)[0]?.path, 'policies.vulnerabilities.severities.1');
    assert.equal(at(10)[0]?.column, 24);
    assert.match(at(10)[0]?.message ?? '', /expected one of CRITICAL, HIGH/);
    for (const i of issues) assert.equal(i.file, 'policy.yaml');
  });

  test('the error message carries file:line:column', () => {
    try {
      parsePolicyConfig('policies:\n  secret-env:\n    allowNames: 7\n', 'p.yaml');
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof SourceFileError);
      assert.match(err.message, /^p\.yaml:3:17: policies\.secret-env\.allowNames: /);
    }
  });

  test('YAML syntax errors are positioned', () => {
    const issues = errorsOf(() => parsePolicyConfig('policies:\n  vulnerabilities: [\n', 'bad.yaml'));
    assert.equal(issues[0]?.file, 'bad.yaml');
    assert.ok((issues[0]?.line ?? 0) >= 2);
  });

  test('duplicate keys are rejected (the second would silently win otherwise)', () => {
    const issues = errorsOf(() => parsePolicyConfig('policies:\n  non-root-user: {}\n  non-root-user: {enabled: false}\n', 'dup.yaml'));
    assert.equal(issues[0]?.line, 3);
  });

  test('alias bombs and oversized files are refused', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'policies: {x: *d}'].join('\n');
    assert.ok(errorsOf(() => parsePolicyConfig(bomb, 'bomb.yaml')).length > 0);
    const big = `policies: {}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    assert.match(errorsOf(() => parsePolicyConfig(big, 'big.yaml'))[0]?.message ?? '', /larger than the limit/);
  });

  test('an invalid regular expression is caught when the file is read', () => {
    const issues = errorsOf(() => parsePolicyConfig('policies:\n  required-labels:\n    labels:\n      - name: team\n        pattern: "([a-z"\n', 'l.yaml'));
    assert.equal(issues[0]?.line, 5);
    assert.match(issues[0]?.message ?? '', /not a valid regular expression/);
  });
});
