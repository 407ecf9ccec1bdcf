// Overlapping alerts in one container share one capture and extend its window (bounded by maxWindowMs);
// alerts in other containers, or after a capture completed, get their own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder } from '../../src/recorder/recorder.js';
import { ContainerEvents, containerId, T0 } from './events.js';

const A = containerId(0xa1);
const B = containerId(0xb2);

const alertAt = (ts: number, containerId = A) => ({ uuid: `u-${ts - T0}`, ts, rule: 'Terminal shell in container', priority: 'Notice', containerId });

/** One open per 100 ms from `from` to `to` (ms after T0), path = its offset. */
function feed(rec: FlightRecorder, c: ContainerEvents, from: number, to: number, each?: (t: number) => void): void {
  for (let t = from; t <= to; t += 100) {
    rec.record(c.open(T0 + t, 7, `/o/${t}`));
    each?.(t);
  }
}

function offsets(entries: { ts: number }[]): number[] {
  return entries.map((e) => e.ts - T0);
}

describe('overlapping alerts', () => {
  test('a second alert inside an open capture joins it and extends its end', async () => {
    const rec = new FlightRecorder({ now: () => T0 });
    const a = new ContainerEvents(A);
    feed(rec, a, 0, 10_000);
    const first = rec.onAlert(alertAt(T0 + 10_000))!;
    feed(rec, a, 10_100, 12_000);
    const second = rec.onAlert(alertAt(T0 + 12_000))!;
    assert.equal(second, first);
    feed(rec, a, 12_100, 20_000);
    const doc = (await rec.get(first))!;
    assert.equal(doc.status, 'complete');
    assert.deepEqual([doc.window.from, doc.window.to], [T0, T0 + 17_000]);
    assert.deepEqual(doc.alerts.map((x) => x.uuid), ['u-10000', 'u-12000']);
    assert.equal(doc.alert_count, 2);
    assert.equal(doc.alert.uuid, 'u-10000');
    const ts = offsets(doc.entries);
    assert.equal(ts.length, 171);
    assert.equal(new Set(ts).size, ts.length, 'no entry twice');
    assert.deepEqual([ts[0], ts.at(-1)], [0, 17_000]);
    const s = rec.stats().captures;
    assert.deepEqual([s.created, s.shared, s.completed], [1, 1, 1]);
  });

  test('an alert that arrives out of order extends the start back, copying only what the capture lacks', async () => {
    const rec = new FlightRecorder({ now: () => T0 });
    const a = new ContainerEvents(A);
    feed(rec, a, 0, 20_000);
    const id = rec.onAlert(alertAt(T0 + 20_000))!;
    assert.equal(rec.onAlert(alertAt(T0 + 18_000)), id);
    feed(rec, a, 20_100, 25_100);
    const doc = (await rec.get(id))!;
    assert.deepEqual([doc.window.from, doc.window.to], [T0 + 8000, T0 + 25_000]);
    const ts = offsets(doc.entries);
    assert.equal(ts.length, 171);
    assert.equal(new Set(ts).size, ts.length);
    assert.deepEqual([ts[0], ts.at(-1)], [8000, 25_000]);
  });

  test('records held back by settleMs join when a later alert extends the window', async () => {
    const rec = new FlightRecorder({ settleMs: 1000, now: () => T0 });
    const a = new ContainerEvents(A);
    const id = rec.onAlert(alertAt(T0 + 1000))!;
    feed(rec, a, 5500, 6900); // past to = 6000, within settle
    assert.equal(rec.onAlert(alertAt(T0 + 1900)), id);
    feed(rec, a, 7000, 8000);
    const doc = (await rec.get(id))!;
    assert.equal(doc.status, 'complete');
    assert.equal(doc.window.to, T0 + 6900);
    assert.deepEqual(offsets(doc.entries), [5500, 5600, 5700, 5800, 5900, 6000, 6100, 6200, 6300, 6400, 6500, 6600, 6700, 6800, 6900]);
  });

  test('a stream of alerts shares captures only up to maxWindowMs; every alert lands in exactly one', async () => {
    const rec = new FlightRecorder({ maxWindowMs: 30_000, now: () => T0 });
    const a = new ContainerEvents(A);
    const ids: string[] = [];
    feed(rec, a, 0, 60_000, (t) => {
      if (t >= 10_000 && t <= 50_000 && t % 4000 === 2000) ids.push(rec.onAlert(alertAt(T0 + t))!);
    });
    rec.sweep(T0 + 120_000);
    const distinct = [...new Set(ids)];
    assert.ok(distinct.length >= 2, `${distinct.length} captures`);
    let alerts = 0;
    for (const id of distinct) {
      const doc = (await rec.get(id))!;
      assert.equal(doc.status, 'complete');
      assert.ok(doc.window.to - doc.window.from <= 30_000, `window ${doc.window.to - doc.window.from}`);
      for (const al of doc.alerts) assert.ok(al.ts >= doc.window.from + 10_000 - 1e-9 && al.ts <= doc.window.to - 5000 + 1e-9);
      alerts += doc.alert_count;
    }
    assert.equal(alerts, ids.length);
    assert.equal(rec.stats().captures.shared, ids.length - distinct.length);
  });

  test('alerts in other containers, and alerts after a capture completed, get their own capture', async () => {
    const rec = new FlightRecorder({ now: () => T0 });
    const [a, b] = [new ContainerEvents(A), new ContainerEvents(B)];
    const ida = rec.onAlert(alertAt(T0 + 1000, A))!;
    const idb = rec.onAlert(alertAt(T0 + 1000, B))!;
    assert.notEqual(ida, idb);
    rec.record(a.open(T0 + 7000, 1, '/a'));
    rec.record(b.open(T0 + 7000, 1, '/b'));
    assert.equal((await rec.get(ida))!.status, 'complete');
    const later = rec.onAlert(alertAt(T0 + 7000, A))!;
    assert.notEqual(later, ida);
    assert.deepEqual(rec.list({ container: A }).map((m) => m.id), [later, ida]);
    assert.deepEqual(rec.list({ since: T0 + 5000 }).map((m) => m.id), [later]);
    assert.equal(rec.list({ limit: 1 }).length, 1);
    const meta = rec.list({ container: B })[0]!;
    assert.deepEqual(
      { ...meta, id: undefined },
      { id: undefined, status: 'complete', created: T0, completed: T0, container: { id: B, name: 'demo', image: 'localhost/vigil-demo:1' }, alert: { uuid: 'u-1000', rule: 'Terminal shell in container', priority: 'Notice', ts: T0 + 1000 }, alert_count: 1, window: { from: T0 - 9000, to: T0 + 6000 }, entries: 0, bytes: meta.bytes, persisted: false },
    );
  });
});
