import { FieldType, type DataFrame } from '@grafana/data';
import { containerMetadata, containerSelector, metadataQueries, promString, resourceCharts } from './inspectQueries';

const target = { namespace: 'shop', pod: 'cart-7d9f8-x2k4q', container: 'cart', node: 'node-a' };

describe('PromQL builders', () => {
  it('escapes hostile label values from the URL', () => {
    expect(promString('a"} or vector(1) #\\')).toBe('"a\\"} or vector(1) #\\\\"');
    expect(containerSelector({ namespace: '', pod: '', container: 'demo' })).toBe('{namespace="", pod="", container="demo"}');
  });
  it('charts every resource family of docs/metrics.md with rates over $__rate_interval', () => {
    const charts = resourceCharts(target);
    expect(charts.map((c) => c.key)).toEqual(['cpu', 'memory', 'io', 'network', 'pids', 'syscalls']);
    expect(charts[0]!.queries[0]!.expr).toBe(
      'sum(rate(vigil_container_cpu_usage_seconds_total{namespace="shop", pod="cart-7d9f8-x2k4q", container="cart", node="node-a"}[$__rate_interval]))'
    );
    expect(metadataQueries(target).map((q) => q.refId)).toEqual(['info', 'start', 'labels']);
  });
});

const table = (refId: string, cols: Record<string, string[]>, value: number[]): DataFrame =>
  ({
    refId,
    length: value.length,
    fields: [
      { name: 'Time', type: FieldType.time, config: {}, values: value.map(() => 1) },
      ...Object.entries(cols).map(([name, vs]) => ({ name, type: FieldType.string, config: {}, values: vs })),
      { name: `Value #${refId}`, type: FieldType.number, config: {}, values: value },
    ],
  }) as DataFrame;

describe('containerMetadata', () => {
  it('reads info (table), start time (series) and pod labels', () => {
    const start = {
      refId: 'start',
      length: 1,
      fields: [
        { name: 'Time', type: FieldType.time, config: {}, values: [1] },
        { name: 'Value', type: FieldType.number, config: {}, values: [1764801000], labels: {} },
      ],
    } as unknown as DataFrame;
    const md = containerMetadata([
      table('info', { node: ['node-a'], image: ['registry.local/shop/cart:1.4'], image_digest: ['sha256:' + 'a'.repeat(64)], runtime: ['containerd'], workload_kind: ['Deployment'], workload: ['cart'] }, [1]),
      start,
      table('labels', { namespace: ['shop'], pod: ['cart'], label_app: ['cart'], label_team: ['payments'], job: ['ksm'] }, [1]),
    ]);
    expect(md).toEqual({
      node: 'node-a',
      image: 'registry.local/shop/cart:1.4',
      imageDigest: 'sha256:' + 'a'.repeat(64),
      runtime: 'containerd',
      workloadKind: 'Deployment',
      workload: 'cart',
      startedAt: 1764801000000,
      podLabels: { app: 'cart', team: 'payments' },
      ambiguous: false,
    });
  });
  it('leaves pod labels undefined without kube_pod_labels and flags two nodes', () => {
    const md = containerMetadata([table('info', { node: ['a', 'b'], image: ['x', 'x'] }, [1, 1])]);
    expect(md.podLabels).toBeUndefined();
    expect(md.ambiguous).toBe(true);
    expect(md.startedAt).toBeUndefined();
  });
});
