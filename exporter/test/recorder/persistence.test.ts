// Finished captures persisted as JSON files in a real directory: restored after a restart, served from disk
// once they leave memory, bounded by count, bytes and age, and robust against damaged or foreign files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlightRecorder, type RecorderOptions } from '../../src/recorder/recorder.js';
import { newCaptureId } from '../../src/recorder/capture-id.js';
import { ContainerEvents, containerId, T0 } from './events.js';

const A = containerId(0xa1);

function freshDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'vigil-captures-')), 'captures');
}

/** `n` finished captures, one per minute, each with `perCapture` opens. */
async function makeCaptures(opts: RecorderOptions, n: number, perCapture = 5, clock = { now: T0 }): Promise<{ rec: FlightRecorder; ids: string[] }> {
  const rec = new FlightRecorder({ now: () => clock.now, ...opts });
  const a = new ContainerEvents(A, { k8s: { ns: 'shop', pod: 'cart-1' } }).known(1, 0, 'sh', '/bin/sh');
  const ids: string[] = [];
  for (let k = 0; k < n; k++) {
    const t = T0 + k * 60_000;
    clock.now = t;
    rec.record(a.exec(t, 10 + k, 1, '/bin/cat', ['cat', `/etc/f${k}`]));
    for (let i = 0; i < perCapture; i++) rec.record(a.open(t + i + 1, 10 + k, `/etc/f${k}-${i}`));
    ids.push(rec.onAlert({ uuid: `u-${k}`, ts: t, rule: 'Read sensitive file untrusted', priority: 'Warning', containerId: A })!);
    clock.now = t + 30_000;
    rec.sweep();
  }
  await rec.flush();
  return { rec, ids };
}

describe('capture persistence', () => {
  test('finished captures survive a restart: list and get return what was served before', async () => {
    const dir = freshDir();
    const { rec, ids } = await makeCaptures({ persist: { dir } }, 3);
    const before = await Promise.all(ids.map((id) => rec.get(id)));
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ids.flatMap((id) => [`${id}.json`, `${id}.meta.json`]).sort());
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of files) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, `${ids[0]}.json`), 'utf8')), JSON.parse(JSON.stringify(before[0])));
    await rec.close();

    const again = new FlightRecorder({ persist: { dir }, now: () => T0 + 200_000 });
    assert.equal(await again.restore(), 3);
    const list = again.list();
    assert.deepEqual(list.map((m) => m.id), [...ids].reverse());
    assert.ok(list.every((m) => m.persisted && m.status === 'complete' && m.entries === 6 && m.k8s?.pod === 'cart-1'));
    assert.equal(list[0]!.bytes, statSync(join(dir, `${ids[2]}.json`)).size);
    for (let i = 0; i < 3; i++) assert.deepEqual(await again.get(ids[i]!), JSON.parse(JSON.stringify(before[i])));
    assert.equal(again.stats().persist?.restored, 3);
  });

  test('captures that left memory are read back from disk', async () => {
    const dir = freshDir();
    const { rec, ids } = await makeCaptures({ persist: { dir }, maxCompletedInMemory: 1 }, 3);
    const s = rec.stats();
    assert.equal(s.captures.in_memory, 1);
    assert.equal(s.captures.evicted_from_memory, 2);
    assert.equal(s.captures.forgotten, 0);
    const oldest = await rec.get(ids[0]!);
    assert.equal(oldest?.id, ids[0]);
    assert.equal(oldest?.entries.length, 6);
    assert.equal(rec.list().length, 3);
  });

  test('retention by count and by bytes removes the oldest files, counted, and the recorder forgets them', async () => {
    const dir = freshDir();
    const { rec, ids } = await makeCaptures({ persist: { dir, maxFiles: 2 }, maxCompletedInMemory: 1 }, 4);
    assert.equal(readdirSync(dir).length, 4);
    assert.deepEqual(rec.list().map((m) => m.id), [ids[3], ids[2]]);
    assert.equal(await rec.get(ids[0]!), undefined);
    assert.equal(rec.stats().persist?.removed.count, 2);
    assert.equal(rec.stats().captures.forgotten, 2);

    const dir2 = freshDir();
    const probe = await makeCaptures({ persist: { dir: dir2 } }, 1);
    const oneFile = probe.rec.stats().persist!.bytes;
    const { rec: rec2 } = await makeCaptures({ persist: { dir: dir2 + '-b', maxBytes: Math.floor(oneFile * 2.5) } }, 5);
    const st = rec2.stats().persist!;
    assert.equal(st.files, 2);
    assert.ok(st.bytes <= oneFile * 2.5, `${st.bytes} bytes on disk`);
    assert.equal(st.removed.bytes, 3);
  });

  test('retention by age applies on restore and on sweep', async () => {
    const dir = freshDir();
    const clock = { now: T0 };
    const { rec, ids } = await makeCaptures({ persist: { dir, maxAgeMs: 3_600_000 }, maxCompletedInMemory: 1 }, 3, 5, clock);
    // Completed at T0 + 30 s, 90 s and 150 s: only the first is more than an hour older than this.
    clock.now = T0 + 3_600_000 + 60_000;
    rec.sweep();
    await rec.flush();
    assert.equal(rec.stats().persist?.removed.age, 1, 'the first capture completed more than an hour ago');
    const later = new FlightRecorder({ persist: { dir, maxAgeMs: 3_600_000 }, now: () => T0 + 10 * 3_600_000 });
    assert.equal(await later.restore(), 0);
    assert.equal(later.stats().persist?.removed.age, 2);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('damaged, foreign and leftover files are counted and skipped, never trusted', async () => {
    const dir = freshDir();
    const { rec, ids } = await makeCaptures({ persist: { dir } }, 3);
    await rec.close();
    const [good, damaged, docless] = ids as [string, string, string];
    writeFileSync(join(dir, `${damaged}.meta.json`), '{"id": "nope", ');
    const orphanDoc = newCaptureId(T0 + 5);
    writeFileSync(join(dir, `${orphanDoc}.json`), '{}');
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, `${docless}.json`));
    writeFileSync(join(dir, `${newCaptureId(T0 + 6)}.json.tmp`), 'half');
    writeFileSync(join(dir, '../../escape.meta.json'.replace(/\//g, '_')), '{}');
    writeFileSync(join(dir, 'notes.txt'), 'hello');

    const again = new FlightRecorder({ persist: { dir }, now: () => T0 + 600_000 });
    assert.equal(await again.restore(), 2);
    const st = again.stats().persist!;
    assert.equal(st.restoreErrors, 2, 'the damaged meta and the meta with a foreign name');
    assert.equal(st.recovered, 1, 'the damaged meta was rebuilt from its document');
    assert.equal(st.removed.orphan, 3, 'an invalid document without meta, a meta without document, a temporary file');
    assert.deepEqual(again.list().map((m) => m.id), [damaged, good]);
    const rebuilt = JSON.parse(readFileSync(join(dir, `${damaged}.meta.json`), 'utf8')) as { id: string; entries: number };
    assert.deepEqual([rebuilt.id, rebuilt.entries], [damaged, 6]);
    assert.equal((await again.get(damaged))?.entries.length, 6);
    assert.ok(!existsSync(join(dir, `${orphanDoc}.json`)));
    assert.ok(existsSync(join(dir, 'notes.txt')), 'files that are not Vigil\'s are left alone');
    assert.equal(await again.get('../../etc/passwd'), undefined);
    assert.equal(await again.get(docless), undefined);
    // A document damaged after the restore is reported as absent, not thrown.
    truncateSync(join(dir, `${good}.json`), 10);
    assert.equal(await again.get(good), undefined);
    assert.equal(again.stats().persist?.readErrors, 1);
  });

  test('an unwritable directory is counted; the capture stays served from memory', async () => {
    const dir = freshDir();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, '..'), { recursive: true });
    writeFileSync(dir, 'a file where the directory should be');
    const { rec, ids } = await makeCaptures({ persist: { dir } }, 1);
    assert.equal(rec.stats().persist?.writeErrors, 1);
    assert.equal((await rec.get(ids[0]!))?.id, ids[0]);
    assert.equal(rec.list()[0]!.persisted, false);
  });
});
