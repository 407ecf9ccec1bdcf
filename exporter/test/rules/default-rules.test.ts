// The default ruleset: it loads cleanly, and every rule fires on its recorded trigger event and stays quiet on
// the benign neighbour next to it (fixtures/default-rules/<rule>.{trigger,benign}.json, in the event JSON of
// docs/events.md). The real-container versions of these cases belong to the node tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDiagnostic } from '../../src/rules/diagnostics.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { eventShapeProblem } from '../../src/rules/event-shape.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { users } from './helpers.js';

export const DEFAULT_RULES = resolve(import.meta.dirname, '../../rules/vigil_rules.yaml');
const FIXTURES = resolve(import.meta.dirname, 'fixtures/default-rules');

const loaded = loadRulesFiles([DEFAULT_RULES]);
const engine = new RuleEngine(loaded.ruleset, { users, hostname: 'node-a' });
const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Record<string, unknown>;

test('the default ruleset loads without errors or warnings, and no rule is skipped', () => {
  assert.deepEqual(loaded.diagnostics.map(formatDiagnostic), []);
  assert.ok(loaded.ruleset.rules.length >= 16);
  assert.deepEqual(loaded.ruleset.rules.filter((r) => r.skipped).map((r) => r.name), []);
  for (const r of loaded.ruleset.rules) {
    assert.ok(r.desc.length > 20, `${r.name}: a real description`);
    assert.ok(r.tags.some((t) => t.startsWith('mitre_')), `${r.name}: a MITRE tactic tag`);
  }
});

const fixtureFiles = new Set(readdirSync(FIXTURES));
for (const rule of loaded.ruleset.rules) {
  const s = slug(rule.name);
  const base = fixtureFiles.has(`${s}.trigger.json`) && fixtureFiles.has(`${s}.benign.json`) ? s : undefined;
  test(`${rule.name}: fires on its trigger, not on the benign neighbour`, () => {
    assert.ok(base, `fixtures for ${rule.name} (${s}.trigger.json and .benign.json)`);
    const trigger = read(`${base}.trigger.json`);
    const benign = read(`${base}.benign.json`);
    assert.equal(eventShapeProblem(trigger), undefined);
    assert.equal(eventShapeProblem(benign), undefined);
    assert.equal(trigger.type, benign.type, 'the neighbour is the same kind of event');
    assert.deepEqual(engine.evaluate(trigger).map((m) => m.rule.name), [rule.name]);
    assert.deepEqual(engine.evaluate(benign).map((m) => m.rule.name), []);
    // The alert renders with real values where the rule's output names fields the event has.
    const alert = engine.alert(engine.evaluate(trigger)[0]!);
    assert.equal(alert.rule, rule.name);
    assert.equal(alert.hostname, 'node-a');
    assert.equal(alert.source, 'syscall');
    assert.match(alert.time, /^2026-12-03T22:40:01\.\d{6}000Z$/);
    assert.ok(alert.output.includes(String((trigger.proc as { name: string }).name)), alert.output);
  });
}

test('every fixture pair belongs to a rule', () => {
  const slugs = loaded.ruleset.rules.map((r) => slug(r.name));
  for (const f of fixtureFiles) {
    const b = f.replace(/\.(trigger|benign)\.json$/, '');
    assert.ok(slugs.includes(b), `${f} has no rule`);
  }
});

test('the kernel filter the default rules need: event types and bounded open prefixes', () => {
  const needs = engine.kernelNeeds();
  assert.deepEqual([...needs.eventTypes].sort(), ['connect', 'exec', 'module', 'mount', 'open', 'ptrace', 'setid']);
  assert.notEqual(needs.openPrefixes, 'all');
  const prefixes = needs.openPrefixes as string[];
  for (const p of ['/etc/', '/usr/', '/bin/', '/var/log/', '/dev/mem']) assert.ok(prefixes.includes(p), p);
  assert.equal(needs.openWritesOnlyRules, true);
  // With every write sent by the kernel, reads are only needed below these (no /usr/: the library loads stay in the kernel).
  const reads = needs.openReadPrefixes as string[];
  assert.ok(!reads.includes('/usr/') && reads.includes('/etc/shadow') && reads.includes('/root/.ssh/id_'), reads.join(' '));
});
