// /api/plugin-proxy/<plugin id>/<route path>/<rest> as Grafana's server proxies it for an app plugin
// (https://grafana.com/developers/plugin-tools/how-to-guides/app-plugins/add-authentication-for-app-plugins;
// pkg/api/pluginproxy/pluginproxy.go). Only routes declared in plugin.json `routes` exist (404 otherwise; the
// longest matching `path` wins); `reqRole` is checked against the signed-in user's org role (403
// "plugin proxy route access denied"); `url` and each header's `content` are Go templates over the app's stored
// settings: {{ .JsonData.<key> }} and {{ .SecureJsonData.<key> }} (decrypted server-side only). The browser's
// Cookie and Authorization headers are not forwarded; Set-Cookie from the target is removed (proxyutil).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export interface PluginRoute {
  path: string;
  url?: string;
  method?: string;
  reqRole?: 'Viewer' | 'Editor' | 'Admin';
  headers?: { name: string; content: string }[];
}

export interface AppSettingsStore {
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

const ROLE_RANK = { Viewer: 1, Editor: 2, Admin: 3 } as const;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'cookie', 'authorization', 'content-length']);

export class TemplateError extends Error {}

/** The two template forms plugin.json routes use; anything else is an error, like an unparsable Go template. */
export function expandRouteTemplate(tpl: string, store: AppSettingsStore): string {
  return tpl.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    const m = /^\.(JsonData|SecureJsonData)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    if (!m) throw new TemplateError(`unsupported template expression {{ ${expr} }}`);
    const v = m[1] === 'JsonData' ? store.jsonData[m[2]!] : store.secureJsonData[m[2]!];
    // Go's text/template prints a missing map key as "<no value>".
    return v === undefined ? '<no value>' : String(v);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function proxyPluginRoute(req: IncomingMessage, res: ServerResponse, rest: string, routes: readonly PluginRoute[], store: AppSettingsStore, userRole: keyof typeof ROLE_RANK, search: string): Promise<void> {
  const segments = rest.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return json(res, 400, { message: 'invalid path' });
  const route = [...routes]
    .filter((r) => rest === r.path || rest.startsWith(`${r.path}/`))
    .filter((r) => !r.method || r.method === '*' || r.method.toUpperCase() === (req.method ?? 'GET'))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!route || !route.url) return json(res, 404, { message: 'Plugin route not found' });
  if (ROLE_RANK[userRole] < ROLE_RANK[route.reqRole ?? 'Viewer']) return json(res, 403, { message: 'plugin proxy route access denied' });
  let target: URL;
  const headers: Record<string, string> = {};
  try {
    target = new URL(expandRouteTemplate(route.url, store));
    for (const h of route.headers ?? []) headers[h.name] = expandRouteTemplate(h.content, store);
  } catch (e) {
    return json(res, 500, { message: `plugin route misconfigured: ${(e as Error).message}` });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return json(res, 500, { message: 'plugin route url must be http(s)' });
  const remainder = rest.slice(route.path.length).replace(/^\//, '');
  target.pathname = `${target.pathname.replace(/\/$/, '')}/${remainder}`;
  target.search = search;
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(k) || k.startsWith('x-grafana') || typeof v !== 'string' || k in headers) continue;
    headers[k] = v;
  }
  headers['X-Forwarded-For'] = req.socket.remoteAddress ?? '127.0.0.1';
  headers['User-Agent'] = 'Grafana/13.1.0 (Vigil stand-in)';
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      duplex: 'half',
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    } as RequestInit);
  } catch (e) {
    return json(res, 502, { message: 'Bad Gateway', error: (e as Error).message });
  }
  const out: Record<string, string> = {};
  upstream.headers.forEach((v, k) => {
    if (k === 'set-cookie' || HOP_BY_HOP.has(k) || k === 'content-encoding') return;
    out[k] = v;
  });
  const buf = Buffer.from(await upstream.arrayBuffer());
  out['content-length'] = String(buf.length);
  res.writeHead(upstream.status, out);
  res.end(buf);
}
