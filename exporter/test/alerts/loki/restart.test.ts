// Entries in the spool survive the death of the process that queued them: a child process queues alerts while
// Loki is down and is killed with SIGKILL (no close, no flush); a new sink on the same spool directory sends
// all of them, in order, once Loki is up. Also: bounded spool and bounded memory through the whole sink.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

const exporterRoot = join(import.meta.dirname, '..', '..', '..');

/** Runs the child until it has queued its alerts, then kills it with SIGKILL. */
async function queueInChildAndCrash(configJson: string, from: number, to: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/alerts/loki/fixtures/sink-child.ts', configJson, String(from), String(to)], {
    cwd: exporterRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let said = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    said += `${line}\n`;
    if (line.startsWith('queued')) break;
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  return said;
}

describe('restart', () => {
  test('alerts queued by a process that crashed are replayed in order by the next one', async () => {
    const loki = await standIn();
    const url = loki.url;
    await loki.down('refuse');
    const config = testConfig(url, { batchMaxEntries: 64 });
    const said = await queueInChildAndCrash(JSON.stringify(config), 0, 500);
    assert.match(said, /^queued \{"alert":500,/m);
    assert.doesNotMatch(said, /refused/);

    await loki.up();
    const sink = new LokiSink({ config, node: 'node-a' });
    sink.pushAlert(makeAlert(500)); // new alerts queue behind the replayed ones
    assert.equal(await sink.flush(15_000), true);
    const s = sink.stats();
    await sink.close();
    assert.deepEqual(loki.violations, []);
    assert.deepEqual(loki.entries.map((e) => seqOf(e.line)), Array.from({ length: 501 }, (_, i) => i), 'all, once, in order');
    assert.equal(s.replayed, 500);
    assert.equal(s.sent.alert, 501);
  });

  test('after a stop in the middle of a replay, the next start sends only what Loki had not acknowledged', async () => {
    const loki = await standIn();
    const config = testConfig(loki.url, { batchMaxEntries: 50 });
    await loki.down('refuse');
    await queueInChildAndCrash(JSON.stringify(config), 0, 300);
    await loki.up();
    // Deliver part of it, then stop with entries still in the spool.
    loki.delayMs = 100;
    const a = new LokiSink({ config: { ...config, closeTimeoutMs: 0 }, node: 'node-a' });
    await loki.waitFor(() => loki.entries.length >= 100, 10_000);
    await a.close();
    const firstRun = loki.entries.length;
    assert.ok(firstRun < 300, `delivered ${firstRun} before the stop`);
    loki.delayMs = 0;
    const b = new LokiSink({ config, node: 'node-a' });
    assert.equal(await b.flush(15_000), true);
    const s = b.stats();
    await b.close();
    assert.deepEqual(loki.entries.map((e) => seqOf(e.line)), Array.from({ length: 300 }, (_, i) => i));
    assert.ok(s.replayed <= 300 - firstRun + 50, `replayed ${s.replayed}: at most one batch again`);
  });
});

describe('bounds through the sink', () => {
  test('during a long outage the spool stays under its bound, the oldest alerts are dropped and counted, and memory stays flat', async (t) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const loki = await standIn();
    await loki.down('refuse');
    const spoolMaxBytes = 2 * 1024 * 1024;
    const sink = new LokiSink({ config: testConfig(loki.url, { spoolMaxBytes, maxLineBytes: 64 * 1024, batchMaxEntries: 100, batchMaxBytes: 256 * 1024 }), node: 'n' });
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const n = 30_000; // ~0.8 KiB lines: ~22 MiB through a 2 MiB spool
    let peakSpool = 0;
    let peakWindow = 0;
    for (let i = 0; i < n; i++) {
      assert.equal(sink.pushAlert(makeAlert(i)), true);
      if (i % 500 === 0) {
        const s = sink.stats();
        peakSpool = Math.max(peakSpool, s.spoolBytes);
        peakWindow = Math.max(peakWindow, s.windowBytes);
        await new Promise((r) => setImmediate(r));
      }
    }
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heap0;
    const during = sink.stats();
    t.diagnostic(`pushed ${(during.spooled.alert / 1).toFixed(0)} alerts (${(n * JSON.stringify(makeAlert(0)).length / 1048576).toFixed(1)} MiB of lines); spool peak ${(peakSpool / 1048576).toFixed(2)} MiB; window peak ${(peakWindow / 1048576).toFixed(2)} MiB; heap growth ${(heapGrowth / 1048576).toFixed(1)} MiB; dropped ${during.dropped.spool_full.alert}`);
    assert.ok(peakSpool <= spoolMaxBytes, `spool peaked at ${peakSpool} B`);
    assert.ok(peakWindow <= 4 * 1024 * 1024, `window peaked at ${peakWindow} B`);
    assert.ok(heapGrowth < 16 * 1024 * 1024, `heap grew by ${(heapGrowth / 1048576).toFixed(1)} MiB`);
    assert.ok(during.dropped.spool_full.alert > 0);

    await loki.up();
    assert.equal(await sink.flush(20_000), true);
    const s = sink.stats();
    await sink.close();
    assert.deepEqual(loki.violations, []);
    const got = loki.entries.map((e) => seqOf(e.line));
    assert.equal(new Set(got).size, got.length);
    assert.equal(got.length + s.dropped.spool_full.alert, n, 'delivered + counted drops = pushed');
    // Delivered: the batch that was in flight when the outage began, then the newest tail without a gap.
    const tail = got.filter((x) => x >= 100);
    assert.deepEqual(tail, Array.from({ length: tail.length }, (_, k) => n - tail.length + k));
    assert.ok(tail.length > 1000, `kept ${tail.length}`);
  });
});
