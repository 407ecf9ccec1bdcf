import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DropAlerter, DROP_RULE, responseAlert } from '../../src/alerts/self-alerts.js';
import type { Alert } from '../../src/alerts/types.js';
import type { TypeStats } from '../../src/events/types.js';

const snap = (openDrops: number, execDrops: number): TypeStats[] => [
  { cpu: 0, type: 'open', emitted: 100, dropped: openDrops, filtered: 0 },
  { cpu: 1, type: 'exec', emitted: 10, dropped: execDrops, filtered: 0 },
];

test('kernel drops raise one alert per interval that carries everything lost in between', () => {
  let now = 0;
  const out: Alert[] = [];
  const d = new DropAlerter('node-a', 60_000, (a) => out.push(a), () => now);
  d.observe(snap(0, 0));
  assert.equal(out.length, 0, 'no loss, no alert');
  now = 1000;
  d.observe(snap(5, 0));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.rule, DROP_RULE);
  assert.equal(out[0]!.priority, 'Critical');
  assert.equal(out[0]!.output_fields.n_drops, 5);
  now = 2000;
  d.observe(snap(8, 2));
  now = 3000;
  d.observe(snap(10, 2));
  assert.equal(out.length, 1, 'rate-limited');
  now = 62_000;
  d.observe(snap(10, 2));
  assert.equal(out.length, 2);
  assert.equal(out[1]!.output_fields.n_drops, 7, '5 more opens and 2 execs since the first alert');
  assert.match(out[1]!.output, /open=5 exec=2 cpu0=5 cpu1=2/);
});

test('a response outcome becomes its own alert linked to the trigger', () => {
  const trigger = { rule: 'Drift', uuid: 'u1', container: { id: 'c', runtime: 'podman' }, capture_id: 'cap1' } as Alert;
  const a = responseAlert(trigger, { action: 'kill', result: 'done', target: { pid: 42 } }, 'node-a', 1000);
  assert.equal(a.source, 'vigil');
  assert.equal(a.output, 'Response kill pid 42 for "Drift": done');
  assert.equal(a.output_fields['vigil.trigger'], 'u1');
  assert.equal(a.capture_id, 'cap1');
  assert.equal(a.response?.result, 'done');
});
