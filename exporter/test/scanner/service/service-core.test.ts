// ScannerService with real parts and no network: a configured image in an OCI layout directory, a real imported
// database watched by DbWatcher. Covers waiting for a database, failure with backoff and retry, recovery, re-match
// (not re-pull) when the database changes, and forgetting an image that is no longer used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { importOsv } from '../../../src/scanner/vulndb/index.js';
import { DbWatcher } from '../../../src/scanner/service/db-watcher.js';
import { ImageInventory } from '../../../src/scanner/service/image-inventory.js';
import { ScannerService, type ScanResultKind } from '../../../src/scanner/service/scanner-service.js';
import { configuredImages } from '../../../src/scanner/service/main.js';
import { writeOciLayout } from '../fixtures/oci-builder.js';
import { buildDebianApp, newBashRecord, osvRecords, osvZip } from '../e2e/fixtures.js';

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ScannerService (OCI layout source, real database, DbWatcher)', () => {
  let work: string;
  let watcher: DbWatcher;
  let service: ScannerService;
  const inventory = new ImageInventory();
  const seen: { mode: string; result: ScanResultKind; code?: string }[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-service-core-'));
    watcher = new DbWatcher({ dir: join(work, 'db'), pollIntervalMs: 100, onChange: () => service.databaseChanged() });
    await watcher.start();
    const { contributions } = configuredImages([`oci:${join(work, 'layout')}:app`]);
    inventory.set('config', contributions);
    service = new ScannerService({
      inventory,
      db: () => watcher.current(),
      policy: () => ({ ignore: [], vex: [], warnings: [] }),
      credentials: async () => [],
      retryInitialMs: 150,
      retryMaxMs: 600,
      observer: { scanned: (mode, _s, result, code) => seen.push({ mode, result, ...(code ? { code } : {}) }) },
    });
  });

  after(async () => {
    await service?.stop();
    watcher?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const record = () => service.list()[0]?.record;

  test('without a database the image waits, saying why', async () => {
    await service.idle();
    assert.equal(record()?.status, 'pending');
    assert.equal(record()?.lastError?.code, 'no-database');
    assert.equal(seen.length, 0);
  });

  test('a database appears: the scan runs, fails (no layout yet), and is retried with backoff until it works', async () => {
    await writeFile(join(work, 'all.zip'), osvZip(osvRecords()));
    await importOsv([join(work, 'all.zip')], join(work, 'db'));
    await until('a failed attempt', () => record()?.status === 'failed');
    assert.equal(record()?.lastError?.code, 'not-found');
    assert.ok(record()!.attempts >= 1);
    assert.ok(record()?.nextRetryAt);
    await until('a second failure (backoff, then retry)', () => (record()?.attempts ?? 0) >= 2);
    const app = await buildDebianApp();
    await writeOciLayout(join(work, 'layout'), [{ tag: 'app', image: app }]);
    await until('the scan to succeed on a retry', () => record()?.status === 'scanned', 15_000);
    const r = record()!;
    assert.equal(r.attempts, 0);
    assert.equal(r.lastError, undefined);
    assert.equal(r.manifestDigest, app.manifest.digest);
    assert.equal(r.summary?.findings, 10);
    assert.equal(r.summary?.severity.HIGH, 5);
    assert.deepEqual(seen.filter((x) => x.result === 'failed').map((x) => x.code), Array(seen.filter((x) => x.result === 'failed').length).fill('not-found'));
    assert.equal(seen.at(-1)?.result, 'success');
    // found by its manifest digest as well as by its key
    assert.equal(service.find(app.manifest.digest)?.record, r);
    assert.equal(service.assessment(r.key)?.result.findings.length, 10);
  });

  test('a new database generation re-matches from the cached catalogue, without reading the image again', async () => {
    const before = record()!.dbDigest;
    const pulls = seen.filter((x) => x.mode === 'pull').length;
    await writeFile(join(work, 'all2.zip'), osvZip(osvRecords([newBashRecord()])));
    await importOsv([join(work, 'all2.zip')], join(work, 'db'));
    await until('the re-match', () => record()?.dbDigest !== before && record()?.status === 'scanned');
    assert.equal(record()?.summary?.severity.HIGH, 6);
    assert.equal(seen.at(-1)?.mode, 'rematch');
    assert.equal(seen.filter((x) => x.mode === 'pull').length, pulls);
    // a forced rescan reads the image again
    service.rescan(record()!.key, true);
    await service.idle();
    assert.equal(seen.filter((x) => x.mode === 'pull').length, pulls + 1);
    assert.equal(service.cacheStats().catalogs.entries, 1);
  });

  test('an image no longer used is forgotten (its catalogue stays cached, bounded)', async () => {
    const digest = record()!.manifestDigest!;
    inventory.delete('config');
    assert.equal(service.list().length, 0);
    assert.equal(service.find(digest), undefined);
    assert.equal(service.cacheStats().catalogs.entries, 1);
    assert.equal(service.cacheStats().reports.entries, 0);
  });
});
