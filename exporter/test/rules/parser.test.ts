// The condition parser on its own: the tree it builds (precedence, grouping, operands), escapes, and errors
// with offsets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, Operand } from '../../src/rules/condition/ast.js';
import { parseCondition } from '../../src/rules/condition/parser.js';
import { OffsetError } from '../../src/rules/diagnostics.js';
import { alignScalar, SourceText } from '../../src/rules/source-text.js';

const at = { file: 't', line: 1, column: 1 };
const parse = (s: string): Expr => parseCondition(SourceText.at(s, at));

/** A compact print of the tree: (and a b), (or ...), (not x), name, field op value. */
function show(e: Expr): string {
  const operand = (o: Operand | undefined): string => {
    if (!o) return '';
    switch (o.kind) {
      case 'value': return o.item.quoted ? JSON.stringify(o.item.value) : o.item.value;
      case 'list': return `(${o.items.map((i) => (i.quoted ? JSON.stringify(i.value) : i.value)).join(',')})`;
      case 'listref': return `@${o.item.value}`;
      case 'field': return `${o.name}${o.arg !== undefined ? `[${o.arg}]` : ''}`;
      case 'transform': return `${o.fn}(${operand(o.inner)})`;
    }
  };
  switch (e.kind) {
    case 'and': case 'or': return `(${e.kind} ${e.children.map(show).join(' ')})`;
    case 'not': return `(not ${show(e.child)})`;
    case 'ident': return e.name;
    case 'const': return String(e.value);
    case 'check': return `[${operand(e.left)} ${e.op}${e.right ? ` ${operand(e.right)}` : ''}]`;
  }
}

test('precedence and grouping follow libsinsp: not > and > or', () => {
  assert.equal(show(parse('a or b and c')), '(or a (and b c))');
  assert.equal(show(parse('(a or b) and c')), '(and (or a b) c)');
  assert.equal(show(parse('not a and b')), '(and (not a) b)');
  assert.equal(show(parse('not not a')), 'a');
  assert.equal(show(parse('not (a or b)')), '(not (or a b))');
  assert.equal(show(parse('a and(b)or(c)')), '(or (and a b) c)');
  assert.equal(show(parse('not(a)')), '(not a)');
  assert.equal(show(parse(' \n\t a \n and \n b ')), '(and a b)');
  assert.equal(show(parse('a and b and c or d or e')), '(or (and a b c) d e)');
});

test('checks: operators with and without blanks, field arguments, operands', () => {
  assert.equal(show(parse('proc.name=bash')), '[proc.name = bash]');
  assert.equal(show(parse('proc.name==bash')), '[proc.name = bash]');
  assert.equal(show(parse('fd.num>=0')), '[fd.num >= 0]');
  assert.equal(show(parse('fd.num != -1')), '[fd.num != -1]');
  assert.equal(show(parse('proc.aname[2] in (a, "b c", \'d\')')), '[proc.aname[2] in (a,"b c","d")]');
  assert.equal(show(parse('proc.env["MY VAR"] exists')), '[proc.env[MY VAR] exists]');
  assert.equal(show(parse('evt.arg.flags contains O_TRUNC')), '[evt.arg.flags contains O_TRUNC]');
  assert.equal(show(parse('evt.arg[1] = x')), '[evt.arg[1] = x]');
  assert.equal(show(parse('proc.name in shell_binaries')), '[proc.name in @shell_binaries]');
  assert.equal(show(parse('proc.name in ()')), '[proc.name in ()]');
  assert.equal(show(parse('proc.name in(a,b)')), '[proc.name in (a,b)]');
  assert.equal(show(parse('fd.num < 0x10')), '[fd.num < 0x10]');
  assert.equal(show(parse('tolower(b64(proc.args)) startswith val(proc.name)')), '[tolower(b64(proc.args)) startswith val(proc.name)]');
  assert.equal(show(parse('len(proc.cmdline) > 100')), '[len(proc.cmdline) > 100]');
  assert.equal(show(parse('proc.name pmatch (/a, /b)')), '[proc.name pmatch (/a,/b)]');
  assert.equal(show(parse('fd.name glob "/proc/*/mem"')), '[fd.name glob "/proc/*/mem"]');
  assert.equal(show(parse('proc.cmdline regex \'^a.*b$\'')), '[proc.cmdline regex "^a.*b$"]');
  assert.equal(show(parse('proc.name intersects (a)')), '[proc.name intersects (a)]');
  assert.equal(show(parse('notice and orange')), '(and notice orange)');
});

test('quoted strings: Falco\'s escapes', () => {
  const v = (s: string): string => {
    const e = parse(`proc.name = ${s}`);
    return e.kind === 'check' && e.right?.kind === 'value' ? e.right.item.value : '?';
  };
  assert.equal(v('"a\\"b"'), 'a"b');
  assert.equal(v("'a\\'b'"), "a'b");
  assert.equal(v('"t\\tn\\nr\\rb\\bf\\f"'), 't\tn\nr\rb\bf\f');
  assert.equal(v('"back\\\\slash\\/"'), 'back\\slash/');
  assert.equal(v('"it\'s"'), "it's");
  assert.throws(() => parse('proc.name = "a\\q"'), /unsupported string escape sequence: \\q/);
  assert.throws(() => parse("proc.name = 'a\\\"b'"), /invalid \\" escape in a '-quoted string/);
  assert.throws(() => parse('proc.name = "open'), /unterminated quoted string/);
});

test('errors carry the offset where parsing stopped', () => {
  const off = (s: string): [number, string] => {
    try {
      parse(s);
    } catch (e) {
      if (e instanceof OffsetError) return [e.offset, e.message];
    }
    return [-1, ''];
  };
  assert.deepEqual(off(''), [0, 'the condition is empty']);
  assert.deepEqual(off('a and'), [5, "unexpected end of the condition after 'and': expected a field check, a macro or '('"]);
  assert.deepEqual(off('a b'), [2, "unexpected token after 'a', expecting 'or', 'and'"]);
  assert.equal(off('(a')[0], 0);
  assert.equal(off('a)')[0], 1);
  assert.equal(off('proc.name ~ x')[0], 10);
  assert.match(off('proc.name ~ x')[1], /^unknown operator '~'/);
  assert.equal(off('proc.name <')[1], 'expected a number (or a field in val(), or a transformer) after a numeric operator');
  assert.equal(off('proc.aname[2 = x')[1], "expected a ']' token");
  assert.equal(off('tolower(nope) = x')[1], "expected a field or a nested transformer inside 'tolower(': one of val, tolower, toupper, b64, basename, len");
  assert.match(off(`${'('.repeat(500)}a${')'.repeat(500)}`)[1], /nests deeper than 400 levels/);
});

test('YAML scalar alignment maps value characters back to the source', () => {
  const src = 'condition: >\n  a and\n    b\n';
  const start = src.indexOf('>');
  const o = alignScalar('a and b\n', src, start, src.length, 'BLOCK_FOLDED');
  assert.equal(src[o[0]!], 'a');
  assert.equal(src[o[6]!], 'b');
  const dq = 'x: "a\\tb\\\n   c"';
  const q = dq.indexOf('"');
  const m = alignScalar('a\tbc', dq, q, dq.length, 'QUOTE_DOUBLE');
  assert.deepEqual([dq[m[0]!], dq[m[1]!], dq[m[2]!], dq[m[3]!]], ['a', '\\', 'b', 'c']);
});
