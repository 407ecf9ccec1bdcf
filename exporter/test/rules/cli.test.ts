// `vigil rules check` and `vigil rules test`, run as the real command.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const defaults = join(root, 'rules/vigil_rules.yaml');
const fixtures = join(root, 'test/rules/fixtures/default-rules');
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-cli-'));

function vigil(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), 'rules', ...args], { cwd: root, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('check: the default rules pass with a summary and the kernel filter', () => {
  const r = vigil(['check', defaults]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^vigil rules check: OK: 1 file, 22 rules \(22 enabled, 0 disabled, 0 skipped\), \d+ macros, \d+ lists, 0 warnings$/m);
  assert.match(r.out, /kernel filter: event types connect, exec, module, mount, open, ptrace, setid/);
});

test('check: errors exit 1 with file:line:column; skipped rules are listed with the reason', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, '- rule: Bad\n  desc: d\n  condition: evt.type = execve and (proc.name = a\n  output: o\n  priority: INFO\n- rule: Skipped\n  desc: d\n  condition: evt.type = execve and proc.vpid = 1\n  output: o\n  priority: INFO\n');
  const r = vigil(['check', defaults, bad]);
  assert.equal(r.code, 1);
  assert.ok(r.out.includes(`${bad}:3:36: error: unbalanced parentheses: '(' is never closed (rule 'Bad')`), r.out);
  assert.ok(r.out.includes(`${bad}:6:3: 'Skipped': needs proc.vpid (Vigil records host pids only (no pid as seen inside the namespace))`), r.out);
  assert.match(r.out, /vigil rules check: 1 error, 1 warning in 2 files/);
  const missing = vigil(['check', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.out, /nope\.yaml:1:1: error: cannot read the rules file: ENOENT/);
});

test('test: recorded events in, Falco JSON alerts out; malformed lines reported by number', () => {
  const lines: string[] = [];
  const triggers: string[] = [];
  for (const f of readdirSync(fixtures).sort()) {
    const ev = JSON.stringify(JSON.parse(readFileSync(join(fixtures, f), 'utf8')));
    lines.push(ev);
    if (f.endsWith('.trigger.json')) triggers.push(f);
  }
  lines.splice(3, 0, '{"type": "exec", oops', '', '[1, 2]', 'x'.repeat(1024 * 1024 + 10));
  const events = join(dir, 'events.ndjson');
  writeFileSync(events, `${lines.join('\n')}\n`);
  const r = vigil(['test', '--rules', defaults, '--events', events]);
  assert.equal(r.code, 0, r.err);
  const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; priority: string; output: string });
  assert.equal(alerts.length, triggers.length);
  assert.equal(new Set(alerts.map((a) => a.rule)).size, triggers.length);
  for (const a of alerts) assert.match(a.output, /^\d\d:\d\d:\d\d\.\d{9}: \w+ /);
  assert.match(r.err, new RegExp(`vigil rules test: ${triggers.length * 2} events evaluated, ${triggers.length} alerts, 3 malformed lines`));
  assert.match(r.err, /malformed line 4: invalid JSON/);
  assert.match(r.err, /malformed line 6: not a JSON object/);
  assert.match(r.err, /malformed line 7: longer than 1048576 bytes/);
});

test('test: events from stdin, rules with errors refuse to run', () => {
  const ev = readFileSync(join(fixtures, 'terminal-shell-in-container.trigger.json'), 'utf8');
  const ok = vigil(['test', '--rules', defaults, '--events', '-'], `${JSON.stringify(JSON.parse(ev))}\n`);
  assert.equal(ok.code, 0);
  assert.equal(JSON.parse(ok.out).rule, 'Terminal shell in container');
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, '- macro: m\n  condition: (\n');
  const r = vigil(['test', '--rules', broken, '--events', '-'], '');
  assert.equal(r.code, 1);
  assert.match(r.err, /broken\.yaml:2:15: error: unexpected end of the condition.*\n.*nothing evaluated/);
});
