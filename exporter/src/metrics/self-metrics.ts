// Vigil's own health: what the sensor received, decoded, filtered and lost, loader restarts, active hooks,
// pipeline drops and build info. Values are read from the components' plain stats objects at scrape time.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { TypeStats } from '../events/types.js';
import type { SensorStats } from '../sensor/supervisor.js';
import { DeltaTracker } from './monotonic.js';

export interface SelfMetricSources {
  sensor: () => SensorStats;
  kernelStats: () => TypeStats[];
  /** Named drop counters of the user-space pipeline (stdout, journal, metadata hold, subscribers). */
  pipelineDrops: () => Record<string, number>;
  journal: () => { written: number; dropped: number; diskBytes: number; segments: number; writeErrors: number } | undefined;
  containers: () => Record<string, number>;
  /** Failed metadata lookups by source (podman, docker, kubernetes) and bad cgroup files by reason. */
  metadataErrors: () => Record<string, number>;
  cgroupFileErrors: () => Record<string, number>;
  build: { version: string; abi: number };
}

/** Registers a counter whose value is a cumulative number read at scrape time. */
function cumulativeCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]): void {
  const deltas = new DeltaTracker();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const d = deltas.delta(JSON.stringify(labels), value);
        this.inc(labels, d > 0 ? d : 0);
      }
    },
  });
}

export function registerSelfMetrics(registry: Registry, src: SelfMetricSources): void {
  cumulativeCounter(registry, 'vigil_sensor_events_received_total', 'Kernel event records received from the loader, by type.', ['type'], () =>
    Object.entries(src.sensor().eventsReceived).map(([type, n]) => [{ type }, n ?? 0]),
  );
  cumulativeCounter(registry, 'vigil_sensor_events_decoded_total', 'Kernel event records decoded into events, by type.', ['type'], () =>
    Object.entries(src.sensor().eventsDecoded).map(([type, n]) => [{ type }, n ?? 0]),
  );
  cumulativeCounter(
    registry,
    'vigil_sensor_events_lost_total',
    'Events lost: ringbuf_full (kernel ring buffer had no room, per CPU and type), malformed or desync (bad records from the loader).',
    ['cpu', 'type', 'reason'],
    () => {
      const out: [Record<string, string>, number][] = src.kernelStats().map((s) => [{ cpu: String(s.cpu), type: s.type, reason: 'ringbuf_full' }, s.dropped]);
      for (const [reason, n] of Object.entries(src.sensor().malformed)) out.push([{ cpu: 'all', type: 'unknown', reason }, n ?? 0]);
      return out;
    },
  );
  cumulativeCounter(registry, 'vigil_sensor_events_filtered_total', 'Events suppressed on purpose by the kernel-side filters, by type.', ['type'], () => {
    const byType = new Map<string, number>();
    for (const s of src.kernelStats()) byType.set(s.type, (byType.get(s.type) ?? 0) + s.filtered);
    return [...byType].map(([type, n]) => [{ type }, n]);
  });
  cumulativeCounter(registry, 'vigil_sensor_events_emitted_total', 'Events the kernel wrote to the ring buffer, by type.', ['type'], () => {
    const byType = new Map<string, number>();
    for (const s of src.kernelStats()) byType.set(s.type, (byType.get(s.type) ?? 0) + s.emitted);
    return [...byType].map(([type, n]) => [{ type }, n]);
  });
  cumulativeCounter(registry, 'vigil_sensor_loader_restarts_total', 'Times the BPF loader died and was restarted.', [], () => [[{}, src.sensor().restarts]]);
  cumulativeCounter(registry, 'vigil_pipeline_events_dropped_total', 'Events dropped in user space, by stage (each drop is counted here).', ['stage'], () =>
    Object.entries(src.pipelineDrops()).map(([stage, n]) => [{ stage }, n]),
  );
  new Gauge({
    name: 'vigil_sensor_loader_up',
    help: '1 while the BPF loader runs and has reported its hooks.',
    registers: [registry],
    collect() {
      this.set(src.sensor().up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vigil_sensor_hook_active',
    help: 'Kernel hooks and how they are attached (1 active, 0 unavailable or failed).',
    labelNames: ['hook', 'attach'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [hook, state] of Object.entries(src.sensor().hello?.info.hooks ?? {})) {
        const active = !(state === 'unavailable' || state.startsWith('failed') || state === 'disabled');
        this.set({ hook, attach: state }, active ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'vigil_build_info',
    help: 'Build of this Vigil exporter (value 1).',
    labelNames: ['version', 'abi', 'nodejs', 'kernel'],
    registers: [registry],
    collect() {
      this.reset();
      const kernel = String(src.sensor().hello?.info.kernel ?? '');
      this.set({ version: src.build.version, abi: String(src.build.abi), nodejs: process.version, kernel }, 1);
    },
  });
  new Gauge({
    name: 'vigil_containers',
    help: 'Containers known on this node, by runtime.',
    labelNames: ['runtime'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [runtime, n] of Object.entries(src.containers())) this.set({ runtime }, n);
    },
  });
  cumulativeCounter(registry, 'vigil_container_metadata_errors_total', 'Failed container metadata lookups (runtime inspect, Kubernetes watch), by source.', ['source'], () =>
    Object.entries(src.metadataErrors()).map(([source, n]) => [{ source }, n]),
  );
  cumulativeCounter(registry, 'vigil_cgroup_file_errors_total', 'Cgroup files that could not be used (the metric is absent), by reason.', ['reason'], () =>
    Object.entries(src.cgroupFileErrors()).map(([reason, n]) => [{ reason }, n]),
  );
  cumulativeCounter(registry, 'vigil_journal_records_written_total', 'Records appended to the local journal.', [], () => [[{}, src.journal()?.written ?? 0]]);
  cumulativeCounter(registry, 'vigil_journal_write_errors_total', 'Failed writes to the local journal.', [], () => [[{}, src.journal()?.writeErrors ?? 0]]);
  new Gauge({
    name: 'vigil_journal_bytes',
    help: 'Bytes the local journal holds on disk.',
    registers: [registry],
    collect() {
      this.set(src.journal()?.diskBytes ?? 0);
    },
  });
}
