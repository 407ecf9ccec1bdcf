// The Loki sink against the stand-in receiver (test/support/loki-standin.ts): what a push looks like on the wire
// (labels, lines, timestamps, gzip, tenant and auth headers), batching, and per-stream ordering.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LokiStandIn } from '../../support/loki-standin.js';
import { LokiSink, LOKI_STREAM_LABELS } from '../../../src/alerts/loki/index.js';
import type { VigilEvent } from '../../../src/events/types.js';
import { makeAlert, seqOf, spoolDir, testConfig } from './helpers.js';
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { SinkLogger } from '../../../src/alerts/loki/index.js';
import type { AddressInfo } from 'node:net';

const standIns: LokiStandIn[] = [];
async function standIn(): Promise<LokiStandIn> {
  const s = new LokiStandIn();
  await s.start();
  standIns.push(s);
  return s;
}
after(async () => {
  for (const s of standIns) await s.stop();
});

describe('what goes over the wire', () => {
  test('alerts arrive with the documented labels, the JSON alert as line and ns timestamps', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'node-a' });
    const ms = Date.now() - 5000.25;
    const alerts = [
      makeAlert(0, { ms, priority: 'Critical', rule: 'Read sensitive file untrusted' }),
      makeAlert(1, { ms: ms + 1, host: true, rule: 'Kernel module loaded', priority: 'Warning' }),
    ];
    for (const a of alerts) assert.equal(sink.pushAlert(a), true);
    assert.equal(await sink.flush(5000), true);
    await sink.close();

    assert.deepEqual(loki.violations, []);
    assert.equal(loki.entries.length, 2);
    const [k8s, host] = loki.entries;
    assert.deepEqual(k8s!.labels, {
      job: 'vigil', node: 'node-a', namespace: 'web', pod: 'frontend-7d9c8b6f5d-x2x7k', container: 'nginx',
      rule: 'Read sensitive file untrusted', priority: 'Critical', stream: 'alert',
    });
    // A host process has no namespace or pod: those labels are absent, not empty.
    assert.deepEqual(host!.labels, { job: 'vigil', node: 'node-a', container: 'host', rule: 'Kernel module loaded', priority: 'Warning', stream: 'alert' });
    for (const e of loki.entries) for (const name of Object.keys(e.labels)) assert.ok((LOKI_STREAM_LABELS as readonly string[]).includes(name), name);
    assert.deepEqual(JSON.parse(k8s!.line), alerts[0]);
    assert.deepEqual(JSON.parse(host!.line), alerts[1]);
    // alert.time has microseconds; the Loki timestamp carries exactly them.
    const expectNs = BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms - Math.floor(ms)) * 1000)) * 1000n;
    assert.equal(k8s!.tsNs, expectNs.toString());
    assert.equal(sink.stats().sent.alert, 2);
    assert.equal(sink.stats().spooled.alert, 2);
  });

  test('activity lines carry capture_id first and only the container labels', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'node-b' });
    const t = Date.now() - 3000;
    const records = [
      { ts: t + 0.5, type: 'exec', pid: 4242, tid: 4242, name: 'sh', uid: 0, exe: '/bin/busybox', cmdline: 'sh -i' },
      { ts: t + 1.75, type: 'open', pid: 4242, tid: 4242, name: 'cat', uid: 0, path: '/etc/shadow', res: 3 },
    ];
    const scope = { container: { id: 'a'.repeat(64), runtime: 'containerd', name: 'nginx' }, k8s: { ns: 'web', pod: 'frontend-1', container: 'nginx' } };
    for (const r of records) assert.equal(sink.pushActivity('cap-0001', r, scope), true);
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    assert.deepEqual(loki.violations, []);
    assert.equal(loki.entries.length, 2);
    for (const [i, e] of loki.entries.entries()) {
      assert.deepEqual(e.labels, { job: 'vigil', node: 'node-b', namespace: 'web', pod: 'frontend-1', container: 'nginx', stream: 'activity' });
      assert.equal(Object.keys(JSON.parse(e.line))[0], 'capture_id');
      assert.deepEqual(JSON.parse(e.line), { capture_id: 'cap-0001', ...records[i] });
    }
    assert.equal(loki.entries[0]!.tsNs, (BigInt(t) * 1_000_000n + 500_000n).toString());
    assert.equal(loki.entries[1]!.tsNs, (BigInt(t + 1) * 1_000_000n + 750_000n).toString());
  });

  test('an event (docs/events.md) is an activity record too: its own container and pod give the labels', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'node-a' });
    const event: VigilEvent = {
      type: 'open', time: new Date(Date.now() - 1000).toISOString().replace('Z', '123Z'), ts: Date.now() - 1000, node: 'node-a', cpu: 1,
      cgroup_id: 10424, mntns: 4026532801, pidns: 4026532804,
      proc: { pid: 31337, tid: 31337, name: 'cat', uid: 0, gid: 0 },
      container: { id: '5f0c0e4a'.padEnd(64, '0'), runtime: 'podman', name: 'demo', image: 'localhost/vigil-demo:1' },
      open: { syscall: 'openat', path: '/etc/shadow', res: 3, flags: 524288, flag_names: ['O_RDONLY', 'O_CLOEXEC'], mode: 0, file_type: 'file', dev: 44, ino: 1234 },
    };
    assert.equal(sink.pushActivity('cap-7', event), true);
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    assert.deepEqual(loki.entries[0]!.labels, { job: 'vigil', node: 'node-a', container: 'demo', stream: 'activity' });
    assert.deepEqual(JSON.parse(loki.entries[0]!.line), { capture_id: 'cap-7', ...event });
    // The event's time string has microseconds: they are in the Loki timestamp exactly.
    assert.match(loki.entries[0]!.tsNs, /123000$/);
  });

  for (const gzip of [true, false]) {
    test(`gzip ${gzip ? 'on' : 'off'}: Content-Encoding matches the body`, async () => {
      const loki = await standIn();
      const sink = new LokiSink({ config: testConfig(loki.url, { gzip }), node: 'n' });
      for (let i = 0; i < 50; i++) sink.pushAlert(makeAlert(i));
      assert.equal(await sink.flush(5000), true);
      await sink.close();
      assert.deepEqual(loki.violations, []);
      assert.equal(loki.entries.length, 50);
      assert.ok(loki.pushes.length >= 1);
      for (const p of loki.pushes) {
        assert.equal(p.contentType, 'application/json');
        assert.equal(p.contentEncoding, gzip ? 'gzip' : undefined);
      }
      const wire = loki.pushes.reduce((n, p) => n + p.bodyBytes, 0);
      const plain = loki.entries.reduce((n, e) => n + e.line.length, 0);
      // 50 near-identical alerts compress several-fold; uncompressed the body is at least the lines.
      if (gzip) assert.ok(wire * 4 < plain, `gzip body ${wire} B vs lines ${plain} B`);
      else assert.ok(wire > plain, `plain body ${wire} B vs lines ${plain} B`);
    });
  }

  test('a gzip body really is gzip (checked by a raw receiver)', async () => {
    let body: Buffer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        body = Buffer.concat(chunks);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sink = new LokiSink({ config: testConfig(url, { gzip: true }), node: 'n' });
    sink.pushAlert(makeAlert(7));
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    server.close();
    const doc = JSON.parse(gunzipSync(body!).toString('utf8'));
    assert.equal(doc.streams.length, 1);
    assert.equal(seqOf(doc.streams[0].values[0][1]), 7);
  });
});

describe('tenant and authentication', () => {
  test('X-Scope-OrgID and basic auth from a password file', async () => {
    const loki = await standIn();
    loki.multiTenant = true;
    loki.auth = { basic: { username: 'vigil', password: 's3cret-pw' } };
    const pwFile = `${spoolDir('pw')}.txt`;
    writeFileSync(pwFile, 's3cret-pw\n');
    const sink = new LokiSink({ config: testConfig(loki.url, { tenant: 'team-a', username: 'vigil', passwordFile: pwFile }), node: 'n' });
    sink.pushAlert(makeAlert(1));
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    assert.equal(loki.entries.length, 1);
    assert.equal(loki.entries[0]!.tenant, 'team-a');
    assert.equal(loki.pushes[0]!.tenant, 'team-a');
    assert.equal(loki.pushes[0]!.authorization, `Basic ${Buffer.from('vigil:s3cret-pw').toString('base64')}`);
    assert.ok(!JSON.stringify(sink.stats()).includes('s3cret'));
  });

  test('bearer token from a file, re-read so a rotated token is used', async () => {
    const loki = await standIn();
    loki.auth = { bearer: 'token-one' };
    const tokenFile = `${spoolDir('tok')}.txt`;
    writeFileSync(tokenFile, 'token-one');
    const sink = new LokiSink({ config: testConfig(loki.url, { bearerTokenFile: tokenFile }), node: 'n' });
    sink.pushAlert(makeAlert(1));
    assert.equal(await sink.flush(5000), true);
    writeFileSync(tokenFile, 'token-two\n');
    loki.auth = { bearer: 'token-two' };
    sink.pushAlert(makeAlert(2));
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    assert.deepEqual(loki.pushes.map((p) => p.authorization), ['Bearer token-one', 'Bearer token-two']);
    assert.deepEqual(loki.entries.map((e) => seqOf(e.line)), [1, 2]);
    assert.equal(loki.pushes[0]!.tenant, undefined, 'no tenant configured: no X-Scope-OrgID header');
  });

  test('wrong credentials are a permanent refusal: counted as rejected, the sink goes on', async () => {
    const loki = await standIn();
    loki.auth = { bearer: 'right' };
    const sink = new LokiSink({ config: testConfig(loki.url, { bearerToken: 'wrong' }), node: 'n' });
    sink.pushAlert(makeAlert(1));
    assert.equal(await sink.flush(5000), true);
    const s = sink.stats();
    await sink.close();
    assert.equal(s.dropped.rejected.alert, 1);
    assert.equal(s.rejectedBatches, 1);
    assert.match(s.lastError, /HTTP 401/);
    assert.ok(!s.lastError.includes('wrong'));
    assert.equal(loki.entries.length, 0);
  });
});

describe('logs', () => {
  test('a pino logger works as the sink logger; failures are logged once per kind and never with a secret', async () => {
    const loki = await standIn();
    loki.auth = { bearer: 'super-secret-token' };
    const lines: string[] = [];
    const out = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger: SinkLogger = pino({ level: 'info' }, out);
    const sink = new LokiSink({ config: testConfig(loki.url, { bearerToken: 'super-secret-token', batchMaxEntries: 1 }), node: 'n', logger });
    loki.failNext(3, 503);
    for (let i = 0; i < 3; i++) sink.pushAlert(makeAlert(i));
    assert.equal(await sink.flush(10_000), true);
    loki.failNext(3, 400);
    for (let i = 3; i < 6; i++) sink.pushAlert(makeAlert(i));
    assert.equal(await sink.flush(10_000), true);
    await sink.close();
    const text = lines.join('');
    assert.ok(!text.includes('super-secret-token'), text);
    const retryLogs = lines.filter((l) => l.includes('Loki push failed; retrying'));
    const refusedLogs = lines.filter((l) => l.includes('Loki refused a batch'));
    assert.equal(retryLogs.length, 1, 'three 503s, one line');
    assert.equal(refusedLogs.length, 1, 'three 400s, one line');
    assert.match(refusedLogs[0]!, /HTTP 400/);
    assert.equal(sink.stats().dropped.rejected.alert, 3);
    assert.equal(sink.stats().sent.alert, 3);
  });
});

describe('batching and ordering', () => {
  test('a batch goes out when batchMaxEntries is reached, without waiting for the timer', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url, { batchMaxEntries: 10, batchMaxWaitMs: 60_000 }), node: 'n' });
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) sink.pushAlert(makeAlert(i));
    await loki.waitFor(() => loki.entries.length === 30, 5000);
    const took = performance.now() - t0;
    await sink.close();
    assert.ok(took < 5000, `took ${took} ms`);
    assert.deepEqual(loki.pushes.map((p) => p.entries), [10, 10, 10]);
  });

  test('a lone activity entry waits at most batchMaxWaitMs; an alert at most alertMaxWaitMs', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url, { batchMaxEntries: 1000, batchMaxWaitMs: 600, alertMaxWaitMs: 100 }), node: 'n' });
    let t0 = performance.now();
    sink.pushActivity('cap-1', { ts: Date.now(), type: 'exec' });
    await loki.waitFor(() => loki.entries.length === 1, 5000);
    const activityTook = performance.now() - t0;
    t0 = performance.now();
    sink.pushActivity('cap-1', { ts: Date.now(), type: 'exec' });
    await new Promise((r) => setTimeout(r, 50));
    sink.pushAlert(makeAlert(1)); // takes the waiting activity entry along
    await loki.waitFor(() => loki.entries.length === 3, 5000);
    const alertTook = performance.now() - t0;
    await sink.close();
    assert.ok(activityTook >= 580 && activityTook < 2000, `activity delivered after ${activityTook.toFixed(0)} ms`);
    assert.ok(alertTook >= 140 && alertTook < 500, `alert delivered after ${alertTook.toFixed(0)} ms`);
    assert.equal(loki.pushes.length, 2);
  });

  test('entries pushed out of time order are sorted per stream (a strict-ordering Loki accepts them all)', async () => {
    const loki = await standIn();
    loki.ordering = 'strict';
    const sink = new LokiSink({ config: testConfig(loki.url, { batchMaxWaitMs: 200 }), node: 'n' });
    const base = Date.now() - 60_000;
    const order = [5, 1, 4, 2, 3, 0, 9, 7, 8, 6];
    for (const i of order) sink.pushAlert(makeAlert(i, { ms: base + i * 10, pod: i % 2 ? 'odd' : 'even' }));
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    assert.deepEqual(loki.violations, []);
    assert.equal(loki.entries.length, 10);
    assert.equal(loki.pushes.length, 1);
    for (const pod of ['odd', 'even']) {
      const ts = loki.select({ pod }).map((e) => BigInt(e.tsNs));
      assert.deepEqual(ts, [...ts].sort((a, b) => (a < b ? -1 : 1)));
    }
  });

  test('strictOrdering keeps a stream ordered across batches (late entries get the last timestamp, lines keep the truth)', async () => {
    const loki = await standIn();
    loki.ordering = 'strict';
    const sink = new LokiSink({ config: testConfig(loki.url, { strictOrdering: true }), node: 'n' });
    const now = Date.now();
    sink.pushAlert(makeAlert(1, { ms: now - 1000 }));
    assert.equal(await sink.flush(5000), true);
    sink.pushAlert(makeAlert(2, { ms: now - 5000 })); // older than what the stream already has
    assert.equal(await sink.flush(5000), true);
    const s = sink.stats();
    await sink.close();
    assert.deepEqual(loki.violations, []);
    assert.equal(loki.entries.length, 2);
    assert.equal(loki.entries[1]!.tsNs, loki.entries[0]!.tsNs);
    assert.equal(JSON.parse(loki.entries[1]!.line).ts, now - 5000);
    assert.equal(s.reordered, 1);
  });

  test('without strictOrdering the same late entry is refused by a strict tenant, and counted', async () => {
    const loki = await standIn();
    loki.ordering = 'strict';
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'n' });
    const now = Date.now();
    sink.pushAlert(makeAlert(1, { ms: now - 1000 }));
    assert.equal(await sink.flush(5000), true);
    sink.pushAlert(makeAlert(2, { ms: now - 5000 }));
    assert.equal(await sink.flush(5000), true);
    const s = sink.stats();
    await sink.close();
    assert.equal(loki.entries.length, 1);
    assert.match(loki.violations[0] ?? '', /out of order/);
    assert.equal(s.dropped.rejected.alert, 1);
    assert.equal(s.sent.alert, 1);
  });
});

describe('input the sink refuses', () => {
  test('invalid entries, over-long lines and pushes after close are counted and skipped', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url, { maxLineBytes: 8192 }), node: 'n' });
    assert.equal(sink.push({ stream: 'alert', labels: {}, tsNs: '-5', line: '{}' }), false);
    assert.equal(sink.push({ stream: 'alert', labels: {}, tsNs: '12.5', line: '{}' }), false);
    assert.equal(sink.push({ stream: 'bogus' as 'alert', labels: {}, tsNs: '1', line: '{}' }), false);
    assert.equal(sink.pushActivity('', { ts: 1 }), false);
    assert.equal(sink.pushAlert(null as unknown as ReturnType<typeof makeAlert>), false);
    const cyclic = makeAlert(9) as unknown as Record<string, unknown>;
    cyclic['self'] = cyclic;
    assert.equal(sink.pushAlert(cyclic as unknown as ReturnType<typeof makeAlert>), false);
    assert.equal(sink.push(null as unknown as Parameters<typeof sink.push>[0]), false);
    assert.equal(sink.pushActivity('cap', { ts: Date.now(), blob: 'x'.repeat(9000) }), false);
    // An alert too long for a line loses its event copy first and still goes out.
    const big = makeAlert(3);
    const withEvent = { ...big, event: { type: 'exec', blob: 'y'.repeat(9000) } } as unknown as typeof big;
    assert.equal(sink.pushAlert(withEvent), true);
    const huge = { ...makeAlert(4), output: 'z'.repeat(9000), output_fields: { a: 'q'.repeat(9000) } };
    assert.equal(sink.pushAlert(huge), true);
    assert.equal(await sink.flush(5000), true);
    await sink.close();
    assert.equal(sink.pushAlert(makeAlert(5)), false);
    const s = sink.stats();
    assert.equal(s.dropped.invalid.alert, 4);
    assert.equal(s.dropped.invalid.unknown, 2);
    assert.equal(s.dropped.invalid.activity, 1);
    assert.equal(s.dropped.too_large.activity, 1);
    assert.equal(s.dropped.closed.alert, 1);
    assert.equal(loki.entries.length, 2);
    const lines = loki.entries.map((e) => JSON.parse(e.line));
    assert.equal(lines[0].loki_truncated, true);
    assert.equal(lines[0].event, undefined);
    assert.equal(lines[0].uuid, big.uuid);
    assert.equal(lines[1].output.length, 2048);
    assert.deepEqual(lines[1].output_fields, {});
  });
});
