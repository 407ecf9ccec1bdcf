// Capture windows: exactly [alert - before, alert + after], both ends inclusive; finalized by the first record
// past the end or, for a quiet container, by sweep; entries ordered by time; activity lines; the callback.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder } from '../../src/recorder/recorder.js';
import { activityLines } from '../../src/recorder/activity-lines.js';
import { isCaptureId } from '../../src/recorder/capture-id.js';
import { triggerFromAlert } from '../../src/recorder/trigger.js';
import type { Alert } from '../../src/alerts/types.js';
import type { CaptureDocument } from '../../src/recorder/types.js';
import { ContainerEvents, containerId, T0 } from './events.js';

const A = containerId(0xa1);
const B = containerId(0xb2);

function trigger(ts: number, container = A, uuid = `uuid-${ts}`) {
  return { uuid, ts, rule: 'Read sensitive file untrusted', priority: 'Warning', containerId: container, pid: 200 };
}

/** One open every 100 ms from T0 to T0 + 30 s in container A, and the same in B. */
function busyRecorder(opts: ConstructorParameters<typeof FlightRecorder>[0] = {}) {
  let now = T0;
  const completed: CaptureDocument[] = [];
  const rec = new FlightRecorder({ now: () => now, onComplete: (d) => completed.push(d), ...opts });
  const a = new ContainerEvents(A).known(1, 0, 'sh', '/bin/sh', 'sh').known(200, 1, 'cat', '/bin/cat', 'cat');
  const b = new ContainerEvents(B, { name: 'neighbour' }).known(300, 1, 'cat');
  const feed = (fromMs: number, toMs: number, each?: () => void): void => {
    for (let t = fromMs; t <= toMs; t += 100) {
      now = T0 + t;
      rec.record(a.open(T0 + t, 200, `/data/a-${t}`));
      rec.record(b.open(T0 + t, 300, `/data/b-${t}`));
      each?.();
    }
  };
  return { rec, a, b, feed, completed, setNow: (t: number) => (now = t), getNow: () => now };
}

describe('capture window', () => {
  test('holds exactly the entries from alert-10s to alert+5s, ends included, and completes on the first record past the end', async () => {
    const { rec, feed, completed } = busyRecorder();
    feed(0, 15_000);
    const id = rec.onAlert(trigger(T0 + 15_000));
    assert.ok(isCaptureId(id), `id ${id}`);
    const pending = await rec.get(id!);
    assert.equal(pending?.status, 'pending');
    assert.equal(pending?.entries.length, 101, 'before part copied at once: 5000..15000 every 100 ms');
    feed(15_100, 20_000);
    assert.equal(completed.length, 0, 'an entry at exactly alert+5s does not end the capture');
    assert.equal((await rec.get(id!))?.status, 'pending');
    feed(20_100, 20_100);
    assert.equal(completed.length, 1);
    const doc = (await rec.get(id!))!;
    assert.equal(doc.status, 'complete');
    assert.equal(doc, completed[0]);
    const paths = doc.entries.map((e) => (e.type === 'open' ? e.path : ''));
    assert.equal(doc.entries.length, 151);
    assert.equal(paths[0], '/data/a-5000', 'first entry exactly alert - 10 s');
    assert.equal(paths.at(-1), '/data/a-20000', 'last entry exactly alert + 5 s');
    assert.ok(paths.every((p) => p.startsWith('/data/a-')), 'only container A');
    assert.deepEqual(doc.window, { from: T0 + 5000, to: T0 + 20_000, before_ms: 10_000, after_ms: 5000, before_complete: true });
    assert.equal(doc.container.id, A);
    assert.equal(doc.container.name, 'demo');
    assert.deepEqual(doc.alert, { uuid: `uuid-${T0 + 15_000}`, rule: 'Read sensitive file untrusted', priority: 'Warning', ts: T0 + 15_000, pid: 200 });
    assert.equal(doc.dropped_entries, 0);
    assert.equal(doc.truncated, undefined);
    feed(20_200, 25_000);
    assert.equal(completed.length, 1, 'completes once');
    assert.equal((await rec.get(id!))!.entries.length, 151, 'a complete capture does not grow');
  });

  test('records of another container neither join nor end a capture', async () => {
    const { rec, a, b, completed, setNow } = busyRecorder();
    const id = rec.onAlert(trigger(T0 + 1000))!;
    rec.record(b.open(T0 + 1500, 300, '/etc/b'));
    rec.record(b.open(T0 + 9000, 300, '/etc/b-late'));
    assert.equal(completed.length, 0);
    rec.record(a.open(T0 + 1200, 200, '/etc/a'));
    setNow(T0 + 9000);
    rec.record(a.open(T0 + 9000, 200, '/etc/a-late'));
    assert.equal(completed.length, 1);
    const doc = (await rec.get(id))!;
    assert.deepEqual(doc.entries.map((e) => (e.type === 'open' ? e.path : '')), ['/etc/a']);
  });

  test('an alert processed before its event still gets the event, and the window is measured from the alert', async () => {
    const { rec, a, setNow } = busyRecorder();
    const id = rec.onAlert(trigger(T0 + 50))!;
    rec.record(a.open(T0 + 50, 200, '/etc/shadow'));
    rec.record(a.open(T0 + 5050, 200, '/etc/at-end'));
    rec.record(a.open(T0 + 5050.001, 200, '/etc/past-end'));
    setNow(T0 + 6000);
    const doc = (await rec.get(id))!;
    assert.equal(doc.status, 'complete');
    assert.deepEqual(doc.entries.map((e) => (e.type === 'open' ? e.path : '')), ['/etc/shadow', '/etc/at-end']);
  });

  test('a quiet container is finalized by sweep only after window end + finalizeDelayMs', async () => {
    const { rec, a, completed, setNow } = busyRecorder({ finalizeDelayMs: 2000 });
    rec.record(a.open(T0 + 100, 200, '/etc/passwd'));
    const id = rec.onAlert(trigger(T0 + 100))!;
    rec.sweep(T0 + 100 + 5000 + 2000);
    assert.equal(completed.length, 0, 'at exactly to + delay it is still open');
    setNow(T0 + 7101);
    rec.sweep();
    assert.equal(completed.length, 1);
    const doc = (await rec.get(id))!;
    assert.equal(doc.status, 'complete');
    assert.equal(doc.completed, T0 + 7101);
    assert.equal(doc.entries.length, 1);
  });

  test('a late alert whose window already passed in the ring completes at once', async () => {
    const { rec, feed, completed } = busyRecorder();
    feed(0, 30_000);
    const id = rec.onAlert(trigger(T0 + 12_000))!;
    assert.equal(completed.length, 1);
    const doc = (await rec.get(id))!;
    assert.equal(doc.status, 'complete');
    assert.equal(doc.entries.length, 151);
    assert.equal(doc.entries[0]!.ts, T0 + 2000);
    assert.equal(doc.entries.at(-1)!.ts, T0 + 17_000);
  });

  test('entries are ordered by time, arrival order among equal times, whatever order they arrived in', async () => {
    const { rec, a, setNow } = busyRecorder();
    const order = [5, 1, 3, 3, 2, 4, 1];
    order.forEach((t, i) => rec.record(a.open(T0 + t, 200, `/f/${t}-${i}`)));
    const id = rec.onAlert(trigger(T0 + 3))!;
    rec.record(a.open(T0 + 2.5, 200, '/f/late-2.5'));
    setNow(T0 + 60_000);
    rec.sweep();
    const doc = (await rec.get(id))!;
    assert.deepEqual(
      doc.entries.map((e) => (e.type === 'open' ? e.path : '')),
      ['/f/1-1', '/f/1-6', '/f/2-4', '/f/late-2.5', '/f/3-2', '/f/3-3', '/f/4-5', '/f/5-0'],
    );
  });

  test('settleMs: records up to to+settle neither join nor finalize; the next one finalizes', async () => {
    const { rec, a, completed } = busyRecorder({ settleMs: 200 });
    const id = rec.onAlert(trigger(T0 + 1000))!;
    rec.record(a.open(T0 + 6000, 200, '/in'));
    rec.record(a.open(T0 + 6150, 200, '/settling'));
    assert.equal(completed.length, 0);
    rec.record(a.open(T0 + 6201, 200, '/after'));
    assert.equal(completed.length, 1);
    assert.deepEqual((await rec.get(id))!.entries.map((e) => (e.type === 'open' ? e.path : '')), ['/in']);
  });

  test('activity lines: one per entry, in order, each naming the capture, the alert and the container', async () => {
    const { rec, feed } = busyRecorder();
    feed(0, 3000);
    const id = rec.onAlert(trigger(T0 + 2000))!;
    feed(3100, 7100);
    const doc = (await rec.get(id))!;
    const lines = activityLines(doc);
    assert.equal(lines.length, doc.entries.length);
    assert.equal(lines.length, 71);
    for (let i = 0; i < lines.length; i++) {
      assert.equal(lines[i]!.capture_id, id);
      assert.equal(lines[i]!.alert_uuid, doc.alert.uuid);
      assert.equal(lines[i]!.container_id, A);
      assert.equal(lines[i]!.ts, doc.entries[i]!.ts);
      if (i > 0) assert.ok(lines[i]!.ts >= lines[i - 1]!.ts);
    }
    const parsed = JSON.parse(JSON.stringify(lines[0])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['alert_uuid', 'capture_id', 'container_id', 'file_type', 'flags', 'name', 'path', 'pid', 'res', 'tid', 'ts', 'type', 'uid', 'write']);
  });

  test('onComplete is called once per capture; a throwing callback is counted, not thrown', async () => {
    let calls = 0;
    const rec = new FlightRecorder({
      now: () => T0,
      onComplete: () => {
        calls++;
        throw new Error('sink down');
      },
    });
    const a = new ContainerEvents(A);
    rec.onAlert(trigger(T0));
    assert.doesNotThrow(() => rec.record(a.open(T0 + 6000, 1, '/x')));
    rec.record(a.open(T0 + 7000, 1, '/y'));
    assert.equal(calls, 1);
    assert.equal(rec.stats().captures.callback_errors, 1);
  });

  test('triggerFromAlert takes the container from the alert or its event, and the pid from the event', () => {
    const a = new ContainerEvents(A, { k8s: { ns: 'shop', pod: 'cart-1' } });
    const ev = a.open(T0, 4242, '/etc/shadow');
    const alert: Alert = {
      time: new Date(T0).toISOString(), rule: 'r', priority: 'Critical', output: 'o', output_fields: {}, tags: [], hostname: 'node-a',
      source: 'syscall', uuid: 'u-1', ts: T0, count: 1, event: ev,
    };
    const t = triggerFromAlert(alert);
    assert.deepEqual({ ...t, container: undefined, k8s: undefined }, { uuid: 'u-1', ts: T0, rule: 'r', priority: 'Critical', containerId: A, pid: 4242, container: undefined, k8s: undefined });
    assert.equal(t.container, ev.container);
    assert.deepEqual(t.k8s, { ns: 'shop', pod: 'cart-1' });
    const { event: _e, ...bare } = alert;
    assert.equal(triggerFromAlert(bare).containerId, 'host');
  });

  test('invalid triggers and unrecorded host activity get no capture, counted', () => {
    const rec = new FlightRecorder({ includeHost: false });
    assert.equal(rec.onAlert({ ...trigger(T0), ts: Number.NaN }), undefined);
    assert.equal(rec.onAlert({ ...trigger(T0), containerId: '' }), undefined);
    assert.equal(rec.onAlert({ ...trigger(T0), containerId: 'host' }), undefined);
    const h = new ContainerEvents('host');
    rec.record(h.open(T0, 1, '/etc/x'));
    const s = rec.stats();
    assert.deepEqual(s.captures.refused, { invalid: 2, host: 1 });
    assert.equal(s.skipped.host, 1);
    assert.equal(s.recorded, 0);
    assert.equal(s.captures.created, 0);
  });
});
