// Folds a rule's IR for one event type (bucket): evt.type checks become constants, checks on fields the event
// type never has become false (as in Falco, a missing value never matches), and the constants propagate. What
// remains is what has to run for events of that type. Also derives the open() path prefixes a rule needs.

import type { Position } from '../diagnostics.js';
import type { Bucket } from '../fields/event-names.js';
import type { Scalar } from '../fields/table.js';
import { fieldsOf, type BoundOperand, type IR } from './ir.js';

const TRUE: IR = { k: 'const', v: true };
const FALSE: IR = { k: 'const', v: false };

export function specialise(ir: IR, b: Bucket): IR {
  switch (ir.k) {
    case 'const':
      return ir;
    case 'bucket':
      return ir.set.has(b) ? TRUE : FALSE;
    case 'check': {
      for (const f of fieldsOf(ir.check)) if (f.availability(b) === 'absent') return FALSE;
      return ir;
    }
    case 'not': {
      const c = specialise(ir.c, b);
      return c.k === 'const' ? (c.v ? FALSE : TRUE) : { k: 'not', c };
    }
    case 'and':
    case 'or': {
      const neutral = ir.k === 'and';
      const out: IR[] = [];
      for (const child of ir.c) {
        const c = specialise(child, b);
        if (c.k === 'const') {
          if (c.v === neutral) continue;
          return c; // false in an and, true in an or
        }
        if (c.k === ir.k) out.push(...c.c);
        else out.push(c);
      }
      if (out.length === 0) return neutral ? TRUE : FALSE;
      return out.length === 1 ? out[0]! : { k: ir.k, c: out };
    }
  }
}

export interface UnsupportedUse {
  field: string;
  reason: string;
  pos: Position;
}

/** Checks left after folding that need a field Vigil does not have for this event type. */
export function unsupportedUses(ir: IR, b: Bucket, out: UnsupportedUse[] = []): UnsupportedUse[] {
  switch (ir.k) {
    case 'check':
      for (const f of fieldsOf(ir.check)) {
        if (f.availability(b) === 'unsupported') out.push({ field: f.display, reason: f.reason ?? 'not available in Vigil', pos: ir.check.pos });
      }
      break;
    case 'not':
      unsupportedUses(ir.c, b, out);
      break;
    case 'and':
    case 'or':
      for (const c of ir.c) unsupportedUses(c, b, out);
      break;
    default:
      break;
  }
  return out;
}

const PATH_FIELDS = new Set(['fd.name', 'fd.nameraw', 'fs.path.name', 'fs.path.nameraw', 'evt.arg.name', 'evt.rawarg.name']);

function globPrefix(g: string): string {
  const i = g.search(/[*?[\\]/);
  return i < 0 ? g : g.slice(0, i);
}

/**
 * Path prefixes such that any open event the (folded) condition matches has a path starting with one of them;
 * 'all' when the condition does not bound the path. Used to program the kernel's open filter.
 */
export function openPrefixes(ir: IR): string[] | 'all' {
  switch (ir.k) {
    case 'const':
      return ir.v ? 'all' : [];
    case 'bucket':
      return 'all';
    case 'not':
      return 'all';
    case 'or': {
      const out: string[] = [];
      for (const c of ir.c) {
        const p = openPrefixes(c);
        if (p === 'all') return 'all';
        out.push(...p);
      }
      return out;
    }
    case 'and': {
      // A path matching every child starts with a prefix from each child's set, so the longer of two
      // related prefixes bounds it: intersect the sets pairwise.
      let acc: string[] | undefined;
      for (const c of ir.c) {
        const p = openPrefixes(c);
        if (p === 'all') continue;
        acc = acc === undefined ? p : intersectPrefixes(acc, p);
      }
      return acc ?? 'all';
    }
    case 'check': {
      const { lhs, op, rhs } = ir.check;
      if (lhs.transforms.length || rhs?.kind !== 'const') return 'all';
      const name = lhs.field.display;
      const texts = rhs.texts;
      let out: string[] | undefined;
      if (PATH_FIELDS.has(name)) {
        if (op === 'startswith' || op === '=' || op === 'in' || op === 'intersects' || op === 'pmatch') out = texts;
        else if (op === 'glob') out = texts.map(globPrefix);
      } else if (name === 'fd.directory') {
        if (op === '=' || op === 'in' || op === 'intersects' || op === 'pmatch') out = texts.map((d) => (d.endsWith('/') ? d : `${d}/`));
        else if (op === 'startswith') out = texts;
        else if (op === 'glob') out = texts.map(globPrefix);
      }
      if (!out || out.some((p) => !p.startsWith('/'))) return 'all';
      return out;
    }
  }
}

function intersectPrefixes(a: readonly string[], b: readonly string[]): string[] {
  if (a.length * b.length > 4096) return a.length <= b.length ? [...a] : [...b];
  const out: string[] = [];
  for (const x of a) {
    for (const y of b) {
      if (x.startsWith(y)) out.push(x);
      else if (y.startsWith(x)) out.push(y);
    }
  }
  return out;
}

/** Drops duplicates and prefixes covered by shorter ones; sorted. */
export function minimisePrefixes(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const out: string[] = [];
  for (const p of sorted) {
    if (out.some((q) => p.startsWith(q))) continue;
    out.push(p);
  }
  return out;
}

/** True when every open the (folded) condition matches is an open for writing (evt.is_open_write = true). */
export function onlyWrites(ir: IR): boolean {
  switch (ir.k) {
    case 'const':
      return !ir.v;
    case 'and':
      return ir.c.some(onlyWrites);
    case 'or':
      return ir.c.every(onlyWrites);
    case 'check': {
      const { lhs, op, rhs } = ir.check;
      if (lhs.field.display !== 'evt.is_open_write' || lhs.transforms.length || rhs?.kind !== 'const') return false;
      return (op === '=' && rhs.values.length === 1 && rhs.values[0] === true) || (op === '!=' && rhs.values[0] === false);
    }
    default:
      return false;
  }
}

/**
 * A necessary condition of a rule on one field: the rule cannot match unless the field's value is one of
 * `values` (exact) or starts with one of them (prefix). The engine indexes rules by it.
 */
export type Guard =
  | { kind: 'exact'; key: string; operand: BoundOperand; values: Set<Scalar> }
  | { kind: 'prefix'; key: string; operand: BoundOperand; values: string[] };

const MAX_GUARD_VALUES = 4096;

/**
 * Fields worth indexing by: values that differ a lot between events. A guard on fd.typechar = 'f' or
 * container.id != host would send nearly every event to the rule anyway.
 */
const GUARD_FIELDS = /^(proc\.(name|pname|exe|exepath|pexepath|cmdline|args|aname\[\d+\])|fd\.(name|nameraw|filename|directory|sport|rport|lport|cport|sip|rip)|fs\.path\.name|evt\.arg\.(name|request|path|dev|dir|type)|evt\.rawarg\.(request|uid|euid|ruid|suid|gid))$/;

export function guardOf(ir: IR): Guard | undefined {
  switch (ir.k) {
    case 'check': {
      const { lhs, op, rhs } = ir.check;
      if (lhs.transforms.length || lhs.multi !== 'one' || rhs?.kind !== 'const') return undefined;
      if (lhs.type !== 'string' && lhs.type !== 'number' && lhs.type !== 'port') return undefined;
      const key = lhs.field.display;
      if (!GUARD_FIELDS.test(key)) return undefined;
      if (op === '=' || op === 'in' || op === 'intersects') {
        if (rhs.values.length === 0 || rhs.values.length > MAX_GUARD_VALUES) return undefined;
        return { kind: 'exact', key: `=${key}`, operand: lhs, values: new Set(rhs.values as Scalar[]) };
      }
      if (lhs.type === 'string' && (op === 'startswith' || op === 'pmatch')) {
        return { kind: 'prefix', key: `^${key}`, operand: lhs, values: minimisePrefixes(rhs.values as string[]) };
      }
      if (lhs.type === 'string' && op === 'glob') {
        const p = globPrefix(rhs.values[0] as string);
        if (p.length >= 2) return { kind: 'prefix', key: `^${key}`, operand: lhs, values: [p] };
      }
      return undefined;
    }
    case 'and': {
      let best: Guard | undefined;
      for (const c of ir.c) {
        const g = guardOf(c);
        if (!g) continue;
        if (!best || rank(g) < rank(best)) best = g;
      }
      return best;
    }
    case 'or': {
      // Every branch must be guarded on the same field; exact values and prefixes mix as prefixes.
      const gs: Guard[] = [];
      for (const c of ir.c) {
        const g = guardOf(c);
        if (!g || (gs[0] && gs[0].operand.field.display !== g.operand.field.display)) return undefined;
        gs.push(g);
      }
      const first = gs[0];
      if (!first) return undefined;
      if (gs.every((g) => g.kind === 'exact')) {
        const values = new Set<Scalar>();
        for (const g of gs) for (const v of g.values as Set<Scalar>) values.add(v);
        return { kind: 'exact', key: first.key, operand: first.operand, values };
      }
      const prefixes: string[] = [];
      for (const g of gs) {
        for (const v of g.values) {
          if (typeof v !== 'string') return undefined;
          prefixes.push(v);
        }
      }
      return { kind: 'prefix', key: `^${first.operand.field.display}`, operand: first.operand, values: minimisePrefixes(prefixes) };
    }
    default:
      return undefined;
  }
}

/** Smaller is more selective: exact sets before prefixes, fewer values first. */
function rank(g: Guard): number {
  return (g.kind === 'exact' ? 0 : 1_000_000) + (g.kind === 'exact' ? g.values.size : g.values.length);
}
