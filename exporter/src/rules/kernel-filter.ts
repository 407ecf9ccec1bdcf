// What the kernel must deliver for a set of rules, as plain data for the composition root to hand to the
// sensor: which event types, and which open() paths (prefixes for the kernel's LPM trie), or every open.
// Rules that only look at opens for writing are reported separately: the sensor can serve them either with
// their prefixes in the trie, or by sending every open for writing (open-writes) and leaving them out of it,
// which keeps e.g. "writes below /usr" from pulling every library read out of the kernel.

import type { EventType } from '../events/types.js';
import type { CompiledRule } from './compile/ruleset.js';
import { minimisePrefixes } from './compile/specialise.js';
import { BUCKET_EVENT_TYPE } from './fields/event-names.js';

export interface KernelFilterNeeds {
  eventTypes: Set<EventType>;
  /** Paths whose opens some rule needs (reads and writes); 'all' when a rule does not bound the path. */
  openPrefixes: string[] | 'all';
  /** The part of openPrefixes needed by rules that also match opens for reading. */
  openReadPrefixes: string[] | 'all';
  /** True when some rule matches opens for writing only (then open-writes + openReadPrefixes also suffices). */
  openWritesOnlyRules: boolean;
  /** The rules that need every open (why openPrefixes is 'all'). */
  allOpensFor: string[];
}

/** Needs of the given rules (pass the engine's active rules: enabled and not skipped). */
export function kernelFilterNeeds(rules: readonly CompiledRule[]): KernelFilterNeeds {
  const eventTypes = new Set<EventType>();
  const all: string[] = [];
  const reads: string[] = [];
  const allOpensFor: string[] = [];
  let readsAll = false;
  let writesOnly = false;
  for (const r of rules) {
    if (!r.enabled || r.skipped) continue;
    for (const b of r.tests.keys()) eventTypes.add(BUCKET_EVENT_TYPE[b]);
    if (r.openPrefixes === undefined) continue;
    if (r.openWritesOnly) writesOnly = true;
    if (r.openPrefixes === 'all') {
      allOpensFor.push(r.name);
      if (!r.openWritesOnly) readsAll = true;
      continue;
    }
    all.push(...r.openPrefixes);
    if (!r.openWritesOnly) reads.push(...r.openPrefixes);
  }
  return {
    eventTypes,
    openPrefixes: allOpensFor.length ? 'all' : minimisePrefixes(all),
    openReadPrefixes: readsAll ? 'all' : minimisePrefixes(reads),
    openWritesOnlyRules: writesOnly,
    allOpensFor,
  };
}
