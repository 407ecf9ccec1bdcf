// A recursive-descent parser for Falco conditions, following libsinsp's grammar (filter/parser.h): the same
// tokens, operators and precedence (not > and > or), so files written for Falco parse the same way. Errors
// carry the offset where parsing stopped; SourceText turns it into file:line:column.

import { OffsetError } from '../diagnostics.js';
import type { SourceText } from '../source-text.js';
import { TRANSFORMERS, type Expr, type FieldOperand, type FieldRef, type Operand, type TransformerName, type ValueItem } from './ast.js';

const RE_NOT = /not[ \t\r\n\b]+/y;
const RE_IDENTIFIER = /[a-zA-Z]+[a-zA-Z0-9_]*/y;
const RE_FIELD = /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y;
const RE_FIELD_ARG_BARE = /[^\][\"'\s]+/y;
const RE_HEX = /0[xX][0-9a-zA-Z]+/y;
const RE_NUMBER = /[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y;
const RE_BARE = /[^()"'\s=,]+/y;

const NUM_OPS = ['<=', '<', '>=', '>'];
/** Word operators need a blank after them (Falco: "contains "), symbols do not. */
const STR_OPS = ['==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex'];
const LIST_OPS = ['intersects', 'in', 'pmatch'];
export const ALL_OPERATORS = ['exists', ...NUM_OPS, ...STR_OPS, ...LIST_OPS];

const MAX_DEPTH = 400;

export function parseCondition(src: SourceText): Expr {
  return new Parser(src).parse();
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\b';

class Parser {
  private pos = 0;
  private depth = 0;
  private last = '';
  private readonly s: string;

  constructor(private readonly src: SourceText) {
    this.s = src.text;
  }

  parse(): Expr {
    if (this.s.trim().length === 0) throw new OffsetError('the condition is empty', 0);
    const e = this.parseOr();
    this.blank();
    if (this.pos !== this.s.length) {
      if (this.s[this.pos] === ')') throw new OffsetError("unbalanced parentheses: ')' without a matching '('", this.pos);
      throw new OffsetError(`unexpected token after '${this.last}', expecting 'or', 'and'`, this.pos);
    }
    return e;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new OffsetError(`the condition nests deeper than ${MAX_DEPTH} levels`, this.pos);
  }

  private blank(): boolean {
    const start = this.pos;
    while (isBlank(this.s[this.pos])) this.pos++;
    return this.pos > start;
  }

  private lit(t: string): boolean {
    if (this.s.startsWith(t, this.pos)) {
      this.pos += t.length;
      this.last = t;
      return true;
    }
    return false;
  }

  private re(rx: RegExp): string | undefined {
    rx.lastIndex = this.pos;
    const m = rx.exec(this.s);
    if (!m || m.index !== this.pos) return undefined;
    this.pos += m[0].length;
    this.last = m[0];
    return m[0];
  }

  /** A word followed by a blank (or, for `opener`, by '('): and/or/operators, never a prefix of a longer word. */
  private word(w: string, allowParen = false): boolean {
    if (!this.s.startsWith(w, this.pos)) return false;
    const next = this.s[this.pos + w.length];
    if (next !== undefined && !isBlank(next) && !(allowParen && next === '(')) return false;
    this.pos += w.length;
    this.last = w;
    return true;
  }

  private parseOr(): Expr {
    this.enter();
    const at = this.pos;
    this.blank();
    const children = [this.parseAnd()];
    this.blank();
    while (this.word('or', true)) {
      if (!this.blank()) {
        if (this.pos >= this.s.length) throw new OffsetError(`unexpected end of the condition after 'or': expected a field check, a macro or '('`, this.pos);
        if (!this.lit('(')) throw new OffsetError("expected blank or '(' after 'or'", this.pos);
        children.push(this.embedded());
      } else children.push(this.parseAnd());
      this.blank();
    }
    this.depth--;
    return children.length > 1 ? { kind: 'or', children, at, src: this.src } : children[0]!;
  }

  private parseAnd(): Expr {
    this.enter();
    const at = this.pos;
    this.blank();
    const children = [this.parseNot()];
    this.blank();
    while (this.word('and', true)) {
      if (!this.blank()) {
        if (this.pos >= this.s.length) throw new OffsetError(`unexpected end of the condition after 'and': expected a field check, a macro or '('`, this.pos);
        if (!this.lit('(')) throw new OffsetError("expected blank or '(' after 'and'", this.pos);
        children.push(this.embedded());
      } else children.push(this.parseNot());
      this.blank();
    }
    this.depth--;
    return children.length > 1 ? { kind: 'and', children, at, src: this.src } : children[0]!;
  }

  private parseNot(): Expr {
    this.enter();
    this.blank();
    const at = this.pos;
    let negate = false;
    while (this.re(RE_NOT)) negate = !negate;
    let child: Expr;
    if (this.lit('not(')) {
      negate = !negate;
      child = this.embedded();
    } else child = this.parseCheck();
    this.depth--;
    return negate ? { kind: 'not', child, at, src: this.src } : child;
  }

  /** After '(': an expression and its ')'. */
  private embedded(): Expr {
    this.enter();
    const open = this.pos - 1;
    this.blank();
    const e = this.parseOr();
    this.blank();
    if (!this.lit(')')) {
      if (this.pos >= this.s.length) throw new OffsetError("unbalanced parentheses: '(' is never closed", open);
      throw new OffsetError(`expected ')' (or 'and', 'or') after '${this.last}'`, this.pos);
    }
    this.depth--;
    return e;
  }

  private parseCheck(): Expr {
    this.enter();
    this.blank();
    const at = this.pos;
    let e: Expr;
    if (this.lit('(')) e = this.embedded();
    else {
      const field = this.re(RE_FIELD);
      if (field !== undefined) e = this.parseConditionRest(this.fieldRest(field, at), at);
      else {
        const tr = this.transformerOpen();
        if (tr) e = this.parseConditionRest(this.transformerRest(tr, at), at);
        else {
          const id = this.re(RE_IDENTIFIER);
          if (id === undefined) {
            if (this.pos >= this.s.length) throw new OffsetError(`unexpected end of the condition after '${this.last}': expected a field check, a macro or '('`, this.pos);
            throw new OffsetError("expected a '(' token, a field check, or an identifier (macro name)", this.pos);
          }
          e = { kind: 'ident', name: id, at, src: this.src };
        }
      }
    }
    this.depth--;
    return e;
  }

  private fieldRest(name: string, at: number): FieldRef {
    const f: FieldRef = { kind: 'field', name, at, src: this.src };
    if (this.lit('[')) {
      const arg = this.quoted() ?? this.re(RE_FIELD_ARG_BARE);
      if (arg === undefined) throw new OffsetError('expected a valid field argument: a quoted string or a bare string', this.pos);
      f.arg = arg;
      if (!this.lit(']')) throw new OffsetError("expected a ']' token", this.pos);
    }
    return f;
  }

  private transformerOpen(): TransformerName | undefined {
    for (const t of TRANSFORMERS) if (this.lit(`${t}(`)) return t;
    return undefined;
  }

  private transformerRest(fn: TransformerName | 'val', at: number): FieldOperand {
    this.enter();
    this.blank();
    const argAt = this.pos;
    let inner: FieldOperand | undefined;
    if (fn !== 'val') {
      const t = this.transformerOpen();
      if (t) inner = this.transformerRest(t, argAt);
    }
    if (!inner) {
      const f = this.re(RE_FIELD);
      if (f !== undefined) inner = this.fieldRest(f, argAt);
    }
    if (!inner) throw new OffsetError(`expected a field${fn === 'val' ? '' : ' or a nested transformer'} inside '${fn}(': one of ${['val', ...TRANSFORMERS].join(', ')}`, this.pos);
    this.blank();
    if (!this.lit(')')) throw new OffsetError(`expected a ')' token closing '${fn}('`, this.pos);
    this.depth--;
    return { kind: 'transform', fn, inner, at, src: this.src };
  }

  private tryTransformerOrVal(): FieldOperand | undefined {
    this.blank();
    const at = this.pos;
    if (this.lit('val(')) return this.transformerRest('val', at);
    const t = this.transformerOpen();
    if (t) return this.transformerRest(t, at);
    return undefined;
  }

  private parseConditionRest(left: FieldOperand, at: number): Expr {
    this.enter();
    this.blank();
    const opAt = this.pos;
    let e: Expr;
    if (this.word('exists')) e = { kind: 'check', left, op: 'exists', at, opAt, src: this.src };
    else {
      const num = NUM_OPS.find((o) => this.lit(o));
      if (num) e = { kind: 'check', left, op: num, right: this.numValue(), at, opAt, src: this.src };
      else {
        const str = STR_OPS.find((o) => (/^[=!]/.test(o) ? this.lit(o) : this.word(o)));
        if (str) e = { kind: 'check', left, op: str === '==' ? '=' : str, right: this.strValue(), at, opAt, src: this.src };
        else {
          const list = LIST_OPS.find((o) => this.word(o, true));
          if (list) e = { kind: 'check', left, op: list, right: this.listValue(), at, opAt, src: this.src };
          else {
            const got = /^[^\s()]*/.exec(this.s.slice(this.pos))?.[0] ?? '';
            throw new OffsetError(
              `${got ? `unknown operator '${got}'` : 'missing operator'}: expected one of ${ALL_OPERATORS.map((o) => `'${o}'`).join(', ')}`,
              this.pos,
              'operator',
            );
          }
        }
      }
    }
    this.depth--;
    return e;
  }

  private item(at: number, value: string, quoted: boolean): ValueItem {
    return { value, quoted, at };
  }

  private numValue(): Operand {
    const t = this.tryTransformerOrVal();
    if (t) return t;
    const at = this.pos;
    const v = this.re(RE_HEX) ?? this.re(RE_NUMBER);
    if (v === undefined) throw new OffsetError('expected a number (or a field in val(), or a transformer) after a numeric operator', this.pos);
    return { kind: 'value', item: this.item(at, v, false), src: this.src };
  }

  private strValue(): Operand {
    const t = this.tryTransformerOrVal();
    if (t) return t;
    const at = this.pos;
    const q = this.quoted();
    if (q !== undefined) return { kind: 'value', item: this.item(at, q, true), src: this.src };
    const b = this.re(RE_BARE);
    if (b === undefined) throw new OffsetError('expected a value (a bare or quoted string, a field in val(), or a transformer)', this.pos);
    return { kind: 'value', item: this.item(at, b, false), src: this.src };
  }

  private listValue(): Operand {
    this.blank();
    const at = this.pos;
    if (this.lit('(')) {
      const items: ValueItem[] = [];
      this.blank();
      if (this.s[this.pos] !== ')') {
        for (;;) {
          this.blank();
          const iat = this.pos;
          const q = this.quoted();
          if (q !== undefined) items.push(this.item(iat, q, true));
          else {
            const b = this.re(RE_BARE);
            if (b === undefined) {
              if (this.pos >= this.s.length) throw new OffsetError("unbalanced parentheses: the list's '(' is never closed", at);
              throw new OffsetError('expected a list item (a bare or quoted string)', this.pos);
            }
            items.push(this.item(iat, b, false));
          }
          this.blank();
          if (!this.lit(',')) break;
        }
      }
      if (!this.lit(')')) {
        if (this.pos >= this.s.length) throw new OffsetError("unbalanced parentheses: the list's '(' is never closed", at);
        throw new OffsetError("expected ',' or ')' in a list", this.pos);
      }
      return { kind: 'list', items, at, src: this.src };
    }
    const t = this.tryTransformerOrVal();
    if (t) return t;
    const id = this.re(RE_IDENTIFIER);
    if (id !== undefined) return { kind: 'listref', item: this.item(at, id, false), src: this.src };
    throw new OffsetError('expected a list in parentheses, a list name, or a field in val()', this.pos);
  }

  /** A quoted string with Falco's escapes (\b \f \n \r \t \\ \/ and the quote itself), unescaped. */
  private quoted(): string | undefined {
    const q = this.s[this.pos];
    if (q !== '"' && q !== "'") return undefined;
    const start = this.pos;
    let out = '';
    let i = start + 1;
    for (; i < this.s.length; i++) {
      const c = this.s[i]!;
      if (c === q) {
        this.pos = i + 1;
        this.last = this.s.slice(start, i + 1);
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const n = this.s[++i];
      switch (n) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case ' ': // Falco keeps a backslash for "\ " (some old rules have it)
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case '"':
        case "'":
          if (n !== q) throw new OffsetError(`invalid \\${n} escape in a ${q}-quoted string`, i - 1);
          out += n;
          break;
        default:
          throw new OffsetError(`unsupported string escape sequence: \\${n ?? ''}`, i - 1);
      }
    }
    throw new OffsetError(`unterminated quoted string (opened with ${q})`, start);
  }
}
