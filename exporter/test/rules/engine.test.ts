// The runtime: indexing by event type, rule order, counters, and robustness against malformed events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineFor, execEvent, fired, openEvent } from './helpers.js';

const text = `
- rule: A
  desc: d
  condition: evt.type = execve and proc.name = cat
  output: a
  priority: INFO
- rule: B
  desc: d
  condition: evt.type in (execve, openat) and container.id != host
  output: b
  priority: INFO
- rule: C
  desc: d
  condition: evt.type = openat and fd.name startswith /etc/ and fd.num >= 0
  output: c
  priority: INFO
`;

test('matches come in rule order; each event only runs its event type\'s rules', () => {
  const e = engineFor(text);
  assert.deepEqual(fired(e, execEvent()), ['A', 'B']);
  assert.deepEqual(fired(e, openEvent()), ['B', 'C']);
  assert.deepEqual(fired(e, { ...openEvent(), type: 'exit', exit: { code: 0, signal: 0, core_dumped: false } }), []);
  assert.deepEqual(e.stats, { events: 3, unindexed: 1, matches: 4, errors: 0 });
  assert.deepEqual([...e.matchesByRule()], [['A', 1], ['B', 2], ['C', 1]]);
});

test('no match returns the same empty array (nothing allocated on the common path)', () => {
  const e = engineFor(text);
  const ev = execEvent({ proc: { name: 'ls' }, container: { id: 'host' } });
  assert.equal(e.evaluate(ev), e.evaluate(ev));
  assert.equal(e.evaluate(ev).length, 0);
});

test('evt.num counts evaluated events from 1', () => {
  const e = engineFor('- rule: N\n  desc: d\n  condition: evt.type = execve and evt.num = 2\n  output: o\n  priority: INFO\n');
  assert.deepEqual([fired(e, execEvent()), fired(e, execEvent()), fired(e, execEvent())], [[], ['N'], []]);
});

test('malformed events never throw: wrong types, missing parts, hostile values', () => {
  const e = engineFor(`${text}- rule: D\n  desc: d\n  condition: evt.type = connect and (fd.sip = 1.2.3.4 or fd.net = "10.0.0.0/8" or fd.name contains x)\n  output: "%fd.name %proc.cmdline %evt.arg.flags %proc.aname[2]"\n  priority: INFO\n`);
  const hostile: unknown[] = [
    {}, { type: 'exec' }, { type: 'open', open: null }, { type: 'open', proc: 'x', open: { path: 5, res: 'no', flags: 'x' } },
    { type: 'connect', net: { local: 7, remote: { ip: 12, port: 'x' } } }, { type: 'connect', net: { family: 'inet', local: { ip: 'not-an-ip' }, remote: { ip: '999.1.1.1' } } },
    { type: 'exec', proc: { argv: 'no', name: 3 }, ancestors: 'x', container: 5, exec: { env: {} } }, { type: 'setid', setid: { ids: 'x' } },
    { type: 'open', open: { path: '/etc/x', res: 3, flags: 0 }, proc: { name: { toString: null } } }, { type: 'nonsense' }, null as unknown,
  ];
  for (const ev of hostile) {
    const ms = e.evaluate((ev ?? {}) as Record<string, unknown>);
    for (const m of ms) assert.doesNotThrow(() => e.alert(m));
  }
  assert.equal(e.stats.events, hostile.length);
});

test('a throwing process lookup is treated as no information', () => {
  const e = engineFor('- rule: L\n  desc: d\n  condition: evt.type = openat and proc.exepath = /bin/cat\n  output: o\n  priority: INFO\n', {
    processLookup: () => {
      throw new Error('table gone');
    },
  });
  assert.deepEqual(fired(e, openEvent()), []);
  assert.equal(e.stats.errors, 0);
});

import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RuleEngine } from '../../src/rules/engine.js';
import { EvalContext } from '../../src/rules/fields/context.js';
import { bucketOf } from '../../src/rules/fields/table.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { users } from './helpers.js';

test('the guard index gives exactly the matches of running every rule (default and 150-rule sets)', () => {
  const dir = resolve(import.meta.dirname, 'fixtures/default-rules');
  const seeds = readdirSync(dir).map((f) => JSON.parse(readFileSync(resolve(dir, f), 'utf8')) as Record<string, any>);
  const names = ['sh', 'bash', 'nc', 'nmap', 'python3', 'cat', 'curl', 'apt-get', 'kubectl', 'whoami', 'grep', 'find', 'unix_chkpwd', 'restic', 'mount', 'xmrig', 'gdb'];
  const paths = ['/etc/shadow', '/etc/passwd', '/etc/cron.d/x', '/usr/bin/ls', '/root/.ssh/id_rsa', '/home/a/.ssh/id_ed25519', '/proc/1/mem', '/proc/2/environ', '/var/log/auth.log', '/root/.bash_history', '/tmp/x', '/etc/kubernetes/admin.conf', '/opt/app/x', '/dev/mem'];
  const ports = [22, 443, 3333, 6379, 6443, 8443, 53, 2375];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const events: Record<string, any>[] = [];
  for (let i = 0; i < 4000; i++) {
    const ev = structuredClone(seeds[rnd(seeds.length)]!);
    ev.proc.name = names[rnd(names.length)];
    if (ev.open) ev.open.path = paths[rnd(paths.length)];
    if (ev.net?.remote) ev.net.remote.port = ports[rnd(ports.length)];
    if (ev.proc.argv) ev.proc.argv[0] = ev.proc.name;
    if (rnd(3) === 0) ev.container = { id: 'host', runtime: 'host' };
    if (ev.ancestors?.[0] && rnd(2) === 0) ev.ancestors[0].name = names[rnd(names.length)];
    events.push(ev);
  }
  for (const file of [resolve(import.meta.dirname, '../../rules/vigil_rules.yaml'), resolve(import.meta.dirname, 'fixtures/falco-style-rules.yaml')]) {
    const engine = new RuleEngine(loadRulesFiles([file]).ruleset, { users, hostname: 'h' });
    const ctx = new EvalContext(users, 'h', undefined);
    let total = 0;
    events.forEach((ev, i) => {
      const got = engine.evaluate(ev).map((m) => m.rule.name);
      ctx.reset(ev, i + 1);
      const b = bucketOf(ev)!;
      const want = engine.activeRules.filter((r) => r.tests.get(b)?.(ctx)).map((r) => r.name);
      assert.deepEqual(got, want, `event ${i}`);
      total += got.length;
    });
    assert.ok(total > 200, `${file}: enough matches to mean something (${total})`);
  }
});
