// Zero alert loss while Loki misbehaves: an outage (connections refused, then reset), 429 with Retry-After,
// 5xx, a receiver slower than the sink's timeout. Every alert must arrive exactly once (the stand-in ignores
// an identical re-sent entry, as Loki does), in order, with no format violation.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { LokiStandIn } from '../../support/loki-standin.js';
import { LokiSink } from '../../../src/alerts/loki/index.js';
import { makeAlert, seqOf, testConfig } from './helpers.js';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function assertAllOnce(loki: LokiStandIn, n: number): void {
  assert.deepEqual(loki.violations, []);
  const seqs = loki.entries.map((e) => seqOf(e.line));
  assert.equal(new Set(seqs).size, seqs.length, 'no alert stored twice');
  assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'every alert arrived');
}

/** Pushes `n` alerts, `perTick` every 10 ms, while `during` runs. */
async function pushSteadily(sink: LokiSink, n: number, perTick: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i += perTick) {
    for (let j = i; j < Math.min(from + n, i + perTick); j++) assert.equal(sink.pushAlert(makeAlert(j)), true);
    await sleep(10);
  }
}

describe('zero alert loss', () => {
  test('an outage: connections refused for a while, then Loki is back', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url, { batchMaxEntries: 50 }), node: 'n' });
    await pushSteadily(sink, 100, 10, 0);
    await loki.down('refuse');
    await pushSteadily(sink, 300, 10, 100);
    await sleep(300);
    const during = sink.stats();
    assert.ok(during.retriedBy.network > 0, 'the sink retried against the refused port');
    assert.ok(during.spoolEntries > 0, 'entries waited in the spool');
    assert.ok(during.lastErrorTs > 0 && /ECONNREFUSED/.test(during.lastError), during.lastError);
    await loki.up();
    await pushSteadily(sink, 100, 10, 400);
    assert.equal(await sink.flush(10_000), true);
    const s = sink.stats();
    await sink.close();
    assertAllOnce(loki, 500);
    assert.equal(s.sent.alert, 500);
    assert.equal(s.spoolEntries, 0);
    const dropped = Object.values(s.dropped).reduce((n, d) => n + d.alert, 0);
    assert.equal(dropped, 0);
  });

  test('an outage where connections are accepted and reset', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'n' });
    await loki.down('reset');
    await pushSteadily(sink, 200, 20);
    await sleep(200);
    assert.ok(sink.stats().retriedBy.network > 0);
    await loki.up();
    assert.equal(await sink.flush(10_000), true);
    await sink.close();
    assertAllOnce(loki, 200);
  });

  test('429 with Retry-After: the sink waits at least that long, then delivers everything', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url, { backoffMinMs: 1, backoffMaxMs: 5 }), node: 'n' });
    loki.failNext(2, 429, '1');
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) sink.pushAlert(makeAlert(i));
    assert.equal(await sink.flush(10_000), true);
    const took = performance.now() - t0;
    const s = sink.stats();
    await sink.close();
    assertAllOnce(loki, 100);
    assert.equal(s.retriedBy.http_429, 2);
    // Two refusals of "retry after 1 s" each: without honouring it the 5 ms backoff would be done in ~10 ms.
    assert.ok(took >= 1900, `delivered after ${took.toFixed(0)} ms`);
    const statuses = loki.pushes.map((p) => p.status);
    assert.deepEqual(statuses.slice(0, 3), [429, 429, 204]);
  });

  test('5xx answers are retried with backoff until Loki takes the batch', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url), node: 'n' });
    loki.failNext(5, 503);
    await pushSteadily(sink, 150, 15);
    assert.equal(await sink.flush(10_000), true);
    const s = sink.stats();
    await sink.close();
    assertAllOnce(loki, 150);
    assert.equal(s.retriedBy.http_5xx, 5);
    assert.equal(s.retried, 5);
    assert.match(s.lastError, /HTTP 503/);
  });

  test('a receiver slower than the timeout: the sink gives up on the request, re-sends, and nothing is lost or doubled', async () => {
    const loki = await standIn();
    loki.delayMs = 400;
    const sink = new LokiSink({ config: testConfig(loki.url, { timeoutMs: 250, batchMaxEntries: 40 }), node: 'n' });
    await pushSteadily(sink, 120, 20);
    await sleep(700);
    assert.ok(sink.stats().retriedBy.timeout > 0, 'at least one push timed out');
    loki.delayMs = 50;
    assert.equal(await sink.flush(15_000), true);
    await sink.close();
    assertAllOnce(loki, 120);
    // The abandoned requests were still stored by the receiver: the re-sent copies were recognised as duplicates.
    assert.ok(loki.duplicates > 0, 'a re-sent batch met its first copy');
  });

  test('a receiver that is slow but within the timeout simply delays delivery', async () => {
    const loki = await standIn();
    loki.delayMs = 150;
    const sink = new LokiSink({ config: testConfig(loki.url, { timeoutMs: 2000, batchMaxEntries: 25 }), node: 'n' });
    await pushSteadily(sink, 100, 25);
    assert.equal(await sink.flush(10_000), true);
    const s = sink.stats();
    await sink.close();
    assertAllOnce(loki, 100);
    assert.equal(s.retried, 0);
  });
});

describe('permanent refusals', () => {
  test('a 400 drops that batch only (counted as rejected) and the next batches go through', async () => {
    const loki = await standIn();
    const sink = new LokiSink({ config: testConfig(loki.url, { batchMaxEntries: 10 }), node: 'n' });
    loki.failNext(1, 400);
    for (let i = 0; i < 30; i++) sink.pushAlert(makeAlert(i));
    assert.equal(await sink.flush(10_000), true);
    const s = sink.stats();
    await sink.close();
    assert.equal(s.dropped.rejected.alert, 10);
    assert.equal(s.rejectedBatches, 1);
    assert.equal(s.retried, 0, '400 is not retried');
    assert.deepEqual(loki.entries.map((e) => seqOf(e.line)), Array.from({ length: 20 }, (_, i) => i + 10));
  });
});
