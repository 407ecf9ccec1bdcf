// podman and docker metadata from real runtimes: podman's CLI, podman's libpod API on a private socket, and the
// docker code paths (API and the real docker CLI) against podman's docker-compatible API on that socket, since
// no docker engine exists here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerInspector, PodmanInspector, type InspectResult } from '../../src/containers/local-runtime.js';
import { parseDockerInspect, parsePodmanInspect, repoOf } from '../../src/containers/inspect-parse.js';
import { boundLabels } from '../../src/containers/bounded-labels.js';
import {
  ensureTestImage, podmanUnavailable, removeContainer, runContainer, startPodmanService, stopService, TEST_IMAGE,
  type RunningContainer,
} from './helpers/podman.js';

const NO_SUCH = '0123456789abcdef'.repeat(4);

function found(r: InspectResult): Extract<InspectResult, { kind: 'found' }> {
  assert.equal(r.kind, 'found', JSON.stringify(r));
  return r as Extract<InspectResult, { kind: 'found' }>;
}

describe('inspect document parsing (hostile input)', () => {
  test('junk documents are rejected, not thrown', () => {
    for (const doc of [null, 42, 'x', [], [{}], { Id: 'short' }, { Id: NO_SUCH.replace('0', 'g') }]) {
      assert.equal(parsePodmanInspect(doc), undefined);
      assert.equal(parseDockerInspect(doc), undefined);
    }
  });
  test('fields of the wrong type cost only that field', () => {
    const info = parsePodmanInspect({
      Id: NO_SUCH, ImageName: 7, ImageDigest: 'sha256:nothex', Config: { Labels: { ok: 'yes', bad: 5 } },
      HostConfig: { Privileged: 'yes' }, State: { StartedAt: 'yesterday', Pid: -4 },
    });
    assert.deepEqual(info, { id: NO_SUCH, runtime: 'podman', labels: { ok: 'yes' }, labelsDropped: 1 });
  });
  test('labels are bounded in count and size; io.kubernetes labels are understood', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${String(i).padStart(3, '0')}`, 'v'.repeat(i === 0 ? 1000 : 1)]));
    const { labels, dropped } = boundLabels(many);
    assert.equal(Object.keys(labels).length, 64);
    assert.equal(labels['k000']?.length, 256);
    assert.equal(dropped, 36 + 1);
    const k8s = parseDockerInspect({
      Id: NO_SUCH, Config: { Image: 'nginx:1.25', Labels: { 'io.kubernetes.pod.namespace': 'web', 'io.kubernetes.pod.name': 'nginx-1', 'io.kubernetes.container.name': 'nginx' } },
    });
    assert.deepEqual(k8s?.kubernetes, { namespace: 'web', pod: 'nginx-1', containerName: 'nginx' });
    assert.equal(repoOf('registry:5000/team/app:1.2'), 'registry:5000/team/app');
    assert.equal(repoOf('app@sha256:' + 'a'.repeat(64)), 'app');
  });
});

describe('local runtimes against real podman', async () => {
  const skip = await podmanUnavailable();
  let plain: RunningContainer | undefined;
  let privileged: RunningContainer | undefined;
  let service: ChildProcess | undefined;
  let dir = '';
  let sock = '';
  let digest = '';
  let imageId = '';

  before(async () => {
    if (skip) return;
    await ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'vigil-podman-sock-'));
    sock = join(dir, 'podman.sock');
    [plain, privileged, service] = await Promise.all([
      runContainer(['sleep', '60'], { labels: { app: 'demo', tier: 'test' } }),
      runContainer(['sleep', '60'], { extra: ['--privileged'] }),
      startPodmanService(sock),
    ]);
    const img = JSON.parse(execFileSync('podman', ['image', 'inspect', TEST_IMAGE], { encoding: 'utf8' }))[0];
    digest = img.Digest;
    imageId = `sha256:${img.Id.replace(/^sha256:/, '')}`;
  });
  after(async () => {
    await Promise.all([plain, privileged].map((c) => (c ? removeContainer(c.id) : undefined)));
    if (service) await stopService(service);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('podman CLI (socket absent): image, digest, labels, privileged, start time', { skip }, async () => {
    const p = new PodmanInspector({ socketPath: join(dir, 'absent.sock') });
    const r = found(await p.inspect(plain!.id));
    assert.equal(r.via, 'cli');
    assert.equal(r.info.id, plain!.id);
    assert.equal(r.info.image, TEST_IMAGE);
    assert.equal(r.info.imageDigest, digest);
    assert.equal(r.info.imageId, imageId);
    assert.deepEqual(r.info.labels, { app: 'demo', tier: 'test' });
    assert.equal(r.info.privileged, false);
    assert.equal(r.info.pid, plain!.pid);
    assert.equal(r.info.cgroupPath, plain!.cgroupPath);
    assert.ok(Math.abs(Date.parse(r.info.startedAt ?? '') - Date.now()) < 120_000);
    assert.equal(found(await p.inspect(privileged!.id)).info.privileged, true);
    assert.deepEqual(await p.inspect(NO_SUCH), { kind: 'not-found' });
    const s = p.stats();
    assert.equal(s.socketFailures, 1, 'the absent socket was tried once, then skipped');
    assert.equal(s.found, 2);
    assert.equal(s.notFound, 1);
  });

  test('podman libpod API on a unix socket gives the same answer', { skip }, async () => {
    const p = new PodmanInspector({ socketPath: sock, binary: null });
    const r = found(await p.inspect(plain!.id));
    assert.equal(r.via, 'socket');
    assert.equal(r.info.image, TEST_IMAGE);
    assert.equal(r.info.imageDigest, digest);
    assert.deepEqual(r.info.labels, { app: 'demo', tier: 'test' });
    assert.equal(found(await p.inspect(privileged!.id)).info.privileged, true);
    assert.deepEqual(await p.inspect(NO_SUCH), { kind: 'not-found' });
    assert.equal(p.stats().cliRuns, 0);
  });

  test('docker API code path (podman docker-compatible API): digest from the image RepoDigests', { skip }, async () => {
    const d = new DockerInspector({ socketPath: sock, binary: null });
    const r = found(await d.inspect(plain!.id));
    assert.equal(r.info.runtime, 'docker');
    assert.equal(r.info.image, TEST_IMAGE);
    assert.equal(r.info.imageId, imageId);
    assert.equal(r.info.imageDigest, digest);
    assert.deepEqual(r.info.labels, { app: 'demo', tier: 'test' });
    assert.equal(r.info.privileged, false);
    assert.deepEqual(await d.inspect(NO_SUCH), { kind: 'not-found' });
  });

  test('the real docker CLI (DOCKER_HOST → podman socket)', { skip }, async () => {
    const d = new DockerInspector({ socketPath: null, env: { ...process.env, DOCKER_HOST: `unix://${sock}` } });
    const r = found(await d.inspect(privileged!.id));
    assert.equal(r.via, 'cli');
    assert.equal(r.info.privileged, true);
    assert.equal(r.info.imageDigest, digest);
    assert.deepEqual(await d.inspect(NO_SUCH), { kind: 'not-found' });
  });

  test('no daemon, no socket, no binary: "unavailable", never a throw', { skip }, async () => {
    const none = new DockerInspector({ socketPath: join(dir, 'nope.sock'), binary: join(dir, 'no-docker') });
    assert.equal((await none.inspect(plain!.id)).kind, 'unavailable');
    const noDaemon = new DockerInspector({ socketPath: null, env: { ...process.env, DOCKER_HOST: `unix://${join(dir, 'nope.sock')}` } });
    assert.equal((await noDaemon.inspect(plain!.id)).kind, 'unavailable');
    const bad = await new PodmanInspector({ socketPath: null }).inspect('$(reboot)');
    assert.equal(bad.kind, 'error');
  });

  test('timeouts are bounded and counted', { skip }, async () => {
    // A "CLI" that hangs: the timeout must kill it.
    const hang = join(dir, 'hanging-podman');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const slow = new PodmanInspector({ socketPath: null, binary: hang, timeoutMs: 200 });
    const t0 = Date.now();
    const r = await slow.inspect('1'.repeat(64));
    assert.equal(r.kind, 'error');
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(slow.stats().timeouts, 1);
  });
});
