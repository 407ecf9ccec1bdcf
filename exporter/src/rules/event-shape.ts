// A light check that a JSON value has the shape of a Vigil event (docs/events.md) before rules see it, so
// `vigil rules test` can report a malformed line with a reason instead of evaluating garbage.

import { EVENT_TYPES } from '../events/types.js';

const TYPE_KEY: Record<string, string> = {
  exec: 'exec', fork: 'fork', exit: 'exit', open: 'open', connect: 'net', accept: 'net', setid: 'setid',
  ptrace: 'ptrace', mount: 'mount', module: 'module',
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why `v` is not an event, or undefined when it looks like one. */
export function eventShapeProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not a JSON object';
  if (typeof v.type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(v.type)) return `"type" must be one of ${EVENT_TYPES.join(', ')}`;
  if (!isObj(v.proc)) return '"proc" must be an object';
  if (typeof v.proc.pid !== 'number') return '"proc.pid" must be a number';
  if (typeof v.proc.name !== 'string') return '"proc.name" must be a string';
  if (v.ts !== undefined && typeof v.ts !== 'number') return '"ts" must be a number';
  const key = TYPE_KEY[v.type]!;
  if (!isObj(v[key])) return `a ${v.type} event needs a "${key}" object`;
  if (v.container !== undefined && (!isObj(v.container) || typeof v.container.id !== 'string')) return '"container" must be an object with a string "id"';
  if (v.ancestors !== undefined && !Array.isArray(v.ancestors)) return '"ancestors" must be an array';
  if (v.k8s !== undefined && !isObj(v.k8s)) return '"k8s" must be an object';
  return undefined;
}
