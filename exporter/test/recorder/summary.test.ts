// Summary tiles of a capture, from an attack-like sequence in one container: an interactive shell, reads and
// writes of system files, outbound and inbound connections, failures, privileged operations, signal deaths.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder } from '../../src/recorder/recorder.js';
import { summarize, DEFAULT_SYSTEM_PREFIXES } from '../../src/recorder/summary.js';
import { toEntry } from '../../src/recorder/entry.js';
import type { CaptureDocument } from '../../src/recorder/types.js';
import { ContainerEvents, containerId, O_CREAT, O_TRUNC, O_WRONLY, O_RDWR, T0 } from './events.js';

const A = containerId(0xa1);

async function attackCapture(): Promise<CaptureDocument> {
  const c = new ContainerEvents(A).known(400, 1, 'conmon');
  const rec = new FlightRecorder({ now: () => T0 + 60_000 });
  const evs = [
    c.exec(T0 + 1, 500, 400, '/bin/sh', ['sh', '-i'], { tty: (136 << 20) | 0 }),
    c.fork(T0 + 2, 500, 501),
    c.exec(T0 + 3, 501, 500, '/bin/cat', ['cat', '/etc/shadow'], { tty: (136 << 20) | 0 }),
    c.open(T0 + 4, 501, '/etc/shadow'),
    c.open(T0 + 4.5, 501, '/etc/shadow'),
    c.open(T0 + 5, 500, '/etc/passwd', { flags: O_WRONLY | O_TRUNC }),
    c.open(T0 + 6, 500, '/usr/bin/evil', { flags: 0, syscall: 'creat' }),
    c.open(T0 + 7, 500, '/etc/sudoers', { flags: O_RDWR, res: -13 }),
    c.open(T0 + 8, 500, '/tmp/payload', { flags: O_WRONLY | O_CREAT }),
    c.open(T0 + 9, 500, '/nonexistent', { res: -2 }),
    c.exec(T0 + 10, 502, 500, '/usr/bin/nc', ['nc', '10.0.0.9', '4444']),
    c.connect(T0 + 11, 502, '10.0.0.9', 4444),
    c.connect(T0 + 12, 502, '10.0.0.9', 4444, -115),
    c.connect(T0 + 13, 502, '1.2.3.4', 3333, -111),
    c.connect(T0 + 14, 502, '2001:db8::1', 443),
    c.accept(T0 + 15, 503, 8080, '192.168.1.7', 51000),
    c.accept(T0 + 16, 503, 8080, '192.168.1.7', 51000),
    c.setuid(T0 + 17, 500, 0, 1000),
    c.ptrace(T0 + 18, 500, 42),
    c.mount(T0 + 19, 500, '/dev/sda1', '/host'),
    c.module(T0 + 20, 500, -1),
    c.exit(T0 + 21, 502, 0, 9),
    c.exit(T0 + 22, 501, 0, 0),
  ];
  for (const e of evs) rec.record(e);
  const id = rec.onAlert({ uuid: 'u', ts: T0 + 4, rule: 'Read sensitive file untrusted', priority: 'Warning', containerId: A })!;
  rec.sweep();
  return (await rec.get(id))!;
}

describe('summary tiles', () => {
  test('an attack-like sequence fills every tile with what happened', async () => {
    const s = (await attackCapture()).summary;
    assert.deepEqual(s.counts, { exec: 3, fork: 1, open: 7, connect: 4, accept: 2, setid: 1, ptrace: 1, mount: 1, module: 1, exit: 2 });
    assert.deepEqual(s.executed_commands.items.map((c) => c.cmdline), ['sh -i', 'cat /etc/shadow', 'nc 10.0.0.9 4444']);
    assert.equal(s.executed_commands.items[1]!.ppid, 500);
    assert.deepEqual(s.interactive_commands.items.map((c) => c.cmdline), ['sh -i', 'cat /etc/shadow']);
    assert.deepEqual(s.files_read.items.map((f) => [f.path, f.count, f.failed]), [['/etc/shadow', 2, 0], ['/nonexistent', 1, 1]]);
    assert.deepEqual(s.files_read.items[0]!.processes, ['cat']);
    assert.deepEqual(s.files_written.items.map((f) => [f.path, f.count, f.failed]), [['/etc/passwd', 1, 0], ['/usr/bin/evil', 1, 0], ['/etc/sudoers', 1, 1], ['/tmp/payload', 1, 0]]);
    assert.deepEqual(s.modified_system_files.items.map((f) => f.path), ['/etc/passwd', '/usr/bin/evil'], 'a refused write and /tmp are not system modifications');
    assert.deepEqual(s.outbound_connections.items.map((c) => [c.remote, c.count, c.failed]), [['10.0.0.9:4444', 2, 0], ['1.2.3.4:3333', 1, 1], ['[2001:db8::1]:443', 1, 0]]);
    assert.deepEqual(s.inbound_connections.items.map((c) => [c.remote, c.local, c.count]), [['192.168.1.7:51000', '0.0.0.0:8080', 2]]);
    assert.deepEqual(s.listening_ports.items, [{ port: 8080, ip: '0.0.0.0', proto: 'tcp', accepts: 2, processes: ['httpd'] }]);
    assert.deepEqual(s.failed_opens.items.map((f) => [f.target, f.error]), [['/etc/sudoers', 'EACCES'], ['/nonexistent', 'ENOENT']]);
    assert.deepEqual(s.failed_connects.items.map((f) => [f.target, f.res, f.error]), [['1.2.3.4:3333', -111, 'ECONNREFUSED']], 'EINPROGRESS is not a failure');
    assert.deepEqual(s.privileged_operations.items.map((p) => [p.type, p.what, p.detail, p.res]), [
      ['setid', 'setuid', 'ids 0 (euid before 1000)', 0],
      ['ptrace', 'PTRACE_ATTACH', 'target pid 42', 0],
      ['mount', 'ext4', '/dev/sda1 -> /host', 0],
      ['module', 'finit_module', '', -1],
    ]);
    assert.deepEqual(s.signal_exits.items.map((x) => [x.pid, x.signal]), [[502, 9]]);
    assert.equal(s.forks, 1);
  });

  test('tiles keep a total and their first items only; aggregated tiles count distinct keys', () => {
    const c = new ContainerEvents(A);
    const evs = [];
    for (let i = 0; i < 5; i++) for (let k = 0; k < 3; k++) evs.push(c.open(T0 + i * 10 + k, 1, `/etc/f${i}`, { flags: O_WRONLY }));
    for (let i = 0; i < 4; i++) evs.push(c.exec(T0 + 100 + i, 10 + i, 1, '/bin/true', ['true', String(i)]));
    const s = summarize(evs.map(toEntry), { maxItems: 2, systemPrefixes: DEFAULT_SYSTEM_PREFIXES });
    assert.equal(s.files_written.count, 5);
    assert.deepEqual(s.files_written.items.map((f) => [f.path, f.count]), [['/etc/f0', 3], ['/etc/f1', 3]]);
    assert.equal(s.modified_system_files.count, 5);
    assert.equal(s.executed_commands.count, 4);
    assert.equal(s.executed_commands.items.length, 2);
  });

  test('system prefixes match whole directories only', () => {
    const c = new ContainerEvents(A);
    const evs = ['/etc/hosts', '/etcetera/x', '/usr/local/bin/tool', '/bin/sh', '/binaries/x', '/root/.ssh/authorized_keys'].map((p, i) => c.open(T0 + i, 1, p, { flags: O_WRONLY }));
    const s = summarize(evs.map(toEntry), { maxItems: 100, systemPrefixes: DEFAULT_SYSTEM_PREFIXES });
    assert.deepEqual(s.modified_system_files.items.map((f) => f.path), ['/etc/hosts', '/usr/local/bin/tool', '/bin/sh', '/root/.ssh/authorized_keys']);
  });
});
