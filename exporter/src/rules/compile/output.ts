// Output templates: text with %field, %(field) and %field[arg] placeholders, rendered like Falco (a missing
// value prints <NA>). %container.info expands to "container_id=%container.id container_name=%container.name".

import type { Diagnostics } from '../diagnostics.js';
import type { FieldRef } from '../condition/ast.js';
import { TRANSFORMERS } from '../condition/ast.js';
import type { EvalContext } from '../fields/context.js';
import { BUCKETS } from '../fields/event-names.js';
import type { Scalar } from '../fields/table.js';
import { SourceText } from '../source-text.js';
import type { BoundOperand } from './ir.js';
import { applyTransform } from './operators.js';
import { ResolveError, type Resolver } from './resolve.js';

export interface OutputField {
  display: string;
  operand: BoundOperand | undefined;
}

export interface CompiledOutput {
  parts: (string | OutputField)[];
  fields: OutputField[];
}

export type OutputValue = string | number | boolean | null;

const FIELD_TOKEN = /[a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)+/y;
const CONTAINER_INFO = 'container_id=%container.id container_name=%container.name';

export function compileOutput(src: SourceText, resolver: Resolver, diags: Diagnostics, item: string): CompiledOutput | undefined {
  const parts: (string | OutputField)[] = [];
  const fields = new Map<string, OutputField>();
  let ok = true;
  let text = '';
  const s = src.text;
  const flush = (): void => {
    if (text) parts.push(text);
    text = '';
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '%') {
      text += ch;
      continue;
    }
    if (s[i + 1] === '%') {
      text += '%';
      i++;
      continue;
    }
    let start = i + 1;
    let token: string | undefined;
    let end = start;
    let fn: string | undefined;
    if (s[start] === '(') {
      const close = s.indexOf(')', start);
      if (close < 0) {
        diags.error('syntax', src.posAt(i), "output: '%(' without a closing ')'", item);
        ok = false;
        break;
      }
      token = s.slice(start + 1, close).trim();
      end = close + 1;
      start++;
    } else {
      const tr = TRANSFORMERS.find((t) => s.startsWith(`${t}(`, start));
      if (tr) {
        const close = s.indexOf(')', start);
        if (close > 0) {
          fn = tr;
          token = s.slice(start + tr.length + 1, close).trim();
          end = close + 1;
        }
      } else {
        FIELD_TOKEN.lastIndex = start;
        const m = FIELD_TOKEN.exec(s);
        if (m && m.index === start) {
          token = m[0];
          end = start + token.length;
          if (s[end] === '[') {
            const close = s.indexOf(']', end);
            if (close > 0) {
              token = s.slice(start, close + 1);
              end = close + 1;
            }
          }
        }
      }
    }
    if (!token) {
      text += '%';
      continue;
    }
    if (token === 'container.info') {
      const sub = compileOutput(SourceText.at(CONTAINER_INFO, src.posAt(i)), resolver, diags, item);
      if (sub) {
        flush();
        for (const p of sub.parts) parts.push(p);
        for (const f of sub.fields) fields.set(f.display, f);
      }
      i = end - 1;
      continue;
    }
    const display = fn ? `${fn}(${token})` : token;
    let f = fields.get(display);
    if (!f) {
      f = bindOutputField(token, fn, src, start, resolver, diags, item);
      if (!f) ok = false;
      else fields.set(display, f);
    }
    if (f) {
      flush();
      parts.push(f);
    }
    i = end - 1;
  }
  flush();
  return ok ? { parts, fields: [...fields.values()] } : undefined;
}

function bindOutputField(token: string, fn: string | undefined, src: SourceText, at: number, resolver: Resolver, diags: Diagnostics, item: string): OutputField | undefined {
  const display = fn ? `${fn}(${token})` : token;
  const m = /^([^[\]]+)(?:\[([^\]]*)\])?$/.exec(token);
  if (!m) {
    diags.error('field', src.posAt(at), `output: '%${token}' is not a field`, item);
    return undefined;
  }
  const ref: FieldRef = { kind: 'field', name: m[1]!, ...(m[2] !== undefined ? { arg: m[2] } : {}), at, src };
  try {
    const op = resolver.operand(fn ? { kind: 'transform', fn: fn as (typeof TRANSFORMERS)[number], inner: ref, at, src } : ref);
    if (op.field.filterOnly || op.multi !== 'one') {
      diags.error('field', src.posAt(at), `output: field '${op.field.display}' can only be used in conditions`, item);
      return undefined;
    }
    if (op.field.reason && unavailableEverywhere(op)) {
      diags.warn('unsupported', src.posAt(at), `output: field '${op.field.display}' is not available in Vigil (${op.field.reason}); it prints <NA>`, item);
      return { display, operand: undefined };
    }
    return { display, operand: op };
  } catch (err) {
    if (err instanceof ResolveError) {
      diags.error(err.code, err.pos, `output: ${err.message}`, item);
      return undefined;
    }
    throw err;
  }
}

/** True when no event type can give the field a value (a field that exists only on some events is fine). */
function unavailableEverywhere(op: BoundOperand): boolean {
  return BUCKETS.every((b) => op.field.availability(b) === 'unsupported');
}

function valueOf(f: OutputField, c: EvalContext): Scalar | undefined {
  if (!f.operand) return undefined;
  let v = f.operand.field.get(c) as Scalar | undefined;
  for (const t of f.operand.transforms) if (v !== undefined) v = applyTransform(t, v);
  return v;
}

export function renderOutput(out: CompiledOutput, c: EvalContext): { text: string; fields: Record<string, OutputValue> } {
  const fields: Record<string, OutputValue> = {};
  const values = new Map<OutputField, Scalar | undefined>();
  for (const f of out.fields) {
    let v: Scalar | undefined;
    try {
      v = valueOf(f, c);
    } catch {
      v = undefined;
    }
    values.set(f, v);
    fields[f.display] = v === undefined ? null : v;
  }
  let text = '';
  for (const p of out.parts) {
    if (typeof p === 'string') {
      text += p;
      continue;
    }
    const v = values.get(p);
    text += v === undefined ? '<NA>' : p.operand?.field.render && p.operand.transforms.length === 0 ? p.operand.field.render(v) : String(v);
  }
  return { text: text.trim(), fields };
}
