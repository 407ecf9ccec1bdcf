// Cgroup path → container / pod, over the path shapes real runtimes and cgroup drivers produce (taken from
// kubelet's cgroup_manager_linux.go naming, containerd/CRI-O/docker/podman scope names and kind/k3d nesting).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgroupPath, type CgroupAttribution } from '../../src/containers/cgroup-path.js';

const A = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8); // 64 hex
const B = '4f2c9a7e1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
const C = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const UID = '3c1d6e2a-9b4f-4d8e-a1c2-7f6e5d4c3b2a';
const UID_ = UID.replace(/-/g, '_');
const STATIC_UID = '8d3e6c1f0a9b4c2d7e5f60718293a4b5'; // static pods: a hash, no dashes

const cases: Array<[string, string, CgroupAttribution]> = [
  // containerd (CRI) with the systemd cgroup driver
  ['containerd systemd burstable',
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${A}.scope`,
    { runtime: 'containerd', containerId: A, podUid: UID, qosClass: 'burstable' }],
  ['containerd systemd besteffort',
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${A}.scope`,
    { runtime: 'containerd', containerId: A, podUid: UID, qosClass: 'besteffort' }],
  ['containerd systemd guaranteed',
    `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${A}.scope`,
    { runtime: 'containerd', containerId: A, podUid: UID, qosClass: 'guaranteed' }],
  ['containerd systemd static pod (hash uid)',
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC_UID}.slice/cri-containerd-${A}.scope`,
    { runtime: 'containerd', containerId: A, podUid: STATIC_UID, qosClass: 'burstable' }],
  // cgroupfs driver (kubelet --cgroup-driver=cgroupfs, GKE COS, k3s default)
  ['cgroupfs burstable', `/kubepods/burstable/pod${UID}/${A}`,
    { runtime: 'unknown', containerId: A, podUid: UID, qosClass: 'burstable' }],
  ['cgroupfs besteffort', `/kubepods/besteffort/pod${UID}/${A}`,
    { runtime: 'unknown', containerId: A, podUid: UID, qosClass: 'besteffort' }],
  ['cgroupfs guaranteed', `/kubepods/pod${UID}/${A}`,
    { runtime: 'unknown', containerId: A, podUid: UID, qosClass: 'guaranteed' }],
  // CRI-O (OpenShift)
  ['cri-o systemd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${B}.scope`,
    { runtime: 'cri-o', containerId: B, podUid: UID, qosClass: 'burstable' }],
  ['cri-o with crun sub-cgroup', `/kubepods.slice/kubepods-pod${UID_}.slice/crio-${B}.scope/container`,
    { runtime: 'cri-o', containerId: B, podUid: UID, qosClass: 'guaranteed' }],
  ['cri-o conmon is not a container',
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${B}.scope`,
    { runtime: 'host', podUid: UID, qosClass: 'burstable' }],
  // docker
  ['docker systemd', `/system.slice/docker-${C}.scope`, { runtime: 'docker', containerId: C }],
  ['docker cgroupfs', `/docker/${C}`, { runtime: 'docker', containerId: C }],
  ['docker in a kubepods tree (dockershim / cri-dockerd)',
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${C}.scope`,
    { runtime: 'docker', containerId: C, podUid: UID, qosClass: 'besteffort' }],
  ['docker rootless', `/user.slice/user-1000.slice/user@1000.service/app.slice/docker-${C}.scope`,
    { runtime: 'docker', containerId: C }],
  ['docker-in-docker: innermost wins', `/docker/${A}/docker/${C}`, { runtime: 'docker', containerId: C }],
  // podman
  ['podman cgroupfs (this machine)', `/libpod_parent/libpod-${A}`, { runtime: 'podman', containerId: A }],
  ['podman systemd', `/machine.slice/libpod-${A}.scope`, { runtime: 'podman', containerId: A }],
  ['podman systemd nested "container"', `/machine.slice/libpod-${A}.scope/container`, { runtime: 'podman', containerId: A }],
  ['podman pod', `/machine.slice/machine-libpod_pod_${B}.slice/libpod-${A}.scope`, { runtime: 'podman', containerId: A }],
  ['podman conmon is not a container', `/machine.slice/libpod-conmon-${A}.scope`, { runtime: 'host' }],
  ['podman rootless', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope`,
    { runtime: 'podman', containerId: A }],
  // k3s / rke2 (containerd, either driver) and kind / k3d nesting
  ['k3s cgroupfs', `/kubepods/besteffort/pod${UID}/${B}`,
    { runtime: 'unknown', containerId: B, podUid: UID, qosClass: 'besteffort' }],
  ['rke2 systemd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${B}.scope`,
    { runtime: 'containerd', containerId: B, podUid: UID, qosClass: 'burstable' }],
  ['kind node (systemd in node container, kubelet.slice)',
    `/system.slice/docker-${C}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${UID_}.slice/cri-containerd-${A}.scope`,
    { runtime: 'containerd', containerId: A, podUid: UID, qosClass: 'burstable' }],
  ['kind / k3d cgroupfs nesting', `/docker/${C}/kubepods/burstable/pod${UID}/${A}`,
    { runtime: 'unknown', containerId: A, podUid: UID, qosClass: 'burstable' }],
  ['kind node: a pod-level cgroup stays with the node container',
    `/docker/${C}/kubepods/burstable/pod${UID}`, { runtime: 'docker', containerId: C }],
  ['cgroup-namespaced view ("/.." prefix)', `/../../kubepods/pod${UID}/${A}`,
    { runtime: 'unknown', containerId: A, podUid: UID, qosClass: 'guaranteed' }],
  // containerd outside Kubernetes
  ['containerd cgroupfs namespace k8s.io', `/k8s.io/${A}`, { runtime: 'containerd', containerId: A }],
  ['nerdctl systemd', `/system.slice/nerdctl-${A}.scope`, { runtime: 'containerd', containerId: A }],
  // host
  ['root', '/', { runtime: 'host' }],
  ['systemd service', '/system.slice/sshd.service', { runtime: 'host' }],
  ['user session', '/user.slice/user-0.slice/session-3.scope', { runtime: 'host' }],
  ['kubelet itself', '/system.slice/kubelet.service', { runtime: 'host' }],
  ['kubepods root', '/kubepods.slice', { runtime: 'host' }],
  ['pod-level cgroup', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`,
    { runtime: 'host', podUid: UID, qosClass: 'besteffort' }],
  ['32-hex (not a container id)', '/process_api/de321bd9aa953a39b625b5a8c62d070b', { runtime: 'host' }],
  ['63-hex is not an id', `/docker/${A.slice(1)}`, { runtime: 'host' }],
  ['upper case id is normalised', `/docker/${C.toUpperCase()}`, { runtime: 'docker', containerId: C }],
];

describe('parseCgroupPath', () => {
  for (const [name, path, want] of cases) {
    test(name, () => {
      assert.deepEqual(parseCgroupPath(path), want);
    });
  }

  test('covers at least 25 real path shapes', () => {
    assert.ok(cases.length >= 25, `only ${cases.length} cases`);
  });

  test('hostile input is attributed to the host, not thrown', () => {
    assert.deepEqual(parseCgroupPath('/docker/' + 'a'.repeat(5000)), { runtime: 'host' });
    assert.deepEqual(parseCgroupPath(`/docker/${C}\0`), { runtime: 'host' });
    assert.deepEqual(parseCgroupPath(42 as unknown as string), { runtime: 'host' });
    assert.deepEqual(parseCgroupPath(''), { runtime: 'host' });
  });
});
