// A 150-rule file in Falco's syntax and style (fixtures/falco-style-rules.yaml) loads unchanged: no errors;
// what Vigil cannot run is skipped with a reason; the in-file overrides take effect; rules evaluate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { connectEvent, execEvent, fired, openEvent, users } from './helpers.js';

const FILE = resolve(import.meta.dirname, 'fixtures/falco-style-rules.yaml');
const r = loadRulesFiles([FILE]);
const engine = new RuleEngine(r.ruleset, { users, hostname: 'h' });

test('loads without errors: 150 rules, ~190 macros, ~100 lists', () => {
  assert.deepEqual(r.errors, []);
  assert.equal(r.ruleset.rules.length, 150);
  assert.ok(r.ruleset.macros > 150 && r.ruleset.lists > 80, `${r.ruleset.macros} macros, ${r.ruleset.lists} lists`);
  assert.ok(engine.activeRules.length >= 120, `${engine.activeRules.length} active`);
});

test('rules Vigil cannot run are skipped, each with its reason', () => {
  const skipped = new Map(r.ruleset.rules.filter((x) => x.enabled && x.skipped).map((x) => [x.name, x.skipped!]));
  assert.match(skipped.get('Contact K8S API Server From Container')!, /fd\.sip\.name/);
  assert.match(skipped.get('Container Run as Root User')!, /proc\.vpid/);
  assert.match(skipped.get('Create Symlink Over Sensitive Files')!, /only matches event types Vigil does not capture \(symlink, symlinkat\)/);
  assert.match(skipped.get('Linux Kernel Module Injection Detected')!, /thread\.cap_effective/);
  for (const [name] of skipped) assert.ok(r.warnings.some((w) => w.item === `rule '${name}'` && /skipped/.test(w.message)), name);
});

test('the overrides at the end of the file apply', () => {
  const byName = new Map(r.ruleset.rules.map((x) => [x.name, x]));
  assert.equal(byName.get('Launch Suspicious Network Tool in Container')!.priority, 'Warning');
  assert.ok(byName.get('Launch Suspicious Network Tool in Container')!.tags.includes('vigil_tuned'));
  assert.equal(byName.get('Schedule Cron Jobs')!.enabled, false);
  // fish was appended to shell_binaries; tmux parents were excluded by the appended condition.
  const tty = { tty: 34816 };
  assert.deepEqual(fired(engine, execEvent({ proc: { name: 'fish', ...tty }, ancestors: [{ pid: 9, name: 'conmon' }] })).filter((n) => n === 'Terminal shell in container'), ['Terminal shell in container']);
  assert.deepEqual(fired(engine, execEvent({ proc: { name: 'bash', ...tty }, ancestors: [{ pid: 9, name: 'tmux' }] })).filter((n) => n === 'Terminal shell in container'), []);
});

test('rules evaluate on realistic events', () => {
  assert.ok(fired(engine, execEvent({ proc: { name: 'nmap', argv: ['nmap', '-sS', '10.0.0.0/24'], cmdline: 'nmap -sS 10.0.0.0/24' } })).includes('Launch Suspicious Network Tool in Container'));
  assert.ok(fired(engine, execEvent({ proc: { name: 'xmrig', argv: ['xmrig', '-o', 'stratum+tcp://p:3333'], cmdline: 'xmrig -o stratum+tcp://p:3333' } })).includes('Detect crypto miners using the Stratum protocol'));
  const shadow = openEvent({ proc: { name: 'python3' }, open: { path: '/etc/shadow' } });
  assert.ok(fired(engine, shadow).includes('Read sensitive file untrusted'));
  assert.ok(!fired(engine, openEvent({ proc: { name: 'restic' }, open: { path: '/etc/shadow' } })).includes('Read sensitive file untrusted'), 'appended exception');
  assert.ok(fired(engine, connectEvent({ net: { remote: { ip: '203.0.113.9', port: 6379 } } })).includes('Outbound connection to redis port'));
  assert.deepEqual(fired(engine, execEvent({ proc: { name: 'ls' }, container: { id: 'host', runtime: 'host' } })), []);
});
