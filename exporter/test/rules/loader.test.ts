// Loading several files in order with Falco's semantics: redefinition, override append/replace per key,
// deprecated append, enabled-only items, every exception form, sources, version items, rule order.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/rules/diagnostics.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRulesSources, type RulesSource } from '../../src/rules/load.js';
import { execEvent, fired, openEvent, users } from './helpers.js';

function engine(...texts: string[]): RuleEngine {
  const sources: RulesSource[] = texts.map((text, i) => ({ file: `f${i}.yaml`, text }));
  const r = loadRulesSources(sources);
  assert.deepEqual(r.errors.map(formatDiagnostic), []);
  return new RuleEngine(r.ruleset, { users, hostname: 'h' });
}

const base = `
- list: allowed
  items: [ls, cat]
- macro: interesting
  condition: (evt.type = execve and proc.name in (sh, bash, ls))
- rule: Exec
  desc: first
  condition: interesting and not proc.name in (allowed)
  output: "exec %proc.name"
  priority: NOTICE
  tags: [a]
`;
const sh = execEvent({ proc: { name: 'sh' } });
const ls = execEvent({ proc: { name: 'ls' } });
const bash = execEvent({ proc: { name: 'bash' } });
const zsh = execEvent({ proc: { name: 'zsh' } });

describe('lists and macros', () => {
  test('a later list definition replaces the earlier one', () => {
    const e = engine(base, '- list: allowed\n  items: [sh]\n');
    assert.deepEqual(fired(e, sh), []);
    assert.deepEqual(fired(e, ls), ['Exec']);
  });
  test('override: {items: append} and deprecated append: true add items', () => {
    const e = engine(base, '- list: allowed\n  items: [sh]\n  override:\n    items: append\n', '- list: allowed\n  items: [bash]\n  append: true\n');
    assert.deepEqual([fired(e, sh), fired(e, ls), fired(e, bash)], [[], [], []]);
  });
  test('macro override: append concatenates the condition text; replace swaps it', () => {
    const appended = engine(base, '- macro: interesting\n  condition: or (evt.type = execve and proc.name = zsh)\n  override:\n    condition: append\n');
    assert.deepEqual(fired(appended, zsh), ['Exec']);
    const replaced = engine(base, '- macro: interesting\n  condition: (evt.type = execve and proc.name = zsh)\n  override:\n    condition: replace\n');
    assert.deepEqual([fired(replaced, zsh), fired(replaced, sh)], [['Exec'], []]);
  });
});

describe('rules', () => {
  test('override append: condition, output, desc, tags, exceptions', () => {
    const e = engine(base, `
- rule: Exec
  condition: and proc.pid = 31337
  output: "(pid %proc.pid)"
  desc: "and more"
  tags: [b]
  exceptions:
    - name: not_bash
      fields: [proc.name]
      values: [[bash]]
  override:
    condition: append
    output: append
    desc: append
    tags: append
    exceptions: append
`);
    assert.deepEqual(fired(e, sh), ['Exec']);
    assert.deepEqual(fired(e, bash), []);
    assert.deepEqual(fired(e, execEvent({ proc: { name: 'sh', pid: 1 } })), []);
    const rule = e.activeRules[0]!;
    assert.equal(rule.desc, 'first and more');
    assert.deepEqual(rule.tags, ['a', 'b']);
    assert.equal(e.alert(e.evaluate(sh)[0]!).output.replace(/^\S+ /, ''), 'Notice exec sh (pid 31337)');
  });
  test('override replace: priority, enabled, output, tags, exceptions, condition', () => {
    const e = engine(base, `
- rule: Exec
  priority: CRITICAL
  output: "replaced %proc.name"
  tags: [z]
  override:
    priority: replace
    output: replace
    tags: replace
`);
    const m = e.evaluate(sh);
    assert.equal(m[0]!.rule.priority, 'Critical');
    assert.deepEqual(m[0]!.rule.tags, ['z']);
    assert.match(e.alert(m[0]!).output, / Critical replaced sh$/);
    const off = engine(base, '- rule: Exec\n  enabled: false\n  override:\n    enabled: replace\n');
    assert.deepEqual(fired(off, sh), []);
    const cond = engine(base, '- rule: Exec\n  condition: evt.type = execve and proc.name = zsh\n  override:\n    condition: replace\n');
    assert.deepEqual([fired(cond, zsh), fired(cond, sh)], [['Exec'], []]);
  });
  test('appending values to an existing exception, and replacing all exceptions', () => {
    const withEx = `${base}  exceptions:\n    - name: names\n      fields: [proc.name]\n      values: [[sh]]\n`;
    const e = engine(withEx, '- rule: Exec\n  exceptions:\n    - name: names\n      values: [[bash]]\n  override:\n    exceptions: append\n');
    assert.deepEqual([fired(e, sh), fired(e, bash)], [[], []]);
    const r = engine(withEx, '- rule: Exec\n  exceptions:\n    - name: other\n      fields: [proc.name]\n      values: [[bash]]\n  override:\n    exceptions: replace\n');
    assert.deepEqual([fired(r, sh), fired(r, bash)], [['Exec'], []]);
  });
  test('deprecated append: true appends the condition; enabled-only items toggle a rule', () => {
    const e = engine(base, '- rule: Exec\n  condition: and proc.name = bash\n  append: true\n');
    assert.deepEqual([fired(e, sh), fired(e, bash)], [[], ['Exec']]);
    const off = engine(base, '- rule: Exec\n  enabled: false\n');
    assert.deepEqual(fired(off, sh), []);
    const back = engine(base, '- rule: Exec\n  enabled: false\n', '- rule: Exec\n  enabled: true\n');
    assert.deepEqual(fired(back, sh), ['Exec']);
  });
  test('a redefined rule replaces the earlier one and keeps its place in the order', () => {
    const two = `${base}- rule: Second\n  desc: d\n  condition: evt.type = execve and proc.name = sh\n  output: o\n  priority: INFO\n`;
    const e = engine(two, '- rule: Exec\n  desc: again\n  condition: evt.type = execve and proc.name = sh\n  output: o2\n  priority: ERROR\n');
    assert.deepEqual(fired(e, sh), ['Exec', 'Second']);
    assert.equal(e.activeRules[0]!.desc, 'again');
  });
  test('later files see earlier lists and macros; unknown sources and plugins are skipped with a warning', () => {
    const r = loadRulesSources([
      { file: 'a.yaml', text: base },
      { file: 'b.yaml', text: '- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n- rule: Audit\n  desc: d\n  condition: ka.verb = create\n  output: o\n  priority: INFO\n  source: k8s_audit\n' },
    ]);
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      'b.yaml:1:3: warning: plugin requirements (k8saudit) are ignored: Vigil runs no Falco plugins, and rules of plugin sources are skipped',
      "b.yaml:4:3: warning: source 'k8s_audit' is not supported (Vigil evaluates syscall rules only); the rule is skipped (rule 'Audit')",
    ]);
    assert.equal(r.ruleset.rules.find((x) => x.name === 'Audit')?.skipped, "source 'k8s_audit' is not supported");
  });
  test('required_engine_version: integers, semver, and nonsense', () => {
    assert.equal(loadRulesSources([{ file: 'v.yaml', text: '- required_engine_version: 17\n' }]).ruleset.requiredEngineVersion, '0.17.0');
    const newer = loadRulesSources([{ file: 'v.yaml', text: '- required_engine_version: 9.0.0\n' }]);
    assert.equal(newer.ok, true);
    assert.match(newer.warnings[0]!.message, /require engine version 9\.0\.0/);
    const bad = loadRulesSources([{ file: 'v.yaml', text: '- required_engine_version: soon\n' }]);
    assert.deepEqual(bad.errors.map(formatDiagnostic), ['v.yaml:1:28: error: unable to parse engine version \'soon\' as a semver string. Expected "x.y.z" semver format.']);
  });
  test('skip-if-unknown-filter turns an unknown field into a skipped rule', () => {
    const r = loadRulesSources([{ file: 's.yaml', text: '- rule: S\n  desc: d\n  condition: evt.type = execve and plugin.field = x\n  output: o\n  priority: INFO\n  skip-if-unknown-filter: true\n' }]);
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings.map(formatDiagnostic), ["s.yaml:3:36: warning: unknown field 'plugin.field'; the rule is skipped (skip-if-unknown-filter) (rule 'S')"]);
  });
  test('minPriority drops less severe rules, as Falco\'s priority setting', () => {
    const r = loadRulesSources([{ file: 'p.yaml', text: base }], { minPriority: 'Warning' });
    assert.equal(r.ruleset.rules.length, 0);
    assert.equal(loadRulesSources([{ file: 'p.yaml', text: base }], { minPriority: 'Notice' }).ruleset.rules.length, 1);
  });
});

describe('exception forms', () => {
  const rule = (ex: string): string => `
- list: admin_tools
  items: [vi, nano]
- rule: Etc
  desc: d
  condition: evt.type in (open, openat) and fd.name startswith /etc/
  output: "%fd.name"
  priority: INFO
  exceptions:
${ex}`;
  const ev = (name: string, path: string, pname = 'sh'): Record<string, unknown> => openEvent({ proc: { name }, open: { path }, ancestors: [{ pid: 2, name: pname }] });
  test('fields list: comps default to =, rows are or-ed, terms and-ed', () => {
    const e = engine(rule('    - name: pairs\n      fields: [proc.name, fd.name]\n      values:\n        - [vi, /etc/hosts]\n        - [cat, /etc/motd]\n'));
    assert.deepEqual([fired(e, ev('vi', '/etc/hosts')), fired(e, ev('cat', '/etc/motd')), fired(e, ev('vi', '/etc/motd'))], [[], [], ['Etc']]);
  });
  test('comps with list operators take a nested list, a list name, or "(a, b)" text', () => {
    const nested = engine(rule('    - name: n\n      fields: [proc.name, fd.directory]\n      comps: [in, =]\n      values: [[[vi, nano], /etc]]\n'));
    assert.deepEqual([fired(nested, ev('nano', '/etc/x')), fired(nested, ev('cat', '/etc/x')), fired(nested, ev('nano', '/etc/a/x'))], [[], ['Etc'], ['Etc']]);
    const named = engine(rule('    - name: n\n      fields: [proc.name, fd.name]\n      comps: [in, startswith]\n      values: [[admin_tools, /etc/ssh]]\n'));
    assert.deepEqual([fired(named, ev('vi', '/etc/ssh/sshd_config')), fired(named, ev('vi', '/etc/hosts'))], [[], ['Etc']]);
    const text = engine(rule('    - name: n\n      fields: [proc.name, fd.name]\n      comps: [in, pmatch]\n      values: [["(vi, cat)", "(/etc/ssh, /etc/ssl)"]]\n'));
    assert.deepEqual([fired(text, ev('cat', '/etc/ssl/x')), fired(text, ev('cat', '/etc/sslx'))], [[], ['Etc']]);
  });
  test('single-field form: in (default), pmatch, intersects', () => {
    const inForm = engine(rule('    - name: n\n      fields: proc.name\n      values: [vi, admin_tools]\n'));
    assert.deepEqual([fired(inForm, ev('nano', '/etc/x')), fired(inForm, ev('cat', '/etc/x'))], [[], ['Etc']]);
    const pm = engine(rule('    - name: n\n      fields: fd.name\n      comps: pmatch\n      values: [/etc/ssh]\n'));
    assert.deepEqual([fired(pm, ev('cat', '/etc/ssh/k')), fired(pm, ev('cat', '/etc/sshd'))], [[], ['Etc']]);
    const ix = engine(rule('    - name: n\n      fields: proc.aname\n      comps: intersects\n      values: [sshd]\n'));
    assert.deepEqual([fired(ix, ev('cat', '/etc/x', 'sshd')), fired(ix, ev('cat', '/etc/x'))], [[], ['Etc']]);
  });
  test('an exception without values adds nothing', () => {
    const e = engine(rule('    - name: empty\n      fields: [proc.name]\n      values: []\n'));
    assert.deepEqual(fired(e, ev('vi', '/etc/hosts')), ['Etc']);
  });
});
