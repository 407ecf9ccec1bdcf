// The flight recorder's health: what its rings hold, what they evicted, and what the captures kept or lost.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { FlightRecorder } from '../recorder/index.js';
import { DeltaTracker } from './monotonic.js';

export function registerRecorderMetrics(registry: Registry, recorder: FlightRecorder): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('vigil_recorder_entries', 'Activity records held by the per-container rings.', () => recorder.stats().entries);
  gauge('vigil_recorder_bytes', 'Estimated bytes held by the per-container rings.', () => recorder.stats().bytes);
  gauge('vigil_recorder_containers', 'Containers with an activity ring.', () => recorder.stats().containers);
  gauge('vigil_captures_open', 'Captures still collecting activity after their alert.', () => recorder.stats().captures.open);
  gauge('vigil_capture_bytes', 'Estimated bytes of the captures in memory.', () => recorder.stats().captures.bytes);
  const counter = (name: string, help: string, label: string | undefined, read: () => Record<string, number>): void => {
    const deltas = new DeltaTracker();
    new Counter({
      name,
      help,
      labelNames: label ? [label] : [],
      registers: [registry],
      collect() {
        for (const [k, v] of Object.entries(read())) {
          const d = deltas.delta(k, v);
          this.inc(label ? { [label]: k } : {}, d > 0 ? d : 0);
        }
      },
    });
  };
  counter('vigil_recorder_recorded_total', 'Events recorded into the activity rings.', undefined, () => ({ all: recorder.stats().recorded }));
  counter('vigil_recorder_evicted_total', 'Activity records evicted from the rings, by bound.', 'reason', () => ({ ...recorder.stats().evicted }));
  counter('vigil_captures_total', 'Captures by outcome: created, shared (an alert joined an open one), completed, closed_early.', 'outcome', () => {
    const c = recorder.stats().captures;
    return { created: c.created, shared: c.shared, completed: c.completed, closed_early: c.closed_early };
  });
  counter('vigil_capture_entries_dropped_total', 'Activity a capture could not keep, by the bound that stopped it.', 'reason', () => ({ ...recorder.stats().captures.dropped_entries }));
}
