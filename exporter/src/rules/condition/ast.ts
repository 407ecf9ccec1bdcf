// The syntax tree of a Falco condition. Offsets (`at`) index the text of `src`, which maps them back to the file.

import type { SourceText } from '../source-text.js';

export const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len'] as const;
export type TransformerName = (typeof TRANSFORMERS)[number];

export interface FieldRef {
  kind: 'field';
  name: string;
  /** proc.aname[2] -> "2", proc.env[HOME] -> "HOME"; evt.arg.flags is name "evt.arg" with arg "flags". */
  arg?: string;
  at: number;
  src: SourceText;
}

export interface TransformRef {
  kind: 'transform';
  fn: TransformerName | 'val';
  inner: FieldRef | TransformRef;
  at: number;
  src: SourceText;
}

export type FieldOperand = FieldRef | TransformRef;

export interface ValueItem {
  value: string;
  /** Quoted values are never list references. */
  quoted: boolean;
  at: number;
}

export type Operand =
  | { kind: 'value'; item: ValueItem; src: SourceText }
  | { kind: 'list'; items: ValueItem[]; at: number; src: SourceText }
  /** `in name` without parentheses: a list reference (or, as in Falco, a one-value list). */
  | { kind: 'listref'; item: ValueItem; src: SourceText }
  | FieldOperand;

export type Expr =
  | { kind: 'and'; children: Expr[]; at: number; src: SourceText }
  | { kind: 'or'; children: Expr[]; at: number; src: SourceText }
  | { kind: 'not'; child: Expr; at: number; src: SourceText }
  /** A macro reference. */
  | { kind: 'ident'; name: string; at: number; src: SourceText }
  | { kind: 'check'; left: FieldOperand; op: string; right?: Operand; at: number; opAt: number; src: SourceText }
  | { kind: 'const'; value: boolean; at: number; src: SourceText };
