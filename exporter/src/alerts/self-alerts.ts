// Vigil's own alerts. Kernel event loss raises one, like Falco's "syscall event drop", so loss is never
// silent; it is rate-limited, and the next one carries everything lost in between.

import { randomUUID } from 'node:crypto';
import { isoMicros } from '../events/decoder.js';
import type { TypeStats } from '../events/types.js';
import type { Alert, ResponseOutcome } from './types.js';

export const DROP_RULE = 'Vigil kernel event drop';
export const RESPONSE_RULE = 'Vigil response';

export class DropAlerter {
  private last = new Map<string, number>();
  private pending = new Map<string, number>();
  private lastAlertMs = -Infinity;

  constructor(
    private readonly hostname: string,
    private readonly minIntervalMs: number,
    private readonly emit: (a: Alert) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feed every STATS snapshot (cumulative per CPU and type). */
  observe(stats: TypeStats[]): void {
    for (const s of stats) {
      const key = `${s.cpu}/${s.type}`;
      const prev = this.last.get(key) ?? s.dropped;
      this.last.set(key, s.dropped);
      const d = s.dropped >= prev ? s.dropped - prev : s.dropped;
      if (d > 0) this.pending.set(key, (this.pending.get(key) ?? 0) + d);
    }
    const now = this.now();
    if (this.pending.size === 0 || now - this.lastAlertMs < this.minIntervalMs) return;
    this.lastAlertMs = now;
    let total = 0;
    const byType: Record<string, number> = {};
    const byCpu: Record<string, number> = {};
    for (const [key, n] of this.pending) {
      const [cpu, type] = key.split('/') as [string, string];
      total += n;
      byType[type] = (byType[type] ?? 0) + n;
      byCpu[cpu] = (byCpu[cpu] ?? 0) + n;
    }
    this.pending.clear();
    const types = Object.entries(byType).map(([t, n]) => `${t}=${n}`).join(' ');
    const cpus = Object.entries(byCpu).map(([c, n]) => `cpu${c}=${n}`).join(' ');
    this.emit({
      time: isoMicros(now),
      ts: now,
      rule: DROP_RULE,
      priority: 'Critical',
      output: `Kernel events lost: the ring buffer was full (n_drops=${total} ${types} ${cpus}); rules may have missed activity`,
      output_fields: { n_drops: total, ...Object.fromEntries(Object.entries(byType).map(([t, n]) => [`n_drops_${t}`, n])) },
      tags: ['vigil', 'internal'],
      hostname: this.hostname,
      source: 'vigil',
      uuid: randomUUID(),
      count: 1,
    });
  }
}

/** Every response is reported as an alert of its own, with its outcome. */
export function responseAlert(trigger: Alert, outcome: ResponseOutcome, hostname: string, now = Date.now()): Alert {
  const target = outcome.target.pid !== undefined ? `pid ${outcome.target.pid}` : `container ${outcome.target.container ?? '?'}`;
  return {
    time: isoMicros(now),
    ts: now,
    rule: RESPONSE_RULE,
    priority: outcome.result === 'done' ? 'Warning' : outcome.result === 'failed' ? 'Error' : 'Notice',
    output: `Response ${outcome.action} ${target} for "${trigger.rule}": ${outcome.result}${outcome.reason ? ` (${outcome.reason})` : ''}`,
    output_fields: { 'vigil.action': outcome.action, 'vigil.result': outcome.result, 'vigil.trigger': trigger.uuid, 'vigil.trigger_rule': trigger.rule },
    tags: ['vigil', 'response'],
    hostname,
    source: 'vigil',
    uuid: randomUUID(),
    count: 1,
    ...(trigger.container ? { container: trigger.container } : {}),
    ...(trigger.k8s ? { k8s: trigger.k8s } : {}),
    ...(trigger.capture_id ? { capture_id: trigger.capture_id } : {}),
    response: outcome,
  };
}
