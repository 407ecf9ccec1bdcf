// The field registry: Falco field names -> definitions (table.ts for most, args.ts for evt.arg/evt.rawarg).

import './args.js';
import { fieldDefs, type FieldDef } from './table.js';

export function lookupField(name: string): FieldDef | undefined {
  return fieldDefs().get(name);
}

export function allFields(): FieldDef[] {
  return [...fieldDefs().values()].sort((a, b) => a.name.localeCompare(b.name));
}

export * from './table.js';
export * from './context.js';
export * from './event-names.js';
export * from './users.js';
