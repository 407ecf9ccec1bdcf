// The on-disk spool on its own: order, replay after reopen, the byte bound (oldest dropped, every drop
// counted), the memory window, damage on disk (torn tail, flipped bytes), and the lock.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Spool, SpoolLockedError, type SpoolOptions } from '../../../src/alerts/spool/spool.js';
import { spoolDir } from './helpers.js';

type Drops = Record<string, number>;

function options(dir: string, drops: Drops, over: Partial<SpoolOptions> = {}): SpoolOptions {
  return {
    dir,
    maxBytes: 1024 * 1024,
    maxRecordBytes: 64 * 1024,
    windowMaxBytes: 64 * 1024,
    windowMaxEntries: 100,
    fsyncIntervalMs: 10,
    urgentKinds: ['alert'],
    onDrop: (kind, reason, n) => {
      drops[`${kind}/${reason}`] = (drops[`${kind}/${reason}`] ?? 0) + n;
    },
    ...over,
  };
}

/** Takes and commits everything, returning the payloads in the order delivered. */
function drain(spool: Spool, batch = 7): string[] {
  const out: string[] = [];
  for (;;) {
    const items = spool.take(batch, 1 << 30);
    if (items.length === 0) return out;
    out.push(...items.map((i) => i.payload));
    spool.commit(items.length);
  }
}

const payload = (i: number, pad = 100) => `{"i":${i},"pad":"${'p'.repeat(pad)}"}`;

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('seg-')).sort();
}

describe('order and replay', () => {
  test('FIFO through the window and the disk behind it', async () => {
    const dir = spoolDir();
    const spool = Spool.open(options(dir, {}, { windowMaxEntries: 10 }));
    for (let i = 0; i < 250; i++) assert.equal(spool.append(i % 3 ? 'activity' : 'alert', payload(i)), 'spooled');
    const st = spool.stats();
    assert.equal(st.windowEntries, 10, 'the window holds only its bound; the rest waits on disk');
    assert.equal(st.pendingEntries, 250);
    const got = drain(spool);
    assert.deepEqual(got, Array.from({ length: 250 }, (_, i) => payload(i)));
    assert.equal(spool.stats().replayed, 240);
    await spool.close();
  });

  test('uncommitted records survive close and reopen, committed ones do not come back', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}));
    for (let i = 0; i < 40; i++) a.append('alert', payload(i));
    const first = a.take(15, 1 << 30);
    a.commit(15);
    a.take(5, 1 << 30); // in flight when we stop: not committed, so it must come back
    await a.close();
    assert.deepEqual(first.map((x) => x.payload), Array.from({ length: 15 }, (_, i) => payload(i)));
    const b = Spool.open(options(dir, {}));
    assert.equal(b.stats().pendingEntries, 25);
    assert.deepEqual(drain(b), Array.from({ length: 25 }, (_, i) => payload(i + 15)));
    await b.close();
    const c = Spool.open(options(dir, {}));
    assert.equal(c.stats().pendingEntries, 0);
    assert.equal(c.stats().diskBytes, 0, 'fully delivered segments are deleted');
    await c.close();
  });

  test('a released batch is taken again, in the same order', async () => {
    const spool = Spool.open(options(spoolDir(), {}));
    for (let i = 0; i < 5; i++) spool.append('alert', payload(i));
    const x = spool.take(3, 1 << 30);
    spool.release();
    const y = spool.take(3, 1 << 30);
    assert.deepEqual(y.map((i) => i.payload), x.map((i) => i.payload));
    await spool.close();
  });

  test('frontOrdinal tells when everything queued before a moment is done', async () => {
    const spool = Spool.open(options(spoolDir(), {}));
    for (let i = 0; i < 5; i++) spool.append('alert', payload(i));
    const mark = spool.newestOrdinal();
    spool.append('alert', payload(5));
    spool.take(5, 1 << 30);
    assert.ok(spool.frontOrdinal() <= mark);
    spool.commit(5);
    assert.ok(spool.frontOrdinal() > mark);
    assert.ok(spool.frontOrdinal() <= spool.newestOrdinal());
    await spool.close();
  });
});

describe('the byte bound', () => {
  test('past maxBytes the oldest records go, each one counted, and disk use stays under the bound', async () => {
    const dir = spoolDir();
    const drops: Drops = {};
    const maxBytes = 256 * 1024;
    const spool = Spool.open(options(dir, drops, { maxBytes, segmentBytes: 32 * 1024, windowMaxEntries: 20 }));
    const n = 5000;
    let maxDisk = 0;
    for (let i = 0; i < n; i++) {
      spool.append('alert', payload(i, 200));
      const st = spool.stats();
      maxDisk = Math.max(maxDisk, st.diskBytes);
      const onDisk = segmentFiles(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
      if (i % 500 === 0) assert.equal(onDisk, st.diskBytes, 'accounting matches the files');
    }
    assert.ok(maxDisk <= maxBytes, `disk peaked at ${maxDisk} B, bound ${maxBytes} B`);
    const got = drain(spool).map((p) => (JSON.parse(p) as { i: number }).i);
    const dropped = drops['alert/spool_full'] ?? 0;
    assert.ok(dropped > 0);
    assert.equal(got.length + dropped, n, 'every record is either delivered or counted as dropped');
    // What survives is the newest, contiguous tail.
    assert.deepEqual(got, Array.from({ length: got.length }, (_, k) => n - got.length + k));
    await spool.close();
  });

  test('records in flight are never dropped; the counted drops exclude them', async () => {
    const dir = spoolDir();
    const drops: Drops = {};
    const spool = Spool.open(options(dir, drops, { maxBytes: 128 * 1024, maxRecordBytes: 16 * 1024, segmentBytes: 16 * 1024, windowMaxEntries: 30 }));
    for (let i = 0; i < 10; i++) spool.append('activity', payload(i, 200));
    const inflight = spool.take(10, 1 << 30);
    for (let i = 10; i < 3000; i++) spool.append('activity', payload(i, 200));
    spool.commit(inflight.length); // their segment is long gone: commit copes
    const rest = drain(spool).map((p) => (JSON.parse(p) as { i: number }).i);
    const dropped = drops['activity/spool_full'] ?? 0;
    assert.equal(10 + rest.length + dropped, 3000);
    assert.equal(rest[rest.length - 1], 2999);
    assert.deepEqual(rest, Array.from({ length: rest.length }, (_, k) => 3000 - rest.length + k));
    await spool.close();
  });

  test('drops are counted by kind', async () => {
    const drops: Drops = {};
    const spool = Spool.open(options(spoolDir(), drops, { maxBytes: 128 * 1024, maxRecordBytes: 16 * 1024, segmentBytes: 16 * 1024 }));
    for (let i = 0; i < 2000; i++) spool.append(i % 4 === 0 ? 'alert' : 'activity', payload(i, 200));
    const got = drain(spool).map((p) => (JSON.parse(p) as { i: number }).i);
    const alertsKept = got.filter((i) => i % 4 === 0).length;
    assert.equal((drops['alert/spool_full'] ?? 0) + alertsKept, 500);
    assert.equal((drops['activity/spool_full'] ?? 0) + got.length - alertsKept, 1500);
    await spool.close();
  });

  test('reopening with a smaller bound sheds the oldest at once', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}, { maxBytes: 1024 * 1024, segmentBytes: 32 * 1024 }));
    for (let i = 0; i < 3000; i++) a.append('alert', payload(i, 200));
    await a.close();
    const drops: Drops = {};
    const b = Spool.open(options(dir, drops, { maxBytes: 256 * 1024, segmentBytes: 32 * 1024 }));
    assert.ok(b.stats().diskBytes <= 256 * 1024);
    const got = drain(b).map((p) => (JSON.parse(p) as { i: number }).i);
    assert.equal(got.length + (drops['alert/spool_full'] ?? 0), 3000);
    assert.equal(got[got.length - 1], 2999);
    await b.close();
  });
});

describe('memory stays bounded', () => {
  test('the window never exceeds its bounds however much waits on disk', async () => {
    const spool = Spool.open(options(spoolDir(), {}, { maxBytes: 8 * 1024 * 1024, windowMaxBytes: 32 * 1024, windowMaxEntries: 1000 }));
    for (let i = 0; i < 20_000; i++) {
      spool.append('activity', payload(i, 300));
      if (i % 1000 === 0) {
        const s = spool.stats();
        assert.ok(s.windowBytes <= 32 * 1024, `window ${s.windowBytes} B`);
      }
    }
    let maxWindow = 0;
    let delivered = 0;
    for (;;) {
      const items = spool.take(50, 1 << 30);
      if (items.length === 0) break;
      delivered += items.length;
      spool.commit(items.length);
      maxWindow = Math.max(maxWindow, spool.stats().windowBytes);
    }
    assert.ok(maxWindow <= 32 * 1024, `window peaked at ${maxWindow} B`);
    assert.ok(delivered > 15_000, `delivered ${delivered}`);
    await spool.close();
  });
});

describe('damage on disk', () => {
  test('a torn last line (crash mid-write) is cut; the records before it replay', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}));
    for (let i = 0; i < 10; i++) a.append('alert', payload(i));
    await a.close();
    const seg = join(dir, segmentFiles(dir)[0]!);
    appendFileSync(seg, '1234abcd alert {"i":10,"pad":"ppp'); // no newline: the write never finished
    const b = Spool.open(options(dir, {}));
    assert.equal(b.stats().tornTails, 1);
    assert.deepEqual(drain(b), Array.from({ length: 10 }, (_, i) => payload(i)));
    await b.close();
  });

  test('a damaged record is skipped and counted as corrupt; its neighbours are delivered', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}));
    for (let i = 0; i < 10; i++) a.append(i === 4 ? 'activity' : 'alert', payload(i));
    await a.close();
    const seg = join(dir, segmentFiles(dir)[0]!);
    const text = readFileSync(seg, 'utf8');
    const at = text.indexOf('"i":4') + 2; // flip a byte inside record 4's payload
    const fd = openSync(seg, 'r+');
    writeSync(fd, '7', at);
    closeSync(fd);
    const drops: Drops = {};
    const b = Spool.open(options(dir, drops));
    const got = drain(b);
    assert.deepEqual(got, [0, 1, 2, 3, 5, 6, 7, 8, 9].map((i) => payload(i)));
    assert.deepEqual(drops, { 'activity/corrupt': 1 });
    await b.close();
  });

  test('garbage without newlines longer than any record is skipped as one damaged record', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}, { maxRecordBytes: 4096 }));
    for (let i = 0; i < 3; i++) a.append('alert', payload(i));
    await a.close();
    const seg = join(dir, segmentFiles(dir)[0]!);
    appendFileSync(seg, `${'x'.repeat(3 * 1024 * 1024)}\n`);
    writeFileSync(join(dir, 'seg-9999999999999999.log'), ''); // an empty segment is harmless
    const drops: Drops = {};
    const b = Spool.open(options(dir, drops, { maxBytes: 16 * 1024 * 1024, maxRecordBytes: 4096 }));
    b.append('alert', payload(3));
    assert.deepEqual(drain(b), [0, 1, 2, 3].map((i) => payload(i)));
    assert.deepEqual(drops, { 'unknown/corrupt': 1 });
    await b.close();
  });

  test('a cursor pointing inside a record resumes at the next record', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}));
    for (let i = 0; i < 6; i++) a.append('alert', payload(i));
    await a.close();
    const seg = segmentFiles(dir)[0]!;
    const text = readFileSync(join(dir, seg), 'utf8');
    const third = text.split('\n').slice(0, 2).join('\n').length + 1; // start of record 2
    writeFileSync(join(dir, 'cursor.json'), JSON.stringify({ seq: Number(seg.slice(4, 20)), offset: third - 5 }));
    const drops: Drops = {};
    const b = Spool.open(options(dir, drops));
    assert.equal(b.stats().pendingEntries, 4);
    b.append('alert', payload(6));
    assert.deepEqual(drain(b), [2, 3, 4, 5, 6].map((i) => payload(i)));
    assert.deepEqual(drops, {});
    await b.close();
  });

  test('a malformed cursor means replaying everything, not losing anything', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}));
    for (let i = 0; i < 5; i++) a.append('alert', payload(i));
    await a.close();
    writeFileSync(join(dir, 'cursor.json'), '{"seq":"x"');
    const warnings: string[] = [];
    const b = Spool.open({ ...options(dir, {}), onWarn: (m) => warnings.push(m) });
    assert.equal(drain(b).length, 5);
    assert.ok(warnings.some((w) => /cursor/.test(w)));
    await b.close();
  });
});

describe('one owner at a time', () => {
  test('a second open of a live spool is refused; a stale lock is taken over', async () => {
    const dir = spoolDir();
    const a = Spool.open(options(dir, {}));
    assert.throws(() => Spool.open(options(dir, {})), SpoolLockedError);
    await a.close();
    writeFileSync(join(dir, 'LOCK'), '999999999'); // no such process
    const b = Spool.open(options(dir, {}));
    await b.close();
    // A restarted container's new process often gets the old pid: our own pid in the lock is not a live owner.
    writeFileSync(join(dir, 'LOCK'), `${process.pid} 12345`);
    const c = Spool.open(options(dir, {}));
    await c.close();
  });

  test('a live process owns the lock only if its start time matches the one recorded', async () => {
    const dir = spoolDir();
    mkdirSync(dir, { recursive: true });
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = other.pid!;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      writeFileSync(join(dir, 'LOCK'), `${pid} ${start}`);
      assert.throws(() => Spool.open(options(dir, {})), new RegExp(`in use by pid ${pid}`));
      writeFileSync(join(dir, 'LOCK'), `${pid} 1`); // same pid, another process: the recorded one is gone
      const s = Spool.open(options(dir, {}));
      await s.close();
    } finally {
      other.kill();
    }
  });

  test('bounds that cannot work are refused up front', () => {
    assert.throws(() => Spool.open(options(spoolDir(), {}, { maxBytes: 1024 })), /at least 64 KiB/);
    assert.throws(() => Spool.open(options(spoolDir(), {}, { maxBytes: 256 * 1024, maxRecordBytes: 128 * 1024 })), /maxBytes \/ 4/);
  });
});
