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
