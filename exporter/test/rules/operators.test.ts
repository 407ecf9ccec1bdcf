// Every comparison operator, transformer and right-hand-side form, each with a case that matches and one that
// does not, through the real loader and engine.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleEngine } from '../../src/rules/engine.js';
import { acceptEvent, connectEvent, execEvent, load, matches, openEvent } from './helpers.js';

const ex = execEvent({ proc: { name: 'bash', argv: ['bash', '-c', 'echo Hello /tmp/x'], cmdline: 'bash -c echo Hello /tmp/x', exe: '/usr/bin/bash', cwd: '/root' } });
const op = openEvent({ open: { path: '/etc/ssl/certs/ca.pem', res: 4 } });

function cases(ev: Record<string, unknown>, yes: string[], no: string[]): void {
  for (const c of yes) test(`matches: ${c}`, () => assert.equal(matches(c, ev), true, c));
  for (const c of no) test(`does not match: ${c}`, () => assert.equal(matches(c, ev), false, c));
}

describe('string operators', () => {
  cases(ex,
    [
      'proc.name = bash', 'proc.name == bash', 'proc.name != sh', 'proc.name > 5', 'proc.name >= 5', 'proc.cwd < 0', 'proc.cwd <= 0',
      'proc.cmdline contains Hello', 'proc.cmdline icontains hello', 'proc.cmdline bcontains 48656c6c6f', 'proc.cmdline startswith "bash -c"',
      'proc.cmdline bstartswith 62617368', 'proc.cmdline endswith /tmp/x', 'proc.exepath glob /usr/*/ba?h', 'proc.exepath glob "/usr/[a-c]in/bash"',
      'proc.exepath glob "/usr/[!x]in/*"', 'proc.name iglob BA*', 'proc.exepath pmatch (/usr/bin)', 'proc.exepath pmatch (/usr)', 'proc.exepath pmatch (/)',
      'proc.name in (sh, bash)', 'proc.name intersects (bash)', 'proc.cwd exists', 'proc.cmdline regex "bash -c .*"', 'proc.name regex "b[a-z]+"',
    ],
    [
      'proc.name = sh', 'proc.name != bash', 'proc.name < 5', 'proc.name <= 5', 'proc.cwd > 0', 'proc.cmdline contains hello', 'proc.cmdline icontains bye',
      'proc.cmdline bcontains 00ff', 'proc.cmdline startswith "-c"', 'proc.cmdline bstartswith 2d63', 'proc.cmdline endswith /tmp',
      'proc.exepath glob /usr/bin', 'proc.exepath glob "/usr/[x-z]in/*"', 'proc.name iglob SH*', 'proc.exepath pmatch (/usr/bi)', 'proc.exepath pmatch (/usr/bin/bas)',
      'proc.name in (sh, zsh)', 'proc.name in ()', 'proc.name intersects (sh)', 'proc.env exists', 'proc.cmdline regex "bash"', 'proc.name regex "b"',
    ]);
});

describe('numeric operators', () => {
  cases(op,
    ['fd.num = 4', 'fd.num != 3', 'fd.num < 5', 'fd.num <= 4', 'fd.num > 3', 'fd.num >= 4', 'fd.num in (1, 4)', 'fd.num = 0x4', 'fd.num > -1', 'fd.num exists', 'fd.ino intersects (1234)'],
    ['fd.num = 3', 'fd.num != 4', 'fd.num < 4', 'fd.num <= 3', 'fd.num > 4', 'fd.num >= 5', 'fd.num in (1, 2)', 'fd.num = 0x5']);
});

describe('boolean operators', () => {
  cases(op, ['evt.is_open_read = true', 'evt.is_open_write = false', 'evt.is_open_write != true', 'evt.is_open_read in (true)', 'evt.is_open_read exists'], ['evt.is_open_read = false', 'evt.is_open_write = true']);
});

describe('address and network operators', () => {
  const c = connectEvent();
  cases(c,
    [
      'fd.sip = 203.0.113.9', 'fd.rip = "203.0.113.9"', 'fd.cip = 10.88.0.5', 'fd.lip = 10.88.0.5', 'fd.sip != 10.0.0.1', 'fd.sip in (1.1.1.1, 203.0.113.9)',
      'fd.ip = 10.88.0.5', 'fd.ip = 203.0.113.9', 'fd.ip != 1.2.3.4', 'fd.snet = "203.0.113.0/24"', 'fd.snet in ("10.0.0.0/8", "203.0.113.0/24")',
      'fd.cnet = "10.0.0.0/8"', 'fd.net = "10.0.0.0/8"', 'fd.net != "127.0.0.0/8"', 'fd.sport = 9000', 'fd.rport = 9000', 'fd.cport = 40112',
      'fd.lport = 40112', 'fd.port = 9000', 'fd.port = 40112', 'fd.sport in (80, 9000)', 'fd.sport > 8999', 'fd.sip = "::ffff:203.0.113.9"',
    ],
    [
      'fd.sip = 10.88.0.5', 'fd.ip = 1.2.3.4', 'fd.ip != 10.88.0.5', 'fd.snet = "10.0.0.0/8"', 'fd.net != "10.0.0.0/8"', 'fd.net = "192.168.0.0/16"',
      'fd.sport = 40112', 'fd.port = 1', 'fd.sip in (1.1.1.1)', 'fd.sip = "::1"',
    ]);
  test('accept: the server side is local', () => {
    const a = acceptEvent();
    assert.equal(matches('fd.sip = 10.88.0.5 and fd.sport = 80 and fd.cip = 198.51.100.4 and fd.is_server = true', a), true);
    assert.equal(matches('fd.num = 7 and fd.name = "198.51.100.4:51515->10.88.0.5:80"', a), true);
  });
  test('IPv6 addresses and networks', () => {
    const v6 = connectEvent({ net: { family: 'inet6', local: { ip: 'fd00::5', port: 4000 }, remote: { ip: '2001:db8::1', port: 443 } } });
    assert.equal(matches('fd.typechar = 6 and fd.sip = "2001:db8::1" and fd.snet = "2001:db8::/32" and fd.cnet = "fc00::/7"', v6), true);
    assert.equal(matches('fd.snet = "2001:db9::/32"', v6), false);
  });
});

describe('transformers and val()', () => {
  const e = execEvent({ proc: { name: 'Bash', argv: ['Bash', 'aGVsbG8='], cmdline: 'Bash aGVsbG8=', exe: '/usr/bin/Bash' }, ancestors: [{ pid: 1, name: 'Bash', exe: '/usr/bin/Bash', cmdline: 'Bash' }] });
  cases(e,
    [
      'tolower(proc.name) = bash', 'toupper(proc.name) = BASH', 'b64(proc.args) = hello', 'basename(proc.exepath) = Bash', 'len(proc.name) = 4',
      'len(proc.args) > 3', 'tolower(toupper(proc.name)) = bash', 'proc.name = val(proc.pname)', 'proc.exepath = val(proc.pexepath)',
      'tolower(proc.name) = tolower(proc.pname)', 'proc.pid > val(proc.ppid)', 'proc.name in val(proc.pname)',
    ],
    ['tolower(proc.name) = Bash', 'b64(proc.name) = x', 'len(proc.name) = 5', 'proc.name != val(proc.pname)', 'proc.name = val(proc.cwd)']);
});

describe('lists, macros and logic', () => {
  const text = (cond: string): string => `
- list: shells
  items: [sh, bash]
- list: more_shells
  items: [shells, zsh, '"fish shell"']
- list: one
  items: [bash]
- macro: is_shell
  condition: proc.name in (more_shells)
- rule: R
  desc: d
  condition: ${cond}
  output: o
  priority: INFO
`;
  const run = (cond: string, name = 'bash'): boolean => {
    const r = load(text(cond));
    assert.deepEqual(r.errors.map((d) => d.message), []);
    return new RuleEngine(r.ruleset, { hostname: 'h' }).evaluate(execEvent({ proc: { name } })).length === 1;
  };
  test('a list item may name another list; quoted items are literals', () => {
    assert.equal(run('is_shell'), true);
    assert.equal(run('proc.name in (more_shells) and not proc.name in (zsh)'), true);
    assert.equal(run('proc.name in ("shells")'), false);
    assert.equal(run('is_shell', 'fish shell'), true);
    assert.equal(run('is_shell', 'fish'), false);
  });
  test('a list name without parentheses after in, and a one-item list with =', () => {
    assert.equal(run('proc.name in shells'), true);
    assert.equal(run('proc.name = one'), true);
  });
  test('precedence: not binds tighter than and, and tighter than or', () => {
    assert.equal(run('proc.name = sh or proc.name = bash and proc.pid = 31337'), true);
    assert.equal(run('(proc.name = sh or proc.name = bash) and proc.pid = 1'), false);
    assert.equal(run('not proc.name = sh and proc.name = bash'), true);
    assert.equal(run('not not proc.name = bash'), true);
    assert.equal(run('not (proc.name = sh or proc.name = bash)'), false);
    assert.equal(run('not(proc.name = sh)'), true);
    assert.equal(run('proc.name=bash and(proc.pid=31337)'), true);
    assert.equal(run('proc.name=zsh or(proc.pid=31337)'), true);
  });
});

describe('evt.type and evt.dir', () => {
  test('evt.type names map onto Vigil events, with aliases', () => {
    assert.equal(matches('evt.type = execve', execEvent()), true);
    assert.equal(matches('evt.type = execveat', execEvent()), true);
    assert.equal(matches('evt.type in (open, openat)', openEvent()), true);
    assert.equal(matches('evt.type = openat2', openEvent()), false);
    assert.equal(matches('evt.type != openat', openEvent()), false);
    assert.equal(matches('evt.type != openat and evt.type in (execve, openat)', execEvent()), true);
    assert.equal(matches('evt.type startswith open', openEvent()), true);
    assert.equal(matches('evt.type = clone', { ...execEvent(), type: 'fork', fork: { child_pid: 2, child_tid: 2, thread: false } }), true);
    assert.equal(matches('evt.type = vfork', { ...execEvent(), type: 'fork', fork: { child_pid: 2, child_tid: 2, thread: false } }), true);
  });
  test('evt.dir: Vigil events carry entry and exit, so both directions match', () => {
    assert.equal(matches('evt.type = openat and evt.dir = <', openEvent()), true);
    assert.equal(matches('evt.type = openat and evt.dir = >', openEvent()), true);
    assert.equal(matches('evt.type = openat and evt.dir != <', openEvent()), false);
  });
});
