// Every bound of the recorder, with its eviction counted: entries and bytes per container, total bytes (least
// recently active containers first), age, number of containers, open captures, per-capture and in-memory
// capture bounds; and hostile events that are counted and skipped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder } from '../../src/recorder/recorder.js';
import { entryBytes, toEntry } from '../../src/recorder/entry.js';
import type { VigilEvent } from '../../src/events/types.js';
import { ContainerEvents, containerId, T0 } from './events.js';

const A = containerId(0xa1);
const B = containerId(0xb2);
const C = containerId(0xc3);
const D = containerId(0xd4);

const alertAt = (ts: number, containerId: string, uuid = `u-${containerId.slice(0, 4)}-${ts}`) => ({ uuid, ts, rule: 'r', priority: 'Notice', containerId });
const paths = (entries: { type: string; path?: string }[]): string[] => entries.map((e) => e.path ?? '');

describe('ring bounds', () => {
  test('entries per container: the oldest go first, counted; a capture then says its before part is incomplete', async () => {
    const rec = new FlightRecorder({ maxEntriesPerContainer: 100, now: () => T0 + 10_000 });
    const a = new ContainerEvents(A);
    for (let i = 0; i < 250; i++) rec.record(a.open(T0 + i, 1, `/f/${i}`));
    const s = rec.stats();
    assert.equal(s.entries, 100);
    assert.equal(s.evicted.entries, 150);
    assert.equal(s.recorded, 250);
    const id = rec.onAlert(alertAt(T0 + 249, A))!;
    rec.sweep(T0 + 60_000);
    const doc = (await rec.get(id))!;
    assert.equal(doc.entries.length, 100);
    assert.equal(paths(doc.entries)[0], '/f/150');
    assert.equal(doc.window.before_complete, false);
  });

  test('a capture whose window starts after the evicted data has a complete before part', async () => {
    const rec = new FlightRecorder({ maxEntriesPerContainer: 100, beforeMs: 50, now: () => T0 + 10_000 });
    const a = new ContainerEvents(A);
    for (let i = 0; i < 250; i++) rec.record(a.open(T0 + i, 1, `/f/${i}`));
    const id = rec.onAlert(alertAt(T0 + 249, A))!;
    rec.sweep(T0 + 60_000);
    const doc = (await rec.get(id))!;
    assert.equal(doc.entries.length, 51);
    assert.equal(doc.window.before_complete, true);
  });

  test('bytes per container stay under the bound', () => {
    const a = new ContainerEvents(A);
    const sample = a.open(T0, 1, `/data/${'x'.repeat(400)}`);
    const one = entryBytes(toEntry(sample), sample.ancestors);
    const rec = new FlightRecorder({ maxBytesPerContainer: one * 10 + 1 });
    for (let i = 0; i < 50; i++) rec.record(a.open(T0 + i, 1, `/data/${'x'.repeat(400)}`));
    const s = rec.stats();
    assert.equal(s.entries, 10);
    assert.equal(s.bytes, one * 10);
    assert.equal(s.evicted.bytes, 40);
  });

  test('total bytes: the least recently active container loses its oldest entries first', async () => {
    // Same-length paths, so that every entry has the same estimated size.
    const mk = (c: ContainerEvents, i: number) => c.open(T0 + i, 1, `/${c.container.id.slice(0, 2)}/${String(i).padStart(2, '0')}`);
    const probe = mk(new ContainerEvents(A), 0);
    const one = entryBytes(toEntry(probe), probe.ancestors);
    const rec = new FlightRecorder({ maxTotalBytes: one * 30, now: () => T0 + 1000 });
    const [a, b, c] = [new ContainerEvents(A), new ContainerEvents(B), new ContainerEvents(C)];
    for (let i = 0; i < 10; i++) rec.record(mk(a, i)); // A first
    for (let i = 10; i < 20; i++) rec.record(mk(b, i)); // then B
    for (let i = 20; i < 30; i++) rec.record(mk(c, i)); // then C: 30 entries, at the bound
    rec.record(mk(a, 30)); // A is now the most recently active; B the least
    for (let i = 31; i < 35; i++) rec.record(mk(c, i));
    const s = rec.stats();
    assert.equal(s.entries, 30);
    assert.equal(s.evicted.total, 5);
    // Open captures over everything to see what each ring kept.
    const kept = async (id: string) => {
      const cap = rec.onAlert(alertAt(T0 + 20, id))!;
      return paths((await rec.get(cap))!.entries);
    };
    assert.deepEqual(await kept(B), ['/b2/15', '/b2/16', '/b2/17', '/b2/18', '/b2/19'], 'B lost its five oldest');
    assert.equal((await kept(A)).length, 11, 'A kept everything');
    assert.equal((await kept(C)).length, 14, 'C kept everything');
  });

  test('age: entries older than maxAgeMs go on record and on sweep; empty rings are dropped by sweep', () => {
    const rec = new FlightRecorder({ maxAgeMs: 60_000 });
    const [a, b] = [new ContainerEvents(A), new ContainerEvents(B)];
    for (let i = 0; i < 10; i++) rec.record(a.open(T0 + i * 1000, 1, `/a/${i}`));
    for (let i = 0; i < 10; i++) rec.record(b.open(T0 + i * 1000, 1, `/b/${i}`));
    rec.record(a.open(T0 + 64_500, 1, '/a/late'));
    let s = rec.stats();
    assert.equal(s.evicted.age, 5, 'A entries at 0..4 s are more than 60 s older than 64.5 s');
    assert.equal(s.entries, 16);
    rec.sweep(T0 + 69_000.5);
    s = rec.stats();
    assert.equal(s.evicted.age, 5 + 5 + 10, 'A 5..9 s and all of B (0..9 s) are now older than 60 s');
    assert.equal(s.entries, 1);
    assert.equal(s.containers, 1, "B's empty ring is gone");
    assert.equal(s.bytes > 0, true);
    rec.sweep(T0 + 200_000);
    assert.deepEqual([rec.stats().entries, rec.stats().bytes, rec.stats().containers], [0, 0, 0]);
  });

  test('containers: past maxContainers the least recently active ring goes whole, counted per entry', () => {
    const rec = new FlightRecorder({ maxContainers: 3 });
    const cs = [A, B, C, D].map((id) => new ContainerEvents(id));
    cs.forEach((c, n) => {
      for (let i = 0; i < 5 + n; i++) rec.record(c.open(T0 + n * 100 + i, 1, `/x/${i}`));
      if (n === 2) rec.record(cs[0]!.open(T0 + 299, 1, '/x/a-again')); // A active again: B is the least recent
    });
    const s = rec.stats();
    assert.equal(s.containers, 3);
    assert.equal(s.evicted.containers, 6, "B's six entries");
    assert.equal(s.entries, 6 + 7 + 8);
  });

  test('hostile or broken events are counted and skipped, never thrown', () => {
    const rec = new FlightRecorder();
    const a = new ContainerEvents(A);
    const bad: unknown[] = [
      { ...a.exec(T0, 1, 0, '/bin/sh', ['sh']), exec: undefined },
      { ...a.open(T0, 1, '/x'), ts: Number.NaN },
      { ...a.open(T0, 1, '/x'), type: 'teleport' },
      { ...a.open(T0, 1, '/x'), type: '__proto__' },
      { ...a.open(T0, 1, '/x'), proc: undefined },
      { ...a.open(T0, 1, '/x'), open: { ...a.open(T0, 1, '/x').open, path: 42 } },
      { ...a.setuid(T0, 1, 0, 0), setid: { syscall: 'setuid', res: 0, ids: 'zero', euid_before: 0 } },
    ];
    for (const ev of bad) assert.doesNotThrow(() => rec.record(ev as VigilEvent));
    const s = rec.stats();
    assert.equal(s.skipped.malformed, 5);
    assert.equal(s.recorded, 2, 'a non-string path and a non-array ids list are kept as empty');
    rec.record(a.open(T0 + 1, 1, `/long/${'y'.repeat(10_000)}`));
    const entry = toEntry(a.open(T0 + 1, 1, `/long/${'y'.repeat(10_000)}`));
    assert.equal(entry.type === 'open' && entry.path.length, 4096);
    assert.equal(entry.truncated, true);
  });

  test('types and opens can be narrowed; skips are counted by reason', () => {
    const rec = new FlightRecorder({ types: ['exec', 'open'], openPrefixes: ['/etc/'] });
    const a = new ContainerEvents(A);
    rec.record(a.connect(T0, 1, '1.1.1.1', 53));
    rec.record(a.open(T0, 1, '/var/lib/x'));
    rec.record(a.open(T0, 1, '/var/lib/y', { flags: 1 }));
    rec.record(a.open(T0, 1, '/var/lib/z', { res: -2 }));
    rec.record(a.open(T0, 1, '/etc/hosts'));
    const s = rec.stats();
    assert.deepEqual(s.skipped, { type: 1, host: 0, open_filter: 1, malformed: 0 });
    assert.equal(s.recorded, 3, 'writes, failures and opens below the prefixes are kept');
  });
});

describe('capture bounds', () => {
  test('open captures: past the bound the oldest is finalized early and marked', async () => {
    const rec = new FlightRecorder({ maxOpenCaptures: 2, now: () => T0 });
    const [a, b, c] = [new ContainerEvents(A), new ContainerEvents(B), new ContainerEvents(C)];
    rec.record(a.open(T0, 1, '/a'));
    rec.record(b.open(T0, 1, '/b'));
    rec.record(c.open(T0, 1, '/c'));
    const ids = [A, B, C].map((id) => rec.onAlert(alertAt(T0, id))!);
    const [first, second, third] = await Promise.all(ids.map((id) => rec.get(id)));
    assert.equal(first!.status, 'complete');
    assert.equal(first!.truncated, 'open-limit');
    assert.equal(second!.status, 'pending');
    assert.equal(third!.status, 'pending');
    const s = rec.stats();
    assert.equal(s.captures.open, 2);
    assert.equal(s.captures.closed_early, 1);
  });

  test('entries per capture: the rest of the window is dropped and counted', async () => {
    const rec = new FlightRecorder({ maxEntriesPerCapture: 50, now: () => T0 + 60_000 });
    const a = new ContainerEvents(A);
    for (let i = 0; i < 30; i++) rec.record(a.open(T0 + i, 1, `/f/${i}`));
    const id = rec.onAlert(alertAt(T0 + 30, A))!;
    for (let i = 30; i < 80; i++) rec.record(a.open(T0 + i, 1, `/f/${i}`));
    rec.sweep();
    const doc = (await rec.get(id))!;
    assert.equal(doc.entries.length, 50);
    assert.equal(doc.dropped_entries, 30);
    assert.equal(doc.truncated, 'entries');
    assert.equal(paths(doc.entries).at(-1), '/f/49');
    assert.equal(rec.stats().captures.dropped_entries.entries, 30);
  });

  test('finished captures beyond the in-memory count are forgotten when not persisted; list and get agree', async () => {
    let now = T0;
    const rec = new FlightRecorder({ maxCompletedInMemory: 3, now: () => now });
    const a = new ContainerEvents(A);
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      const t = T0 + k * 100_000;
      rec.record(a.open(t, 1, `/k/${k}`));
      ids.push(rec.onAlert(alertAt(t, A))!);
      now = t + 50_000;
      rec.sweep();
    }
    const s = rec.stats();
    assert.equal(s.captures.completed, 5);
    assert.equal(s.captures.in_memory, 3);
    assert.equal(s.captures.evicted_from_memory, 2);
    assert.equal(s.captures.forgotten, 2);
    assert.deepEqual(rec.list().map((m) => m.id), ids.slice(2).reverse());
    assert.equal(await rec.get(ids[0]!), undefined);
    assert.equal((await rec.get(ids[4]!))?.id, ids[4]);
  });

  test('capture memory: finished captures leave memory first, then open ones stop taking entries', async () => {
    const a = new ContainerEvents(A);
    const probe = a.open(T0, 1, '/m/00');
    const one = entryBytes(toEntry(probe), probe.ancestors);
    let now = T0;
    const rec = new FlightRecorder({ maxCaptureBytes: one * 40, now: () => now });
    // A finished capture of 20 entries.
    for (let i = 0; i < 20; i++) rec.record(a.open(T0 + i, 1, `/m/${String(i).padStart(2, '0')}`));
    const old = rec.onAlert(alertAt(T0 + 19, A))!;
    now = T0 + 60_000;
    rec.sweep();
    assert.equal((await rec.get(old))?.entries.length, 20);
    // An open capture that wants 60 entries: the finished one is dropped to make room, then the bound holds.
    const t1 = T0 + 100_000;
    const cur = rec.onAlert(alertAt(t1, A))!;
    for (let i = 0; i < 60; i++) rec.record(a.open(t1 + i, 1, `/n/${String(i).padStart(2, '0')}`));
    const s = rec.stats();
    assert.equal(await rec.get(old), undefined, 'the finished capture left memory (not persisted: gone)');
    assert.equal(s.captures.evicted_from_memory, 1);
    assert.ok(s.captures.bytes <= one * 40, `capture bytes ${s.captures.bytes}`);
    const doc = (await rec.get(cur))!;
    assert.equal(doc.entries.length, 40);
    assert.equal(doc.truncated, 'memory');
    assert.equal(s.captures.dropped_entries.memory, 20);
  });
});
