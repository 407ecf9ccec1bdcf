import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { formatBytes, ScanProgress } from '../../../src/scanner/report/index.js';
import { LAYER_APP, LAYER_BASE } from '../policy/fixtures.js';

/** A real stream whose output we collect; `isTTY`/`columns` set as a terminal would. */
function sink(tty: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (tty) {
    stream.isTTY = true;
    stream.columns = 80;
  }
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

const tick = () => new Promise((r) => setImmediate(r));
const MiB = 1024 * 1024;

describe('scan progress', () => {
  test('not a terminal: plain appended lines, no spinner, no carriage returns, quarter steps only', async () => {
    const { stream, text } = sink(false);
    const p = new ScanProgress(stream);
    p.phase('resolving registry.example.com/shop/api:1.4.2');
    p.layerStart(LAYER_BASE, 8 * MiB);
    for (let done = 0; done <= 8 * MiB; done += MiB / 4) p.layerProgress(LAYER_BASE, { pulled: done, scanned: Math.max(0, done - MiB) });
    p.layerDone(LAYER_BASE);
    p.done('scanned 1 layer');
    await tick();
    const out = text();
    assert.ok(!out.includes('\r') && !out.includes('\u001b'), JSON.stringify(out));
    assert.ok(!/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(out));
    assert.deepEqual(out.trimEnd().split('\n'), [
      'resolving registry.example.com/shop/api:1.4.2',
      'layer 1f3b2c4d5e6f: 8.0 MiB',
      'layer 1f3b2c4d5e6f: 25% (pulled 2.0 MiB, scanned 1.0 MiB of 8.0 MiB)',
      'layer 1f3b2c4d5e6f: 50% (pulled 4.0 MiB, scanned 3.0 MiB of 8.0 MiB)',
      'layer 1f3b2c4d5e6f: 75% (pulled 6.0 MiB, scanned 5.0 MiB of 8.0 MiB)',
      'layer 1f3b2c4d5e6f: done (pulled 8.0 MiB, scanned 7.0 MiB)',
      'scanned 1 layer',
    ]);
  });

  test('terminal: one status line redrawn in place, throttled, cleared at the end', async () => {
    const { stream, text } = sink(true);
    let now = 0;
    const p = new ScanProgress(stream, { clock: () => now, minIntervalMs: 100 });
    p.layerStart(LAYER_BASE, 10 * MiB);
    p.layerStart(LAYER_APP, 30 * MiB);
    // 100 updates within 50 ms: throttled to nothing beyond the forced draws.
    for (let i = 1; i <= 100; i++) p.layerProgress(LAYER_APP, { pulled: i * 1000 });
    now = 150;
    p.layerProgress(LAYER_APP, { pulled: 15 * MiB, scanned: 5 * MiB });
    p.layerDone(LAYER_BASE);
    p.done();
    await tick();
    const out = text();
    const draws = out.split('\r\u001b[2K').filter((s) => s.length > 0);
    assert.ok(draws.length <= 6, `throttled: ${draws.length} draws`);
    assert.ok(out.includes('0/2 layers  pulled 15.0 MiB of 40.0 MiB  scanned 5.0 MiB  c0ffee00c0ff'), JSON.stringify(out));
    assert.match(out, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /);
    assert.ok(out.includes('layer 1f3b2c4d5e6f: done (pulled 0 B, scanned 0 B)\n'));
    assert.ok(out.endsWith('\r\u001b[2K'), 'status line cleared');
    for (const d of draws) for (const line of d.split('\n')) assert.ok(Array.from(line).length <= 80);
  });

  test('updates for unknown or finished layers and shrinking counters are ignored', async () => {
    const { stream, text } = sink(false);
    const p = new ScanProgress(stream);
    p.layerProgress('sha256:unknown', { pulled: 5 });
    p.layerStart(LAYER_BASE, 100);
    p.layerProgress(LAYER_BASE, { pulled: 60 });
    p.layerProgress(LAYER_BASE, { pulled: 10 });
    p.layerDone(LAYER_BASE);
    p.layerDone(LAYER_BASE);
    p.layerProgress(LAYER_BASE, { pulled: 100 });
    await tick();
    assert.deepEqual(text().trimEnd().split('\n'), ['layer 1f3b2c4d5e6f: 100 B', 'layer 1f3b2c4d5e6f: 50% (pulled 60 B, scanned 0 B of 100 B)', 'layer 1f3b2c4d5e6f: done (pulled 60 B, scanned 0 B)']);
  });

  test('byte formatting', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 5 * MiB, 3 * 1024 * MiB, -1, Number.NaN].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.0 GiB', '?', '?']);
  });
});
