// The field mapping: each Falco field gets the documented value from the event JSON, unsupported fields skip
// their rule with a reason (never a silent true/false), and process details come from the process table for
// events that do not carry them.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/rules/diagnostics.js';
import { RuleEngine, type EngineOptions } from '../../src/rules/engine.js';
import type { OutputValue } from '../../src/rules/compile/output.js';
import { allFields } from '../../src/rules/fields/index.js';
import { loadRulesSources } from '../../src/rules/load.js';
import { CID, acceptEvent, connectEvent, event, execEvent, load, oneRule, openEvent, users } from './helpers.js';

/** The value of `field` on `ev`, read through a rule's output_fields. */
function value(field: string, ev: Record<string, unknown>, opts: EngineOptions = {}): OutputValue | undefined {
  const r = load(`- rule: V\n  desc: d\n  condition: evt.num > 0\n  output: "%${field}"\n  priority: INFO\n  warn_evttypes: false\n`);
  assert.deepEqual(r.errors.map(formatDiagnostic), []);
  const e = new RuleEngine(r.ruleset, { users, hostname: 'h', ...opts });
  const m = e.evaluate(ev);
  assert.equal(m.length, 1);
  return e.alert(m[0]!).output_fields[field];
}

describe('process fields', () => {
  const ex = execEvent({
    proc: { name: 'python3', argv: ['python3', '-m', 'http.server'], cmdline: 'python3 -m http.server', exe: '/usr/bin/python3.11', cwd: '/srv', ppid: 31330, tty: 34816, loginuid: 1000, euid: 1000, uid: 1000, egid: 1000, gid: 1000 },
    ancestors: [
      { pid: 31330, name: 'bash', exe: '/usr/bin/bash', cmdline: 'bash -l' },
      { pid: 31300, name: 'sshd', exe: '/usr/sbin/sshd', cmdline: 'sshd: alice@pts/0' },
    ],
    container: { id: 'host', runtime: 'host' },
    exec: { env: ['HOME=/home/alice', 'LANG=C.UTF-8'] },
  });
  const expect: Record<string, OutputValue> = {
    'proc.name': 'python3', 'proc.exe': 'python3', 'proc.exepath': '/usr/bin/python3.11', 'proc.args': '-m http.server',
    'proc.cmdline': 'python3 -m http.server', 'proc.exeline': 'python3 -m http.server', 'proc.cmdnargs': 2, 'proc.cmdlenargs': 13,
    'proc.cwd': '/srv', 'proc.tty': 34816, 'proc.pid': 31337, 'proc.ppid': 31330, 'proc.pname': 'bash', 'proc.pcmdline': 'bash -l',
    'proc.pexepath': '/usr/bin/bash', 'proc.aname[0]': 'python3', 'proc.aname[1]': 'bash', 'proc.aname[2]': 'sshd', 'proc.aname[3]': null,
    'proc.apid[2]': 31300, 'proc.acmdline[2]': 'sshd: alice@pts/0', 'proc.aexepath[1]': '/usr/bin/bash', 'proc.env[HOME]': '/home/alice',
    'proc.env': 'HOME=/home/alice LANG=C.UTF-8', 'proc.is_exe_upper_layer': false, 'proc.is_exe_from_memfd': false, 'thread.tid': 31337,
    'thread.ismain': true, 'user.uid': 1000, 'user.name': 'alice', 'user.homedir': '/home/alice', 'user.shell': '/bin/zsh', 'user.loginuid': 1000,
    'user.loginname': 'alice', 'group.gid': 1000, 'group.name': 'alice', 'container.id': 'host', 'container.name': 'host', 'container.image': null,
    'container.type': 'host', 'evt.type': 'execve', 'evt.dir': '<', 'evt.res': 'SUCCESS', 'evt.rawres': 0, 'evt.failed': false,
    'evt.arg.exe': 'python3', 'evt.arg.args': '-m http.server', 'evt.arg.filename': '/bin/cat', 'evt.arg.flags': 'EXE_LOWER_LAYER',
    'evt.rawarg.uid': 1000, 'evt.category': 'process', 'evt.hostname': 'node-a', 'evt.source': 'syscall',
  };
  for (const [f, v] of Object.entries(expect)) test(`${f} = ${JSON.stringify(v)}`, () => assert.deepEqual(value(f, ex), v));
  test('thread.cap_effective prints capability names', () => {
    assert.equal(value('thread.cap_effective', execEvent({ exec: { cap_effective: '0x200001' } })), 'CAP_CHOWN CAP_SYS_ADMIN');
  });
  test('user and group names in containers: root for 0, else the number (no container /etc/passwd)', () => {
    const c = execEvent({ proc: { uid: 1000, euid: 1000, gid: 998, egid: 998 } });
    assert.deepEqual([value('user.name', c), value('group.name', c)], ['1000', '998']);
    assert.deepEqual([value('user.name', execEvent()), value('group.name', execEvent())], ['root', 'root']);
    assert.equal(value('group.name', execEvent({ proc: { gid: 998, egid: 998 }, container: { id: 'host', runtime: 'host' } })), 'docker');
  });
  test('setid events: user.uid is the effective uid before the call', () => {
    const s = event('setid', { proc: { uid: 0 }, setid: { syscall: 'setresuid', res: 0, ids: [-1, 0, -1], euid_before: 1000 } });
    assert.deepEqual([value('user.uid', s), value('evt.rawarg.euid', s), value('evt.rawarg.ruid', s), value('evt.type', s)], [1000, 0, -1, 'setresuid']);
  });
  test('non-exec events take process details from the process table when one is given', () => {
    const o = openEvent();
    assert.equal(value('proc.exepath', o), null);
    const lookup: EngineOptions['processLookup'] = (pid) => (pid === 31337 ? { exe: '/usr/bin/cat', args: ['/etc/hostname'], cwd: '/tmp', tty: 5, loginuid: 7 } : undefined);
    assert.deepEqual(
      ['proc.exepath', 'proc.cmdline', 'proc.args', 'proc.cwd', 'proc.tty', 'user.loginuid'].map((f) => value(f, o, { processLookup: lookup })),
      ['/usr/bin/cat', 'cat /etc/hostname', '/etc/hostname', '/tmp', 5, 7],
    );
  });
});

describe('file descriptor fields', () => {
  const o = openEvent({ open: { syscall: 'openat', path: '/etc/ssl/certs/ca.pem', res: 5, flags: 0o1101, flag_names: ['O_WRONLY', 'O_CREAT', 'O_TRUNC'], mode: 0o644, dev: 0x800003, ino: 99 } });
  const expect: Record<string, OutputValue> = {
    'fd.num': 5, 'fd.name': '/etc/ssl/certs/ca.pem', 'fd.directory': '/etc/ssl/certs', 'fd.filename': 'ca.pem', 'fd.type': 'file', 'fd.typechar': 'f',
    'fd.dev': 0x800003, 'fd.dev.major': 8, 'fd.dev.minor': 3, 'fd.ino': 99, 'fd.nameraw': '/etc/ssl/certs/ca.pem', 'fs.path.name': '/etc/ssl/certs/ca.pem',
    'fd.containername': `${CID.slice(0, 12)}:/etc/ssl/certs/ca.pem`, 'evt.is_open_read': false, 'evt.is_open_write': true, 'evt.is_open_create': true,
    'evt.is_open_exec': false, 'evt.arg.flags': 'O_WRONLY|O_CREAT|O_TRUNC', 'evt.rawarg.flags': 0o1101, 'evt.arg.mode': '0644', 'evt.arg.name': '/etc/ssl/certs/ca.pem',
    'evt.arg.fd': '5(<f>/etc/ssl/certs/ca.pem)', 'evt.arg[0]': '5(<f>/etc/ssl/certs/ca.pem)', 'evt.arg[2]': '/etc/ssl/certs/ca.pem', 'evt.res': 'SUCCESS',
    'evt.category': 'file', 'fd.sip': null, 'proc.exe': null,
  };
  for (const [f, v] of Object.entries(expect)) test(`open: ${f} = ${JSON.stringify(v)}`, () => assert.deepEqual(value(f, o), v));
  test('a failed open: fd.num is -1, evt.res the errno name', () => {
    const f = openEvent({ open: { res: -2, path: 'missing.txt' } });
    assert.deepEqual([value('fd.num', f), value('evt.res', f), value('evt.rawres', f), value('evt.failed', f), value('fd.directory', f), value('fs.path.name', f)], [-1, 'ENOENT', -2, true, '/', null]);
  });
  test('directories and creat()', () => {
    assert.deepEqual([value('fd.typechar', openEvent({ open: { file_type: 'directory' } })), value('fd.type', openEvent({ open: { flags: 0o200000 } }))], ['d', 'directory']);
    const c = openEvent({ open: { syscall: 'creat', flags: 0, mode: 0o755 } });
    assert.deepEqual([value('evt.type', c), value('evt.is_open_write', c), value('evt.is_open_exec', c)], ['creat', true, true]);
  });
  test('connect: client is local, server is remote', () => {
    const c = connectEvent({ net: { res: -115 } });
    assert.deepEqual(
      ['fd.name', 'fd.cip', 'fd.sip', 'fd.lport', 'fd.rport', 'fd.cport', 'fd.sport', 'fd.typechar', 'fd.type', 'fd.l4proto', 'fd.sockfamily', 'fd.is_server', 'fd.connected', 'evt.res', 'evt.arg.tuple', 'evt.arg.fd', 'evt.category'].map((f) => value(f, c)),
      ['10.88.0.5:40112->203.0.113.9:9000', '10.88.0.5', '203.0.113.9', 40112, 9000, 40112, 9000, '4', 'ipv4', 'tcp', 'ip', false, false, 'EINPROGRESS', '10.88.0.5:40112->203.0.113.9:9000', '3(<4>10.88.0.5:40112->203.0.113.9:9000)', 'net'],
    );
  });
  test('accept: the server is local; unix sockets', () => {
    const a = acceptEvent();
    assert.deepEqual(['fd.num', 'fd.sip', 'fd.cip', 'fd.is_server', 'fd.connected', 'evt.type'].map((f) => value(f, a)), [7, '10.88.0.5', '198.51.100.4', true, true, 'accept4']);
    const u = connectEvent({ net: { family: 'unix', proto: 'other', unix_path: '/run/docker.sock', local: undefined, remote: undefined } });
    assert.deepEqual(['fd.typechar', 'fd.name', 'fd.l4proto', 'fd.sockfamily', 'fd.sip'].map((f) => value(f, u)), ['u', '/run/docker.sock', null, 'unix', null]);
  });
});

describe('container, kubernetes, event and argument fields', () => {
  test('image parts, digest, privileged, runtime', () => {
    const e = execEvent({ container: { image: 'registry.example.com:5000/team/app:2.1@sha256:abc', image_digest: undefined, privileged: true } });
    assert.deepEqual(
      ['container.id', 'container.full_id', 'container.name', 'container.image.repository', 'container.image.tag', 'container.image.digest', 'container.privileged', 'container.type'].map((f) => value(f, e)),
      [CID.slice(0, 12), CID, 'demo', 'registry.example.com:5000/team/app', '2.1', 'sha256:abc', true, 'podman'],
    );
    assert.equal(value('container.image.tag', execEvent({ container: { image: 'localhost:5000/app' } })), null);
  });
  test('kubernetes metadata', () => {
    const e = execEvent({ k8s: { ns: 'shop', pod: 'web-1', pod_uid: 'u-1', workload_kind: 'Deployment', workload: 'web' } });
    assert.deepEqual(['k8s.ns.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.pod.id', 'k8s.deployment.name'].map((f) => value(f, e)), ['shop', 'web-1', 'u-1', 'u-1', 'web']);
  });
  test('times, numbering, hostname', () => {
    const e = execEvent();
    assert.deepEqual(['evt.time.iso8601', 'evt.time.s', 'evt.datetime', 'evt.rawtime.s', 'evt.num', 'evt.cpu'].map((f) => value(f, e)), [
      '2026-12-03T22:40:01.123456000Z', '22:40:01', '2026-12-03 22:40:01.123456000', 1796337601, 1, 1,
    ]);
    assert.equal(value('evt.hostname', { ...e, node: undefined }), 'h');
  });
  test('other events: exit, fork, ptrace, mount, module', () => {
    const exit = event('exit', { exit: { code: 2, signal: 0, core_dumped: false } });
    assert.deepEqual(['evt.type', 'evt.arg.ret', 'evt.rawarg.status', 'evt.res', 'syscall.type'].map((f) => value(f, exit)), ['procexit', '2', 512, null, null]);
    const fork = event('fork', { fork: { child_pid: 77, child_tid: 77, thread: true } });
    assert.deepEqual(['evt.type', 'evt.rawres', 'evt.arg.flags'].map((f) => value(f, fork)), ['clone', 77, 'CLONE_THREAD']);
    const pt = event('ptrace', { ptrace: { res: -1, request: 16, request_name: 'PTRACE_ATTACH', target_pid: 9 } });
    assert.deepEqual(['evt.arg.request', 'evt.rawarg.request', 'evt.arg.pid', 'evt.res', 'evt.arg.res'].map((f) => value(f, pt)), ['PTRACE_ATTACH', 16, '9', 'EPERM', '-1(EPERM)']);
    const mnt = event('mount', { mount: { res: 0, source: '/dev/sda1', target: '/mnt', fstype: 'ext4', flags: 4096 | 16384 } });
    assert.deepEqual(['evt.arg.dev', 'evt.arg.dir', 'evt.arg.type', 'evt.arg.flags', 'fs.path.source', 'fs.path.target'].map((f) => value(f, mnt)), ['/dev/sda1', '/mnt', 'ext4', 'MS_BIND|MS_REC', '/dev/sda1', '/mnt']);
    const mod = event('module', { module: { syscall: 'finit_module', res: 0, fd: 3, args: 'debug=1' } });
    assert.deepEqual(['evt.type', 'evt.arg.uargs', 'fd.num', 'evt.arg.fd', 'evt.category'].map((f) => value(f, mod)), ['finit_module', 'debug=1', 3, '3', 'system']);
  });
});

describe('unsupported fields skip their rule with a reason', () => {
  test('a field Vigil does not have', () => {
    const r = load(oneRule('evt.type = connect and fd.sip.name = example.com'));
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings.map(formatDiagnostic), ["test.yaml:3:38: warning: the rule is skipped: it needs fd.sip.name (Vigil does not resolve peer addresses to DNS names) (rule 'R')"]);
    assert.match(r.ruleset.rules[0]!.skipped ?? '', /fd\.sip\.name/);
    assert.equal(new RuleEngine(r.ruleset, { hostname: 'h' }).activeRules.length, 0);
  });
  test('a field Vigil has on some events only', () => {
    const r = load(oneRule('evt.type in (init_module, finit_module) and thread.cap_effective icontains sys_module'));
    assert.match(r.warnings[0]!.message, /skipped: it needs thread\.cap_effective \(capabilities are recorded on exec events only\)/);
    const ok = load(oneRule('evt.type = execve and thread.cap_effective icontains sys_admin'));
    assert.deepEqual(ok.warnings, []);
  });
  test('not if the branch that needs it cannot match any Vigil event', () => {
    const r = load(oneRule('(evt.type = rename and evt.arg.oldpath startswith /etc) or (evt.type = openat and fd.name startswith /etc)'));
    assert.deepEqual(r.warnings.map((d) => d.message), ['evt.type rename is not captured by Vigil: those parts of the condition never match']);
    assert.deepEqual([...r.ruleset.rules[0]!.tests.keys()], ['openat']);
  });
  test('a rule that only matches events Vigil does not capture is skipped', () => {
    const r = loadRulesSources([{ file: 'x.yaml', text: oneRule('evt.type in (unlink, unlinkat) and evt.arg.name startswith /var/log') }]);
    assert.deepEqual(r.warnings.map((d) => d.message), ['the rule is skipped: it only matches event types Vigil does not capture (unlink, unlinkat)']);
  });
  test('every field in the table has a documented mapping; Falco\'s default-ruleset fields are all known', () => {
    for (const f of allFields()) assert.ok(f.doc.length > 5, f.name);
    const falcoDefault = [
      'proc.cmdline', 'proc.name', 'proc.pname', 'evt.type', 'proc.args', 'user.name', 'proc.exepath', 'proc.tty', 'user.uid', 'user.loginuid', 'fd.name',
      'proc.pcmdline', 'proc.aname', 'proc.pexe', 'evt.arg', 'container.image.repository', 'fd.typechar', 'fd.l4proto', 'proc.cwd', 'evt.res', 'proc.exe',
      'fd.type', 'fd.directory', 'thread.cap_effective', 'fd.lport', 'fd.rport', 'fd.num', 'evt.rawres', 'container.id', 'k8s.ns.name', 'fd.sip.name',
      'fd.filename', 'fd.connected', 'fd.ip', 'fd.net', 'fd.snet', 'evt.is_open_read', 'evt.is_open_write', 'container.privileged', 'proc.is_exe_upper_layer',
      'proc.is_exe_from_memfd', 'evt.dir', 'proc.sid', 'proc.vpid', 'proc.duration', 'evt.num', 'evt.hostname', 'fd.sport', 'fd.cip', 'proc.pid', 'proc.ppid',
    ];
    const names = new Set(allFields().map((f) => f.name));
    for (const n of falcoDefault) assert.ok(names.has(n), n);
  });
});

test('docs/rules.md lists every field of the table', async () => {
  const { readFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/rules.md'), 'utf8');
  const missing = allFields().filter((f) => !doc.includes(`| \`${f.name}\``)).map((f) => f.name);
  assert.deepEqual(missing, []);
});
