// The checked form of a condition: macros inlined, lists expanded, fields bound, constants parsed. It does not
// depend on the event type yet; specialise.ts folds it for each event type before closures are generated.

import type { Position } from '../diagnostics.js';
import type { Bucket } from '../fields/event-names.js';
import type { BoundField, FieldType, Multi } from '../fields/table.js';

export interface BoundOperand {
  field: BoundField;
  /** Applied innermost first. */
  transforms: string[];
  /** The type after transforms. */
  type: FieldType;
  multi: Multi;
}

export interface Check {
  lhs: BoundOperand;
  op: string;
  /** Parsed constants (one, or a list), or another field (val()). Absent for exists. */
  rhs?: { kind: 'const'; values: unknown[]; texts: string[] } | { kind: 'field'; operand: BoundOperand };
  pos: Position;
}

export type IR =
  | { k: 'and'; c: IR[] }
  | { k: 'or'; c: IR[] }
  | { k: 'not'; c: IR }
  | { k: 'const'; v: boolean }
  /** evt.type = / != / in: true when the event's bucket is in the set. */
  | { k: 'bucket'; set: ReadonlySet<Bucket> }
  | { k: 'check'; check: Check };

export function fieldsOf(check: Check): BoundField[] {
  const out = [check.lhs.field];
  if (check.rhs?.kind === 'field') out.push(check.rhs.operand.field);
  return out;
}
