// The Grafana stand-in and the Loki stand-in's LogQL, without a browser or kernel: a real Loki stand-in with pushed
// lines, a real HTTP target behind the plugin proxy route, the real plugin.json routes from plugin/dist (or src).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LokiStandIn } from '../../../exporter/test/support/loki-standin.js';
import { startGrafanaStandIn, type GrafanaStandIn } from './server.js';
import { ensurePluginBuild } from '../browser/harness.js';
import { prometheusStepMs, expandRangeMacros } from './intervals.js';

const T0 = BigInt(Date.now() - 60_000) * 1_000_000n;
const alert = (i: number, rule: string, priority: string, pod: string) => ({
  labels: { job: 'vigil', stream: 'alert', node: 'n1', namespace: 'web', pod, container: 'app', rule, priority },
  line: JSON.stringify({ time: 'x', rule, priority, output: `out ${i} ${rule}`, output_fields: { 'proc.name': i % 2 ? 'sh' : 'bash' }, k8s: { ns: 'web', pod } }),
  ts: T0 + BigInt(i) * 1_000_000_000n,
});

let loki: LokiStandIn;
let scannerTarget: Server;
let seen: { url: string; auth: string | undefined; cookie: string | undefined }[] = [];
let g: GrafanaStandIn;

async function push(entries: { labels: Record<string, string>; line: string; ts: bigint }[]): Promise<void> {
  const streams = entries.map((e) => ({ stream: e.labels, values: [[String(e.ts), e.line]] }));
  const r = await fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ streams }) });
  assert.equal(r.status, 204, await r.text());
}

async function logql(query: string, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const q = new URLSearchParams({ query, start: String(T0 - 1n), end: String(T0 + 100_000_000_000n), limit: '1000', ...extra });
  const r = await fetch(`${loki.url}/loki/api/v1/query_range?${q}`);
  const text = await r.text();
  return { status: r.status, body: r.status === 200 ? JSON.parse(text) : text };
}

before(async () => {
  ensurePluginBuild();
  loki = new LokiStandIn();
  loki.logql = true;
  loki.ordering = 'unordered';
  await loki.start();
  await push([
    alert(0, 'Terminal shell in container', 'Notice', 'p1'),
    alert(1, 'Terminal shell in container', 'Notice', 'p2'),
    alert(2, 'Write below etc', 'Error', 'p1'),
    alert(3, 'Write below etc', 'Error', 'p1'),
    { labels: { job: 'vigil', stream: 'alert', node: 'n1', container: 'host', rule: 'Bad', priority: 'Warning' }, line: 'not json', ts: T0 + 4_000_000_000n },
  ]);
  scannerTarget = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization, cookie: req.headers.cookie });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'tracking=1' });
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise<void>((r) => scannerTarget.listen(0, '127.0.0.1', () => r()));
  const scannerUrl = `http://127.0.0.1:${(scannerTarget.address() as AddressInfo).port}`;
  g = await startGrafanaStandIn({ prometheusUrl: 'http://127.0.0.1:9', lokiUrl: loki.url, jsonData: { scannerUrl, isScannerTokenSet: true }, secureJsonData: { scannerToken: 'tok-123-secret' } });
});

after(async () => {
  await g?.stop();
  await loki?.stop();
  await new Promise<void>((r) => (scannerTarget ? scannerTarget.close(() => r()) : r()));
});

describe('Loki stand-in LogQL', () => {
  test('matchers, line filters, | json and label filters select what Loki would', async () => {
    const count = (b: any) => b.data.result.reduce((n: number, s: any) => n + s.values.length, 0);
    assert.equal(count((await logql('{job="vigil", stream="alert"}')).body), 5);
    assert.equal(count((await logql('{job="vigil", rule=~"Write.*"}')).body), 2);
    assert.equal(count((await logql('{job="vigil", pod!~"p1|"}')).body), 1, 'missing pod is "" and excluded by the empty alternative');
    assert.equal(count((await logql('{job="vigil"} |= "out 1" ')).body), 1);
    assert.equal(count((await logql('{job="vigil"} != "Terminal" |~ "out [0-9]"')).body), 2);
    const json = (await logql('{job="vigil"} | json | output_fields_proc_name="sh"')).body;
    assert.equal(count(json), 2);
    // Extracted labels become stream labels; a clash with a stream label gets _extracted.
    const labels = json.data.result[0].stream;
    assert.equal(labels.output_fields_proc_name, 'sh');
    assert.equal(labels.rule_extracted, labels.rule);
    assert.equal(labels.k8s_pod, labels.pod);
    const bad = (await logql('{container="host"} | json')).body;
    assert.equal(bad.data.result[0].stream.__error__, 'JSONParserErr');
  });

  test('metric queries: sum by (labels) (count_over_time(...)) and rate, with Loki\'s step and no zero points', async () => {
    const q = 'sum by (priority) (count_over_time({job="vigil", stream="alert"} | json [10s]))';
    const start = (T0 / 1_000_000_000n) * 1_000_000_000n;
    const r = await logql(q, { start: String(start), end: String(start + 20_000_000_000n), step: '10s' });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body.data.resultType, 'matrix');
    const byPriority = Object.fromEntries(r.body.data.result.map((s: any) => [s.metric.priority, s.values.map((v: any) => Number(v[1]))]));
    // The non-JSON line has __error__ and is dropped from the metric; 2 Notice and 2 Error within (t-10s, t].
    assert.deepEqual(Object.keys(byPriority).sort(), ['Error', 'Notice']);
    assert.equal(byPriority.Error.reduce((a: number, b: number) => a + b, 0), 2);
    const rate = await logql('rate({job="vigil", rule="Write below etc"}[10s])', { start: String(start), end: String(start + 20_000_000_000n), step: '10' });
    assert.equal(rate.status, 200);
    assert.ok(rate.body.data.result[0].values.every((v: any) => Number(v[1]) === 0.1 || Number(v[1]) === 0.2));
  });

  test('what it cannot evaluate is a 400 with an error text', async () => {
    for (const q of ['{job="vigil"} | logfmt', 'topk(3, count_over_time({job="vigil"}[1m]))', '{job=~".*"}', '{job="vigil"', 'count_over_time({job="vigil"}[1m] offset 5m)']) {
      const r = await logql(q);
      assert.equal(r.status, 400, q);
      assert.ok(String(r.body).length > 0);
    }
  });
});

describe('Grafana stand-in server', () => {
  test('/api/ds/query for Loki: a logs frame in Grafana\'s wire shape, and a metric query as time series frames', async () => {
    const body = {
      from: String(Number(T0 / 1_000_000n) - 1000),
      to: String(Number(T0 / 1_000_000n) + 100_000),
      queries: [
        { refId: 'A', datasource: { type: 'loki', uid: 'vigil-loki' }, expr: '{job="vigil", stream="alert"} |= "Terminal"', maxLines: 10, intervalMs: 1000, maxDataPoints: 100 },
        { refId: 'B', datasource: { type: 'loki', uid: 'vigil-loki' }, expr: 'sum by (rule) (count_over_time({job="vigil"}[$__interval]))', intervalMs: 5000, maxDataPoints: 100, legendFormat: '{{rule}}' },
      ],
    };
    const r = await fetch(`${g.url}/api/ds/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
    const doc = (await r.json()) as any;
    const logs = doc.results.A.frames[0];
    assert.deepEqual(logs.schema.fields.map((f: any) => `${f.name}:${f.type}`), ['labels:other', 'Time:time', 'Line:string', 'tsNs:string', 'id:string']);
    assert.equal(logs.schema.meta.type, 'log-lines');
    assert.equal(logs.data.values[2].length, 2);
    assert.ok(BigInt(logs.data.values[3][0]) > BigInt(logs.data.values[3][1]), 'backward: newest first');
    assert.equal(logs.data.values[0][0].rule, 'Terminal shell in container');
    const series = doc.results.B.frames;
    assert.deepEqual(series.map((f: any) => f.schema.fields[1].config.displayNameFromDS).sort(), ['Bad', 'Terminal shell in container', 'Write below etc']);
    assert.match(series[0].schema.meta.executedQueryString, /\[5s\]/, 'the backend replaced $__interval with the step');
  });

  test('a failing query answers 400 with results[refId].error; other queries still answer', async () => {
    const body = { queries: [
      { refId: 'A', datasource: { type: 'loki', uid: 'vigil-loki' }, expr: '{job="vigil"} | logfmt' },
      { refId: 'B', datasource: { type: 'loki', uid: 'vigil-loki' }, expr: '{job="vigil"}' },
    ] };
    const r = await fetch(`${g.url}/api/ds/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 400);
    const doc = (await r.json()) as any;
    assert.match(doc.results.A.error, /not supported/);
    assert.equal(doc.results.A.errorSource, 'downstream');
    assert.ok(Array.isArray(doc.results.B.frames));
  });

  test('plugin proxy: only declared routes, token added server-side, browser credentials and Set-Cookie stripped', async () => {
    seen = [];
    const r = await fetch(`${g.url}/api/plugin-proxy/vigil-security-app/scanner/api/v1/images?x=1`, { headers: { Cookie: 'grafana_session=abc', Authorization: 'Bearer from-browser' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('set-cookie'), null);
    assert.deepEqual(await r.json(), { ok: true, path: '/api/v1/images?x=1' });
    assert.equal(seen[0]?.auth, 'Bearer tok-123-secret');
    assert.equal(seen[0]?.cookie, undefined);
    assert.equal((await fetch(`${g.url}/api/plugin-proxy/vigil-security-app/other/x`)).status, 404);
    // Dot segments are resolved by URL parsing (client and server); an encoded slash gets to the route and is refused.
    const status = (await fetch(`${g.url}/api/plugin-proxy/vigil-security-app/scanner/..%2F..%2Fx`)).status;
    assert.equal(status, 400);
  });

  test('settings: GET never returns secureJsonData; POST sets jsonData and secure keys', async () => {
    const get = async () => (await (await fetch(`${g.url}/api/plugins/vigil-security-app/settings`)).text());
    const before = await get();
    assert.ok(!before.includes('tok-123-secret'));
    assert.deepEqual(JSON.parse(before).secureJsonFields, { scannerToken: true });
    const jsonData = { ...JSON.parse(before).jsonData, lokiUid: 'vigil-loki' };
    const post = await fetch(`${g.url}/api/plugins/vigil-security-app/settings`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ enabled: true, pinned: true, jsonData, secureJsonData: { scannerToken: 'tok-456-secret' } }) });
    assert.equal(post.status, 200);
    const after = await get();
    assert.ok(!after.includes('tok-456-secret'));
    assert.equal(JSON.parse(after).jsonData.lokiUid, 'vigil-loki');
    seen = [];
    await fetch(`${g.url}/api/plugin-proxy/vigil-security-app/scanner/api/v1/db`);
    assert.equal(seen[0]?.auth, 'Bearer tok-456-secret');
  });

  test('Prometheus step and macros follow Grafana\'s backend', () => {
    // 6 h at 1 s scrape with maxDataPoints 1500 → nice(14.4 s) = 15 s, above the 1 s minimum.
    assert.equal(prometheusStepMs({ fromMs: 0, toMs: 6 * 3600_000, maxDataPoints: 1500, intervalMs: 1000 }), 15_000);
    // 30 days: range / 11000 (235.6 s) beats nice(1728 s) = 30 min? No: nice is larger, so 30 min.
    assert.equal(prometheusStepMs({ fromMs: 0, toMs: 30 * 86400_000, maxDataPoints: 1500, intervalMs: 1000 }), 1_800_000);
    // 5 min with intervalMs 15 s → 15 s.
    assert.equal(prometheusStepMs({ fromMs: 0, toMs: 300_000, maxDataPoints: 1000, intervalMs: 15_000 }), 15_000);
    assert.equal(expandRangeMacros('rate(x[$__rate_interval]) / $__interval_ms [${__range}]', 15_000, 0, 3600_000, 1000), 'rate(x[16s]) / 15000 [3600s]');
  });
});
