// The Loki sink's public surface, for the composition root (`vigil node`) and for tests.

export { LokiSink, LOKI_DROP_REASONS, LOKI_RETRY_CLASSES, LOKI_STAT_STREAMS } from './sink.js';
export type { LokiSinkOptions, LokiSinkStats, LokiDropReason, LokiStatStream } from './sink.js';
export { LokiConfigSchema } from './config.js';
export type { LokiConfig, LokiConfigInput } from './config.js';
export { LOKI_STREAM_LABELS, containerLabel } from './labels.js';
export type { LokiStreamLabel, LokiStreamKind, StreamLabels } from './labels.js';
export { alertEntry, activityEntry, rfc3339ToNs, msToNs } from './entries.js';
export type { LokiEntry, ActivityRecord, ActivityScope } from './entries.js';
export { registerLokiMetrics } from './metrics.js';
export type { LokiStatsSource } from './metrics.js';
export type { SinkLogger } from './log-limiter.js';
