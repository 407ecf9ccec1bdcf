// The Grafana STAND-IN server. No Grafana server can be installed on these machines, so the plugin's browser tests
// and benchmark talk to this loopback server, which serves what Grafana would serve an app plugin and nothing
// else, with the plugin's production build (plugin/dist) loaded unchanged:
//
//   GET  /a/<app>/*, /plugins/<app>      the host page (window.grafanaBootData + SystemJS + the host bundle,
//                                        host/main.tsx), like Grafana's index.html for every front-end route
//   GET  /public/plugins/<app>/*         plugin/dist, as Grafana serves public/plugins/<id>/
//   GET  /public/standin/*               the host bundle and SystemJS (system.js + extras/amd.js)
//   POST /api/ds/query                   ds-query.ts (real Prometheus; the Loki stand-in)
//   *    /api/plugin-proxy/<app>/<route>  plugin-proxy.ts (plugin.json routes → the real vigil scanner)
//   GET  /api/plugins/<app>/settings     the app's settings DTO: jsonData and secureJsonFields, never
//                                        secureJsonData (pkg/api/plugins.go GetPluginSettingByID)
//   POST /api/plugins/<app>/settings     {enabled, pinned, jsonData, secureJsonData}: jsonData replaced, each
//                                        given secureJsonData key set (Admin only), 200 {"message":"Plugin settings updated"}
//   GET  /api/datasources/uid/:uid       the data source DTO (pkg/api/datasources.go GetDataSourceByUID)
//   GET  /api/health                     {"database":"ok","version":…}
// Every request is logged in `requests` (method, path, status) for the tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { buildHost, HOST_OUT_DIR } from './build-host.js';
import { BadRequest, runDsQuery, type DataSourceConfig } from './ds-query.js';
import { proxyPluginRoute, type AppSettingsStore, type PluginRoute } from './plugin-proxy.js';

const PLUGIN_DIR = resolve(import.meta.dirname, '../..');
export const PLUGIN_DIST = join(PLUGIN_DIR, 'dist');
const MAX_BODY = 1024 * 1024;
const require = createRequire(import.meta.url);
const SYSTEMJS_DIR = resolve(require.resolve('systemjs/package.json'), '..', 'dist');
/** Grafana's icon set as @grafana/ui ships it; the Icon component loads <public path>build/img/icons/<dir>/<name>.svg. */
const ICONS_DIR = resolve(require.resolve('@grafana/ui/package.json'), '..', 'dist', 'public', 'img', 'icons');

const SPINNER_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2" stroke-dasharray="14 42"/></svg>';

const MIME: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export interface GrafanaStandInOptions {
  prometheusUrl: string;
  lokiUrl: string;
  /** jsonData of the app, e.g. { scannerUrl, prometheusUid, lokiUid, isScannerTokenSet } */
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  /** Org role of the signed-in stand-in user (default Admin). */
  role?: 'Viewer' | 'Editor' | 'Admin';
  /** Data sources to provision (default: vigil-prometheus and vigil-loki on the given URLs). */
  datasources?: DataSourceConfig[];
  distDir?: string;
  port?: number;
}

export interface RequestLog {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface GrafanaStandIn {
  url: string;
  requests: RequestLog[];
  settings: AppSettingsStore & { enabled: boolean; pinned: boolean };
  /** Every data source query body received (for tests that check what the frontends sent). */
  dsQueries: unknown[];
  stop(): Promise<void>;
}

export function defaultDataSources(prometheusUrl: string, lokiUrl: string): DataSourceConfig[] {
  return [
    { uid: 'vigil-prometheus', type: 'prometheus', name: 'Prometheus (Vigil)', id: 1, url: prometheusUrl, jsonData: { timeInterval: '1s' }, isDefault: true },
    { uid: 'vigil-loki', type: 'loki', name: 'Loki (Vigil)', id: 2, url: lokiUrl, jsonData: { maxLines: 1000 } },
  ];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) throw new BadRequest('request body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('bad request data');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendFile(res: ServerResponse, root: string, rel: string): void {
  const p = normalize(join(root, rel));
  if (!p.startsWith(root + sep) || !existsSync(p) || !statSync(p).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': MIME[extname(p)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
  res.end(readFileSync(p));
}

function escapeScriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export async function startGrafanaStandIn(opts: GrafanaStandInOptions): Promise<GrafanaStandIn> {
  const dist = resolve(opts.distDir ?? PLUGIN_DIST);
  const pluginJsonPath = join(dist, 'plugin.json');
  if (!existsSync(join(dist, 'module.js')) || !existsSync(pluginJsonPath)) throw new Error(`${dist} has no module.js/plugin.json: build the plugin first`);
  await buildHost();
  const pluginJson = JSON.parse(readFileSync(pluginJsonPath, 'utf8')) as {
    id: string;
    name: string;
    type: string;
    info: Record<string, unknown> & { logos?: { small?: string; large?: string }; version?: string };
    includes?: unknown[];
    dependencies?: unknown;
    routes?: PluginRoute[];
  };
  const appId = pluginJson.id;
  const datasources = opts.datasources ?? defaultDataSources(opts.prometheusUrl, opts.lokiUrl);
  const role = opts.role ?? 'Admin';
  const settings: GrafanaStandIn['settings'] = {
    enabled: true,
    pinned: true,
    jsonData: { ...(opts.jsonData ?? {}) },
    secureJsonData: { ...(opts.secureJsonData ?? {}) },
  };
  const requests: RequestLog[] = [];
  const dsQueries: unknown[] = [];
  const baseUrl = `public/plugins/${appId}`;

  const settingsDto = () => ({
    name: pluginJson.name,
    type: pluginJson.type,
    id: appId,
    enabled: settings.enabled,
    pinned: settings.pinned,
    autoEnabled: false,
    module: `${baseUrl}/module.js`,
    baseUrl,
    info: {
      ...pluginJson.info,
      logos: { small: `${baseUrl}/${pluginJson.info.logos?.small ?? ''}`, large: `${baseUrl}/${pluginJson.info.logos?.large ?? ''}` },
    },
    includes: pluginJson.includes ?? [],
    dependencies: pluginJson.dependencies ?? {},
    jsonData: settings.jsonData,
    // Only which keys are set — the values stay on the server.
    secureJsonFields: Object.fromEntries(Object.keys(settings.secureJsonData).map((k) => [k, true])),
    defaultNavUrl: `/a/${appId}/overview`,
    latestVersion: '',
    hasUpdate: false,
    state: '',
    signature: 'unsigned',
    signatureType: '',
    signatureOrg: '',
    angularDetected: false,
    loadingStrategy: 'script',
    extensions: { addedLinks: [], addedComponents: [], exposedComponents: [], extensionPoints: [], addedFunctions: [] },
  });

  const bootData = () => ({
    settings: {
      appUrl: `${url}/`,
      appSubUrl: '',
      defaultDatasource: datasources.find((d) => d.isDefault)?.name ?? datasources[0]?.name,
      datasources: Object.fromEntries(datasources.map((d) => [d.name, { uid: d.uid, type: d.type, name: d.name, id: d.id, isDefault: d.isDefault ?? false, jsonData: d.jsonData, meta: { id: d.type } }])),
      apps: { [appId]: { id: appId, path: `${baseUrl}/module.js`, version: pluginJson.info.version, preload: false, angular: { detected: false }, loadingStrategy: 'script', extensions: {}, dependencies: {} } },
      panels: {},
      buildInfo: { version: '13.1.0', commit: 'standin', env: 'production', edition: 'Open Source', latestVersion: '', hasUpdate: false, hideVersion: false },
      featureToggles: {},
      licenseInfo: { stateInfo: '', licenseUrl: '' },
      unifiedAlertingEnabled: false,
      namespace: 'default',
      minRefreshInterval: '1s',
    },
    user: {
      isSignedIn: true,
      id: 1,
      uid: 'admin',
      login: 'admin',
      email: 'admin@localhost',
      name: 'admin',
      orgId: 1,
      orgName: 'Main Org.',
      orgRole: role,
      isGrafanaAdmin: role === 'Admin',
      theme: 'dark',
      timezone: 'browser',
      weekStart: 'browser',
      locale: 'en-US',
      language: 'en-US',
      helpFlags1: 0,
      hasEditPermissionInFolders: true,
      permissions: {},
    },
    navTree: [],
    assets: { dark: '/public/standin/host.css', light: '/public/standin/host.css' },
  });

  const hostPage = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Grafana (Vigil stand-in)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/public/standin/host.css">
<script>window.__grafana_public_path__ = '/public/';
window.grafanaBootData = ${escapeScriptJson(bootData())};
window.vigilStandIn = ${escapeScriptJson({ datasources: datasources.map(({ url: _url, ...d }) => d) })};</script>
</head><body><div id="reactRoot"></div>
<script src="/public/standin/host.js"></script>
<script src="/public/standin/system.js"></script>
<script src="/public/standin/amd.js"></script>
<script>window.vigilStandInStart();</script></body></html>`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://standin');
    const path = u.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '/' || path.startsWith('/a/') || path.startsWith('/plugins/') || path.startsWith('/d/'))) {
      res.writeHead(200, { 'Content-Type': MIME['.html']!, 'Cache-Control': 'no-store' });
      res.end(hostPage());
      return;
    }
    if (method === 'GET' && path.startsWith(`/public/plugins/${appId}/`)) return sendFile(res, dist, decodeURIComponent(path.slice(`/public/plugins/${appId}/`.length)));
    if (method === 'GET' && path === '/public/standin/system.js') return sendFile(res, SYSTEMJS_DIR, 'system.js');
    if (method === 'GET' && path === '/public/standin/amd.js') return sendFile(res, SYSTEMJS_DIR, 'extras/amd.js');
    // Grafana's own build adds a spinner icon that @grafana/ui's packaged set lacks; LoadingPlaceholder asks for it.
    if (method === 'GET' && path === '/public/build/img/icons/unicons/spinner.svg') {
      res.writeHead(200, { 'Content-Type': MIME['.svg']! });
      res.end(SPINNER_SVG);
      return;
    }
    if (method === 'GET' && path.startsWith('/public/build/img/icons/')) return sendFile(res, ICONS_DIR, decodeURIComponent(path.slice('/public/build/img/icons/'.length)));
    if (method === 'GET' && path.startsWith('/public/standin/')) return sendFile(res, HOST_OUT_DIR, path.slice('/public/standin/'.length));
    if (method === 'GET' && path === '/api/health') return sendJson(res, 200, { database: 'ok', version: '13.1.0', commit: 'standin' });
    if (method === 'POST' && path === '/api/ds/query') {
      const body = await readJson(req);
      dsQueries.push(body);
      const answer = await runDsQuery(body, datasources);
      return sendJson(res, answer.status, answer.body);
    }
    const proxyPrefix = `/api/plugin-proxy/${appId}/`;
    if (path.startsWith(proxyPrefix)) return proxyPluginRoute(req, res, decodeURIComponent(path.slice(proxyPrefix.length)), pluginJson.routes ?? [], settings, role, u.search);
    if (path === `/api/plugins/${appId}/settings`) {
      if (method === 'GET') return sendJson(res, 200, settingsDto());
      if (method === 'POST') {
        if (role !== 'Admin') return sendJson(res, 403, { message: 'Permission denied' });
        const body = (await readJson(req)) as { enabled?: unknown; pinned?: unknown; jsonData?: unknown; secureJsonData?: unknown };
        if (body.jsonData !== undefined && (typeof body.jsonData !== 'object' || body.jsonData === null || Array.isArray(body.jsonData))) throw new BadRequest('jsonData must be an object');
        if (body.secureJsonData !== undefined && body.secureJsonData !== null) {
          if (typeof body.secureJsonData !== 'object' || Array.isArray(body.secureJsonData) || !Object.values(body.secureJsonData).every((v) => typeof v === 'string')) throw new BadRequest('secureJsonData must be an object of strings');
        }
        if (typeof body.enabled === 'boolean') settings.enabled = body.enabled;
        if (typeof body.pinned === 'boolean') settings.pinned = body.pinned;
        if (body.jsonData) settings.jsonData = { ...(body.jsonData as Record<string, unknown>) };
        if (body.secureJsonData) Object.assign(settings.secureJsonData, body.secureJsonData);
        return sendJson(res, 200, { message: 'Plugin settings updated' });
      }
    }
    // The data source resource API (pkg/api/plugin_resource.go → the Prometheus backend's resource handler, which
    // forwards the Prometheus HTTP API paths it knows).
    const res0 = /^\/api\/datasources\/uid\/([^/]+)\/resources\/(.*)$/.exec(path);
    if (res0 && (method === 'GET' || method === 'POST')) {
      const ds = datasources.find((d) => d.uid === decodeURIComponent(res0[1]!));
      if (!ds) return sendJson(res, 404, { message: 'Data source not found' });
      const sub = res0[2]!;
      const allowed = ds.type === 'prometheus'
        ? /^api\/v1\/(labels|label\/[a-zA-Z_][a-zA-Z0-9_]*\/values|series|query|query_range|metadata)$/
        : /^loki\/api\/v1\/(labels|label\/[a-zA-Z_][a-zA-Z0-9_]*\/values|series|query|query_range)$/;
      if (!allowed.test(sub)) return sendJson(res, 404, { message: 'Not found' });
      const upstream = await fetch(`${ds.url}/${sub}${u.search}`, { signal: AbortSignal.timeout(30_000) }).catch((e: unknown) => e as Error);
      if (upstream instanceof Error) return sendJson(res, 502, { message: upstream.message });
      const text = await upstream.text();
      res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
      return;
    }
    const dsm = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path);
    if (method === 'GET' && dsm) {
      const ds = datasources.find((d) => d.uid === decodeURIComponent(dsm[1]!));
      if (!ds) return sendJson(res, 404, { message: 'Data source not found' });
      return sendJson(res, 200, { id: ds.id, uid: ds.uid, orgId: 1, name: ds.name, type: ds.type, typeLogoUrl: '', access: 'proxy', url: ds.url, user: '', database: '', basicAuth: false, withCredentials: false, isDefault: ds.isDefault ?? false, jsonData: ds.jsonData, secureJsonFields: {}, version: 1, readOnly: true });
    }
    if (path.startsWith('/api/')) return sendJson(res, 404, { message: 'Not found' });
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const t0 = Date.now();
    res.on('finish', () => requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status: res.statusCode, ms: Date.now() - t0 }));
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof BadRequest) sendJson(res, 400, { message: e.message });
      else sendJson(res, 500, { message: 'Internal Server Error', error: (e as Error).message });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    settings,
    dsQueries,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
