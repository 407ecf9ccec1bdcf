// Ecosystem routing and the typed errors: unknown ecosystems and unreadable versions never get an order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidVersionError,
  MAX_VERSION_LENGTH,
  UnsupportedEcosystemError,
  compareVersions,
  isValidVersion,
  orderingNameFor,
} from '../../../src/scanner/versions/index.js';

describe('ecosystem routing', () => {
  test('OSV ecosystem names choose the right ordering', () => {
    const cases: [string, string | undefined][] = [
      ['Debian:12', 'dpkg'],
      ['Debian', 'dpkg'],
      ['Ubuntu:22.04:LTS', 'dpkg'],
      ['Ubuntu:Pro:14.04:LTS', 'dpkg'],
      ['Alpine:v3.19', 'apk'],
      ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
      ['Rocky Linux:9', 'rpm'],
      ['AlmaLinux:8', 'rpm'],
      ['npm', 'semver'],
      ['Go', 'semver'],
      ['crates.io', 'semver'],
      ['PyPI', 'pep440'],
      ['Maven', 'maven'],
      ['NuGet', undefined],
      ['', undefined],
    ];
    for (const [eco, want] of cases) assert.equal(orderingNameFor(eco), want, eco);
  });

  test('the ordering really differs by ecosystem', () => {
    // '~' sorts first in dpkg; in semver "1.0.0~rc1" is not a version at all
    assert.equal(compareVersions('Debian:12', '1.0~rc1', '1.0'), -1);
    assert.throws(() => compareVersions('npm', '1.0.0~rc1', '1.0.0'), InvalidVersionError);
    // apk: _rc before release, _p after
    assert.equal(compareVersions('Alpine:v3.19', '1.2_rc1', '1.2'), -1);
    assert.equal(compareVersions('Alpine:v3.19', '1.2_p1', '1.2'), 1);
    // PyPI: 1.0 == 1.0.0, Maven: 1 == 1.0-ga
    assert.equal(compareVersions('PyPI', '1.0', '1.0.0'), 0);
    assert.equal(compareVersions('Maven', '1', '1.0-ga'), 0);
    // Go: +incompatible is build metadata, pseudo-versions are prereleases of their base
    assert.equal(compareVersions('Go', 'v2.0.0+incompatible', '2.0.0'), 0);
    assert.equal(compareVersions('Go', 'v0.0.0-20210101000000-abcdef012345', 'v0.0.0'), -1);
    assert.equal(compareVersions('Go', 'v1.2.4-0.20210101000000-abcdef012345', 'v1.2.3'), 1);
    // rpm epoch beats everything
    assert.equal(compareVersions('Rocky Linux:9', '1:1.0-1.el9', '2.0-1.el9'), 1);
  });

  test('unknown ecosystems are a typed error, not an order', () => {
    assert.throws(() => compareVersions('NuGet', '1.0', '2.0'), UnsupportedEcosystemError);
    assert.equal(isValidVersion('NuGet', '1.0'), false);
  });
});

describe('invalid versions', () => {
  const bad: [string, string][] = [
    ['Debian:12', ''],
    ['Debian:12', 'a1.0'],
    ['Debian:12', ':1.0'],
    ['Debian:12', 'x:1.0'],
    ['Debian:12', '1.0-'],
    ['Debian:12', '1.0 2'],
    ['Debian:12', '1.0_1'],
    ['Debian:12', '1.0-a_b'],
    ['Debian:12', '99999999999:1'],
    ['Alpine:v3.19', '1.0\u00e9'],
    ['Alpine:v3.19', '1.0\n'],
    ['Red Hat', ''],
    ['npm', 'latest'],
    ['npm', '1.2.3a'],
    ['npm', '1.2.3-'],
    ['npm', '1.2.3-a..b'],
    ['Go', 'v1.2.3+'],
    ['PyPI', '1.0 '],
    ['Maven', '1.0\t'],
    ['PyPI', '1'.repeat(MAX_VERSION_LENGTH + 1)],
  ];
  for (const [eco, v] of bad) {
    test(`${eco} rejects ${JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v)}`, () => {
      assert.equal(isValidVersion(eco, v), false);
      assert.throws(
        () => compareVersions(eco, v, '1.0'),
        (e: unknown) => e instanceof InvalidVersionError && e.version === v && e.reason.length > 0,
      );
      assert.throws(() => compareVersions(eco, '1.0', v), InvalidVersionError);
    });
  }

  test('valid versions are accepted', () => {
    for (const [eco, v] of [
      ['Debian:12', '1:2.36.1-8+deb12u1'],
      ['Debian:12', '2.7.4+reloaded2-13ubuntu1'],
      ['Alpine:v3.19', '1.2.3_rc1-r0'],
      ['Red Hat', '0:3.10.0-229.el7'],
      ['npm', '1.2.3-beta.1+build'],
      ['Go', 'v0.0.0-20210101000000-abcdef012345'],
      ['PyPI', '1!2.0.post1.dev3+local.7'],
      ['Maven', '1.0-SNAPSHOT'],
    ] as const)
      assert.equal(isValidVersion(eco, v), true, `${eco} ${v}`);
  });
});
