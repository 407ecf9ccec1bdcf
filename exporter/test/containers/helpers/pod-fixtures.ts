// Pod objects in the shape `kubectl get pod -o json` returns them (a Deployment's nginx pod on containerd,
// Kubernetes 1.29), with the identifying fields as parameters.

export interface PodParams {
  name: string;
  namespace?: string;
  uid: string;
  node: string;
  /** Container ID as the kubelet reports it once created; omit for a container still being created. */
  containerId?: string;
  sidecarId?: string;
  image?: string;
  imageDigest?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string; apiVersion?: string };
  privileged?: boolean;
  qos?: 'Burstable' | 'BestEffort' | 'Guaranteed';
}

export function realisticPod(p: PodParams): Record<string, any> {
  const ns = p.namespace ?? 'web';
  const image = p.image ?? 'nginx:1.25.3';
  const digest = p.imageDigest ?? 'sha256:2bdc49f2f8ae8d8dc50ed00f2ee56d00385c6f8bc8a8b320d0a294d9e3b49026';
  const started = '2026-11-30T09:14:07Z';
  const owner = p.owner ?? { kind: 'ReplicaSet', name: 'frontend-7d9c8b6f5d' };
  const labels = p.labels ?? { app: 'frontend', 'pod-template-hash': '7d9c8b6f5d', tier: 'web' };
  const nginxStatus: Record<string, any> = {
    name: 'nginx',
    ready: p.containerId !== undefined,
    restartCount: 0,
    image: `docker.io/library/${image}`,
    imageID: p.containerId !== undefined ? `docker.io/library/nginx@${digest}` : '',
    started: p.containerId !== undefined,
    lastState: {},
    state: p.containerId !== undefined
      ? { running: { startedAt: started } }
      : { waiting: { reason: 'ContainerCreating' } },
  };
  if (p.containerId !== undefined) nginxStatus['containerID'] = `containerd://${p.containerId}`;
  const statuses: Record<string, any>[] = [nginxStatus];
  const containers: Record<string, any>[] = [{
    name: 'nginx',
    image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    securityContext: p.privileged !== undefined ? { privileged: p.privileged } : { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [{ name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
  }];
  if (p.sidecarId !== undefined) {
    containers.push({ name: 'log-shipper', image: 'fluent/fluent-bit:2.2.0', resources: {} });
    statuses.push({
      name: 'log-shipper', ready: true, restartCount: 1, started: true,
      image: 'docker.io/fluent/fluent-bit:2.2.0',
      imageID: 'docker.io/fluent/fluent-bit@sha256:4ea2d9f1e8f2ab0f5f93c5c0e2ed3c4d1a0d2c3b4a5f60718293a4b5c6d7e8f9',
      containerID: `containerd://${p.sidecarId}`,
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-11-30T09:14:08Z', finishedAt: '2026-11-30T10:01:00Z', containerID: `containerd://${'9'.repeat(64)}` } },
      state: { running: { startedAt: '2026-11-30T10:01:02Z' } },
    });
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      generateName: p.name.replace(/[^-]+$/, ''),
      namespace: ns,
      uid: p.uid,
      resourceVersion: '1',
      creationTimestamp: '2026-11-30T09:14:03Z',
      labels,
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-30T09:13:58Z' },
      ownerReferences: [{
        apiVersion: owner.apiVersion ?? 'apps/v1', kind: owner.kind, name: owner.name,
        uid: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9', controller: true, blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers,
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      nodeName: p.node,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [{ name: 'kube-api-access-x7k2p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
    },
    status: {
      phase: p.containerId !== undefined ? 'Running' : 'Pending',
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-30T09:14:03Z' },
        { type: 'Ready', status: p.containerId !== undefined ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: started },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-30T09:14:03Z' },
      ],
      hostIP: '10.0.12.7',
      podIP: '10.244.1.23',
      podIPs: [{ ip: '10.244.1.23' }],
      qosClass: p.qos ?? 'Burstable',
      startTime: '2026-11-30T09:14:03Z',
      containerStatuses: statuses,
    },
  };
}

/** systemd-driver cgroup path of a containerd container in a Burstable pod. */
export function kubepodsPath(uid: string, containerId: string): string {
  const u = uid.replace(/-/g, '_');
  return `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u}.slice/cri-containerd-${containerId}.scope`;
}
