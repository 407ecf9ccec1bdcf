// CVSS base scores against results of the FIRST calculators (temporal metrics must not change the base score),
// and the severity choice between ratings.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRating, scoreCvss, severityBand } from '../../../src/scanner/vulndb/index.js';

describe('CVSS scoring', () => {
  const v3: [string, number][] = [
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N', 9.1],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10],
    ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N', 2.3],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
    ['CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N/E:P/RL:O', 2.3],
  ];
  for (const [vector, want] of v3) test(`v3 ${vector} = ${want}`, () => assert.equal(scoreCvss('CVSS_V3', vector).score, want));

  const v2: [string, number][] = [
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5],
    ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3],
    ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10],
    ['AV:L/AC:L/Au:N/C:P/I:N/A:N', 2.1],
    ['AV:N/AC:L/Au:N/C:N/I:N/A:N', 0],
  ];
  for (const [vector, want] of v2) test(`v2 ${vector} = ${want}`, () => assert.equal(scoreCvss('CVSS_V2', vector).score, want));

  test('malformed vectors are reported, not scored', () => {
    for (const [type, vector] of [
      ['CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H'],
      ['CVSS_V3', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
      ['CVSS_V3', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
      ['CVSS_V3', 'CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
      ['CVSS_V2', 'AV:N/AC:L/Au:N/C:P/I:P'],
      ['CVSS_V4', 'CVSS:4.0/AV:N'],
    ] as const) {
      const r = scoreCvss(type, vector);
      assert.equal(r.score, undefined, vector);
      assert.ok(r.error, vector);
    }
  });

  test('v4 vectors are kept but their score is unknown (not implemented)', () => {
    const r = scoreCvss('CVSS_V4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
    assert.equal(r.error, undefined);
    assert.equal(r.score, undefined);
    assert.equal(r.vector, 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
  });

  test('bands', () => {
    assert.deepEqual(
      [0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10, undefined].map(severityBand),
      ['NONE', 'LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL', 'CRITICAL', 'UNKNOWN'],
    );
  });
});

describe('choosing the finding severity', () => {
  const v2 = { severity: 'HIGH', score: 7.5, source: 'CVSS_V2', vector: 'v2' } as const;
  const v3 = { severity: 'MEDIUM', score: 5.3, source: 'CVSS_V3', vector: 'v3' } as const;
  const v3hi = { severity: 'HIGH', score: 8.1, source: 'CVSS_V3', vector: 'v3b' } as const;
  const v4 = { severity: 'UNKNOWN', source: 'CVSS_V4', vector: 'v4' } as const;
  const vendor = { severity: 'LOW', source: 'Debian urgency', vendorValue: 'unimportant' } as const;
  test('vendor first', () => assert.equal(chooseRating([v2, v3, vendor])?.source, 'Debian urgency'));
  test('else v3 over v2', () => assert.equal(chooseRating([v2, v3])?.score, 5.3));
  test('an unscored v4 does not hide v3', () => assert.equal(chooseRating([v4, v3])?.source, 'CVSS_V3'));
  test('the highest of several v3 vectors', () => assert.equal(chooseRating([v3, v3hi])?.score, 8.1));
  test('nothing known', () => assert.equal(chooseRating([v4]), undefined));
});
