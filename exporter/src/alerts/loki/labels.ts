// Loki stream labels. Few and bounded on purpose: Loki keeps an index entry and an in-memory stream per distinct
// label set, so anything unbounded (pids, container ids, paths, alert uuids) stays in the JSON line, where LogQL's
// `| json` reaches it. The values mirror the metric labels (docs/metrics.md): the same namespace/pod/container
// join alerts, activity and metrics.

import type { ContainerRef, K8sRef } from '../../events/types.js';

/** Every label a Vigil stream can carry, in the order they are written. docs/loki.md documents each. */
export const LOKI_STREAM_LABELS = ['job', 'node', 'namespace', 'pod', 'container', 'rule', 'priority', 'stream'] as const;
export type LokiStreamLabel = (typeof LOKI_STREAM_LABELS)[number];
export type LokiStreamKind = 'alert' | 'activity';
export type StreamLabels = Partial<Record<LokiStreamLabel, string>>;

/** Loki's default max_label_value_length is 2048 bytes; values are cut (on a character boundary) to stay under it. */
export const MAX_LABEL_VALUE_BYTES = 1024;

/** Label values from the node: the same container naming as the metrics. */
export function containerLabel(container: ContainerRef | undefined, k8s: K8sRef | undefined): string {
  if (k8s?.container) return k8s.container;
  if (!container) return '';
  if (container.id === 'host') return 'host';
  return container.name || container.id.slice(0, 12);
}

function boundValue(v: unknown): string {
  if (typeof v !== 'string' || v === '') return '';
  // Control characters are legal in Loki label values but make selectors unwritable; replace them.
  // eslint-disable-next-line no-control-regex
  let s = /[\u0000-\u001f\u007f]/.test(v) ? v.replace(/[\u0000-\u001f\u007f]/g, '_') : v;
  if (Buffer.byteLength(s) > MAX_LABEL_VALUE_BYTES) {
    const cut = Buffer.from(s).subarray(0, MAX_LABEL_VALUE_BYTES).toString('utf8');
    // A cut inside a multi-byte character decodes to U+FFFD at the end: drop it.
    s = cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
  }
  return s;
}

/**
 * The label set of one entry: known labels only, in LOKI_STREAM_LABELS order, empty values left out (Loki
 * treats an empty label as an absent one; sending it would only split streams by accident).
 */
export function streamLabels(values: StreamLabels): StreamLabels {
  const out: StreamLabels = {};
  for (const name of LOKI_STREAM_LABELS) {
    const v = boundValue(values[name]);
    if (v !== '') out[name] = v;
  }
  return out;
}
