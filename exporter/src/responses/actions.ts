// The value of a rule's `x-vigil-actions` key (Falco ignores keys it does not know). Absent or [] means alert only.

import { RESPONSE_ACTIONS, type ResponseAction } from './types.js';

export const ACTIONS_KEY = 'x-vigil-actions';

export type ParsedActions = { ok: true; actions: ResponseAction[] } | { ok: false; error: string };

/** Validates the YAML value of `x-vigil-actions`: a list of "kill" / "freeze", each at most once. */
export function parseResponseActions(value: unknown): ParsedActions {
  if (value === undefined || value === null) return { ok: true, actions: [] };
  if (!Array.isArray(value)) return { ok: false, error: `${ACTIONS_KEY} must be a list such as [kill] or [freeze], got ${typeof value}` };
  const actions: ResponseAction[] = [];
  for (const v of value) {
    if (typeof v !== 'string' || !(RESPONSE_ACTIONS as readonly string[]).includes(v)) {
      const shown = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v;
      return { ok: false, error: `${ACTIONS_KEY}: unknown action ${shown} (known: ${RESPONSE_ACTIONS.join(', ')})` };
    }
    if (actions.includes(v as ResponseAction)) return { ok: false, error: `${ACTIONS_KEY}: ${v} is listed twice` };
    actions.push(v as ResponseAction);
  }
  return { ok: true, actions };
}
