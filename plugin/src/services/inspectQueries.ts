/**
 * PromQL for the Inspect page (one container, docs/metrics.md) and the transforms of their answers. Pure.
 *
 * The container comes from the URL (var-namespace, var-pod, var-container, var-node): its values are escaped
 * as PromQL string literals, never pasted.
 */
import type { DataFrame, Field } from '@grafana/data';

export interface ContainerTarget {
  namespace: string;
  pod: string;
  container: string;
  /** Optional: a container name can repeat across nodes only outside Kubernetes. */
  node?: string;
}

/** Longest label value taken from a URL (Vigil's label values are cut at 1024 bytes). */
const MAX_VALUE = 1024;

/** A PromQL double-quoted string literal: backslash, quote and control characters escaped. */
export function promString(value: string): string {
  const v = value.slice(0, MAX_VALUE);
  // eslint-disable-next-line no-control-regex
  return `"${v.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** The per-container matchers. namespace="" and pod="" are meaningful (outside Kubernetes), so they are kept. */
export function containerSelector(t: ContainerTarget): string {
  const parts = [`namespace=${promString(t.namespace)}`, `pod=${promString(t.pod)}`, `container=${promString(t.container)}`];
  if (t.node) parts.push(`node=${promString(t.node)}`);
  return `{${parts.join(', ')}}`;
}

export function hasTarget(t: Partial<ContainerTarget>): t is ContainerTarget {
  return typeof t.container === 'string' && t.container !== '';
}

export interface ChartQuery {
  refId: string;
  expr: string;
  legendFormat: string;
}

export interface ChartSpec {
  key: string;
  title: string;
  unit: string;
  queries: ChartQuery[];
}

const rate = (metric: string, sel: string) => `sum(rate(${metric}${sel}[$__rate_interval]))`;
const gauge = (metric: string, sel: string) => `sum(${metric}${sel})`;

/** The resource charts of one container: CPU, memory, I/O, network, pids, syscalls. */
export function resourceCharts(t: ContainerTarget): ChartSpec[] {
  const sel = containerSelector(t);
  return [
    {
      key: 'cpu',
      title: 'CPU',
      unit: 'cores',
      queries: [
        { refId: 'A', expr: rate('vigil_container_cpu_usage_seconds_total', sel), legendFormat: 'used' },
        { refId: 'B', expr: gauge('vigil_container_cpu_limit_cores', sel), legendFormat: 'limit' },
        { refId: 'C', expr: rate('vigil_container_cpu_cfs_throttled_seconds_total', sel), legendFormat: 'throttled' },
      ],
    },
    {
      key: 'memory',
      title: 'Memory',
      unit: 'bytes',
      queries: [
        { refId: 'A', expr: gauge('vigil_container_memory_working_set_bytes', sel), legendFormat: 'working set' },
        { refId: 'B', expr: gauge('vigil_container_memory_usage_bytes', sel), legendFormat: 'usage' },
        { refId: 'C', expr: gauge('vigil_container_memory_limit_bytes', sel), legendFormat: 'limit' },
      ],
    },
    {
      key: 'io',
      title: 'Block I/O',
      unit: 'Bps',
      queries: [
        { refId: 'A', expr: rate('vigil_container_fs_read_bytes_total', sel), legendFormat: 'read' },
        { refId: 'B', expr: rate('vigil_container_fs_write_bytes_total', sel), legendFormat: 'write' },
      ],
    },
    {
      key: 'network',
      title: 'Network',
      unit: 'Bps',
      queries: [
        { refId: 'A', expr: rate('vigil_container_network_receive_bytes_total', sel), legendFormat: 'receive' },
        { refId: 'B', expr: rate('vigil_container_network_transmit_bytes_total', sel), legendFormat: 'transmit' },
      ],
    },
    {
      key: 'pids',
      title: 'Processes',
      unit: 'short',
      queries: [
        { refId: 'A', expr: gauge('vigil_container_pids', sel), legendFormat: 'tasks' },
        { refId: 'B', expr: gauge('vigil_container_pids_limit', sel), legendFormat: 'limit' },
      ],
    },
    {
      key: 'syscalls',
      title: 'System calls',
      unit: 'ops',
      queries: [
        { refId: 'A', expr: rate('vigil_container_syscalls_total', sel), legendFormat: 'syscalls' },
        { refId: 'B', expr: rate('vigil_container_execs_total', sel), legendFormat: 'execs' },
        { refId: 'C', expr: rate('vigil_container_file_opens_total', sel), legendFormat: 'opens' },
        { refId: 'D', expr: rate('vigil_container_connects_total', sel), legendFormat: 'connects' },
      ],
    },
  ];
}

/** Instant queries for the metadata block. refIds are what containerMetadata() reads. */
export function metadataQueries(t: ContainerTarget): ChartQuery[] {
  const sel = containerSelector(t);
  const podSel = `{namespace=${promString(t.namespace)}, pod=${promString(t.pod)}}`;
  return [
    { refId: 'info', expr: `max by (node, namespace, pod, container, image, image_digest, runtime, workload_kind, workload) (vigil_container_info${sel})`, legendFormat: '' },
    { refId: 'start', expr: `max(vigil_container_start_time_seconds${sel})`, legendFormat: '' },
    // kube-state-metrics (label_<name> per pod label); absent outside Kubernetes or without kube-state-metrics.
    { refId: 'labels', expr: `kube_pod_labels${podSel}`, legendFormat: '' },
  ];
}

function values(field: Field | undefined): ArrayLike<unknown> {
  const v = field?.values as unknown;
  if (Array.isArray(v)) return v;
  if (v && typeof (v as { toArray?: unknown }).toArray === 'function') return (v as { toArray: () => unknown[] }).toArray();
  return [];
}

export interface PromSample {
  refId?: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Samples of Prometheus answers in either shape: time series frames (labels on the number field, last value
 * taken) or instant `format: table` frames (a string column per label, `Value #<refId>` numbers).
 */
export function promSamples(frames: readonly DataFrame[] | undefined): PromSample[] {
  const out: PromSample[] = [];
  for (const frame of frames ?? []) {
    const fields = frame.fields ?? [];
    const numbers = fields.filter((f) => f.type === 'number');
    const strings = fields.filter((f) => f.type === 'string');
    if (strings.length > 0) {
      const n = numbers[0];
      const len = Math.max(...fields.map((f) => values(f).length), 0);
      for (let i = 0; i < len; i++) {
        const labels: Record<string, string> = {};
        for (const f of strings) {
          const v = values(f)[i];
          if (typeof v === 'string') labels[f.name] = v;
        }
        out.push({ refId: frame.refId, labels, value: Number(values(n)[i]) });
      }
      continue;
    }
    for (const f of numbers) {
      const vs = values(f);
      out.push({ refId: frame.refId, labels: { ...(f.labels ?? {}) }, value: Number(vs[vs.length - 1]) });
    }
  }
  return out;
}

export interface ContainerMetadata {
  node?: string;
  image?: string;
  imageDigest?: string;
  runtime?: string;
  workloadKind?: string;
  workload?: string;
  /** Unix ms. */
  startedAt?: number;
  /** Kubernetes pod labels from kube_pod_labels (label_ prefix removed); undefined when the metric is absent. */
  podLabels?: Record<string, string>;
  /** Several info series matched (e.g. the same name on two nodes without var-node). */
  ambiguous: boolean;
}

const PROM_META_LABELS = new Set(['__name__', 'job', 'instance', 'namespace', 'pod', 'uid', 'Time', 'Value']);

export function containerMetadata(frames: readonly DataFrame[] | undefined): ContainerMetadata {
  const samples = promSamples(frames);
  const info = samples.filter((s) => s.refId === 'info');
  const start = samples.find((s) => s.refId === 'start' && Number.isFinite(s.value) && s.value > 0);
  const labelSamples = samples.filter((s) => s.refId === 'labels');
  const first = info[0]?.labels ?? {};
  let podLabels: Record<string, string> | undefined;
  if (labelSamples.length > 0) {
    podLabels = {};
    for (const s of labelSamples) {
      for (const [k, v] of Object.entries(s.labels)) {
        if (k.startsWith('label_') && v !== '' && !PROM_META_LABELS.has(k)) podLabels[k.slice('label_'.length)] = v;
      }
    }
  }
  const opt = (v: string | undefined) => (v ? v : undefined);
  return {
    node: opt(first.node),
    image: opt(first.image),
    imageDigest: opt(first.image_digest),
    runtime: opt(first.runtime),
    workloadKind: opt(first.workload_kind),
    workload: opt(first.workload),
    startedAt: start ? start.value * 1000 : undefined,
    podLabels,
    ambiguous: new Set(info.map((s) => s.labels.node ?? '')).size > 1,
  };
}
