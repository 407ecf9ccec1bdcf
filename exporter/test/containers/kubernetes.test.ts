// The Kubernetes metadata path: the real @kubernetes/client-node ListWatch informer against a local STAND-IN
// kube-apiserver (helpers/kube-apiserver-standin.ts: real list/watch protocol, fieldSelector, replicasets/jobs),
// feeding ContainerRegistry. The cgroup hierarchy is a directory tree with kubelet's real systemd-driver names
// (no kubelet runs here); ids are its directory inodes, exactly as on a node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupLayout } from '../../src/cgroups/mounts.js';
import { CgroupResolver } from '../../src/containers/cgroup-resolver.js';
import { KubernetesPodIndex, kubeConfigFor } from '../../src/containers/kubernetes-pods.js';
import { parseContainerId, podInfoFromObject } from '../../src/containers/pod-metadata.js';
import { ContainerRegistry, type Container } from '../../src/containers/registry.js';
import { guessWorkload } from '../../src/containers/workload-resolver.js';
import { KubeApiStandIn } from './helpers/kube-apiserver-standin.js';
import { kubepodsPath, realisticPod } from './helpers/pod-fixtures.js';

const hex = (c: string) => c.repeat(64);
const UID_A = '6f1c2b3a-4d5e-4f60-8a9b-0c1d2e3f4a5b';
const UID_B = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';
const UID_C = '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e';
const UID_D = '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
const UID_E = '2d3e4f5a-6b7c-4d8e-9fa0-b1c2d3e4f5a6';

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pod objects → metadata (pure)', () => {
  test('a realistic pod: containers, statuses, digest, owner, bounded labels', () => {
    const pod = realisticPod({ name: 'frontend-7d9c8b6f5d-x2x9q', uid: UID_A, node: 'node-a', containerId: hex('a'), sidecarId: hex('b') });
    const info = podInfoFromObject(pod);
    assert.ok(info);
    assert.equal(info.namespace, 'web');
    assert.equal(info.node, 'node-a');
    assert.deepEqual(info.owner, { kind: 'ReplicaSet', name: 'frontend-7d9c8b6f5d' });
    const [nginx, shipper] = info.containers;
    assert.equal(nginx?.containerId, hex('a'));
    assert.equal(nginx?.runtime, 'containerd');
    assert.equal(nginx?.image, 'docker.io/library/nginx:1.25.3');
    assert.equal(nginx?.imageDigest, 'sha256:2bdc49f2f8ae8d8dc50ed00f2ee56d00385c6f8bc8a8b320d0a294d9e3b49026');
    assert.equal(nginx?.startedAt, '2026-11-30T09:14:07.000Z');
    assert.deepEqual(shipper?.previousContainerIds, [hex('9')], 'an OOM-killed earlier incarnation stays resolvable');
  });

  test('init and ephemeral containers, dockershim image ids, hostile shapes', () => {
    const pod = realisticPod({ name: 'p', uid: UID_B, node: 'n', containerId: hex('c') });
    pod['spec'].initContainers = [{ name: 'migrate', image: 'app:1' }];
    pod['status'].initContainerStatuses = [{ name: 'migrate', containerID: `docker://${hex('d')}`, imageID: `docker-pullable://app@sha256:${hex('e')}`, state: { terminated: { startedAt: '2026-11-30T09:14:04Z' } } }];
    pod['spec'].ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
    pod['status'].ephemeralContainerStatuses = [{ name: 'debugger', containerID: `cri-o://${hex('f')}`, state: { running: {} } }];
    pod['spec'].containers.push(42, { image: 'no-name' });
    const info = podInfoFromObject(pod)!;
    assert.deepEqual(info.containers.map((c) => [c.name, c.kind, c.runtime]), [
      ['nginx', 'container', 'containerd'], ['migrate', 'init', 'docker'], ['debugger', 'ephemeral', 'cri-o'],
    ]);
    assert.equal(info.containers[1]?.imageDigest, `sha256:${hex('e')}`);
    assert.equal(info.containers[1]?.imageId, `app@sha256:${hex('e')}`);
    for (const bad of [null, {}, { metadata: { name: 'x' } }, { metadata: { name: 1, namespace: 'a', uid: 'u' } }]) {
      assert.equal(podInfoFromObject(bad), undefined);
    }
    assert.equal(parseContainerId('containerd://short'), undefined);
    assert.equal(parseContainerId(`containerd://${hex('A')}`)?.id, hex('a'));
  });

  test('workload names decoded when the API cannot be asked', () => {
    assert.deepEqual(guessWorkload({ kind: 'ReplicaSet', name: 'frontend-7d9c8b6f5d' }, 'p', { 'pod-template-hash': '7d9c8b6f5d' }), { kind: 'Deployment', name: 'frontend' });
    assert.deepEqual(guessWorkload({ kind: 'ReplicaSet', name: 'bare-rs' }, 'p', {}), { kind: 'ReplicaSet', name: 'bare-rs' });
    assert.deepEqual(guessWorkload({ kind: 'Job', name: 'backup-29061440' }, 'p', {}), { kind: 'CronJob', name: 'backup' });
    assert.deepEqual(guessWorkload({ kind: 'Job', name: 'migrate' }, 'p', {}), { kind: 'Job', name: 'migrate' });
    assert.deepEqual(guessWorkload({ kind: 'DaemonSet', name: 'vigil' }, 'p', {}), { kind: 'DaemonSet', name: 'vigil' });
    assert.deepEqual(guessWorkload(undefined, 'lonely', {}), { kind: 'Pod', name: 'lonely' });
  });
});

describe('Kubernetes pods → registry through a stand-in API server', () => {
  const api = new KubeApiStandIn();
  let root = '';
  let layout: CgroupLayout;
  const cleanups: Array<() => unknown> = [];

  /** Create a container cgroup in the fixture hierarchy; returns its id (the directory inode). */
  function cgroup(path: string): number {
    mkdirSync(join(root, path), { recursive: true });
    return statSync(join(root, path)).ino;
  }

  function setup(opts: { nodeName?: string; removalGraceMs?: number } = {}) {
    const pods = new KubernetesPodIndex({ kubeConfig: kubeConfigFor({ server: api.url }), nodeName: opts.nodeName ?? 'node-a', restartDelayMs: 50 });
    const resolver = new CgroupResolver({ layout, minRescanIntervalMs: 20 });
    const registry = new ContainerRegistry({ resolver, pods, removalGraceMs: opts.removalGraceMs ?? 0, sweepIntervalMs: 0 });
    cleanups.push(() => registry.stop(), () => pods.stop());
    return { pods, registry };
  }

  before(async () => {
    await api.start();
    root = mkdtempSync(join(tmpdir(), 'vigil-kubepods-'));
    layout = { mode: 'v2', unified: { mountPoint: root, root: '/', fsType: 'cgroup2', controllers: [] }, v1: new Map() };
    api.replicaSets.set('web/frontend-7d9c8b6f5d', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'frontend-7d9c8b6f5d', namespace: 'web', uid: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9', resourceVersion: '77',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'frontend', uid: 'aa00aa00-b5a6-4978-8695-a4b3c2d1e0f9', controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'frontend' } } },
    });
    api.jobs.set('ops/backup-29061440', {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'backup-29061440', namespace: 'ops', uid: 'bb00bb00-b5a6-4978-8695-a4b3c2d1e0f9',
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'cc00cc00-b5a6-4978-8695-a4b3c2d1e0f9', controller: true }] },
    });
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await api.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('listed pod: container → pod, workload via the ReplicaSet, only this node, fieldSelector sent', async () => {
    api.add(realisticPod({ name: 'frontend-7d9c8b6f5d-x2x9q', uid: UID_A, node: 'node-a', containerId: hex('a'), sidecarId: hex('b') }));
    api.add(realisticPod({ name: 'frontend-7d9c8b6f5d-zz0q1', uid: UID_B, node: 'node-b', containerId: hex('c') }));
    const idA = cgroup(kubepodsPath(UID_A, hex('a')));
    const { pods, registry } = setup();
    await pods.start();
    assert.equal(pods.synced, true);
    assert.equal(pods.byPodUid(UID_B), undefined, 'another node\'s pod is not indexed');
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/pods?') && r.includes('fieldSelector=spec.nodeName%3Dnode-a') && !r.includes('watch=true')));
    await until('the watch', () => api.requests.some((r) => r.includes('watch=true') && r.includes('fieldSelector=spec.nodeName%3Dnode-a')));

    const c = await registry.resolve(idA);
    assert.equal(c?.id, hex('a'));
    const ready = await until('workload resolution', () => {
      const x = registry.byContainerId(hex('a'));
      return x?.state === 'ready' && x.workloadKind === 'Deployment' ? x : undefined;
    });
    assert.equal(ready.runtime, 'containerd');
    assert.equal(ready.namespace, 'web');
    assert.equal(ready.pod, 'frontend-7d9c8b6f5d-x2x9q');
    assert.equal(ready.name, 'nginx');
    assert.equal(ready.podUid, UID_A);
    assert.equal(ready.qosClass, 'burstable');
    assert.equal(ready.image, 'docker.io/library/nginx:1.25.3');
    assert.equal(ready.imageDigest, 'sha256:2bdc49f2f8ae8d8dc50ed00f2ee56d00385c6f8bc8a8b320d0a294d9e3b49026');
    assert.deepEqual(ready.podLabels, { app: 'frontend', 'pod-template-hash': '7d9c8b6f5d', tier: 'web' });
    assert.equal(ready.workloadName, 'frontend');
    assert.equal(ready.node, 'node-a');
    assert.equal(ready.startedAt, '2026-11-30T09:14:07.000Z');
    assert.ok(api.requests.includes('GET /apis/apps/v1/namespaces/web/replicasets/frontend-7d9c8b6f5d'));
  });

  test('pending container filled by a later ADDED; MODIFIED updates; the sandbox; DELETED removes', async () => {
    const { pods, registry } = setup();
    await pods.start();
    const updates: Container[] = [];
    const removed: string[] = [];
    registry.onUpdate((u) => updates.push(u));
    registry.onRemove((r) => removed.push(r.id));

    // The container's cgroup exists before the API server knows the pod (kubelet is faster than the watch).
    const idC = cgroup(kubepodsPath(UID_C, hex('e')));
    const pending = await registry.resolve(idC);
    assert.equal(pending?.state, 'pending-metadata');
    assert.equal(pending?.namespace, undefined);
    assert.equal(pending?.podUid, UID_C, 'the pod UID is known from the path alone');

    const podC = api.add(realisticPod({ name: 'frontend-7d9c8b6f5d-q8k2m', uid: UID_C, node: 'node-a', containerId: hex('e') }));
    const filled = await registry.waitForReady(hex('e'), 5000);
    assert.equal(filled?.state, 'ready');
    assert.equal(filled?.pod, 'frontend-7d9c8b6f5d-q8k2m');
    assert.equal(filled?.name, 'nginx');
    assert.ok((filled?.version ?? 0) > (pending?.version ?? 0));
    assert.ok(updates.some((u) => u.id === hex('e') && u.state === 'ready'));

    // MODIFIED with new containerStatuses: image upgraded in place and new labels.
    const upgraded = realisticPod({ name: 'frontend-7d9c8b6f5d-q8k2m', uid: UID_C, node: 'node-a', containerId: hex('e'), image: 'nginx:1.25.4',
      imageDigest: `sha256:${hex('7')}`, labels: { app: 'frontend', 'pod-template-hash': '7d9c8b6f5d', canary: 'true' } });
    api.modify(upgraded);
    const modified = await until('MODIFIED to apply', () => {
      const x = registry.byContainerId(hex('e'));
      return x?.image === 'docker.io/library/nginx:1.25.4' ? x : undefined;
    });
    assert.equal(modified.imageDigest, `sha256:${hex('7')}`);
    assert.equal(modified.podLabels['canary'], 'true');
    assert.ok(modified.version > (filled?.version ?? 0));

    // The pod's sandbox (pause) container has a cgroup in the pod but no status entry.
    const sandbox = await registry.resolve(cgroup(kubepodsPath(UID_C, hex('5'))));
    assert.equal(sandbox?.podSandbox, true);
    assert.equal(sandbox?.state, 'ready');
    assert.equal(sandbox?.pod, 'frontend-7d9c8b6f5d-q8k2m');
    assert.equal(sandbox?.name, undefined);

    api.delete(podC);
    await until('DELETED to remove', () => registry.byContainerId(hex('e')) === undefined);
    assert.equal(pods.byPodUid(UID_C), undefined);
    assert.deepEqual(removed.sort(), [hex('5'), hex('e')].sort());
  });

  test('pod known by UID before its container ID: pod fields first, container fields on MODIFIED', async () => {
    const { pods, registry } = setup();
    await pods.start();
    const creating = realisticPod({ name: 'frontend-7d9c8b6f5d-m3n4b', uid: UID_D, node: 'node-a' }); // no containerID yet
    api.add(creating);
    await until('pod D indexed', () => pods.byPodUid(UID_D));
    const early = await registry.resolve(cgroup(kubepodsPath(UID_D, hex('d'))));
    assert.equal(early?.state, 'pending-metadata', 'a container status without an ID is not the container');
    assert.equal(early?.namespace, 'web');
    assert.equal(early?.pod, 'frontend-7d9c8b6f5d-m3n4b');
    assert.equal(early?.name, undefined);
    api.modify(realisticPod({ name: 'frontend-7d9c8b6f5d-m3n4b', uid: UID_D, node: 'node-a', containerId: hex('d') }));
    const ready = await registry.waitForReady(hex('d'), 5000);
    assert.equal(ready?.name, 'nginx');
    assert.equal(ready?.podSandbox, undefined);
  });

  test('RBAC forbids owner lookups: names are decoded (Deployment, CronJob); Job → CronJob via the API', async () => {
    api.add(realisticPod({ name: 'backup-29061440-7xk2p', namespace: 'ops', uid: UID_E, node: 'node-a', containerId: hex('8'),
      owner: { kind: 'Job', name: 'backup-29061440', apiVersion: 'batch/v1' }, labels: { 'job-name': 'backup-29061440' }, privileged: true }));
    const first = setup();
    await first.pods.start();
    const viaApi = await until('Job owner', () => {
      const p = first.pods.byPodUid(UID_E);
      return p?.workload.kind === 'CronJob' ? p : undefined;
    });
    assert.deepEqual(viaApi.workload, { kind: 'CronJob', name: 'backup' });
    assert.ok(api.requests.includes('GET /apis/batch/v1/namespaces/ops/jobs/backup-29061440'));
    const job = await first.registry.resolve(cgroup(kubepodsPath(UID_E, hex('8'))));
    assert.equal(job?.privileged, true, 'privileged from the pod spec securityContext');

    api.forbidOwners = true;
    try {
      const denied = setup();
      await denied.pods.start();
      const a = await until('pod A', () => denied.pods.byPodUid(UID_A));
      assert.deepEqual(a.workload, { kind: 'Deployment', name: 'frontend' });
      const e = await until('pod E', () => denied.pods.byPodUid(UID_E));
      assert.deepEqual(e.workload, { kind: 'CronJob', name: 'backup' });
      await until('a forbidden answer', () => denied.pods.stats().workload.forbidden >= 1);
    } finally {
      api.forbidOwners = false;
    }
  });

  test('a failing list is retried with backoff; a watch closed by the server is resumed from its resourceVersion', async () => {
    api.failLists = 2;
    const { pods } = setup();
    await pods.start();
    await until('recovery after failed lists', () => pods.byPodUid(UID_A));
    const s = pods.stats();
    assert.ok(s.informerErrors >= 2, `errors ${s.informerErrors}`);
    assert.ok(s.informerRestarts >= 2);

    await until('watch open', () => api.openWatches > 0);
    const listsBefore = api.requests.filter((r) => r.startsWith('GET /api/v1/pods') && !r.includes('watch=true')).length;
    api.closeWatches();
    const uid = '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7';
    await until('re-watch', () => api.openWatches > 0);
    api.add(realisticPod({ name: 'frontend-7d9c8b6f5d-after', uid, node: 'node-a', containerId: hex('6') }));
    await until('event after re-watch', () => pods.byPodUid(uid));
    const listsAfter = api.requests.filter((r) => r.startsWith('GET /api/v1/pods') && !r.includes('watch=true')).length;
    assert.equal(listsAfter, listsBefore, 'resumed by resourceVersion, not by a new list');
  });
});
