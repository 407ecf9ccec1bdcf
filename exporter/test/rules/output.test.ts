// Output templates and the Falco JSON alert.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/rules/diagnostics.js';
import { CID, engineFor, execEvent, load, openEvent } from './helpers.js';

const rule = (output: string): string => `- rule: Out\n  desc: d\n  condition: evt.type in (execve, openat)\n  output: ${JSON.stringify(output)}\n  priority: ERROR\n  tags: [t1, mitre_execution]\n`;

function render(output: string, ev: Record<string, unknown> = execEvent()): { text: string; fields: Record<string, unknown>; alert: Record<string, unknown> } {
  const e = engineFor(rule(output));
  const a = e.alert(e.evaluate(ev)[0]!);
  return { text: a.output.replace(/^\d\d:\d\d:\d\d\.\d{9}: Error /, ''), fields: a.output_fields, alert: a as unknown as Record<string, unknown> };
}

test('placeholders: %field, %(field), %field[arg], transformers, %% and lone %', () => {
  assert.equal(render('a %proc.name b').text, 'a cat b');
  assert.equal(render('%(proc.name)x').text, 'catx');
  assert.equal(render('p=%proc.aname[1] q=%proc.aname[2]').text, 'p=sh q=conmon');
  assert.equal(render('%toupper(proc.name)').text, 'CAT');
  assert.equal(render('100%% sure, 5 % less').text, '100% sure, 5 % less');
  assert.equal(render('ends with %').text, 'ends with %');
  assert.equal(render('file=%fd.name flags=%evt.arg.flags', openEvent()).text, 'file=/etc/hostname flags=O_RDONLY|O_CLOEXEC');
});

test('missing values print <NA>; output_fields carry typed values and null', () => {
  const r = render('file=%fd.name pid=%proc.pid tty=%proc.tty pname=%proc.aname[9] up=%proc.is_exe_upper_layer');
  assert.equal(r.text, 'file=<NA> pid=31337 tty=0 pname=<NA> up=false');
  assert.deepEqual(r.fields, { 'evt.time': 1796337601123456000, 'fd.name': null, 'proc.pid': 31337, 'proc.tty': 0, 'proc.aname[9]': null, 'proc.is_exe_upper_layer': false });
});

test('%container.info expands to the container id and name', () => {
  assert.equal(render('in %container.info!').text, `in container_id=${CID.slice(0, 12)} container_name=demo!`);
});

test('the alert has exactly Falco\'s JSON shape', () => {
  const { alert } = render('x %proc.name');
  assert.deepEqual(Object.keys(alert), ['time', 'rule', 'priority', 'output', 'output_fields', 'tags', 'hostname', 'source']);
  assert.deepEqual({ ...alert, output_fields: undefined }, {
    time: '2026-12-03T22:40:01.123456000Z', rule: 'Out', priority: 'Error', output: '22:40:01.123456000: Error x cat', output_fields: undefined,
    tags: ['t1', 'mitre_execution'], hostname: 'node-a', source: 'syscall',
  });
});

test('unknown output fields are errors, filter-only ones too; unsupported ones warn and print <NA>', () => {
  assert.deepEqual(load(rule('%proc.nam')).errors.map(formatDiagnostic), ["test.yaml:4:13: error: output: unknown field 'proc.nam' (rule 'Out')"]);
  assert.deepEqual(load(rule('%fd.ip')).errors.map(formatDiagnostic), ["test.yaml:4:13: error: output: field 'fd.ip' can only be used in conditions (rule 'Out')"]);
  const r = load(rule('vpid=%proc.vpid'));
  assert.deepEqual(r.warnings.map(formatDiagnostic), ["test.yaml:4:18: warning: output: field 'proc.vpid' is not available in Vigil (Vigil records host pids only (no pid as seen inside the namespace)); it prints <NA> (rule 'Out')"]);
  assert.equal(render('vpid=%proc.vpid').text, 'vpid=<NA>');
});
