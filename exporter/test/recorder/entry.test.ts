// The compact entry kept per event: built from the documented event examples (docs/events.md) and from every
// event type, with the fields the capture shows, nothing of the rest, and a size estimate that grows with
// the strings it keeps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { entryBytes, isWriteOpen, toEntry } from '../../src/recorder/entry.js';
import { EVENT_TYPES, type VigilEvent } from '../../src/events/types.js';
import { ContainerEvents, containerId, T0, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY } from './events.js';

const docExamples = (): VigilEvent[] => {
  const md = readFileSync(resolve(import.meta.dirname, '../../../docs/events.md'), 'utf8');
  return [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as VigilEvent);
};

describe('activity entry', () => {
  test('the documented examples become compact entries with the fields a capture shows', () => {
    const [exec, open, connect] = docExamples();
    assert.ok(exec && open && connect, 'docs/events.md has its three examples');
    assert.deepEqual(JSON.parse(JSON.stringify(toEntry(exec))), {
      ts: 1764801601123.456, pid: 31337, tid: 31337, name: 'cat', uid: 0, ppid: 31330, type: 'exec', exe: '/bin/busybox',
      cmdline: 'cat /etc/hostname', cwd: '/', euid: 0, loginuid: -1, tty: 0, start_ns: 88123456789, upper_layer: false, memfd: false,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(toEntry(open))), {
      ts: 1764801601124.001, pid: 31337, tid: 31337, name: 'cat', uid: 0, type: 'open', path: '/etc/hostname', res: 3, flags: 524288,
      write: false, file_type: 'file',
    });
    assert.deepEqual(JSON.parse(JSON.stringify(toEntry(connect))), {
      ts: 1764801602000.1, pid: 31340, tid: 31340, name: 'nc', uid: 0, type: 'connect', res: 0, proto: 'tcp', family: 'inet',
      local: { ip: '127.0.0.1', port: 40112 }, remote: { ip: '127.0.0.1', port: 9000 },
    });
  });

  test('strings and endpoints are shared with the event, not copied', () => {
    const c = new ContainerEvents(containerId(1));
    const ev = c.connect(T0, 1, '10.0.0.1', 443);
    const e = toEntry(ev);
    assert.ok(e.type === 'connect' && e.remote === ev.net.remote);
  });

  test('every event type has an entry with its own fields', () => {
    const c = new ContainerEvents(containerId(1)).known(1, 0, 'sh', '/bin/sh');
    const evs: VigilEvent[] = [
      c.exec(T0, 2, 1, '/bin/ls', ['ls', '-l']), c.fork(T0, 1, 3), c.exit(T0, 3, 1, 15), c.open(T0, 2, '/etc/x'),
      c.connect(T0, 2, '1.1.1.1', 53), c.accept(T0, 2, 80, '2.2.2.2', 5000), c.setuid(T0, 2, 0, 1000), c.ptrace(T0, 2, 9),
      c.mount(T0, 2, 'proc', '/host/proc'), c.module(T0, 2),
    ];
    assert.deepEqual(evs.map((e) => e.type).sort(), [...EVENT_TYPES].sort());
    const keys = evs.map((e) => Object.keys(JSON.parse(JSON.stringify(toEntry(e)))).filter((k) => !['ts', 'pid', 'tid', 'name', 'uid', 'type'].includes(k)));
    assert.deepEqual(keys, [
      ['ppid', 'exe', 'cmdline', 'cwd', 'euid', 'loginuid', 'tty', 'start_ns', 'upper_layer', 'memfd'],
      ['child_pid', 'thread'],
      ['code', 'signal', 'core_dumped'],
      ['path', 'res', 'flags', 'write', 'file_type'],
      ['res', 'proto', 'family', 'local', 'remote'],
      ['res', 'proto', 'family', 'local', 'remote'],
      ['syscall', 'res', 'ids', 'euid_before'],
      ['res', 'request', 'target_pid'],
      ['res', 'source', 'target', 'fstype', 'flags'],
      ['syscall', 'res', 'args'],
    ]);
  });

  test('writes: write access, create, truncate or creat(2)', () => {
    assert.equal(isWriteOpen(0), false);
    assert.equal(isWriteOpen(0o2000000), false);
    for (const f of [O_WRONLY, O_RDWR, O_CREAT, O_TRUNC]) assert.equal(isWriteOpen(f), true, `flags ${f}`);
    const c = new ContainerEvents(containerId(1));
    const e = toEntry(c.open(T0, 1, '/x', { flags: 0, syscall: 'creat' }));
    assert.ok(e.type === 'open' && e.write);
  });

  test('the size estimate grows with the strings kept and the ancestry array', () => {
    const c = new ContainerEvents(containerId(1));
    const short = c.open(T0, 1, '/a');
    const long = c.open(T0, 1, `/a${'b'.repeat(500)}`);
    assert.equal(entryBytes(toEntry(long), long.ancestors) - entryBytes(toEntry(short), short.ancestors), 500);
    assert.equal(entryBytes(toEntry(short), [{ pid: 1, name: 'sh' }, { pid: 0, name: 'x' }]) - entryBytes(toEntry(short), undefined), 48 + 16);
  });
});
