import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/journal/journal.js';
import { RecentRing } from '../../src/journal/recent.js';

test('rotates by size and keeps the total under the bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-journal-'));
  let now = 1_700_000_000_000;
  const j = new Journal({ dir, segmentBytes: 64 * 1024, maxBytes: 256 * 1024, maxAgeMs: 3_600_000, now: () => now });
  const pad = 'x'.repeat(200);
  for (let i = 0; i < 5000; i++) {
    j.append({ ts: now, i, pad });
    now += 1;
  }
  await j.close();
  assert.ok(j.stats.rotations > 5);
  assert.ok(j.stats.removedSegments > 0);
  assert.ok(j.stats.diskBytes <= 256 * 1024 + 64 * 1024, `disk ${j.stats.diskBytes}`);
  assert.equal(j.stats.written, 5000);
  const files = readdirSync(dir);
  assert.equal(files.length, j.stats.segments);
  // The newest records are the ones kept.
  const j2 = new Journal({ dir, segmentBytes: 64 * 1024, maxBytes: 256 * 1024, maxAgeMs: 3_600_000, now: () => now });
  const tail = await j2.read(now - 50, now, () => true, 100);
  assert.deepEqual(tail.map((r) => r.i), Array.from({ length: 50 }, (_, k) => 4950 + k));
  await j2.close();
});

test('drops old segments by age', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-journal-age-'));
  let now = 1_700_000_000_000;
  const j = new Journal({ dir, segmentBytes: 1024, maxBytes: 1 << 30, maxAgeMs: 60_000, now: () => now });
  for (let i = 0; i < 100; i++) {
    j.append({ ts: now, i, pad: 'y'.repeat(100) });
    now += 10_000;
  }
  await j.close();
  const all = await j.read(0, now, () => true, 1000);
  assert.ok(all.length < 30 && all.length > 0, `kept ${all.length}`);
  // A segment goes once its successor started before the cutoff, so what survives is at most one segment
  // (8 records, 80 s here) older than the bound, and it is the newest tail.
  assert.ok((all[0]!.ts as number) >= now - 60_000 - 90_000, 'nothing much older than the age bound survives');
  assert.equal(all[all.length - 1]!.i, 99);
});

test('the recent ring keeps the newest and filters', () => {
  const r = new RecentRing<number>(5);
  for (let i = 0; i < 12; i++) r.push(i);
  assert.equal(r.length, 5);
  assert.deepEqual(r.query(() => true, 10), [7, 8, 9, 10, 11]);
  assert.deepEqual(r.query((x) => x % 2 === 0, 10), [8, 10]);
  assert.deepEqual(r.query(() => true, 2), [10, 11]);
});
