import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenMatches } from '../../src/http/auth.js';
import { alertMatches, createNodeApp, listen, parseEventQuery, QueryError, type NodeApiSources } from '../../src/http/node-server.js';
import type { Alert } from '../../src/alerts/types.js';
import type { VigilEvent } from '../../src/events/types.js';

const mkEvent = (i: number, type: 'exec' | 'open', container: string): VigilEvent =>
  type === 'exec'
    ? { type, time: '', ts: 1000 + i, cpu: 0, cgroup_id: 1, mntns: 1, pidns: 1, proc: { pid: i, tid: i, name: 'sh', uid: 0, gid: 0 }, container: { id: container, runtime: 'podman' },
        exec: { filename: '/bin/sh', upper_layer: false, memfd: false, overlay: true, cap_effective: '0x0', cap_permitted: '0x0' } }
    : { type, time: '', ts: 1000 + i, cpu: 0, cgroup_id: 1, mntns: 1, pidns: 1, proc: { pid: i, tid: i, name: 'cat', uid: 0, gid: 0 }, container: { id: container, runtime: 'podman' },
        open: { syscall: 'openat', path: '/etc/x', res: 3, flags: 0, flag_names: ['O_RDONLY'], mode: 0, file_type: 'file', dev: 0, ino: 0 } };

const mkAlert = (rule: string, priority: Alert['priority'], ts: number): Alert => ({
  time: '', rule, priority, output: rule, output_fields: {}, tags: [], hostname: 'n', source: 'syscall', uuid: `u-${ts}`, ts, count: 1,
  container: { id: 'aaaa', runtime: 'podman' },
});
const alerts = [mkAlert('Terminal shell in container', 'Notice', 1), mkAlert('Drift', 'Critical', 2), mkAlert('Ptrace', 'Warning', 3)];
const events = [mkEvent(1, 'exec', 'aaaa'), mkEvent(2, 'open', 'aaaa'), mkEvent(3, 'open', 'bbbb')];
const listeners = new Set<(ev: VigilEvent) => void>();
const src: NodeApiSources = {
  metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: '# HELP x y\n' }),
  ready: () => ({ ready: true }),
  containers: () => [{ id: 'aaaa' }],
  events: (q) => events.filter((e) => (!q.type || q.type.includes(e.type)) && (!q.container || e.container?.id.startsWith(q.container))).slice(-q.limit),
  subscribe: (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  onSubscriberDrop: () => undefined,
  alerts: (q) => alerts.filter((a) => alertMatches(a, q)).slice(-q.limit),
  subscribeAlerts: () => () => undefined,
  captures: () => [{ id: 'cap-1' }],
  sensor: () => ({ up: true }),
  capture: async (id) => (id === 'cap-1' ? { id, entries: [] } : undefined),
};

let server: Server;
let base: string;
before(async () => {
  server = await listen(createNodeApp(src, { listen: '127.0.0.1:0', token: 'tok-123' }), '127.0.0.1:0');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('metrics and health need no token; the API does', async () => {
  assert.equal((await fetch(`${base}/metrics`)).status, 200);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const noTok = await fetch(`${base}/api/v1/containers`);
  assert.equal(noTok.status, 401);
  assert.equal(noTok.headers.get('www-authenticate'), 'Bearer realm="vigil"');
  assert.equal((await fetch(`${base}/api/v1/containers`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const ok = await fetch(`${base}/api/v1/containers`, { headers: { authorization: 'Bearer tok-123' } });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { containers: [{ id: 'aaaa' }] });
  const body = await noTok.text();
  assert.ok(!body.includes('tok-123'), 'the token never appears in a response');
});

test('events filter by container and type; bad queries are 400', async () => {
  const h = { authorization: 'Bearer tok-123' };
  const r = (await (await fetch(`${base}/api/v1/events?container=aaaa&type=open`, { headers: h })).json()) as { events: VigilEvent[] };
  assert.deepEqual(r.events.map((e) => e.proc.pid), [2]);
  const bad = await fetch(`${base}/api/v1/events?type=bogus`, { headers: h });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /unknown event type "bogus"/);
});

test('the stream delivers live events as NDJSON and as SSE', async () => {
  const h = { authorization: 'Bearer tok-123' };
  const ctl = new AbortController();
  const res = await fetch(`${base}/api/v1/events/stream?type=open`, { headers: h, signal: ctl.signal });
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  const reader = res.body!.getReader();
  setTimeout(() => {
    for (const l of listeners) {
      l(mkEvent(10, 'exec', 'cccc'));
      l(mkEvent(11, 'open', 'cccc'));
    }
  }, 50);
  const { value } = await reader.read();
  const line = JSON.parse(new TextDecoder().decode(value).trim()) as VigilEvent;
  assert.equal(line.proc.pid, 11, 'the exec was filtered out');
  ctl.abort();

  const ctl2 = new AbortController();
  const sse = await fetch(`${base}/api/v1/events/stream`, { headers: { ...h, accept: 'text/event-stream' }, signal: ctl2.signal });
  assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
  const r2 = sse.body!.getReader();
  setTimeout(() => {
    for (const l of listeners) l(mkEvent(12, 'exec', 'cccc'));
  }, 50);
  const text = new TextDecoder().decode((await r2.read()).value);
  assert.match(text, /^event: exec\ndata: \{.*"pid":12/);
  ctl2.abort();
});

test('alerts filter by priority (and more severe) and rule', async () => {
  const h = { authorization: 'Bearer tok-123' };
  const r = (await (await fetch(`${base}/api/v1/alerts?priority=warning`, { headers: h })).json()) as { alerts: Alert[] };
  assert.deepEqual(r.alerts.map((a) => a.rule), ['Drift', 'Ptrace']);
  const byRule = (await (await fetch(`${base}/api/v1/alerts?rule=Drift`, { headers: h })).json()) as { alerts: Alert[] };
  assert.deepEqual(byRule.alerts.map((a) => a.ts), [2]);
  assert.equal((await fetch(`${base}/api/v1/alerts?priority=loud`, { headers: h })).status, 400);
  assert.equal((await fetch(`${base}/api/v1/alerts`)).status, 401);
});

test('captures: listed, fetched by id, unknown ids 404, odd ids 400', async () => {
  const h = { authorization: 'Bearer tok-123' };
  assert.deepEqual(await (await fetch(`${base}/api/v1/captures`, { headers: h })).json(), { captures: [{ id: 'cap-1' }] });
  assert.deepEqual(await (await fetch(`${base}/api/v1/captures/cap-1`, { headers: h })).json(), { id: 'cap-1', entries: [] });
  assert.equal((await fetch(`${base}/api/v1/captures/cap-2`, { headers: h })).status, 404);
  assert.equal((await fetch(`${base}/api/v1/captures/..%2F..%2Fetc`, { headers: h })).status, 400);
});

test('query parsing is strict', () => {
  assert.equal(parseEventQuery({ since: '5m' }, 1_000_000).sinceMs, 700_000);
  assert.equal(parseEventQuery({ since: '2026-01-01T00:00:00Z' }).sinceMs, Date.parse('2026-01-01T00:00:00Z'));
  assert.equal(parseEventQuery({ limit: '999999' }).limit, 10_000);
  assert.throws(() => parseEventQuery({ container: '../../etc' }), QueryError);
  assert.throws(() => parseEventQuery({ since: 'yesterday' }), QueryError);
  assert.throws(() => parseEventQuery({ limit: ['1', '2'] }), QueryError);
});

test('token comparison', () => {
  assert.equal(tokenMatches('abc', 'abc'), true);
  assert.equal(tokenMatches('abc', 'abd'), false);
  assert.equal(tokenMatches('abc', 'abcd'), false);
});
