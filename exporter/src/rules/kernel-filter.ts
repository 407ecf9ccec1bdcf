// What the kernel must deliver for a set of rules, as plain data for the composition root to hand to the
// sensor: which event types, and which open() paths (prefixes for the kernel's LPM trie), or every open.

import type { EventType } from '../events/types.js';
import type { CompiledRule } from './compile/ruleset.js';
import { minimisePrefixes } from './compile/specialise.js';
import { BUCKET_EVENT_TYPE } from './fields/event-names.js';

export interface KernelFilterNeeds {
  eventTypes: Set<EventType>;
  /** Paths whose opens some rule needs; 'all' when a rule's condition does not bound the path. */
  openPrefixes: string[] | 'all';
  /** The rules that need every open (why openPrefixes is 'all'). */
  allOpensFor: string[];
}

/** Needs of the given rules (pass the engine's active rules: enabled and not skipped). */
export function kernelFilterNeeds(rules: readonly CompiledRule[]): KernelFilterNeeds {
  const eventTypes = new Set<EventType>();
  const prefixes: string[] = [];
  const allOpensFor: string[] = [];
  for (const r of rules) {
    if (!r.enabled || r.skipped) continue;
    for (const b of r.tests.keys()) eventTypes.add(BUCKET_EVENT_TYPE[b]);
    if (r.openPrefixes === 'all') allOpensFor.push(r.name);
    else if (r.openPrefixes) prefixes.push(...r.openPrefixes);
  }
  return { eventTypes, openPrefixes: allOpensFor.length ? 'all' : minimisePrefixes(prefixes), allOpensFor };
}
