// Rule exceptions become `and not (...)` terms, as in Falco: for a list of fields, each values row is an
// and of field-comp-value checks and the rows are or'ed; for a single field, the values form one list for
// in/pmatch/intersects. Positions point at the exception in the file.

import type { Position } from '../diagnostics.js';
import type { Expr, FieldRef, Operand, ValueItem } from '../condition/ast.js';
import { parseCondition } from '../condition/parser.js';
import type { ExceptionEntry } from '../load/items.js';
import type { ExceptionInfo } from '../load/collector.js';
import { SourceText } from '../source-text.js';
import { isListOp } from './operators.js';
import { ResolveError, unquoteListItem } from './resolve.js';

function fieldRef(text: string, pos: Position, exName: string): FieldRef {
  const src = SourceText.at(`${text} exists`, pos);
  let e: Expr;
  try {
    e = parseCondition(src);
  } catch {
    throw new ResolveError(`exception '${exName}': '${text}' is not a supported filter field`, pos, 'field', true);
  }
  if (e.kind !== 'check' || e.left.kind !== 'field') throw new ResolveError(`exception '${exName}': '${text}' is not a field`, pos, 'field');
  return e.left;
}

function scalarItem(raw: string): ValueItem {
  const u = unquoteListItem(raw);
  return { value: u.value, quoted: u.quoted, at: 0 };
}

/** A scalar value for a list operator: "(a, b)" as written, or one item (which may name a list). */
function listOperand(raw: string, pos: Position, exName: string): Operand {
  const src = SourceText.at(raw, pos);
  if (raw.trimStart().startsWith('(')) {
    let e: Expr;
    try {
      e = parseCondition(SourceText.at(`x.y in ${raw}`, pos));
    } catch (err) {
      throw new ResolveError(`exception '${exName}': cannot read the list ${raw}: ${(err as Error).message}`, pos, 'syntax');
    }
    if (e.kind === 'check' && e.right?.kind === 'list') return { ...e.right, src };
    throw new ResolveError(`exception '${exName}': cannot read the list ${raw}`, pos, 'syntax');
  }
  return { kind: 'list', items: [scalarItem(raw)], at: 0, src };
}

function entryItems(entry: ExceptionEntry, exName: string): ValueItem[] {
  if (!entry.isList) return [scalarItem(entry.item)];
  return entry.items.map((i) => {
    if (i.isList) throw new ResolveError(`exception '${exName}': a value list cannot contain another list here`, i.pos, 'schema');
    return scalarItem(i.item);
  });
}

function check(left: FieldRef, op: string, right: Operand, pos: Position): Expr {
  const src = SourceText.at('', pos);
  return { kind: 'check', left, op, right, at: 0, opAt: 0, src };
}

/** The condition `not (...)` of one exception, or undefined when it has no values. */
export function exceptionExpr(ex: ExceptionInfo): Expr | undefined {
  const src = SourceText.at('', ex.pos);
  if (!ex.fields.isList) {
    if (ex.comps.isList) throw new ResolveError(`exception '${ex.name}': fields and comps must both be strings`, ex.pos, 'schema');
    const field = fieldRef(ex.fields.item, ex.fields.pos, ex.name);
    const items: ValueItem[] = [];
    for (const v of ex.values) {
      if (v.isList) throw new ResolveError(`exception '${ex.name}': with a single field, values must be a list of strings`, v.pos, 'schema');
      items.push(scalarItem(v.item));
    }
    if (items.length === 0) return undefined;
    const right: Operand = { kind: 'list', items, at: 0, src: SourceText.at('', ex.pos) };
    return { kind: 'not', child: check(field, ex.comps.item, right, ex.pos), at: 0, src };
  }
  if (!ex.comps.isList) throw new ResolveError(`exception '${ex.name}': fields is a list, so comps must be a list`, ex.pos, 'schema');
  const fields = ex.fields.items.map((f) => {
    if (f.isList) throw new ResolveError(`exception '${ex.name}': each field must be a string`, f.pos, 'schema');
    return fieldRef(f.item, f.pos, ex.name);
  });
  const comps = ex.comps.items.map((c) => (c.isList ? '=' : c.item));
  const rows: Expr[] = [];
  for (const row of ex.values) {
    if (!row.isList) throw new ResolveError(`exception '${ex.name}': each value must be a list with one entry per field`, row.pos, 'schema');
    if (row.items.length !== fields.length) {
      throw new ResolveError(`exception '${ex.name}': fields and values lists must have equal length (${fields.length} fields, ${row.items.length} values)`, row.pos, 'schema');
    }
    const terms = row.items.map((v, k): Expr => {
      const op = comps[k]!;
      const left = fields[k]!;
      let right: Operand;
      if (v.isList) right = { kind: 'list', items: entryItems(v, ex.name), at: 0, src: SourceText.at('', v.pos) };
      else if (isListOp(op)) right = listOperand(v.item, v.pos, ex.name);
      else right = { kind: 'value', item: scalarItem(v.item), src: SourceText.at('', v.pos) };
      return check(left, op, right, v.pos);
    });
    rows.push(terms.length === 1 ? terms[0]! : { kind: 'and', children: terms, at: 0, src });
  }
  if (rows.length === 0) return undefined;
  return { kind: 'not', child: rows.length === 1 ? rows[0]! : { kind: 'or', children: rows, at: 0, src }, at: 0, src };
}
