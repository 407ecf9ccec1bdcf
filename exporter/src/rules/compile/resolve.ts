// Turns a parsed condition into IR: macros inlined (with cycle detection), lists expanded (lists may name
// other lists), fields looked up and bound, operators checked against field types, constants parsed.
// Failures throw ResolveError with the position of the offending token.

import { OffsetError, type DiagnosticCode, type Position } from '../diagnostics.js';
import type { Expr, FieldOperand, Operand, ValueItem } from '../condition/ast.js';
import { parseCondition } from '../condition/parser.js';
import { EVT_TYPE_ALIASES, KNOWN_EVENT_NAMES, BUCKETS, type Bucket } from '../fields/event-names.js';
import { lookupField } from '../fields/index.js';
import type { FieldType } from '../fields/table.js';
import type { ListInfo, MacroInfo } from '../load/collector.js';
import { SourceText } from '../source-text.js';
import type { BoundOperand, Check, IR } from './ir.js';
import { constantTest, isListOp, operatorAllowed, parseConstant, transformType } from './operators.js';

export class ResolveError extends Error {
  constructor(
    message: string,
    readonly pos: Position,
    readonly code: DiagnosticCode,
    /** An unknown field: with skip-if-unknown-filter the rule is skipped instead of failing. */
    readonly unknownField = false,
    /** Already reported elsewhere (a broken macro): fail the rule without another message. */
    readonly silent = false,
  ) {
    super(message);
  }
}

export interface ResolveEnv {
  lists: ReadonlyMap<string, ListInfo>;
  macros: ReadonlyMap<string, MacroInfo>;
  /** Parsed macro conditions (parsed once; a parse failure is reported once, by the caller). */
  macroAst(name: string): Expr | ResolveError;
}

export interface ResolveNotes {
  /** evt.type names that are valid syscalls but not events Vigil records. */
  unobservedTypes: Set<string>;
  macrosUsed: Set<string>;
  listsUsed: Set<string>;
}

const posOf = (src: SourceText, at: number): Position => src.posAt(at);

export function parseToExpr(src: SourceText): Expr | ResolveError {
  try {
    return parseCondition(src);
  } catch (err) {
    if (err instanceof OffsetError) return new ResolveError(err.message, src.posAt(err.offset), err.code);
    throw err;
  }
}

const ALL_BUCKETS: ReadonlySet<Bucket> = new Set(BUCKETS);

/** Checks a condition may expand to (macros inlined). Macros used twice by macros used twice... grow exponentially. */
export const MAX_EXPANDED_CHECKS = 50_000;

export class Resolver {
  readonly notes: ResolveNotes = { unobservedTypes: new Set(), macrosUsed: new Set(), listsUsed: new Set() };
  private readonly stack: string[] = [];
  private checks = 0;

  constructor(private readonly env: ResolveEnv) {}

  resolve(e: Expr): IR {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { k: e.kind, c: e.children.map((c) => this.resolve(c)) };
      case 'not':
        return { k: 'not', c: this.resolve(e.child) };
      case 'const':
        return { k: 'const', v: e.value };
      case 'ident':
        return this.macro(e.name, posOf(e.src, e.at));
      case 'check':
        if (++this.checks > MAX_EXPANDED_CHECKS) {
          throw new ResolveError(`the condition expands to more than ${MAX_EXPANDED_CHECKS} checks once macros are inlined`, posOf(e.src, e.at), 'syntax');
        }
        return this.check(e);
    }
  }

  private macro(name: string, pos: Position): IR {
    if (!this.env.macros.has(name)) {
      if (this.env.lists.has(name)) throw new ResolveError(`'${name}' is a list, not a macro: use it as "field in (${name})"`, pos, 'reference');
      throw new ResolveError(`undefined macro '${name}' used in the condition`, pos, 'reference');
    }
    if (this.stack.includes(name)) {
      throw new ResolveError(`macro cycle: ${[...this.stack.slice(this.stack.indexOf(name)), name].join(' -> ')}`, pos, 'cycle');
    }
    const ast = this.env.macroAst(name);
    if (ast instanceof ResolveError) throw new ResolveError(`macro '${name}' has errors`, pos, 'reference', false, true);
    this.notes.macrosUsed.add(name);
    this.stack.push(name);
    try {
      return this.resolve(ast);
    } finally {
      this.stack.pop();
    }
  }

  /** List items with list names expanded (recursively, with cycle detection) and quoted items unquoted. */
  expandItems(items: readonly ValueItem[], src: SourceText, seen: string[] = []): { value: string; pos: Position }[] {
    const out: { value: string; pos: Position }[] = [];
    for (const it of items) {
      const list = !it.quoted ? this.env.lists.get(it.value) : undefined;
      if (!list) {
        out.push({ value: it.value, pos: posOf(src, it.at) });
        continue;
      }
      if (seen.includes(list.name)) throw new ResolveError(`list cycle: ${[...seen, list.name].join(' -> ')}`, posOf(src, it.at), 'cycle');
      this.notes.listsUsed.add(list.name);
      for (const li of list.items) {
        const v = unquoteListItem(li.value);
        const ref = !v.quoted ? this.env.lists.get(v.value) : undefined;
        if (ref) {
          const sub = this.expandItems([{ value: v.value, quoted: false, at: 0 }], SourceText.at(v.value, li.pos), [...seen, list.name]);
          out.push(...sub);
        } else out.push({ value: v.value, pos: li.pos });
      }
    }
    return out;
  }

  operand(o: FieldOperand): BoundOperand {
    if (o.kind === 'transform') {
      const inner = this.operand(o.inner);
      if (o.fn === 'val') return inner;
      const t = transformType(o.fn, inner.type);
      if (!t) throw new ResolveError(`transformer '${o.fn}' needs a string field, and ${inner.field.display} is ${inner.type}`, posOf(o.src, o.at), 'operator');
      return { ...inner, transforms: [...inner.transforms, o.fn], type: t };
    }
    const pos = posOf(o.src, o.at);
    let name = o.name;
    let arg = o.arg;
    let def = lookupField(name);
    if (!def) {
      // evt.arg.flags / proc.env.HOME style: the last component is the argument.
      const dot = name.lastIndexOf('.');
      const head = name.slice(0, dot);
      const hd = lookupField(head);
      if (hd && (hd.arg === 'key' || hd.arg === 'optional-key') && arg === undefined) {
        def = hd;
        arg = name.slice(dot + 1);
        name = head;
      }
    }
    if (!def) throw new ResolveError(`unknown field '${o.name}'`, pos, 'field', true);
    const display = o.arg !== undefined ? `${o.name}[${o.arg}]` : o.name;
    if (arg !== undefined && def.arg === 'none') throw new ResolveError(`field '${name}' takes no argument`, pos, 'field');
    if (arg === undefined && (def.arg === 'index' || def.arg === 'key')) throw new ResolveError(`field '${name}' needs an argument (${name}[...])`, pos, 'field');
    const bound = def.bind(arg, display);
    if (typeof bound === 'string') throw new ResolveError(bound, pos, 'field', bound.startsWith('unknown'));
    return { field: bound, transforms: [], type: bound.type, multi: bound.multi };
  }

  private check(e: Extract<Expr, { kind: 'check' }>): IR {
    const pos = posOf(e.src, e.at);
    const opPos = posOf(e.src, e.opAt);
    const lhs = this.operand(e.left);
    const op = e.op;
    // evt.type and evt.dir are properties of the bucket, not of the event's contents.
    if (e.left.kind === 'field' && lhs.transforms.length === 0) {
      if (lhs.field.display === 'evt.type' && e.right && (op === '=' || op === '!=' || op === 'in' || op === 'intersects') && e.right.kind !== 'field' && e.right.kind !== 'transform') {
        return this.evtType(op, e.right);
      }
      if (lhs.field.display === 'evt.dir' && e.right && (op === '=' || op === '!=' || op === 'in') && (e.right.kind === 'value' || e.right.kind === 'list')) {
        const vals = e.right.kind === 'value' ? [e.right.item.value] : e.right.items.map((i) => i.value);
        // A Vigil event is the exit record carrying the entry arguments: both directions describe it.
        const hit = vals.some((v) => v === '<' || v === '>');
        return { k: 'const', v: op === '!=' ? !hit : hit };
      }
    }
    if (!operatorAllowed(lhs.type, op)) {
      throw new ResolveError(`operator '${op}' is not supported for ${lhs.type} field ${lhs.field.display}`, opPos, 'operator');
    }
    if (lhs.multi === 'any' && !['=', '!=', 'in', 'intersects', 'exists', 'contains', 'icontains', 'startswith', 'endswith', 'glob', 'iglob', 'pmatch', 'regex'].includes(op)) {
      throw new ResolveError(`operator '${op}' is not supported on ${lhs.field.display} without an index`, opPos, 'operator');
    }
    const check: Check = { lhs, op, pos };
    if (op === 'exists') return { k: 'check', check };
    const r = e.right!;
    if (r.kind === 'field' || r.kind === 'transform') {
      const rhs = this.operand(r);
      if (rhs.field.filterOnly || rhs.multi !== 'one') throw new ResolveError(`field '${rhs.field.display}' can't be used on the right-hand side (val())`, posOf(r.src, r.at), 'field');
      if (!compatible(lhs.type, rhs.type)) throw new ResolveError(`cannot compare ${lhs.field.display} (${lhs.type}) with ${rhs.field.display} (${rhs.type})`, posOf(r.src, r.at), 'field');
      check.rhs = { kind: 'field', operand: rhs };
      return { k: 'check', check };
    }
    const items = this.rhsItems(op, r);
    const values: unknown[] = [];
    for (const it of items) {
      const v = parseConstant(lhs.type, op, it.value, lhs.field.display);
      if (v instanceof Error) throw new ResolveError(v.message, it.pos, 'field');
      values.push(v);
    }
    check.rhs = { kind: 'const', values, texts: items.map((i) => i.value) };
    // Build the test now, so a bad regex or operator fails at load time with its position.
    const t = constantTest(lhs.type, op, values);
    if (t instanceof Error) throw new ResolveError(t.message, items[0]?.pos ?? opPos, 'operator');
    return { k: 'check', check };
  }

  private rhsItems(op: string, r: Exclude<Operand, FieldOperand>): { value: string; pos: Position }[] {
    if (r.kind === 'list') {
      if (!isListOp(op)) throw new ResolveError(`a list can only follow in, intersects or pmatch, not '${op}'`, posOf(r.src, r.at), 'operator');
      return this.expandItems(r.items, r.src);
    }
    if (r.kind === 'listref') return this.expandItems([r.item], r.src);
    const item = r.item;
    const list = !item.quoted ? this.env.lists.get(item.value) : undefined;
    if (list && !isListOp(op)) {
      // Falco substitutes list names textually; with one item that reads as a plain value.
      const expanded = this.expandItems([item], r.src);
      if (expanded.length !== 1) throw new ResolveError(`list '${item.value}' is used with '${op}'; use "in (${item.value})"`, posOf(r.src, item.at), 'operator');
      return expanded;
    }
    if (isListOp(op)) return this.expandItems([item], r.src);
    return [{ value: item.value, pos: posOf(r.src, item.at) }];
  }

  private evtType(op: string, r: Exclude<Operand, FieldOperand>): IR {
    const items = r.kind === 'value' ? (() => {
      const list = !r.item.quoted ? this.env.lists.get(r.item.value) : undefined;
      return list ? this.expandItems([r.item], r.src) : [{ value: r.item.value, pos: posOf(r.src, r.item.at) }];
    })() : this.expandItems(r.kind === 'list' ? r.items : [r.item], r.src);
    if (r.kind === 'list' && op !== 'in' && op !== 'intersects') throw new ResolveError(`a list can only follow in, intersects or pmatch, not '${op}'`, posOf(r.src, r.at), 'operator');
    const set = new Set<Bucket>();
    for (const it of items) {
      const b = EVT_TYPE_ALIASES[it.value];
      if (b) set.add(b);
      else if (KNOWN_EVENT_NAMES.has(it.value)) this.notes.unobservedTypes.add(it.value);
      else throw new ResolveError(`unknown event type '${it.value}'`, it.pos, 'field', true);
    }
    if (op === '!=') return { k: 'bucket', set: new Set([...ALL_BUCKETS].filter((b) => !set.has(b))) };
    return { k: 'bucket', set };
  }
}

function compatible(a: FieldType, b: FieldType): boolean {
  const numeric = (t: FieldType): boolean => t === 'number' || t === 'port' || t === 'abstime' || t === 'reltime';
  if (numeric(a) && numeric(b)) return true;
  if ((a === 'ip' || a === 'ipnet') && (b === 'ip' || b === 'ipnet')) return false; // nets need constants
  return a === b;
}

/** List items written with quotes in YAML ('"75-system-updat"') are literal strings without the quotes. */
export function unquoteListItem(raw: string): { value: string; quoted: boolean } {
  if (raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw[raw.length - 1] === raw[0]) {
    return { value: raw.slice(1, -1).replace(/\\(["'\\])/g, '$1'), quoted: true };
  }
  return { value: raw, quoted: false };
}
