// The scanner service's parts on their own: the deduplicating queue, the image inventory, the bounded cache, the
// configuration loader, what a pod container is scanned as, the pull-secret reader (against the stand-in API
// server, through the real client) and the runtime CLI parsers on hostile output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFor } from '../../../src/containers/kubernetes-pods.js';
import { ScanQueue } from '../../../src/scanner/service/scan-queue.js';
import { ImageInventory, type Contribution } from '../../../src/scanner/service/image-inventory.js';
import { BoundedCache } from '../../../src/scanner/service/bounded-cache.js';
import { loadScannerConfig, ScannerConfigError, scannerEnvVariableNames } from '../../../src/scanner/service/config.js';
import { containerImage } from '../../../src/scanner/service/discovery/kubernetes-images.js';
import { PullSecretReader, pullSecretRef } from '../../../src/scanner/service/discovery/pull-secrets.js';
import { parseDockerPs, parsePodmanImages, parsePodmanPs } from '../../../src/scanner/service/discovery/local-runtime-images.js';
import { configuredImages } from '../../../src/scanner/service/main.js';
import { ScannerKubeStandIn } from './kube-standin.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('ScanQueue', () => {
  test('runs at most `concurrency` at once, each key once while queued, and once more when asked during its run', async () => {
    const started: string[] = [];
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const q = new ScanQueue<string>(async (k) => {
      started.push(k);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
    }, 2);
    assert.equal(q.enqueue('a'), 'queued');
    assert.equal(q.enqueue('b'), 'queued');
    assert.equal(q.enqueue('c'), 'queued');
    assert.equal(q.enqueue('c'), 'duplicate');
    assert.equal(q.enqueue('a'), 'again', 'a is running: run it once more afterwards');
    assert.equal(q.enqueue('a'), 'again');
    assert.deepEqual(q.stats().running, 2);
    while (started.length < 4) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    for (;;) {
      const r = release.shift();
      if (!r) break;
      r();
      await new Promise((res) => setImmediate(res));
    }
    await q.idle();
    assert.deepEqual(started.sort(), ['a', 'a', 'b', 'c']);
    assert.equal(peak, 2);
    assert.equal(q.stats().deduplicated, 3);
  });

  test('a bounded queue refuses and counts; a throwing worker is counted, not fatal; removed keys do not run', async () => {
    const ran: number[] = [];
    const q = new ScanQueue<number>(async (k) => {
      ran.push(k);
      if (k === 1) throw new Error('bug');
    }, 1, 2);
    q.enqueue(1);
    q.enqueue(2);
    q.enqueue(3);
    assert.equal(q.enqueue(4), 'refused');
    q.remove(3);
    await q.idle();
    assert.deepEqual(ran, [1, 2]);
    assert.equal(q.stats().workerErrors, 1);
    assert.equal(q.stats().refused, 1);
  });
});

describe('ImageInventory', () => {
  const c = (key: string, over: Partial<Contribution> = {}): Contribution => ({ key, reference: `r/${key}`, displayRef: `img-${key}`, source: 'kubernetes', ...over });

  test('owners contribute, replace and leave; one digest used by two pods is one image with a pod count', () => {
    const inv = new ImageInventory(10);
    const changes: unknown[] = [];
    inv.onChange((x) => changes.push(x));
    const w = { namespace: 'shop', kind: 'Deployment', name: 'api', container: 'api' };
    inv.set('pod:1', [c(DIGEST, { digest: DIGEST, workload: w, pullSecrets: ['shop/regcred'], displayRef: 'app:1' })]);
    inv.set('pod:2', [c(DIGEST, { digest: DIGEST, workload: w, displayRef: 'registry/app@' + DIGEST, reference: 'registry/app@' + DIGEST })]);
    const use = inv.get(DIGEST)!;
    assert.equal(inv.size, 1);
    assert.deepEqual(use.workloads, [{ ...w, pods: 2 }]);
    assert.equal(use.users, 2);
    assert.deepEqual(use.pullSecrets, ['shop/regcred']);
    assert.equal(use.reference, 'registry/app@' + DIGEST, 'a digest reference is preferred for pulling');
    assert.equal(use.byTag, false);
    inv.set('pod:2', [c(DIGEST, { digest: DIGEST, workload: w, displayRef: 'registry/app@' + DIGEST, reference: 'registry/app@' + DIGEST })]);
    assert.equal(changes.length, 2, 'an unchanged owner re-reported is not a change');
    inv.delete('pod:1');
    inv.delete('pod:2');
    assert.equal(inv.size, 0);
    assert.deepEqual(changes.at(-1), { added: [], removed: [DIGEST], changed: [] });
  });

  test('images beyond the bound are counted and ignored', () => {
    const inv = new ImageInventory(2);
    inv.set('config', [c('a'), c('b'), c('c')]);
    assert.deepEqual(inv.keys().sort(), ['a', 'b']);
    assert.equal(inv.dropped, 1);
    assert.equal(inv.get('a')!.byTag, true);
  });
});

describe('BoundedCache', () => {
  test('evicts the least recently used by entries and by bytes; a value over the byte bound is not kept', () => {
    const cache = new BoundedCache<string, number>(3, 100);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    cache.set('c', 3, 10);
    cache.get('a');
    cache.set('d', 4, 10);
    assert.deepEqual([...cache.keys()], ['c', 'a', 'd']);
    cache.set('e', 5, 85);
    assert.deepEqual([...cache.keys()], ['d', 'e']);
    assert.equal(cache.bytes, 95);
    assert.equal(cache.set('huge', 6, 101), false);
    assert.equal(cache.has('huge'), false);
    assert.equal(cache.evictions, 3);
  });
});

describe('scanner configuration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-scanner-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('defaults, then file, then VIGIL_SCANNER_* environment, then flags', async () => {
    const d = loadScannerConfig({});
    assert.equal(d.http.listen, '0.0.0.0:9712');
    assert.equal(d.scan.concurrency, 2);
    assert.equal(d.db.dir, '/var/lib/vigil/db');
    const file = join(dir, 'a.yaml');
    await writeFile(file, 'scan:\n  concurrency: 3\n  platform: linux/arm64/v8\nimages:\n  - ghcr.io/org/app:1\n');
    await writeFile(join(dir, 'token'), 'sekrit\n');
    const cfg = loadScannerConfig({
      file,
      env: { VIGIL_SCANNER_SCAN_CONCURRENCY: '4', VIGIL_SCANNER_SCAN_INSECURE_REGISTRIES: '[reg.local:5000]', VIGIL_SCANNER_HTTP_TOKEN_FILE: join(dir, 'token') },
      flags: { 'http.listen': '127.0.0.1:1234' },
    });
    assert.equal(cfg.scan.concurrency, 4);
    assert.equal(cfg.scan.platform, 'linux/arm64/v8');
    assert.deepEqual(cfg.scan.insecureRegistries, ['reg.local:5000']);
    assert.deepEqual(cfg.images, ['ghcr.io/org/app:1']);
    assert.equal(cfg.http.listen, '127.0.0.1:1234');
    assert.equal(cfg.http.token, 'sekrit');
    assert.ok(scannerEnvVariableNames().includes('VIGIL_SCANNER_DISCOVERY_LOCAL_IMAGES'));
  });

  test('errors name file:line:column, the variable or the flag', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'scan:\n  concurrency: 0\ndiscovery:\n  runtime: containerd\n  surprise: 1\n');
    assert.throws(() => loadScannerConfig({ file }), (err: unknown) => {
      assert.ok(err instanceof ScannerConfigError);
      assert.match(err.message, /bad\.yaml:2:16: scan\.concurrency: /);
      assert.match(err.message, /bad\.yaml:4:12: discovery\.runtime: /);
      assert.match(err.message, /bad\.yaml:4:3: discovery: Unrecognized key: "surprise"/);
      return true;
    });
    assert.throws(() => loadScannerConfig({ env: { VIGIL_SCANNER_SCAN_CONCURRENCY: 'many' } }), /environment variable VIGIL_SCANNER_SCAN_CONCURRENCY: scan\.concurrency/);
    assert.throws(() => loadScannerConfig({ flags: { 'http.listen': 'nowhere' } }), /flag for http\.listen: http\.listen: expected host:port/);
    await writeFile(file, 'scan: [1\n');
    assert.throws(() => loadScannerConfig({ file }), /bad\.yaml:\d+:\d+: /);
  });

  test('configured images: digests become their own key, tags are keyed by reference, bad ones are reported', () => {
    const { contributions, errors } = configuredImages([`ghcr.io/org/app@${DIGEST}`, 'nginx:1.25', 'oci:/srv/layout:app', 'Not A Ref']);
    assert.deepEqual(contributions.map((x) => x.key), [DIGEST, 'ref:docker.io/library/nginx:1.25', 'ref:oci:/srv/layout:app']);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /images: "Not A Ref": /);
  });
});

describe('what a pod container is scanned as', () => {
  test('the digest from imageID (repo@digest); else the spec image; nothing for junk', () => {
    assert.deepEqual(containerImage(`docker.io/library/nginx@${DIGEST}`, DIGEST, 'nginx:1.25'), { key: DIGEST, reference: `docker.io/library/nginx@${DIGEST}`, digest: DIGEST });
    // containerd may report a bare image id; the spec's repository is used with the digest
    assert.deepEqual(containerImage(`sha256:${'cd'.repeat(32)}@${DIGEST}`, DIGEST, 'ghcr.io/org/app:2'), { key: DIGEST, reference: `ghcr.io/org/app@${DIGEST}`, digest: DIGEST });
    assert.deepEqual(containerImage(undefined, undefined, 'ghcr.io/org/app:2'), { key: 'ref:ghcr.io/org/app:2', reference: 'ghcr.io/org/app:2' });
    assert.equal(containerImage(undefined, undefined, 'NOT VALID'), undefined);
    assert.equal(containerImage(undefined, undefined, undefined), undefined);
    assert.equal(pullSecretRef('shop', 'regcred'), 'shop/regcred');
    assert.equal(pullSecretRef('shop', '../etc'), undefined);
    assert.equal(pullSecretRef('shop', 42), undefined);
  });
});

describe('PullSecretReader (real client, stand-in API server)', () => {
  let kube: ScannerKubeStandIn;
  before(async () => {
    kube = new ScannerKubeStandIn();
    await kube.start();
    kube.addDockerSecret('shop', 'regcred', 'registry.example.com', 'alice', 'wonderland');
    kube.addDockerSecret('shop', 'opaque', 'registry.example.com', 'bob', 'x', 'Opaque');
  });
  after(async () => {
    await kube.stop();
  });

  test('reads dockerconfigjson secrets, skips other types and missing ones, caches', async () => {
    const reader = new PullSecretReader(kubeConfigFor({ server: kube.url }).makeApiClient(CoreV1Api));
    const creds = await reader.credentials(['shop/regcred', 'shop/opaque', 'shop/missing']);
    assert.deepEqual(creds, [{ registry: 'registry.example.com', username: 'alice', password: 'wonderland' }]);
    await reader.credentials(['shop/regcred']);
    const s = reader.stats();
    assert.deepEqual([s.reads, s.cacheHits, s.wrongType, s.notFound], [3, 1, 1, 1]);
    assert.equal(kube.requests.filter((r) => r.endsWith('/secrets/regcred')).length, 1);
  });
});

describe('runtime CLI output parsers', () => {
  const id = 'e'.repeat(64);
  test('podman ps / images: well-formed entries only; anything but an array is an error', () => {
    const ps = parsePodmanPs(JSON.stringify([{ Id: id, Image: 'localhost/app:1', ImageID: 'f'.repeat(64), Names: ['web'] }, { Id: '../x', ImageID: 'f'.repeat(64) }, null, 7]));
    assert.deepEqual(ps, [{ id, name: 'web', imageId: 'f'.repeat(64), image: 'localhost/app:1' }]);
    assert.throws(() => parsePodmanPs('{"Id": 1}'), /expected a JSON array/);
    assert.throws(() => parsePodmanPs('not json'));
    const images = parsePodmanImages(JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/app:1'], Digest: DIGEST, RepoDigests: [`localhost/app@${DIGEST}`] }, { Id: 'short' }]));
    assert.deepEqual(images, [{ id: 'f'.repeat(64), names: ['localhost/app:1'], repoDigests: [`localhost/app@${DIGEST}`], digest: DIGEST }]);
    const docker = parseDockerPs(`{"ID":"${id}","Image":"nginx:1.25","Names":"web,alias"}\n{broken\n{"ID":"x","Image":"y"}\n`);
    assert.deepEqual(docker, [{ id, name: 'web', image: 'nginx:1.25' }]);
  });
});
