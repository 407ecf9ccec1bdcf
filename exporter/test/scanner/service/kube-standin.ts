// A STAND-IN for kube-apiserver (none can be installed here) for the scanner service: the pods list+watch,
// ReplicaSet/Job lookups and errors come from the node agent's stand-in (test/containers/helpers), which this
// fronts; it adds what the scanner reads besides: GET /api/v1/namespaces/NS/secrets/NAME (a v1 Secret, or a
// metav1.Status 404). Every request is logged so tests can check which secrets were read.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeApiStandIn } from '../../containers/helpers/kube-apiserver-standin.js';
import { realisticPod } from '../../containers/helpers/pod-fixtures.js';

type Obj = Record<string, any>;

export class ScannerKubeStandIn {
  readonly core = new KubeApiStandIn();
  readonly secrets = new Map<string, Obj>();
  readonly requests: string[] = [];
  private server: Server | undefined;
  private upstream = '';
  url = '';

  async start(): Promise<string> {
    this.upstream = await this.core.start();
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await this.core.stop();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }

  /** A kubernetes.io/dockerconfigjson secret, as `kubectl create secret docker-registry` makes it. */
  addDockerSecret(namespace: string, name: string, registry: string, user: string, password: string, type = 'kubernetes.io/dockerconfigjson'): void {
    const config = { auths: { [registry]: { username: user, password, auth: Buffer.from(`${user}:${password}`).toString('base64') } } };
    this.secrets.set(`${namespace}/${name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, uid: `secret-${name}`, resourceVersion: '7', creationTimestamp: '2026-11-01T00:00:00Z' },
      type,
      data: { [type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : 'config']: Buffer.from(JSON.stringify(config)).toString('base64') },
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${u.pathname}`);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(u.pathname);
    if (m && req.method === 'GET') {
      const s = this.secrets.get(`${m[1]}/${m[2]}`);
      const body = s ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `secrets "${m[2]}" not found`, reason: 'NotFound', code: 404 };
      const text = JSON.stringify(body);
      res.writeHead(s ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    // Everything else (pods list and watch, owners) is the node agent's stand-in, streamed through.
    const target = new URL(this.upstream);
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      res.flushHeaders(); // a watch's headers come before its first event, as from the real server
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    // A client that goes away (a watch being stopped) ends the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }
}

/**
 * A running pod of a Deployment (kubectl get pod -o json shape, from pod-fixtures.ts) whose container runs
 * `image` (imageID `repo@digest`), optionally with an init container and imagePullSecrets.
 */
export function scannerPod(p: {
  name: string;
  uid: string;
  namespace: string;
  image: string;
  digest: string;
  replicaSet: string;
  hash: string;
  pullSecrets?: string[];
  init?: { image: string; digest: string };
  containerId: string;
}): Obj {
  const pod = realisticPod({ name: p.name, uid: p.uid, namespace: p.namespace, node: 'node-1', containerId: p.containerId, owner: { kind: 'ReplicaSet', name: p.replicaSet }, labels: { app: 'api', 'pod-template-hash': p.hash } });
  const repo = p.image.replace(/:[^/:]+$/, '');
  pod.spec.containers[0].name = 'api';
  pod.spec.containers[0].image = p.image;
  pod.status.containerStatuses[0].name = 'api';
  pod.status.containerStatuses[0].image = p.image;
  pod.status.containerStatuses[0].imageID = `${repo}@${p.digest}`;
  if (p.pullSecrets) pod.spec.imagePullSecrets = p.pullSecrets.map((name) => ({ name }));
  if (p.init) {
    const initRepo = p.init.image.replace(/:[^/:]+$/, '');
    pod.spec.initContainers = [{ name: 'migrate', image: p.init.image, imagePullPolicy: 'IfNotPresent', resources: {} }];
    pod.status.initContainerStatuses = [
      {
        name: 'migrate', ready: true, restartCount: 0, started: false, image: p.init.image, imageID: `${initRepo}@${p.init.digest}`,
        containerID: `containerd://${'b'.repeat(64)}`, lastState: {},
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-11-30T09:14:04Z', finishedAt: '2026-11-30T09:14:06Z', containerID: `containerd://${'b'.repeat(64)}` } },
      },
    ];
  }
  return pod;
}
