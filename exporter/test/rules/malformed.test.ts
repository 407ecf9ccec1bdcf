// Malformed rules files: each case must give a clear message at the exact file:line:column, inside conditions
// too (the position within a folded or quoted YAML string is mapped back to the file).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/rules/diagnostics.js';
import { loadRulesSources } from '../../src/rules/load.js';

function errorsOf(file: string, text: string, more: { file: string; text: string }[] = []): string[] {
  const r = loadRulesSources([{ file, text }, ...more]);
  assert.equal(r.ok, r.errors.length === 0);
  return r.errors.map(formatDiagnostic);
}

const rule = (cond: string, extra = ''): string => `- rule: r\n  desc: d\n  condition: ${cond}\n  output: o\n  priority: INFO\n${extra}`;

test('bad YAML stops the file at the first error, with its position', () => {
  assert.deepEqual(errorsOf('a.yaml', '- rule: x\n  desc: [unclosed\n  condition: proc.name = a\n'), [
    'a.yaml:3:3: error: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.deepEqual(errorsOf('b.yaml', '- macro: m\n  condition: proc.name = a\n - list: l\n'), ['b.yaml:3:2: error: invalid YAML: All sequence items must start at the same column']);
  assert.deepEqual(errorsOf('c.yaml', 'rule: not-a-list\n'), ['c.yaml:1:1: error: rules content is not a YAML sequence of items (each item starts with "- rule:", "- macro:" or "- list:")']);
  assert.deepEqual(errorsOf('d.yaml', '- just a string\n'), ['d.yaml:1:3: error: unexpected element type: each item must be a YAML mapping (rule, macro or list)']);
});

test('unbalanced parentheses point at the unmatched one', () => {
  assert.deepEqual(errorsOf('p.yaml', rule('(proc.name = a and (fd.name = b)')), ["p.yaml:3:14: error: unbalanced parentheses: '(' is never closed (rule 'r')"]);
  assert.deepEqual(errorsOf('q.yaml', '- rule: r\n  desc: d\n  condition: >\n    proc.name = a and\n      fd.name = b)\n  output: o\n  priority: INFO\n'), [
    "q.yaml:5:18: error: unbalanced parentheses: ')' without a matching '(' (rule 'r')",
  ]);
  assert.deepEqual(errorsOf('l.yaml', rule('proc.name in (a, b')), ["l.yaml:3:27: error: unbalanced parentheses: the list's '(' is never closed (rule 'r')"]);
});

test('unknown macros and lists', () => {
  assert.deepEqual(errorsOf('m.yaml', rule('proc.name = a and not my_macro')), ["m.yaml:3:36: error: undefined macro 'my_macro' used in the condition (rule 'r')"]);
  assert.deepEqual(errorsOf('n.yaml', `- list: shells\n  items: [sh]\n${rule('proc.name = a or shells')}`), [
    `n.yaml:5:31: error: 'shells' is a list, not a macro: use it as "field in (shells)" (rule 'r')`,
  ]);
  assert.deepEqual(errorsOf('o.yaml', '- macro: m\n  condition: proc.name = a and undefined_one\n'), ["o.yaml:2:32: error: undefined macro 'undefined_one' used in the condition (macro 'm')"]);
  assert.deepEqual(errorsOf('ap.yaml', '- list: nope\n  items: [a]\n  override:\n    items: append\n'), ["ap.yaml:1:3: error: list 'nope' appends to a list that is not defined before it (list 'nope')"]);
  assert.deepEqual(errorsOf('ov.yaml', '- rule: nope\n  condition: and proc.name = a\n  override:\n    condition: append\n'), ["ov.yaml:1:3: error: rule 'nope' overrides a rule that is not defined before it (rule 'nope')"]);
  assert.deepEqual(errorsOf('lc.yaml', `- list: a\n  items: [b]\n- list: b\n  items: [a]\n${rule('proc.name in (a)')}`), ["lc.yaml:4:11: error: list cycle: a -> b -> a (rule 'r')"]);
});

test('wrong types are reported at the value', () => {
  assert.deepEqual(errorsOf('t1.yaml', '- rule: r\n  desc: d\n  condition: proc.name = a\n  output: o\n  priority: 5\n'), [
    "t1.yaml:5:13: error: invalid priority '5': expected one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (or INFO) (rule 'r')",
  ]);
  assert.deepEqual(errorsOf('t2.yaml', rule('proc.name = a', '  tags: "x"\n')), ["t2.yaml:6:9: error: value for key 'tags' is not a sequence (write tags: [a, b]) (rule 'r')"]);
  assert.deepEqual(errorsOf('t3.yaml', rule('proc.name = a', '  enabled: sometimes\n')), ["t3.yaml:6:12: error: value for key 'enabled' must be a boolean (true or false), got 'sometimes' (rule 'r')"]);
  assert.deepEqual(errorsOf('t4.yaml', '- rule: r\n  desc: [a, b]\n  condition: proc.name = a\n  output: o\n  priority: INFO\n'), ["t4.yaml:2:9: error: value for key 'desc' is not a scalar value (rule 'r')"]);
  assert.deepEqual(errorsOf('t5.yaml', '- list: l\n  items: a, b\n'), ["t5.yaml:2:10: error: value for key 'items' is not a sequence (list 'l')"]);
  assert.deepEqual(errorsOf('t6.yaml', rule('fd.num = three')), ["t6.yaml:3:23: error: 'three' is not a number, as fd.num needs (rule 'r')"]);
  assert.deepEqual(errorsOf('t7.yaml', rule('evt.is_open_read = yes')), ["t7.yaml:3:33: error: 'yes' is not a boolean (true or false), as evt.is_open_read needs (rule 'r')"]);
  assert.deepEqual(errorsOf('t8.yaml', '- rule: r\n  desc: d\n  condition: proc.name = x\n  priority: INFO\n'), ["t8.yaml:1:3: error: item has no mapping for key 'output' (a new rule needs condition, output, desc and priority) (rule 'r')"]);
  assert.deepEqual(errorsOf('t9.yaml', '- macro: bad-name\n  condition: proc.name = a\n'), ["t9.yaml:1:10: error: invalid macro name 'bad-name': it must match [a-zA-Z]+[a-zA-Z0-9_]* (macro 'bad-name')"]);
  assert.deepEqual(errorsOf('t10.yaml', rule('proc.name = a', '  override:\n    priority: append\n')), ["t10.yaml:7:5: error: key 'priority' cannot be appended to, use 'replace' instead (rule 'r')"]);
});

test('duplicate names: keys, exceptions (errors) and redefinitions in one file (warning)', () => {
  assert.deepEqual(errorsOf('d1.yaml', '- rule: r\n  desc: d\n  condition: proc.name = a\n  condition: proc.name = b\n  output: o\n  priority: INFO\n'), ['d1.yaml:4:3: error: invalid YAML: Map keys must be unique']);
  assert.deepEqual(errorsOf('d2.yaml', rule('proc.name = a', '  exceptions:\n    - name: e1\n      fields: [proc.name]\n      values: [[x]]\n    - name: e1\n      fields: [proc.pname]\n      values: [[y]]\n')), [
    "d2.yaml:10:13: error: duplicate exception name 'e1': exception names in one rule must be unique (rule 'r')",
  ]);
  const r = loadRulesSources([{ file: 'd3.yaml', text: `${rule('evt.type = execve and proc.name = a')}${rule('evt.type = execve and proc.name = b')}` }]);
  assert.equal(r.ok, true);
  assert.deepEqual(r.warnings.map(formatDiagnostic), ["d3.yaml:6:3: warning: rule 'r' is defined again in the same file; this definition replaces the one at d3.yaml:1 (rule 'r')"]);
  assert.equal(r.ruleset.rules.length, 1);
  const other = loadRulesSources([{ file: 'e1.yaml', text: rule('proc.name = a') }, { file: 'e2.yaml', text: rule('proc.name = b', '  source: k8s_audit\n') }]);
  assert.deepEqual(other.errors.map(formatDiagnostic), ["e2.yaml:1:3: error: rule 'r' is redefined with a different source (syscall -> k8s_audit) (rule 'r')"]);
});

test('cyclic macros', () => {
  const text = `- macro: a\n  condition: proc.name = x or b\n- macro: b\n  condition: fd.name = y and a\n${rule('a')}`;
  assert.deepEqual(errorsOf('cy.yaml', text), ["cy.yaml:4:30: error: macro cycle: a -> b -> a (macro 'b')"]);
  assert.deepEqual(errorsOf('self.yaml', '- macro: a\n  condition: not a\n'), ["self.yaml:2:18: error: macro cycle: a -> a (macro 'a')"]);
});

test('unknown operators, fields and event types', () => {
  assert.deepEqual(errorsOf('u1.yaml', rule('"proc.name like bash"')), [
    "u1.yaml:3:25: error: unknown operator 'like': expected one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch' (rule 'r')",
  ]);
  assert.deepEqual(errorsOf('u2.yaml', '- rule: r\n  desc: d\n  condition: >-\n    evt.type = execve and\n    proc.nmae = bash\n  output: o\n  priority: INFO\n'), ["u2.yaml:5:5: error: unknown field 'proc.nmae' (rule 'r')"]);
  assert.deepEqual(errorsOf('u3.yaml', rule('evt.type = opne')), ["u3.yaml:3:25: error: unknown event type 'opne' (rule 'r')"]);
  assert.deepEqual(errorsOf('u4.yaml', rule('fd.num contains 3')), ["u4.yaml:3:21: error: operator 'contains' is not supported for number field fd.num (rule 'r')"]);
  assert.deepEqual(errorsOf('u5.yaml', rule('evt.arg.flgs contains O_TRUNC')), ["u5.yaml:3:14: error: unknown event argument 'flgs' (rule 'r')"]);
  assert.deepEqual(errorsOf('u6.yaml', rule('proc.aname[x] = sh')), ["u6.yaml:3:14: error: the argument of proc.aname must be an ancestor level (a whole number), not 'x' (rule 'r')"]);
  assert.deepEqual(errorsOf('u7.yaml', '- rule: r\n  desc: d\n  condition: proc.name = x\n  output: "name=%proc.nmae"\n  priority: INFO\n'), ["u7.yaml:4:18: error: output: unknown field 'proc.nmae' (rule 'r')"]);
  assert.deepEqual(errorsOf('u8.yaml', rule('proc.cmdline regex "(a+)+b"')), [
    "u8.yaml:3:33: error: regex '(a+)+b' is refused: a repeated group that itself repeats or alternates (like (a+)+ or (a|b)*) can take exponential time in JavaScript; rewrite it without nesting (rule 'r')",
  ]);
  assert.deepEqual(errorsOf('u9.yaml', rule('proc.name = a', '  exceptions:\n    - name: e\n      fields: [proc.name, proc.nmae]\n      values: [[a, b]]\n')), [
    "u9.yaml:8:27: error: unknown field 'proc.nmae' (rule 'r')",
  ]);
  assert.deepEqual(errorsOf('u10.yaml', rule('proc.name = a', '  exceptions:\n    - name: e\n      fields: [proc.name, proc.pname]\n      comps: [=, like]\n      values: [[a, b]]\n')), [
    "u10.yaml:9:18: error: exception 'e': 'like' is not a supported comparison operator (rule 'r')",
  ]);
  assert.deepEqual(errorsOf('u11.yaml', rule('proc.name = a', '  exceptions:\n    - name: e\n      fields: [proc.name, proc.pname]\n      values: [[a]]\n')), [
    "u11.yaml:9:16: error: exception 'e': fields and values lists must have equal length (2 fields, 1 values) (rule 'r')",
  ]);
});

test('positions inside quoted and appended conditions map to their own files', () => {
  // Inside a double-quoted scalar with an escape before the error.
  assert.deepEqual(errorsOf('q.yaml', rule('"proc.cmdline contains \\"x\\" and proc.bogus = 1"')), ["q.yaml:3:47: error: unknown field 'proc.bogus' (rule 'r')"]);
  // An appended condition is reported in the file that appended it.
  const base = { file: 'base.yaml', text: rule('proc.name = a') };
  const more = { file: 'local.yaml', text: '- rule: r\n  condition: and fd.nam = x\n  override:\n    condition: append\n' };
  assert.deepEqual(errorsOf(base.file, base.text, [more]), ["local.yaml:2:18: error: unknown field 'fd.nam' (rule 'r')"]);
  // A syntax error in a macro is reported once, in the macro; rules using it fail without a second message.
  const r = loadRulesSources([{ file: 'mac.yaml', text: `- macro: m\n  condition: proc.name in (a,\n${rule('m')}` }]);
  assert.deepEqual(r.errors.map(formatDiagnostic), ["mac.yaml:2:27: error: unbalanced parentheses: the list's '(' is never closed (macro 'm')"]);
});

test('warnings do not fail loading; unknown keys and deprecated forms are warned about', () => {
  const r = loadRulesSources([{ file: 'w.yaml', text: `${rule('evt.type = execve and proc.name = a', '  colour: blue\n  x-vigil-actions: [kill]\n')}- rule: r\n  enabled: false\n` }]);
  assert.equal(r.ok, true);
  assert.deepEqual(r.warnings.map(formatDiagnostic), [
    "w.yaml:6:3: warning: unknown key 'colour' in a rule (ignored) (rule 'r')",
    "w.yaml:9:12: warning: changing 'enabled' without other keys is deprecated: use 'override: {enabled: replace}' (rule 'r')",
  ]);
  assert.deepEqual(r.ruleset.rules[0]?.extensions, { 'x-vigil-actions': ['kill'] });
  assert.equal(r.ruleset.rules[0]?.enabled, false);
});

test('hostile files are bounded: exponential macro expansion, alias bombs in x-vigil keys', () => {
  let text = '- macro: m0\n  condition: proc.name = a\n';
  for (let i = 1; i <= 30; i++) text += `- macro: m${i}\n  condition: m${i - 1} or m${i - 1}\n`;
  text += '- rule: r\n  desc: d\n  condition: evt.type = execve and m30\n  output: o\n  priority: INFO\n';
  const t0 = Date.now();
  const errs = errorsOf('bomb.yaml', text);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^bomb\.yaml:2:14: error: the condition expands to more than 50000 checks once macros are inlined \(rule 'r'\)$/);
  let yaml = '- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: INFO\n  x-vigil-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i <= 9; i++) yaml += `  x-vigil-a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  const r = loadRulesSources([{ file: 'alias.yaml', text: yaml }]);
  assert.equal(r.ok, false);
  assert.match(r.errors[0]!.message, /value of 'x-vigil-a\d': Excessive alias count/);
});
