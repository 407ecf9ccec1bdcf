// `vigil node` in "Kubernetes" mode: a real podman container plays the pod's container and a STAND-IN
// kube-apiserver (no real one can be installed here; it speaks the list/watch protocol with real Pod shapes,
// see test/containers/helpers/kube-apiserver-standin.ts) says which pod runs it. Events and metrics must then
// carry the namespace, pod, container name and owning workload, through the real @kubernetes/client-node.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { VigilEvent } from '../../src/events/types.js';
import { KubeApiStandIn } from '../containers/helpers/kube-apiserver-standin.js';
import { realisticPod } from '../containers/helpers/pod-fixtures.js';
import { until } from '../support/wait.js';
import { kernelTestSkipReason, podmanSkipReason } from '../support/privileges.js';
import { ensureBusyboxImage, PODMAN_RUN_FLAGS, removeContainer } from '../support/podman.js';

const skip = kernelTestSkipReason() ?? podmanSkipReason();
const exporterDir = resolve(import.meta.dirname, '../..');
const IMAGE = 'localhost/vigil-e2e:1';

describe('vigil node with Kubernetes pod metadata (stand-in API server)', { skip }, () => {
  const api = new KubeApiStandIn();
  const name = `vigil-k8s-${process.pid}`;
  const events: VigilEvent[] = [];
  let node: ChildProcess;
  let base = '';
  let containerId = '';

  before(async () => {
    ensureBusyboxImage(IMAGE);
    await api.start();
    api.replicaSets.set('web/frontend-7d9c8b6f5d', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'frontend-7d9c8b6f5d', namespace: 'web', uid: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9', resourceVersion: '77',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'frontend', uid: 'aa00aa00-b5a6-4978-8695-a4b3c2d1e0f9', controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'frontend' } } },
    });
    const run = spawnSync('podman', ['run', '-d', '--name', name, ...PODMAN_RUN_FLAGS, '--network', 'none', IMAGE, 'sh', '-c', 'while true; do sleep 1; done'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    containerId = run.stdout.trim().split('\n').pop()!;
    // The kubelet reports the container once it runs: the pod arrives through the watch after vigil started.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-k8s-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n    server: ${api.url}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: standin\n  context:\n    cluster: standin\n    user: standin\ncurrent-context: standin\nusers:\n- name: standin\n  user: {}\n`);
    node = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'j'), '--node-name', 'node-a'], {
      cwd: exporterDir,
      env: { ...process.env, VIGIL_CONTAINERS_KUBERNETES: 'on', VIGIL_CONTAINERS_KUBECONFIG: kubeconfig, VIGIL_CONTAINERS_CGROUP_STATS_INTERVAL_MS: '500' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: node.stdout! }).on('line', (l) => events.push(JSON.parse(l) as VigilEvent));
    base = await new Promise<string>((res, rej) => {
      createInterface({ input: node.stderr! }).on('line', (l) => {
        if (l.includes('vigil node serving')) res(`http://${(JSON.parse(l) as { listen: string }).listen}`);
        if (l.startsWith('vigil:')) rej(new Error(l));
      });
    });
    await until('the pod watch', () => (api.openWatches > 0 ? true : undefined));
    api.add(realisticPod({ name: 'frontend-7d9c8b6f5d-x2v9q', namespace: 'web', uid: '3f8e9a1b-2c4d-4e6f-8a0b-1c2d3e4f5a6b', node: 'node-a', containerId, image: 'nginx:1.25.3' }));
  });

  after(async () => {
    removeContainer(name);
    node?.kill('SIGTERM');
    if (node) await new Promise((r) => node.once('exit', r));
    await api.stop();
  });

  test('events of the container carry the pod, container name and workload', async () => {
    const ev = await until('an exec with pod metadata', () => {
      spawnSync('podman', ['exec', name, 'cat', '/etc/hostname'], { stdio: 'ignore' });
      return events.find((e) => e.container?.id === containerId && e.type === 'exec' && e.k8s !== undefined);
    });
    assert.deepEqual(
      { ns: ev.k8s?.ns, pod: ev.k8s?.pod, container: ev.k8s?.container, kind: ev.k8s?.workload_kind, workload: ev.k8s?.workload, uid: ev.k8s?.pod_uid },
      { ns: 'web', pod: 'frontend-7d9c8b6f5d-x2v9q', container: 'nginx', kind: 'Deployment', workload: 'frontend', uid: '3f8e9a1b-2c4d-4e6f-8a0b-1c2d3e4f5a6b' },
    );
    assert.ok(api.requests.some((r) => r.includes('fieldSelector=spec.nodeName%3Dnode-a') || r.includes('fieldSelector=spec.nodeName=node-a')), 'only this node is watched');
  });

  test('metrics use the pod labels and vigil_container_info names the workload', async () => {
    const text = await until('metrics with pod labels', async () => {
      const t = await (await fetch(`${base}/metrics`)).text();
      return /vigil_container_syscalls_total\{node="node-a",namespace="web",pod="frontend-7d9c8b6f5d-x2v9q",container="nginx"\} \d+/.test(t) ? t : undefined;
    });
    assert.match(text, /vigil_container_info\{node="node-a",namespace="web",pod="frontend-7d9c8b6f5d-x2v9q",container="nginx",[^}]*workload_kind="Deployment",workload="frontend"\} 1/);
    assert.match(text, /vigil_container_memory_usage_bytes\{node="node-a",namespace="web",pod="frontend-7d9c8b6f5d-x2v9q",container="nginx"\} \d+/);
  });
});
