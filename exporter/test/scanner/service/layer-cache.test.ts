// The scanner service's per-layer cache against a REAL registry (docker-registry on loopback, images pushed with
// skopeo) seen through a counting forwarder: two images share a base layer; the second scan downloads only its own
// config and top layer, and its findings, packages and JSON report equal a cold scan's. Lookups, entries and
// evictions show in the service's metrics, and the byte/entry bound evicts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOsv, openVulnDb, type VulnDb } from '../../../src/scanner/vulndb/index.js';
import { ImageInventory } from '../../../src/scanner/service/image-inventory.js';
import { ScannerService } from '../../../src/scanner/service/scanner-service.js';
import { createScannerMetrics } from '../../../src/scanner/service/metrics.js';
import { configuredImages } from '../../../src/scanner/service/main.js';
import { toJsonReport } from '../../../src/scanner/report/index.js';
import { buildImage, type BuiltImage } from '../fixtures/oci-builder.js';
import { buildTar } from '../fixtures/tar-builder.js';
import { startRegistry, type RunningRegistry } from '../fixtures/registry.js';
import { startCountingProxy, type CountingProxy } from '../fixtures/counting-proxy.js';
import { missingTools } from '../fixtures/tools.js';
import { appLayerFiles, debianImageFiles, osvRecords, osvZip } from '../e2e/fixtures.js';
import { pushImages } from '../e2e/support.js';

const skip = missingTools('docker-registry', 'skopeo');

describe('per-layer cache in the scanner service (real registry)', { skip: skip ?? false }, () => {
  let work: string;
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let db: VulnDb;
  let imageA: BuiltImage;
  let imageB: BuiltImage;
  const services: ScannerService[] = [];

  const refA = (): string => `${proxy.host}/shop/a:1`;
  const refB = (): string => `${proxy.host}/shop/b:1`;

  function newService(inventory: ImageInventory, cache: { maxLayers?: number; maxLayerBytes?: number } = {}): ScannerService {
    const s = new ScannerService({
      inventory,
      db: () => db,
      policy: () => ({ ignore: [], vex: [], warnings: [] }),
      credentials: async () => [],
      concurrency: 1,
      retryInitialMs: 60_000,
      cache,
    });
    services.push(s);
    return s;
  }

  async function scan(service: ScannerService, inventory: ImageInventory, owner: string, ref: string): Promise<string> {
    inventory.set(owner, configuredImages([ref]).contributions);
    await service.idle();
    const hit = service.list().find((x) => x.use.reference === ref);
    assert.ok(hit, `${ref} is tracked`);
    assert.equal(hit.record.status, 'scanned', JSON.stringify(hit.record.lastError));
    return hit.record.key;
  }

  const layerDigests = (img: BuiltImage): string[] => img.layers.map((l) => l.digest);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-layer-cache-'));
    registry = await startRegistry();
    proxy = await startCountingProxy(registry.host);
    const base = await buildTar(debianImageFiles());
    imageA = buildImage([base, await buildTar(appLayerFiles())], { history: ['debootstrap bookworm', 'COPY app /app'] });
    const otherApp = appLayerFiles().map((f) => ({ ...f, name: f.name.replace(/^app\//, 'srv/') }));
    imageB = buildImage([base, await buildTar(otherApp)], { history: ['debootstrap bookworm', 'COPY srv /srv'] });
    assert.equal(imageA.layers[0]!.digest, imageB.layers[0]!.digest, 'the two images share their base layer blob');
    await pushImages(join(work, 'layout'), [
      { tag: 'a', image: imageA, to: [`${registry.host}/shop/a:1`] },
      { tag: 'b', image: imageB, to: [`${registry.host}/shop/b:1`] },
    ]);
    await writeFile(join(work, 'all.zip'), osvZip(osvRecords()));
    await importOsv([join(work, 'all.zip')], join(work, 'db'));
    db = openVulnDb(join(work, 'db'));
  });

  after(async () => {
    for (const s of services) await s.stop();
    await proxy?.stop();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the second image on a shared base downloads only its own layer; findings equal a cold scan', async () => {
    const inventory = new ImageInventory();
    const service = newService(inventory);
    const metrics = createScannerMetrics({ service, db: () => db.meta, maxWorkloadSeries: 1000, errors: () => ({}), imagesDropped: () => 0, build: { version: 'test' } });

    proxy.reset();
    await scan(service, inventory, 'config:a', refA());
    assert.deepEqual(proxy.blobGets().filter((d) => d !== imageA.config.digest).sort(), layerDigests(imageA).sort(), 'cold: both layers downloaded');

    proxy.reset();
    const keyB = await scan(service, inventory, 'config:b', refB());
    const fetched = proxy.blobGets();
    assert.deepEqual(fetched.filter((d) => d !== imageB.config.digest), [imageB.layers[1]!.digest], 'warm: only the top layer, never the shared base');
    assert.equal(fetched.filter((d) => d === imageB.layers[0]!.digest).length, 0);
    assert.deepEqual(service.cacheStats().layers, { ...service.cacheStats().layers, entries: 3, hits: 1, misses: 3, evictions: 0 });

    const text = await metrics.registry.metrics();
    assert.match(text, /^vigil_scanner_cache_lookups_total\{cache="layers",result="hit"\} 1$/m);
    assert.match(text, /^vigil_scanner_cache_lookups_total\{cache="layers",result="miss"\} 3$/m);
    assert.match(text, /^vigil_scanner_cache_entries\{cache="layers"\} 3$/m);
    assert.match(text, /^vigil_scanner_cache_evictions_total\{cache="layers"\} 0$/m);
    const bytes = Number(/^vigil_scanner_cache_bytes\{cache="layers"\} (\d+)$/m.exec(text)?.[1]);
    assert.ok(bytes > 0 && bytes === service.cacheStats().layers.bytes);

    // A cold scan of B by a service without a layer cache: every layer downloaded, the same result.
    const coldInventory = new ImageInventory();
    const cold = newService(coldInventory, { maxLayerBytes: 0 });
    proxy.reset();
    const coldKey = await scan(cold, coldInventory, 'config:b', refB());
    assert.deepEqual(proxy.blobGets().filter((d) => d !== imageB.config.digest).sort(), layerDigests(imageB).sort());
    assert.deepEqual(cold.cacheStats().layers, { entries: 0, bytes: 0, evictions: 0, hits: 0, misses: 0 });

    const warmA = service.assessment(keyB)!;
    const coldA = cold.assessment(coldKey)!;
    assert.ok(warmA.result.findings.length >= 10, `findings: ${warmA.result.findings.length}`);
    assert.deepEqual(warmA.result.findings, coldA.result.findings);
    assert.deepEqual(warmA.result.image, coldA.result.image);
    assert.deepEqual(warmA.completeness, coldA.completeness);
    const now = new Date('2026-12-01T00:00:00Z');
    const report = (a: typeof warmA) => toJsonReport(a.result, a.policies, { now, completeness: a.completeness });
    assert.deepEqual(report(warmA), report(coldA));
    // express was found in the new layer, the dpkg packages in the cached base
    const packages = warmA.result.image.packages;
    assert.equal(packages.find((p) => p.name === 'express')?.layer, imageB.layers[1]!.diffId);
    assert.equal(packages.find((p) => p.name === 'libssl3')?.layer, imageB.layers[0]!.diffId);
  });

  test('the layer cache is bounded: with room for one layer, the base is evicted and read again', async () => {
    const inventory = new ImageInventory();
    const service = newService(inventory, { maxLayers: 1 });
    proxy.reset();
    await scan(service, inventory, 'config:a', refA());
    proxy.reset();
    await scan(service, inventory, 'config:b', refB());
    assert.ok(proxy.blobGets().includes(imageB.layers[0]!.digest), 'the evicted base was downloaded again');
    const stats = service.cacheStats().layers;
    assert.equal(stats.entries, 1);
    assert.equal(stats.hits, 0);
    assert.equal(stats.evictions, 3, 'each new layer pushed the previous one out');
  });
});
