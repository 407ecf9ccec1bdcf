// Discovery outside a cluster with a REAL podman container: the image (busybox plus a Debian dpkg status) is
// imported into podman's store, a container runs it, LocalRuntimeDiscovery finds it through `podman ps` /
// `podman images`, and ScannerService scans it from containers-storage. Stopping the container removes the image
// from the inventory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOsv, openVulnDb, type VulnDb } from '../../../src/scanner/vulndb/index.js';
import { ImageInventory } from '../../../src/scanner/service/image-inventory.js';
import { LocalRuntimeDiscovery } from '../../../src/scanner/service/discovery/local-runtime-images.js';
import { ScannerService } from '../../../src/scanner/service/scanner-service.js';
import { podmanSkipReason } from '../../support/privileges.js';
import { removeContainer, runDetached } from '../../support/podman.js';
import { buildTar } from '../fixtures/tar-builder.js';
import { debianImageFiles, osvRecords, osvZip } from '../e2e/fixtures.js';

const skip = podmanSkipReason();
const IMAGE = 'localhost/vigil-scanner-runtime-test:1';
const NAME = 'vigil-scanner-runtime-test';

describe('local runtime discovery (real podman container)', { skip: skip ?? false }, () => {
  let work: string;
  let db: VulnDb;
  let imageId: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-runtime-'));
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => spawnSync('test', ['-x', p]).status === 0);
    if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
    const rootfs = await buildTar([
      { name: 'bin/busybox', content: readFileSync(busybox), mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'bin/sleep', type: 'symlink', linkname: 'busybox' },
      { name: 'tmp', type: 'directory' },
      ...debianImageFiles(),
    ]);
    spawnSync('podman', ['rmi', '-f', IMAGE], { stdio: 'ignore' });
    execFileSync('podman', ['import', '-', IMAGE], { input: rootfs, stdio: ['pipe', 'ignore', 'inherit'] });
    imageId = execFileSync('podman', ['image', 'inspect', '--format', '{{.Id}}', IMAGE], { encoding: 'utf8' }).trim();
    await writeFile(join(work, 'all.zip'), osvZip(osvRecords()));
    await importOsv([join(work, 'all.zip')], join(work, 'db'));
    db = openVulnDb(join(work, 'db'));
  });

  after(async () => {
    removeContainer(NAME);
    spawnSync('podman', ['rmi', '-f', IMAGE], { stdio: 'ignore' });
    db?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a running container is found, its image scanned from the local store, and forgotten when it stops', async () => {
    const containerId = runDetached(IMAGE, NAME, ['sleep', '300'], ['--network', 'none']);
    const inventory = new ImageInventory();
    const discovery = new LocalRuntimeDiscovery({ runtime: 'podman', inventory });
    await discovery.pollOnce();
    const key = `sha256:${imageId}`;
    const use = inventory.get(key);
    assert.ok(use, `image ${key} in ${JSON.stringify(inventory.keys())}`);
    assert.equal(use.reference, `containers-storage:${imageId}`);
    assert.deepEqual(use.refs, [IMAGE]);
    assert.deepEqual(use.workloads, [{ namespace: '', kind: 'Container', name: NAME, container: NAME, pods: 1 }]);
    assert.equal(discovery.stats().failures, 0);

    const service = new ScannerService({ inventory, db: () => db, policy: () => ({ ignore: [], vex: [], warnings: [] }), credentials: async () => [], tempDir: work });
    try {
      await service.idle();
      const { record } = service.find(key)!;
      assert.equal(record.status, 'scanned', JSON.stringify(record.lastError));
      assert.equal(record.os?.id, 'debian');
      assert.equal(record.configDigest, key, 'the podman image id is the config digest');
      // the dpkg findings of the fixture (no app layer here): 2 + 2 openssl, zlib, 2 glibc, 2 curl
      assert.equal(record.summary?.findings, 9);
      assert.equal(record.summary?.severity.HIGH, 4);
      assert.equal(record.completeness?.complete, true);

      removeContainer(NAME);
      await discovery.pollOnce();
      assert.equal(inventory.has(key), false);
      // Other containers may run on this machine (podman is shared): only this image must be gone.
      assert.equal(service.list().some((x) => x.use.key === key), false);
      assert.equal(service.find(key), undefined);
      assert.equal(containerId.length, 64);
    } finally {
      await service.stop();
    }
  });

  test('localImages: all also lists images no container runs', async () => {
    const inventory = new ImageInventory();
    const discovery = new LocalRuntimeDiscovery({ runtime: 'podman', inventory, localImages: 'all' });
    await discovery.pollOnce();
    const use = inventory.get(`sha256:${imageId}`);
    assert.ok(use);
    assert.deepEqual(use.workloads, []);
  });

  test('a failing runtime CLI keeps the previous picture and is counted', async () => {
    const inventory = new ImageInventory();
    inventory.set('runtime:keep', [{ key: 'k', reference: 'r', displayRef: 'd', source: 'runtime' }]);
    const discovery = new LocalRuntimeDiscovery({ runtime: 'podman', binary: join(work, 'no-such-podman'), inventory });
    await discovery.pollOnce();
    assert.equal(discovery.stats().failures, 1);
    assert.match(discovery.stats().lastError ?? '', /no-such-podman ps/);
    assert.equal(inventory.has('k'), true);
  });
});
