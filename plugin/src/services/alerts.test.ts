import { FieldType, type DataFrame } from '@grafana/data';
import { alertInspectHref, alertRowsFromFrames, countByPriority, normalizePriority, readLogLines } from './alerts';
import { BASE_MS, alertEntry, logsFrame } from './lokiFrames.fixture';

describe('readLogLines', () => {
  it('reads the dataplane logs frame in either field order and prefers the exact ns time', () => {
    const e = alertEntry({ ms: BASE_MS });
    e.tsNs = `${BASE_MS}456789`;
    for (const order of ['dataplane', 'reversed'] as const) {
      const { lines, malformed } = readLogLines([logsFrame([e], 'A', order)]);
      expect(malformed).toBe(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.timeMs).toBeCloseTo(BASE_MS + 0.456789, 5);
      expect(lines[0]!.labels.rule).toBe('Terminal shell in container');
    }
  });

  it('reads the older shape with labels on the line field', () => {
    const frame = {
      refId: 'A',
      length: 1,
      fields: [
        { name: 'ts', type: FieldType.time, config: {}, values: [BASE_MS] },
        { name: 'line', type: FieldType.string, config: {}, values: ['{"rule":"r","priority":"Error"}'], labels: { namespace: 'ns1', pod: 'p1' } },
      ],
    } as unknown as DataFrame;
    const { rows } = alertRowsFromFrames([frame]);
    expect(rows[0]).toMatchObject({ rule: 'r', priority: 'Error', namespace: 'ns1', pod: 'p1', timeMs: BASE_MS });
  });
});

describe('alertRowsFromFrames', () => {
  it('maps Falco keys, k8s, container and event into a row', () => {
    const { rows, malformed } = alertRowsFromFrames([logsFrame([alertEntry({ ms: BASE_MS, captureId: '01KBK5YQNH9ED0DH', cmdline: 'bash -c id', user: 'www' })])]);
    expect(malformed).toBe(0);
    expect(rows[0]).toMatchObject({
      rule: 'Terminal shell in container',
      priority: 'Notice',
      namespace: 'web',
      pod: 'frontend-7d9c8b6f5d-x2x7k',
      container: 'nginx',
      node: 'node-a',
      process: 'sh',
      pid: 31337,
      cmdline: 'bash -c id',
      user: 'www',
      captureId: '01KBK5YQNH9ED0DH',
      image: 'docker.io/library/nginx:1.25.3',
      timeMs: BASE_MS,
    });
  });

  it('counts and skips malformed lines, keeps tolerant ones, sorts newest first, drops duplicate uuids', () => {
    const good = [alertEntry({ ms: BASE_MS }), alertEntry({ ms: BASE_MS + 5000, rule: 'Other' })];
    const bad = [
      { ...good[0]!, line: 'not json', tsNs: '1' },
      { ...good[0]!, line: '[1,2]', tsNs: '2' },
      { ...good[0]!, line: '{"no":"rule"}', labels: { stream: 'alert' }, tsNs: '3' },
    ];
    // A truncated line (docs/loki.md) lost its event and output_fields but is still an alert.
    const truncated = { ...good[0]!, line: JSON.stringify({ rule: 'Big', priority: 'CRITICAL', output: 'x'.repeat(10), ts: BASE_MS + 1, loki_truncated: true, capture_id: '../../etc' }) };
    const { rows, malformed } = alertRowsFromFrames([logsFrame([...good, ...bad, truncated, good[0]!])]);
    expect(malformed).toBe(3);
    expect(rows.map((r) => r.rule)).toEqual(['Other', 'Big', 'Terminal shell in container']);
    const big = rows[1]!;
    expect(big.priority).toBe('Critical');
    // labels fill what the line lost; a capture id that is not one is not kept (it would go into a URL)
    expect(big.namespace).toBe('web');
    expect(big.captureId).toBeUndefined();
    expect(big.process).toBe('');
  });

  it('handles 10k lines in well under a second', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => alertEntry({ ms: BASE_MS + i, priority: i % 3 ? 'Warning' : 'Critical' }));
    const frame = logsFrame(entries);
    const t0 = performance.now();
    const { rows } = alertRowsFromFrames([frame]);
    const ms = performance.now() - t0;
    expect(rows).toHaveLength(10_000);
    expect(countByPriority(rows)).toMatchObject({ Critical: 3334, Warning: 6666, Notice: 0 });
    expect(ms).toBeLessThan(1000);
  });
});

describe('priorities', () => {
  it('normalizes case and short forms', () => {
    expect(normalizePriority('informational')).toBe('Informational');
    expect(normalizePriority('INFO')).toBe('Informational');
    expect(normalizePriority('bogus')).toBe('Unknown');
    expect(normalizePriority(3)).toBe('Unknown');
  });
});

describe('alertInspectHref', () => {
  it('links to the container with the var-* params, the alert window and the capture', () => {
    const { rows } = alertRowsFromFrames([logsFrame([alertEntry({ ms: BASE_MS, captureId: 'cap-1', pod: 'a&b=c' })])]);
    const href = alertInspectHref('/a/vigil-security-app/inspect', rows[0]!, true);
    const url = new URL(href, 'http://x');
    expect(url.pathname).toBe('/a/vigil-security-app/inspect');
    expect(url.searchParams.get('var-namespace')).toBe('web');
    expect(url.searchParams.get('var-pod')).toBe('a&b=c');
    expect(url.searchParams.get('var-container')).toBe('nginx');
    expect(url.searchParams.get('var-node')).toBe('node-a');
    expect(Number(url.searchParams.get('from'))).toBe(BASE_MS - 300_000);
    expect(Number(url.searchParams.get('to'))).toBe(BASE_MS + 300_000);
    expect(url.searchParams.get('capture')).toBe('cap-1');
    expect(new URL(alertInspectHref('/i', rows[0]!, false), 'http://x').searchParams.has('capture')).toBe(false);
  });
});
