// The HTTP face of `vigil node`: /metrics, health, and the JSON API over containers and recent events,
// including a live stream (Server-Sent Events, or NDJSON for clients that don't ask for SSE).

import express, { type Request, type Response } from 'express';
import type { Server } from 'node:http';
import { PRIORITIES, type Alert, type Priority } from '../alerts/types.js';
import { EVENT_TYPES, type EventType, type VigilEvent } from '../events/types.js';
import { requireBearer } from './auth.js';

export interface EventQuery {
  container?: string;
  type?: EventType[];
  sinceMs?: number;
  limit: number;
}

export interface NodeApiSources {
  metrics: () => Promise<{ contentType: string; body: string }>;
  ready: () => { ready: boolean; reason?: string };
  containers: () => unknown[];
  events: (q: EventQuery) => VigilEvent[];
  subscribe: (listener: (ev: VigilEvent) => void) => () => void;
  /** Counts events a slow stream client could not take. */
  onSubscriberDrop: () => void;
  alerts: (q: AlertQuery) => Alert[];
  captures: (q: { container?: string; since?: number; limit: number }) => unknown[];
  /** The sensor's state: hooks and how they are attached, loader and kernel facts, counters. */
  sensor: () => unknown;
  /** A capture document, or undefined when there is none with that id. */
  capture: (id: string) => Promise<unknown>;
  subscribeAlerts: (listener: (a: Alert) => void) => () => void;
}

export interface AlertQuery {
  container?: string;
  rule?: string;
  /** This priority and more severe ones. */
  priority?: Priority;
  sinceMs?: number;
  limit: number;
}

export interface NodeServerOptions {
  listen: string;
  token: string;
}

const MAX_LIMIT = 10_000;
const STREAM_HIGH_WATER = 1024 * 1024;

export class QueryError extends Error {}

/** Parses ?container=&type=exec,open&since=<ISO or ms or 5m>&limit= strictly. */
export function parseEventQuery(q: Record<string, unknown>, now = Date.now()): EventQuery {
  const str = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > 256) throw new QueryError(`${k}: expected one short value`);
    return v;
  };
  const out: EventQuery = { limit: 1000 };
  const container = str('container');
  if (container !== undefined) {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(container)) throw new QueryError('container: expected a container id, prefix or name');
    out.container = container;
  }
  const type = str('type');
  if (type !== undefined) {
    const types = type.split(',');
    for (const t of types) if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new QueryError(`type: unknown event type "${t}"`);
    out.type = types as EventType[];
  }
  const since = str('since');
  if (since !== undefined) {
    const rel = /^(\d+)(ms|s|m|h)$/.exec(since);
    if (rel) out.sinceMs = now - Number(rel[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[rel[2] as 'ms' | 's' | 'm' | 'h'];
    else if (/^\d{10,16}(\.\d+)?$/.test(since)) out.sinceMs = Number(since);
    else {
      const t = Date.parse(since);
      if (Number.isNaN(t)) throw new QueryError('since: expected an ISO time, unix milliseconds or a duration like 5m');
      out.sinceMs = t;
    }
  }
  const limit = str('limit');
  if (limit !== undefined) {
    if (!/^\d{1,6}$/.test(limit)) throw new QueryError('limit: expected a positive integer');
    out.limit = Math.min(Number(limit), MAX_LIMIT);
  }
  return out;
}

export function eventMatches(ev: VigilEvent, q: EventQuery): boolean {
  if (q.sinceMs !== undefined && ev.ts < q.sinceMs) return false;
  if (q.type && !q.type.includes(ev.type)) return false;
  if (q.container !== undefined) {
    const c = ev.container;
    if (!c) return false;
    if (!(c.id.startsWith(q.container) || c.name === q.container || ev.k8s?.container === q.container)) return false;
  }
  return true;
}

export function createNodeApp(src: NodeApiSources, opts: NodeServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  app.get('/metrics', async (_req, res) => {
    const m = await src.metrics();
    res.set('Content-Type', m.contentType).send(m.body);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const r = src.ready();
    res.status(r.ready ? 200 : 503).json(r);
  });

  const api = express.Router();
  api.use(requireBearer(opts.token));
  api.get('/containers', (_req, res) => {
    res.json({ containers: src.containers() });
  });
  api.get('/events', (req, res) => {
    const q = parseOr400(req, res);
    if (!q) return;
    res.json({ events: src.events(q) });
  });
  api.get('/events/stream', (req, res) => {
    const q = parseOr400(req, res);
    if (!q) return;
    stream(req, res, q, src);
  });
  api.get('/sensor', (_req, res) => {
    res.json(src.sensor());
  });
  api.get('/captures', (req, res) => {
    let q: EventQuery;
    try {
      q = parseEventQuery({ ...(req.query as Record<string, unknown>), type: undefined });
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
      return;
    }
    res.json({ captures: src.captures({ ...(q.container !== undefined ? { container: q.container } : {}), ...(q.sinceMs !== undefined ? { since: q.sinceMs } : {}), limit: q.limit }) });
  });
  api.get('/captures/:id', async (req, res) => {
    const id = String(req.params.id);
    // Ids reach the disk: only the recorder's own id alphabet is accepted.
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
      res.status(400).json({ error: 'not a capture id' });
      return;
    }
    const doc = await src.capture(id);
    if (doc === undefined) {
      res.status(404).json({ error: 'no such capture' });
      return;
    }
    res.json(doc);
  });
  api.get('/alerts', (req, res) => {
    let q: AlertQuery;
    try {
      q = parseAlertQuery(req.query as Record<string, unknown>);
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
      return;
    }
    res.json({ alerts: src.alerts(q) });
  });
  api.get('/alerts/stream', (req, res) => {
    let q: AlertQuery;
    try {
      q = parseAlertQuery(req.query as Record<string, unknown>);
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
      return;
    }
    const live = { ...q };
    delete live.sinceMs;
    openStream(req, res, src.onSubscriberDrop, q.sinceMs !== undefined ? src.alerts(q) : [], src.subscribeAlerts, (a) => alertMatches(a, live), () => 'alert');
  });
  api.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use('/api/v1', api);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}

export function parseAlertQuery(q: Record<string, unknown>, now = Date.now()): AlertQuery {
  const base = parseEventQuery({ ...q, type: undefined }, now);
  const out: AlertQuery = { limit: base.limit };
  if (base.container !== undefined) out.container = base.container;
  if (base.sinceMs !== undefined) out.sinceMs = base.sinceMs;
  const rule = q.rule;
  if (rule !== undefined) {
    if (typeof rule !== 'string' || rule.length > 256) throw new QueryError('rule: expected one rule name');
    out.rule = rule;
  }
  const pr = q.priority;
  if (pr !== undefined) {
    const p = PRIORITIES.find((x) => typeof pr === 'string' && x.toLowerCase() === pr.toLowerCase());
    if (!p) throw new QueryError(`priority: expected one of ${PRIORITIES.join(', ')}`);
    out.priority = p;
  }
  return out;
}

export function alertMatches(a: Alert, q: AlertQuery): boolean {
  if (q.sinceMs !== undefined && a.ts < q.sinceMs) return false;
  if (q.rule !== undefined && a.rule !== q.rule) return false;
  if (q.priority !== undefined && PRIORITIES.indexOf(a.priority) > PRIORITIES.indexOf(q.priority)) return false;
  if (q.container !== undefined) {
    const c = a.container;
    if (!c || !(c.id.startsWith(q.container) || c.name === q.container || a.k8s?.container === q.container)) return false;
  }
  return true;
}

function parseOr400(req: Request, res: Response): EventQuery | undefined {
  try {
    return parseEventQuery(req.query as Record<string, unknown>);
  } catch (err) {
    res.status(400).json({ error: (err as Error).message });
    return undefined;
  }
}

function stream(req: Request, res: Response, q: EventQuery, src: NodeApiSources): void {
  const live = { ...q };
  delete live.sinceMs;
  openStream(req, res, src.onSubscriberDrop, q.sinceMs !== undefined ? src.events(q) : [], src.subscribe, (ev) => eventMatches(ev, live), (ev) => ev.type);
}

/** A live stream of records: SSE when the client asks for it, NDJSON otherwise; a slow reader loses records, counted. */
function openStream<T>(
  req: Request,
  res: Response,
  onDrop: () => void,
  backlog: T[],
  subscribe: (l: (item: T) => void) => () => void,
  keep: (item: T) => boolean,
  eventName: (item: T) => string,
): void {
  const sse = (req.get('accept') ?? '').includes('text/event-stream');
  res.status(200).set({
    'Content-Type': sse ? 'text/event-stream' : 'application/x-ndjson',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  const write = (item: T): void => {
    if (!keep(item)) return;
    // A client that does not read must not grow our memory: drop for it and count.
    if (res.writableLength > STREAM_HIGH_WATER) {
      onDrop();
      return;
    }
    const json = JSON.stringify(item);
    res.write(sse ? `event: ${eventName(item)}\ndata: ${json}\n\n` : `${json}\n`);
  };
  for (const item of backlog) write(item);
  const unsubscribe = subscribe(write);
  const heartbeat = setInterval(() => res.write(sse ? ': keep-alive\n\n' : '\n'), 15_000);
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

export async function listen(app: express.Express, address: string): Promise<Server> {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(address.slice(idx + 1));
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}
