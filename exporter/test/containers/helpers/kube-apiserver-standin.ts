// A STAND-IN for kube-apiserver (none can be installed here), small but speaking the real protocol for what
// Vigil's node agent uses:
//  - GET /api/v1/pods[?fieldSelector=spec.nodeName=X]            → a v1 PodList with metadata.resourceVersion
//  - GET /api/v1/pods?watch=true&resourceVersion=N[&fieldSelector] → chunked, newline-delimited watch events
//    {"type":"ADDED"|"MODIFIED"|"DELETED","object":{...}} replayed from N, then live; 410 Gone for a compacted N
//  - GET /apis/apps/v1/namespaces/NS/replicasets/NAME, /apis/batch/v1/namespaces/NS/jobs/NAME
//  - errors as metav1.Status objects (404 NotFound, 403 Forbidden, 500)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, any>;

interface Watcher {
  res: ServerResponse;
  nodeName: string | undefined;
}

export class KubeApiStandIn {
  private server: Server | undefined;
  private rv = 100;
  private readonly pods = new Map<string, Obj>(); // key ns/name
  private readonly log: Array<{ rv: number; type: string; object: Obj }> = [];
  private readonly watchers = new Set<Watcher>();
  readonly replicaSets = new Map<string, Obj>();
  readonly jobs = new Map<string, Obj>();
  /** Requests seen, as "METHOD path?query". */
  readonly requests: string[] = [];
  /** Answer owner lookups with 403, as a cluster whose RBAC does not grant replicasets/jobs get. */
  forbidOwners = false;
  /** Fail the next N list requests with 500. */
  failLists = 0;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }

  /** Close every open watch, as the real server does when a watch times out; clients re-watch from their RV. */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  add(pod: Obj): Obj {
    return this.write('ADDED', pod);
  }

  modify(pod: Obj): Obj {
    return this.write('MODIFIED', pod);
  }

  delete(pod: Obj): Obj {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const current = this.pods.get(key) ?? pod;
    this.pods.delete(key);
    const obj = structuredClone(current);
    obj.metadata.resourceVersion = String(++this.rv);
    obj.metadata.deletionTimestamp = new Date().toISOString();
    this.publish('DELETED', obj);
    return obj;
  }

  private write(type: 'ADDED' | 'MODIFIED', pod: Obj): Obj {
    const obj = structuredClone(pod);
    obj.metadata.resourceVersion = String(++this.rv);
    this.pods.set(`${obj.metadata.namespace}/${obj.metadata.name}`, obj);
    this.publish(type, obj);
    return obj;
  }

  private publish(type: string, object: Obj): void {
    this.log.push({ rv: this.rv, type, object });
    for (const w of this.watchers) this.send(w, type, object);
  }

  private send(w: Watcher, type: string, object: Obj): void {
    if (w.nodeName !== undefined && object.spec?.nodeName !== w.nodeName) return;
    w.res.write(JSON.stringify({ type, object }) + '\n');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${u.pathname}${u.search}`);
    const nodeName = parseNodeSelector(u.searchParams.get('fieldSelector'));
    if (nodeName === null) return this.status(res, 400, 'BadRequest', `unsupported fieldSelector ${u.searchParams.get('fieldSelector')}`);
    if (req.method !== 'GET') return this.status(res, 405, 'MethodNotAllowed', 'GET only');

    if (u.pathname === '/api/v1/pods') {
      if (u.searchParams.get('watch') === 'true') return this.watch(req, res, u, nodeName);
      if (this.failLists > 0) {
        this.failLists--;
        return this.status(res, 500, 'InternalError', 'etcdserver: request timed out');
      }
      const items = [...this.pods.values()].filter((p) => nodeName === undefined || p.spec?.nodeName === nodeName);
      return this.json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items });
    }
    let m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets\/([^/]+)$/.exec(u.pathname);
    if (m) return this.owner(res, this.replicaSets.get(`${m[1]}/${m[2]}`), 'replicasets', 'apps', m[2]!);
    m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/.exec(u.pathname);
    if (m) return this.owner(res, this.jobs.get(`${m[1]}/${m[2]}`), 'jobs', 'batch', m[2]!);
    return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
  }

  private watch(req: IncomingMessage, res: ServerResponse, u: URL, nodeName: string | undefined): void {
    const from = Number(u.searchParams.get('resourceVersion') || this.rv);
    const oldest = this.log[0]?.rv ?? this.rv;
    if (from < oldest - 1) {
      return this.json(res, 200, undefined, { type: 'ERROR', object: statusObj(410, 'Expired', `too old resource version: ${from}`) });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders(); // as the real server does: the client's request completes before the first event
    const w: Watcher = { res, nodeName };
    for (const e of this.log) if (e.rv > from) this.send(w, e.type, e.object);
    this.watchers.add(w);
    req.on('close', () => this.watchers.delete(w));
  }

  private owner(res: ServerResponse, obj: Obj | undefined, resource: string, group: string, name: string): void {
    if (this.forbidOwners) {
      return this.status(res, 403, 'Forbidden',
        `${resource}.${group} "${name}" is forbidden: User "system:serviceaccount:vigil:vigil" cannot get resource "${resource}" in API group "${group}"`);
    }
    if (!obj) return this.status(res, 404, 'NotFound', `${resource}.${group} "${name}" not found`);
    return this.json(res, 200, obj);
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, statusObj(code, reason, message));
  }

  private json(res: ServerResponse, code: number, body: unknown, watchEvent?: unknown): void {
    const text = watchEvent !== undefined ? JSON.stringify(watchEvent) + '\n' : JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function statusObj(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** undefined = no selector; null = a selector this stand-in does not implement (the real server would 400 too). */
function parseNodeSelector(sel: string | null): string | undefined | null {
  if (sel === null || sel === '') return undefined;
  const m = /^spec\.nodeName==?([^,]+)$/.exec(sel);
  return m?.[1] ?? null;
}
