// The kernel filter needs derived from rules: event types, and open() path prefixes from the predicates that
// bound fd.name / fd.directory, or 'all' with the rules that need it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineFor } from './helpers.js';

const rules = (...conds: [string, string?][]): string =>
  conds.map(([c, extra = ''], i) => `- rule: R${i}\n  desc: d\n  condition: ${JSON.stringify(c)}\n  output: o\n  priority: INFO\n${extra}`).join('');

const needs = (...conds: [string, string?][]) => engineFor(rules(...conds)).kernelNeeds();

test('event types come from the evt.type checks of enabled rules', () => {
  const n = needs(['evt.type = execve and proc.name = a'], ['evt.type in (connect, accept4) and fd.sport = 1'], ['evt.type = ptrace', '  enabled: false\n']);
  assert.deepEqual([...n.eventTypes].sort(), ['accept', 'connect', 'exec']);
  assert.deepEqual(n.openPrefixes, []);
});

test('prefixes from startswith, =, in, pmatch, glob and fd.directory; minimised', () => {
  const n = needs(
    ['evt.type = openat and fd.name startswith /etc/'],
    ['evt.type = openat and fd.name = /etc/shadow'],
    ['evt.type = openat and fd.name in (/var/lib/a, /var/lib/b)'],
    ['evt.type = openat and fd.name pmatch (/opt/app)'],
    ['evt.type = openat and fd.name glob "/proc/*/mem"'],
    ['evt.type = openat and fd.directory in (/srv, /)'],
  );
  assert.deepEqual(n.openPrefixes, ['/']);
  const m = needs(['evt.type = openat and fd.directory = /srv'], ['evt.type = openat and fd.name glob "/proc/*/mem"'], ['evt.type = openat and fd.name startswith /etc'], ['evt.type = openat and fd.name = /etc/shadow']);
  assert.deepEqual(m.openPrefixes, ['/etc', '/proc/', '/srv/']);
});

test('and intersects prefix sets, or unites them, not and unbounded checks need all opens', () => {
  assert.deepEqual(needs(['evt.type = openat and fd.name startswith /etc/ and (fd.name in (/etc/shadow, /etc/passwd) or fd.directory = /etc/pam.d)']).openPrefixes, ['/etc/pam.d/', '/etc/passwd', '/etc/shadow']);
  const all = needs(['evt.type = openat and not fd.name startswith /etc/'], ['evt.type = openat and fd.filename = token']);
  assert.equal(all.openPrefixes, 'all');
  assert.deepEqual(all.allOpensFor, ['R0', 'R1']);
  assert.equal(needs(['evt.type = openat and (fd.name startswith /etc/ or proc.name = x)']).openPrefixes, 'all');
  assert.equal(needs(['evt.type = openat and tolower(fd.name) startswith /etc/']).openPrefixes, 'all');
});

test('rules matching only opens for writing are reported apart', () => {
  const n = needs(['evt.type = openat and evt.is_open_write = true and fd.name startswith /usr/'], ['evt.type = openat and evt.is_open_read = true and fd.name = /etc/shadow']);
  assert.deepEqual(n.openPrefixes, ['/etc/shadow', '/usr/']);
  assert.deepEqual(n.openReadPrefixes, ['/etc/shadow']);
  assert.equal(n.openWritesOnlyRules, true);
  const w = needs(['evt.type = creat and fd.name startswith /tmp/']);
  assert.equal(w.openWritesOnlyRules, true);
  assert.deepEqual(w.openReadPrefixes, []);
});

test('skipped rules need nothing', () => {
  const n = needs(['evt.type = openat and proc.vpid = 1']);
  assert.deepEqual([...n.eventTypes], []);
  assert.deepEqual(n.openPrefixes, []);
});
