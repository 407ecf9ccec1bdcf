// Turns the sensor section of the configuration into the loader's control lines. Rules will add their own
// needs (event types, path prefixes) later: they hand plain data to this function, never talk to the sensor.

import { CONSTANTS as C } from '../events/layout.js';
import type { EventType } from '../events/types.js';

export interface KernelFilterSpec {
  events: readonly EventType[];
  openMode: 'all' | 'prefixes' | 'none';
  openPrefixes: readonly string[];
  openWrites: boolean;
  openFailed: boolean;
  captureEnv: boolean;
  emitThreads: boolean;
  wakeupBytes: number;
  ignoreTgids: readonly number[];
}

const TYPE_ID: Record<EventType, number> = {
  exec: C.VIGIL_EV_EXEC,
  fork: C.VIGIL_EV_FORK,
  exit: C.VIGIL_EV_EXIT,
  open: C.VIGIL_EV_OPEN,
  connect: C.VIGIL_EV_CONNECT,
  accept: C.VIGIL_EV_ACCEPT,
  setid: C.VIGIL_EV_SETID,
  ptrace: C.VIGIL_EV_PTRACE,
  mount: C.VIGIL_EV_MOUNT,
  module: C.VIGIL_EV_MODULE,
};

export function eventMask(types: readonly EventType[]): number {
  let mask = 0;
  for (const t of types) mask |= 1 << TYPE_ID[t];
  return mask;
}

export function filterCommands(spec: KernelFilterSpec): string[] {
  const lines = [
    `events 0x${eventMask(spec.events).toString(16)}`,
    `open-mode ${spec.openMode}`,
    `open-writes ${spec.openWrites ? 1 : 0}`,
    `open-failed ${spec.openFailed ? 1 : 0}`,
    `capture-env ${spec.captureEnv ? 1 : 0}`,
    `emit-threads ${spec.emitThreads ? 1 : 0}`,
    `wakeup-bytes ${spec.wakeupBytes}`,
    'prefix-clear',
    ...[...new Set(spec.openPrefixes)].map((p) => `prefix-add ${p}`),
    ...[...new Set(spec.ignoreTgids)].map((pid) => `ignore-tgid ${pid}`),
  ];
  return lines;
}

export interface ConfiguredFilters {
  events: readonly EventType[];
  openMode: 'all' | 'prefixes' | 'none';
  openPrefixes: readonly string[];
  openWrites: boolean;
}

export interface RuleNeeds {
  eventTypes: Set<EventType>;
  openPrefixes: string[] | 'all';
  openReadPrefixes: string[] | 'all';
  openWritesOnlyRules: boolean;
}

/**
 * What leaves the kernel: what the configuration asks for plus what the loaded rules need. Rules that only
 * watch writes are served by open-writes instead of their prefixes, so "writes below /usr" does not pull every
 * library read out of the kernel.
 */
export function mergeKernelNeeds(cfg: ConfiguredFilters, needs: RuleNeeds | undefined): Pick<KernelFilterSpec, 'events' | 'openMode' | 'openPrefixes' | 'openWrites'> {
  if (!needs) return { events: cfg.events, openMode: cfg.openMode, openPrefixes: cfg.openPrefixes, openWrites: cfg.openWrites };
  const events = [...new Set([...cfg.events, ...needs.eventTypes])];
  if (cfg.openMode === 'all' || needs.openReadPrefixes === 'all' || (!needs.openWritesOnlyRules && needs.openPrefixes === 'all')) {
    return { events, openMode: 'all', openPrefixes: [], openWrites: true };
  }
  const fromRules = needs.openWritesOnlyRules ? (needs.openReadPrefixes as string[]) : (needs.openPrefixes as string[]);
  const openPrefixes = [...new Set([...(cfg.openMode === 'prefixes' ? cfg.openPrefixes : []), ...fromRules])];
  const anyOpens = needs.eventTypes.has('open') || cfg.openMode === 'prefixes';
  return {
    events,
    openMode: anyOpens ? 'prefixes' : cfg.openMode,
    openPrefixes,
    openWrites: cfg.openWrites || needs.openWritesOnlyRules,
  };
}
