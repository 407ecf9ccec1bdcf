import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDeduplicator, dedupKey } from '../../src/alerts/dedup.js';
import type { Alert } from '../../src/alerts/types.js';

const alert = (n: number, over: Partial<Alert> = {}): Alert => ({
  time: '2026-12-03T22:00:00.000000000Z', rule: 'Terminal shell in container', priority: 'Notice', output: `shell pid=${n}`,
  output_fields: { 'proc.name': 'sh', 'proc.pid': n, 'container.id': 'abc' }, tags: [], hostname: 'n', source: 'syscall',
  uuid: `u${n}`, ts: n, count: 1, container: { id: 'abc', runtime: 'podman' }, ...over,
});

test('identical alerts in the window fold into one summary with the count', () => {
  let now = 0;
  const out: Alert[] = [];
  const d = new AlertDeduplicator({ windowMs: 10_000, maxKeys: 100, now: () => now }, (a) => out.push(a));
  for (let i = 0; i < 50; i++) d.push(alert(i));
  assert.equal(out.length, 1, 'only the first passes at once');
  now = 10_001;
  d.sweep();
  assert.equal(out.length, 2);
  assert.equal(out[1]!.count, 49);
  assert.match(out[1]!.output, /repeated 49 more times within 10s of u0/);
  assert.deepEqual(d.stats, { passed: 1, folded: 49, summaries: 1, keyTableFull: 0 });
});

test('different rules, containers or key fields are not folded; volatile fields are ignored', () => {
  assert.equal(dedupKey(alert(1)), dedupKey(alert(2)), 'pids differ only');
  assert.notEqual(dedupKey(alert(1)), dedupKey(alert(1, { rule: 'Other' })));
  assert.notEqual(dedupKey(alert(1)), dedupKey(alert(1, { container: { id: 'def', runtime: 'podman' } })));
  assert.notEqual(dedupKey(alert(1)), dedupKey(alert(1, { output_fields: { 'proc.name': 'bash', 'proc.pid': 1 } })));
});

test('a full key table lets alerts through instead of dropping them', () => {
  const out: Alert[] = [];
  const d = new AlertDeduplicator({ windowMs: 10_000, maxKeys: 2 }, (a) => out.push(a));
  for (let i = 0; i < 5; i++) d.push(alert(i, { rule: `r${i}` }));
  assert.equal(out.length, 5);
  assert.equal(d.stats.keyTableFull, 3);
  d.flush();
});

test('flush sends pending summaries; a zero window passes everything', () => {
  const out: Alert[] = [];
  const d = new AlertDeduplicator({ windowMs: 60_000, maxKeys: 10 }, (a) => out.push(a));
  d.push(alert(1));
  d.push(alert(2));
  d.flush();
  assert.deepEqual(out.map((a) => a.count), [1, 1]);
  const z: Alert[] = [];
  const d0 = new AlertDeduplicator({ windowMs: 0, maxKeys: 10 }, (a) => z.push(a));
  d0.push(alert(1));
  d0.push(alert(2));
  assert.equal(z.length, 2);
});
