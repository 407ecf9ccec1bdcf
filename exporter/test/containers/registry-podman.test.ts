// The whole attribution chain on a real podman container: its pid's /proc/<pid>/cgroup → the cgroup directory's
// inode (the id BPF reports) → ContainerRegistry → podman metadata. Also host processes, the pid fast path,
// pid-only lookups (v1 nodes) and removal once the container's cgroup is gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroupLayout, cgroupDir } from '../../src/cgroups/mounts.js';
import { CgroupResolver } from '../../src/containers/cgroup-resolver.js';
import { PodmanInspector } from '../../src/containers/local-runtime.js';
import { ContainerRegistry, type Container } from '../../src/containers/registry.js';
import { createNodeContainers } from '../../src/containers/node-containers.js';
import { ensureTestImage, podmanUnavailable, removeContainer, runContainer, TEST_IMAGE, type RunningContainer } from './helpers/podman.js';

describe('ContainerRegistry with a real podman container', async () => {
  const layout = detectCgroupLayout();
  let skip = await podmanUnavailable();
  if (!skip && !layout.unified) skip = 'no cgroup v2 hierarchy mounted (ids cannot be resolved)';
  let c: RunningContainer | undefined;
  let cgroupId = 0;
  const registries: ContainerRegistry[] = [];

  function makeRegistry(opts: { metadataTimeoutMs?: number } = {}): ContainerRegistry {
    const resolver = new CgroupResolver({ layout, minRescanIntervalMs: 100 });
    const r = new ContainerRegistry({
      resolver, inspectors: [new PodmanInspector({ socketPath: null })], nodeName: 'test-node', sweepIntervalMs: 0, ...opts,
    });
    registries.push(r);
    return r;
  }

  before(async () => {
    if (skip) return;
    await ensureTestImage();
    c = await runContainer(['sleep', '60'], { labels: { app: 'demo' } });
    const dir = cgroupDir(layout.unified!, c.cgroupPath);
    cgroupId = statSync(dir!).ino;
  });
  after(async () => {
    for (const r of registries) r.stop();
    if (c) await removeContainer(c.id);
  });

  test('cgroup id → podman id, image, labels; pending first, then ready with a higher version', { skip }, async () => {
    const registry = makeRegistry();
    const updates: Container[] = [];
    registry.onUpdate((u) => {
      if (u.id === c!.id) updates.push(u);
    });
    assert.equal(registry.lookup(cgroupId), undefined, 'cold cache and no pid: resolved in the background');
    const first = await registry.resolve(cgroupId);
    assert.ok(first);
    assert.equal(first.id, c!.id);
    assert.equal(first.runtime, 'podman');
    assert.equal(first.cgroupPath, c!.cgroupPath);
    const ready = await registry.waitForReady(c!.id, 10_000);
    assert.ok(ready);
    assert.equal(ready.state, 'ready');
    assert.equal(ready.image, TEST_IMAGE);
    assert.deepEqual(ready.labels, { app: 'demo' });
    assert.equal(ready.privileged, false);
    assert.equal(ready.node, 'test-node');
    assert.match(ready.imageDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(ready.version > first.version || first.state === 'ready');
    assert.equal(updates[0]?.state, 'pending-metadata', 'the new container is announced before its metadata');
    assert.equal(updates.at(-1)?.state, 'ready');
    // The hot path now answers from cache with the same snapshot.
    assert.equal(registry.lookup(cgroupId), ready);
    assert.equal(registry.lookup(BigInt(cgroupId)), ready);
    const s = registry.stats();
    assert.equal(s.containers, 1);
    assert.equal(s.pending, 0);
    assert.ok(s.lookupHits >= 2);
  });

  test('with the event pid, the first lookup is answered synchronously', { skip }, () => {
    const registry = makeRegistry();
    const got = registry.lookup(cgroupId, c!.pid);
    assert.equal(got?.id, c!.id);
    assert.equal(registry.stats().pidFallbacks, 1);
    assert.equal(registry.lookupPid(c!.pid)?.id, c!.id, 'pid-only lookup (v1 nodes) finds the same container');
  });

  test('host processes share the single host entry', { skip }, async () => {
    const registry = makeRegistry();
    const rootId = statSync(layout.unified!.mountPoint).ino;
    const host = await registry.resolve(rootId);
    assert.equal(host, registry.host());
    assert.equal(host?.runtime, 'host');
    assert.equal(host?.state, 'ready');
    assert.equal(registry.lookupPid(1)?.id, 'host');
    assert.equal(registry.lookup(-3), undefined);
    assert.equal(registry.stats().invalidIds, 1);
  });

  test('an id that is no cgroup stays unresolved and is counted', { skip }, async () => {
    const registry = makeRegistry();
    assert.equal(await registry.resolve(4_000_000_000), undefined);
    assert.equal(registry.lookup(4_000_000_000), undefined);
    assert.ok(registry.stats().unresolved >= 1);
  });

  test('metadata failures time out into "ready" with what is known, never pending forever', { skip }, async () => {
    const resolver = new CgroupResolver({ layout });
    // A podman "CLI" that does not exist and no socket: unavailable → ready at once with path facts only.
    const registry = new ContainerRegistry({
      resolver, inspectors: [new PodmanInspector({ socketPath: null, binary: join('/nonexistent', 'podman') })], sweepIntervalMs: 0,
    });
    registries.push(registry);
    registry.lookup(cgroupId, c!.pid);
    const ready = await registry.waitForReady(c!.id, 5000);
    assert.equal(ready?.state, 'ready');
    assert.equal(ready?.image, undefined);
    assert.equal(ready?.runtime, 'podman');
    assert.equal(registry.stats().inspectUnavailable, 1);

    // A runtime that keeps failing (here /bin/false as the CLI): retried with backoff while pending, then
    // 'ready' at the metadata timeout, counted.
    const failing = new ContainerRegistry({
      resolver, inspectors: [new PodmanInspector({ socketPath: null, binary: '/bin/false' })], sweepIntervalMs: 0,
      metadataTimeoutMs: 400, retryBaseMs: 50,
    });
    registries.push(failing);
    const t0 = Date.now();
    assert.equal(failing.lookup(cgroupId, c!.pid)?.state, 'pending-metadata');
    const late = await failing.waitForReady(c!.id, 5000);
    assert.equal(late?.state, 'ready');
    assert.ok(Date.now() - t0 >= 350, 'ready only at the timeout');
    assert.equal(failing.stats().metadataTimeouts, 1);
    assert.ok(failing.stats().inspectFailures >= 2, `retried: ${failing.stats().inspectFailures}`);
  });

  test('createNodeContainers wires layout, resolver, runtimes, registry and cgroup stats', { skip }, async () => {
    const node = await createNodeContainers({ nodeName: 'n1', podman: { socketPath: null }, docker: false });
    await node.start();
    try {
      const got = node.registry.lookup(cgroupId);
      assert.equal(got?.id, c!.id, 'start() indexed the cgroup tree: answered from cache');
      const ready = await node.registry.waitForReady(c!.id, 10_000);
      assert.equal(ready?.image, TEST_IMAGE);
      const usage = await node.cgroupStats.read(ready!.cgroupPath);
      assert.ok((usage.memoryUsageBytes ?? 0) > 0);
      assert.ok((usage.cpuUsageSeconds ?? 0) > 0);
      const s = node.stats();
      assert.equal(s.registry.containers, 1);
      assert.ok(s.resolver.rescans >= 1);
      assert.equal(s.runtimes['podman']?.found, 1);
      assert.equal(s.kubernetes, undefined);
      assert.ok(s.cgroupStats.filesRead > 0);
    } finally {
      await node.stop();
    }
  });

  test('the sweep drops a container whose cgroup is gone and reports it', { skip, timeout: 60_000 }, async () => {
    const registry = makeRegistry();
    const short = await runContainer(['sleep', '60']);
    const removed: Container[] = [];
    registry.onRemove((x) => removed.push(x));
    assert.equal(registry.lookup(statSync(cgroupDir(layout.unified!, short.cgroupPath)!).ino, short.pid)?.id, short.id);
    registry.lookup(cgroupId, c!.pid);
    assert.equal(registry.sweep(), 0);
    await removeContainer(short.id);
    assert.equal(registry.sweep(), 1);
    assert.deepEqual(removed.map((x) => x.id), [short.id]);
    assert.equal(registry.byContainerId(short.id), undefined);
    assert.equal(registry.byContainerId(c!.id)?.id, c!.id, 'the live container stays');
  });
});
