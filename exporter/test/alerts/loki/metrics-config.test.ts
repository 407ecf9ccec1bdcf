// The sink's Prometheus families (names, labels, values that follow the sink; promtool's lint) and the
// `loki:` configuration schema (defaults, refusals, embedding in a bigger schema).

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { LokiStandIn } from '../../support/loki-standin.js';
import { LOKI_STREAM_LABELS, LokiConfigSchema, LokiSink, registerLokiMetrics } from '../../../src/alerts/loki/index.js';
import { makeAlert, testConfig } from './helpers.js';

const standIns: LokiStandIn[] = [];
after(async () => {
  for (const s of standIns) await s.stop();
});

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  test('families follow the sink: sent, spooled, dropped by reason, retries, spool gauges', async () => {
    const loki = new LokiStandIn();
    await loki.start();
    standIns.push(loki);
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'n' });
    const registry = new Registry();
    registerLokiMetrics(registry, sink);
    loki.failNext(2, 500);
    for (let i = 0; i < 12; i++) sink.pushAlert(makeAlert(i));
    sink.pushActivity('cap-1', { ts: Date.now(), type: 'exec' });
    sink.push({ stream: 'alert', labels: {}, tsNs: 'x', line: '{}' });
    assert.equal(await sink.flush(10_000), true);
    const text = await registry.metrics();
    await sink.close();

    assert.equal(sample(text, 'vigil_loki_entries_sent_total', { stream: 'alert' }), 12);
    assert.equal(sample(text, 'vigil_loki_entries_sent_total', { stream: 'activity' }), 1);
    assert.equal(sample(text, 'vigil_loki_entries_spooled_total', { stream: 'alert' }), 12);
    assert.equal(sample(text, 'vigil_loki_entries_dropped_total', { stream: 'alert', reason: 'invalid' }), 1);
    assert.equal(sample(text, 'vigil_loki_entries_dropped_total', { stream: 'alert', reason: 'spool_full' }), 0);
    assert.equal(sample(text, 'vigil_loki_retries_total', { class: 'http_5xx' }), 2);
    assert.equal(sample(text, 'vigil_loki_batches_total', { result: 'sent' }), sink.stats().batches);
    assert.equal(sample(text, 'vigil_loki_spool_entries'), 0);
    assert.equal(sample(text, 'vigil_loki_spool_max_bytes'), 256 * 1024 * 1024);
    const last = sample(text, 'vigil_loki_last_success_timestamp_seconds')!;
    assert.ok(Math.abs(last - Date.now() / 1000) < 60, `last success ${last}`);
    assert.ok(sample(text, 'vigil_loki_last_error_timestamp_seconds')! > 0);
    // A second scrape does not double the counters.
    const again = await registry.metrics();
    assert.equal(sample(again, 'vigil_loki_entries_sent_total', { stream: 'alert' }), 12);

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error) {
      if (process.env.CI === 'true') assert.fail('promtool is needed under CI=true (apt-get install prometheus)');
      // Outside CI the lint is optional: promtool comes with Debian's prometheus package.
    } else {
      assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
    }
  });
});

describe('configuration', () => {
  test('defaults: off without a url, the documented values otherwise', () => {
    const c = LokiConfigSchema.parse({});
    assert.equal(c.url, '');
    assert.equal(c.job, 'vigil');
    assert.equal(c.gzip, true);
    assert.equal(c.batchMaxEntries, 1000);
    assert.equal(c.batchMaxBytes, 1024 * 1024);
    assert.equal(c.batchMaxWaitMs, 1000);
    assert.equal(c.timeoutMs, 10_000);
    assert.equal(c.spoolDir, '/var/lib/vigil/loki-spool');
    assert.equal(c.spoolMaxBytes, 256 * 1024 * 1024);
    assert.throws(() => new LokiSink({ config: c, node: 'n' }), /no url/);
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['unknown key', { url: 'http://loki:3100', batchsize: 5 }, /unrecognized/i],
    ['ftp url', { url: 'ftp://loki' }, /http:\/\/ or https:\/\//],
    ['credentials in the url', { url: 'http://u:p@loki:3100' }, /not in the URL/],
    ['tenant with a newline', { url: 'http://loki:3100', tenant: 'a\nb' }, /tenant/],
    ['password without username', { url: 'http://loki:3100', password: 'x' }, /username/],
    ['basic and bearer', { url: 'http://loki:3100', username: 'u', passwordFile: '/p', bearerTokenFile: '/t' }, /not both/],
    ['two token sources', { url: 'http://loki:3100', bearerToken: 't', bearerTokenFile: '/t' }, /not both/],
    ['backoff min over max', { url: 'http://loki:3100', backoffMinMs: 10, backoffMaxMs: 5 }, /backoffMaxMs/],
    ['tiny spool', { url: 'http://loki:3100', spoolMaxBytes: 1000 }, /spoolMaxBytes|too small|>=/i],
    ['line longer than the spool allows', { url: 'http://loki:3100', spoolMaxBytes: 1048576, maxLineBytes: 200_000 }, /spoolMaxBytes \/ 8/],
  ];
  for (const [name, input, message] of refusals) {
    test(`refused: ${name}`, () => {
      const r = LokiConfigSchema.safeParse(input);
      assert.equal(r.success, false);
      assert.match(JSON.stringify(r.error!.issues), message);
    });
  }

  test('embeds in a node configuration schema, with defaults applied', () => {
    const Node = z.object({ loki: LokiConfigSchema.prefault({}) }).strict();
    const c = Node.parse({ loki: { url: 'https://logs.example.com/loki-prefix', tenant: 'prod', bearerTokenFile: '/run/secrets/loki' } });
    assert.equal(c.loki.url, 'https://logs.example.com/loki-prefix');
    assert.equal(c.loki.gzip, true);
    assert.equal(Node.parse({}).loki.url, '');
  });

  test('a url with a path prefix pushes below it', async () => {
    const sink = new LokiSink({ config: testConfig('http://127.0.0.1:9/prefix/'), node: 'n' });
    assert.equal(sink.pushUrl, 'http://127.0.0.1:9/prefix/loki/api/v1/push');
    await sink.close();
  });
});

describe('docs/loki.md says what the code does', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'loki.md'), 'utf8');
  const section = (title: string) => {
    const start = doc.indexOf(`## ${title}`);
    assert.ok(start >= 0, `section ${title}`);
    const end = doc.indexOf('\n## ', start + 3);
    return doc.slice(start, end < 0 ? undefined : end);
  };
  const firstColumn = (text: string) => [...text.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);

  test('the label table lists exactly LOKI_STREAM_LABELS, in order', () => {
    assert.deepEqual(firstColumn(section('Stream labels')), [...LOKI_STREAM_LABELS]);
  });

  test('the metrics table lists exactly the registered families', async () => {
    const registry = new Registry();
    const sink = new LokiSink({ config: testConfig('http://127.0.0.1:9'), node: 'n' });
    registerLokiMetrics(registry, sink);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    await sink.close();
    assert.deepEqual([...firstColumn(section('Metrics'))].sort(), names);
  });

  test('every key of the loki: example is a schema key and vice versa, with the default shown', () => {
    const yaml = /```yaml\nloki:\n([\s\S]*?)```/.exec(section('Configuration: the `loki:` section'))![1]!;
    const keys = [...yaml.matchAll(/^ {2}([a-zA-Z]+):/gm)].map((m) => m[1]!);
    assert.deepEqual([...keys].sort(), Object.keys(LokiConfigSchema.shape).sort());
    const defaults = LokiConfigSchema.parse({}) as Record<string, unknown>;
    for (const line of yaml.split('\n')) {
      const m = /^ {2}([a-zA-Z]+): ([^#\s]+)/.exec(line);
      if (!m || ['url', 'bearerTokenFile'].includes(m[1]!)) continue; // shown with example values
      const shown = m[2] === '""' ? '' : m[2]!;
      assert.equal(String(defaults[m[1]!]), shown, m[1]);
    }
  });
});
