// Prometheus families of the Loki sink, read from its stats() at scrape time. docs/loki.md lists them. Every
// label has a fixed, small set of values (stream, reason, class).

import { Counter, Gauge, type Registry } from 'prom-client';
import { LOKI_DROP_REASONS, LOKI_RETRY_CLASSES, LOKI_STAT_STREAMS, type LokiSinkStats } from './sink.js';

export interface LokiStatsSource {
  stats(): LokiSinkStats;
}

/** A counter that shows a cumulative number kept elsewhere (the sink's own counters only grow). */
function mirroredCounter(registry: Registry, name: string, help: string, labelNames: string[], read: (s: LokiSinkStats) => [Record<string, string>, number][], source: LokiStatsSource): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read(source.stats())) this.inc(labels, value);
    },
  });
}

function mirroredGauge(registry: Registry, name: string, help: string, read: (s: LokiSinkStats) => number, source: LokiStatsSource): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read(source.stats()));
    },
  });
}

export function registerLokiMetrics(registry: Registry, sink: LokiStatsSource): void {
  const streams = LOKI_STAT_STREAMS;
  mirroredCounter(registry, 'vigil_loki_entries_sent_total', 'Entries Loki acknowledged, by stream (alert, activity).', ['stream'],
    (s) => streams.filter((k) => k !== 'unknown').map((k) => [{ stream: k }, s.sent[k]]), sink);
  mirroredCounter(registry, 'vigil_loki_entries_spooled_total', 'Entries written to the on-disk spool before sending, by stream.', ['stream'],
    (s) => streams.filter((k) => k !== 'unknown').map((k) => [{ stream: k }, s.spooled[k]]), sink);
  mirroredCounter(registry, 'vigil_loki_entries_dropped_total',
    'Entries that will never reach Loki, by stream and reason (spool_full, rejected, too_large, invalid, spool_error, corrupt, closed).',
    ['stream', 'reason'],
    (s) => LOKI_DROP_REASONS.flatMap((r) => streams.map((k): [Record<string, string>, number] => [{ stream: k, reason: r }, s.dropped[r][k]])), sink);
  mirroredCounter(registry, 'vigil_loki_batches_total', 'Push batches answered by Loki, by result (sent: 2xx; rejected: refused for good).', ['result'],
    (s) => [[{ result: 'sent' }, s.batches], [{ result: 'rejected' }, s.rejectedBatches]], sink);
  mirroredCounter(registry, 'vigil_loki_retries_total', 'Failed push attempts that were retried, by class.', ['class'],
    (s) => LOKI_RETRY_CLASSES.map((c) => [{ class: c }, s.retriedBy[c]]), sink);
  mirroredCounter(registry, 'vigil_loki_entries_replayed_total', 'Entries read back from the spool on disk (after a restart or a backlog).', [],
    (s) => [[{}, s.replayed]], sink);
  mirroredCounter(registry, 'vigil_loki_entries_reordered_total', 'Entries whose Loki timestamp was raised to keep their stream ordered (strictOrdering).', [],
    (s) => [[{}, s.reordered]], sink);
  mirroredCounter(registry, 'vigil_loki_spool_write_errors_total', 'Failed writes to the spool (disk full, I/O errors).', [],
    (s) => [[{}, s.spoolWriteErrors]], sink);
  mirroredCounter(registry, 'vigil_loki_spool_fsync_errors_total', 'Failed fdatasync calls on spool segments.', [],
    (s) => [[{}, s.fsyncErrors]], sink);
  mirroredGauge(registry, 'vigil_loki_spool_bytes', 'Bytes in the spool on disk.', (s) => s.spoolBytes, sink);
  mirroredGauge(registry, 'vigil_loki_spool_max_bytes', 'Configured bound of the spool (loki.spoolMaxBytes).', (s) => s.spoolMaxBytes, sink);
  mirroredGauge(registry, 'vigil_loki_spool_entries', 'Entries not yet acknowledged by Loki (spooled, in memory or in flight).', (s) => s.spoolEntries, sink);
  mirroredGauge(registry, 'vigil_loki_last_success_timestamp_seconds', 'Unix time of the last batch Loki acknowledged; 0 before the first.',
    (s) => s.lastSuccessTs / 1000, sink);
  mirroredGauge(registry, 'vigil_loki_last_error_timestamp_seconds', 'Unix time of the last failed or refused push; 0 before the first.',
    (s) => s.lastErrorTs / 1000, sink);
}
