// importOsv + openVulnDb on real files: the real OSV records in ../match/fixtures/osv, directories, zips built here
// (including hostile ones), malformed and withdrawn records, duplicates, and the atomic generation swap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOsv, openVulnDb, SourceError } from '../../../src/scanner/vulndb/index.js';
import { buildZip } from './zip-writer.js';

const REAL = join(import.meta.dirname, '../match/fixtures/osv');
const realFiles = readdirSync(REAL).filter((f) => f.endsWith('.json')).sort();
let tmp: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vigil-vulndb-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function record(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    modified: '2024-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'Debian:12', name: 'pkg' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-1' }] }] }],
    ...extra,
  };
}

describe('importing real OSV records', () => {
  test('a directory of the real records', async () => {
    const res = await importOsv([REAL], join(tmp, 'db-dir'));
    assert.equal(res.meta.records, realFiles.length);
    assert.equal(res.meta.import.malformed, 0);
    assert.deepEqual(res.problems, []);
    assert.equal(res.meta.newestModified, '2025-07-04T00:00:00.000Z');
    assert.equal(res.meta.ecosystems['Alpine:v3.15'], 1);
    assert.equal(res.meta.ecosystems['Maven'], 1);
    assert.match(res.meta.digest, /^sha256:[0-9a-f]{64}$/);
    const db = openVulnDb(join(tmp, 'db-dir'));
    try {
      const any23 = db.lookup('Maven', 'org.apache.any23:apache-any23');
      assert.equal(any23.length, 1);
      assert.equal(any23[0]?.id, 'GHSA-838r-hvwh-24h8');
      assert.deepEqual(any23[0]?.aliases, ['CVE-2021-38555']);
      const cvss = any23[0]?.ratings.find((r) => r.source === 'CVSS_V3');
      assert.equal(cvss?.score, 9.1);
      assert.equal(any23[0]?.ratings.find((r) => r.source === 'GHSA')?.severity, 'CRITICAL');
      const ubuntu = db.lookup('Ubuntu:Pro:14.04:LTS', 'linux')[0];
      assert.deepEqual(ubuntu?.upstream, ['CVE-2025-38094']);
      assert.ok((ubuntu?.affected[0]?.versions.length ?? 0) > 100);
      assert.equal(db.lookup('Alpine:v3.16', 'mariadb')[0]?.affected[0]?.ranges[0]?.events[1] !== undefined, true);
      assert.deepEqual(db.lookup('Alpine:v3.17', 'mariadb'), []);
      assert.deepEqual(db.lookup('Debian:7', 'no-such-package'), []);
      assert.equal(db.meta.digest, res.meta.digest);
    } finally {
      db.close();
    }
  });

  test('the same records from a zip give the same digest; the digest follows id+modified', async () => {
    const zip = buildZip(realFiles.map((f, i) => ({ name: `all/${f}`, data: readFileSync(join(REAL, f)), deflate: i % 2 === 0 })));
    writeFileSync(join(tmp, 'all.zip'), zip);
    const fromZip = await importOsv([join(tmp, 'all.zip')], join(tmp, 'db-zip'));
    const fromDir = await importOsv([REAL], join(tmp, 'db-dir2'));
    assert.equal(fromZip.meta.records, realFiles.length);
    assert.equal(fromZip.meta.digest, fromDir.meta.digest);
    const changed = JSON.parse(readFileSync(join(REAL, 'DSA-3029-1.json'), 'utf8')) as Record<string, unknown>;
    changed.modified = '2014-09-21T00:00:00Z';
    mkdirSync(join(tmp, 'changed'));
    writeFileSync(join(tmp, 'changed', 'DSA-3029-1.json'), JSON.stringify(changed));
    const other = await importOsv([join(tmp, 'changed')], join(tmp, 'db-changed'));
    const orig = await importOsv([join(REAL, 'DSA-3029-1.json')], join(tmp, 'db-orig'));
    assert.notEqual(other.meta.digest, orig.meta.digest);
  });
});

describe('bad input is counted and skipped', () => {
  test('malformed records name the file and record index; the rest imports', async () => {
    const dir = join(tmp, 'bad');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'good.json'), JSON.stringify(record('GOOD-1')));
    writeFileSync(join(dir, 'broken.json'), '{"id": "X", ');
    writeFileSync(join(dir, 'nested', 'array.json'), JSON.stringify([record('GOOD-2'), { id: 'NO-MODIFIED' }, record('BAD-EVENT', { affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1' }] }] }] })]));
    writeFileSync(join(dir, 'bad-sev.json'), JSON.stringify(record('BAD-SEV', { severity: [{ type: 'CVSS_V9', score: 'x' }] })));
    writeFileSync(join(dir, 'bad-time.json'), JSON.stringify(record('BAD-TIME', { modified: 'yesterday' })));
    writeFileSync(join(dir, 'readme.txt'), 'not json, ignored');
    const res = await importOsv([dir], join(tmp, 'db-bad'));
    assert.equal(res.meta.records, 2);
    assert.equal(res.meta.import.malformed, 5);
    const bySource = new Map(res.problems.map((p) => [`${p.source.slice(dir.length + 1)}#${p.index ?? ''}`, p]));
    assert.match(bySource.get('broken.json#')?.reason ?? '', /invalid JSON/);
    assert.match(bySource.get('nested/array.json#1')?.reason ?? '', /modified/);
    assert.match(bySource.get('nested/array.json#2')?.reason ?? '', /exactly one/);
    assert.equal(bySource.get('nested/array.json#2')?.id, 'BAD-EVENT');
    assert.match(bySource.get('bad-sev.json#')?.reason ?? '', /severity/);
    assert.match(bySource.get('bad-time.json#')?.reason ?? '', /RFC 3339/);
  });

  test('withdrawn records are dropped, duplicates keep the newest, GIT ranges are counted', async () => {
    const dir = join(tmp, 'dups');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(record('DUP-1', { modified: '2024-01-01T00:00:00Z', summary: 'old' })));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(record('DUP-1', { modified: '2024-06-01T00:00:00Z', summary: 'new' })));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(record('DUP-1', { modified: '2023-01-01T00:00:00Z', summary: 'older' })));
    writeFileSync(join(dir, 'd.json'), JSON.stringify(record('GONE-1')));
    writeFileSync(join(dir, 'e.json'), JSON.stringify(record('GONE-1', { modified: '2024-02-01T00:00:00Z', withdrawn: '2024-02-01T00:00:00Z' })));
    writeFileSync(
      join(dir, 'f.json'),
      JSON.stringify(
        record('GIT-1', {
          affected: [
            { ranges: [{ type: 'GIT', repo: 'https://example.org/r.git', events: [{ introduced: 'abc' }] }] },
            { package: { ecosystem: 'Debian:12', name: 'pkg' }, ranges: [{ type: 'GIT', repo: 'https://example.org/r.git', events: [{ introduced: 'abc' }] }, { type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
          ],
        }),
      ),
    );
    const res = await importOsv([dir], join(tmp, 'db-dups'));
    assert.equal(res.meta.import.withdrawn, 1);
    assert.equal(res.meta.import.duplicates, 3);
    assert.equal(res.meta.import.gitRangesIgnored, 2);
    assert.equal(res.meta.import.packagelessAffected, 1);
    const db = openVulnDb(join(tmp, 'db-dups'));
    const ids = db.lookup('Debian:12', 'pkg').map((a) => `${a.id}:${a.summary ?? ''}`);
    db.close();
    assert.deepEqual(ids, ['DUP-1:new', 'GIT-1:']);
  });

  test('hostile zips: bombs, lying sizes, path tricks are skipped; valid entries still import', async () => {
    const bomb = Buffer.alloc(8 * 1024 * 1024, 0x20); // 8 MiB of spaces deflates ~1000:1
    const zip = buildZip([
      { name: 'ok/GOOD-Z.json', data: JSON.stringify(record('GOOD-Z')), deflate: true },
      { name: '../escape.json', data: JSON.stringify(record('ESCAPE')) },
      { name: '/abs/path.json', data: JSON.stringify(record('ABS')) },
      { name: 'bomb.json', data: bomb, deflate: true },
      { name: 'huge.json', data: JSON.stringify(record('HUGE')), deflate: true, declaredSize: 64 * 1024 * 1024 },
      { name: 'liar.json', data: JSON.stringify(record('LIAR')), deflate: true, declaredSize: 10 },
      { name: 'notes.txt', data: 'skipped' },
      { name: 'dir/', data: '' },
    ]);
    writeFileSync(join(tmp, 'hostile.zip'), zip);
    const res = await importOsv([join(tmp, 'hostile.zip')], join(tmp, 'db-hostile'));
    assert.equal(res.meta.records, 1);
    const reasons = Object.fromEntries(res.problems.map((p) => [p.source.split('!')[1], p.reason]));
    assert.match(reasons['../escape.json'] ?? '', /\.\./);
    assert.match(reasons['/abs/path.json'] ?? '', /absolute/);
    assert.match(reasons['bomb.json'] ?? '', /zip bomb/);
    assert.match(reasons['huge.json'] ?? '', /over the .* limit/);
    assert.match(reasons['liar.json'] ?? '', /unreadable entry/);
    assert.equal(Object.keys(reasons).length, 5);
  });

  test('a zip whose headers contradict themselves fails the import as a whole', async () => {
    // yauzl cannot read past a stored entry whose sizes disagree: the archive is corrupt, not one bad record
    writeFileSync(join(tmp, 'inconsistent.zip'), buildZip([{ name: 'a.json', data: JSON.stringify(record('A')), declaredSize: 64 * 1024 * 1024 }]));
    await assert.rejects(importOsv([join(tmp, 'inconsistent.zip')], join(tmp, 'db-inconsistent')), SourceError);
  });

  test('a record too big for the entry limit is skipped with a reason', async () => {
    const dir = join(tmp, 'big');
    mkdirSync(dir);
    writeFileSync(join(dir, 'big.json'), JSON.stringify(record('BIG', { details: 'x'.repeat(5000) })));
    writeFileSync(join(dir, 'small.json'), JSON.stringify(record('SMALL')));
    const res = await importOsv([dir], join(tmp, 'db-big'), { limits: { maxEntryBytes: 2000 } });
    assert.equal(res.meta.records, 1);
    assert.match(res.problems[0]?.reason ?? '', /over the 2000 limit/);
  });
});

describe('atomic replacement', () => {
  test('a failed import leaves the previous database intact and no partial files', async () => {
    const dbDir = join(tmp, 'db-atomic');
    const first = await importOsv([REAL], dbDir);
    const before = openVulnDb(dbDir);
    // a corrupt zip among the inputs fails the whole import
    writeFileSync(join(tmp, 'corrupt.zip'), Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]));
    await assert.rejects(importOsv([REAL, join(tmp, 'corrupt.zip')], dbDir), SourceError);
    await assert.rejects(importOsv([join(tmp, 'does-not-exist')], dbDir), SourceError);
    assert.deepEqual(readdirSync(dbDir).filter((n) => n.startsWith('.building') || n.startsWith('.current')), []);
    const after1 = openVulnDb(dbDir);
    assert.equal(after1.meta.digest, first.meta.digest);
    after1.close();
    // a successful re-import swaps generations; an already open handle keeps reading its own generation
    const dir = join(tmp, 'only-one');
    mkdirSync(dir);
    cpSync(join(REAL, 'GO-2021-0053.json'), join(dir, 'GO-2021-0053.json'));
    const second = await importOsv([dir], dbDir);
    assert.equal(second.meta.records, 1);
    assert.equal(before.lookup('Maven', 'org.apache.any23:apache-any23').length, 1);
    before.close();
    const now = openVulnDb(dbDir);
    assert.equal(now.meta.records, 1);
    assert.deepEqual(now.lookup('Maven', 'org.apache.any23:apache-any23'), []);
    assert.equal(now.lookup('Go', 'github.com/gogo/protobuf').length, 1);
    now.close();
    assert.equal(readdirSync(dbDir).filter((n) => n.startsWith('gen-')).length, 1);
    assert.equal(existsSync(join(dbDir, '.import.lock')), false);
  });

  test('opening a directory without a database is a clear error', () => {
    mkdirSync(join(tmp, 'empty'));
    assert.throws(() => openVulnDb(join(tmp, 'empty')), /no vulnerability database .*vigil db import/);
  });
});
