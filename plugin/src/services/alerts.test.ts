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
    // A truncated line (docs/loki.md) lost its event and output_fields but is still an alert. Without rule and
    // priority labels (another shipper's stream) the line's JSON supplies them.
    const { rule: _r, priority: _p, ...streamOnly } = good[0]!.labels;
    const truncated = {
      labels: streamOnly,
      tsNs: `${BASE_MS + 1}000000`,
      line: JSON.stringify({ rule: 'Big', priority: 'CRITICAL', output: 'x'.repeat(10), ts: BASE_MS + 1, loki_truncated: true, capture_id: '../../etc' }),
    };
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

describe('lazy rows', () => {
  it('takes the list columns from the stream labels and parses a line only when its fields are read', () => {
    const entries = [alertEntry({ ms: BASE_MS, cmdline: 'cat /etc/shadow' }), alertEntry({ ms: BASE_MS + 1, rule: 'Other', priority: 'Critical' })];
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const { rows } = alertRowsFromFrames([logsFrame(entries)]);
      expect(rows.map((r) => [r.rule, r.priority, r.namespace, r.pod, r.container, r.node])).toEqual([
        ['Other', 'Critical', 'web', 'frontend-7d9c8b6f5d-x2x7k', 'nginx', 'node-a'],
        ['Terminal shell in container', 'Notice', 'web', 'frontend-7d9c8b6f5d-x2x7k', 'nginx', 'node-a'],
      ]);
      expect(parse).not.toHaveBeenCalled();
      // The fields only the JSON has: one parse per row, memoized.
      expect(rows[1]!.cmdline).toBe('cat /etc/shadow');
      expect(rows[1]!.process).toBe('sh');
      expect(rows[1]!.pid).toBe(31337);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('keeps a labelled line whose JSON is broken as a row showing the raw line', () => {
    const e = alertEntry({ ms: BASE_MS });
    const broken = { ...e, line: '{"rule":"Terminal shell in container", "output": "cut' + '}' };
    const { rows, malformed } = alertRowsFromFrames([logsFrame([broken])]);
    expect(malformed).toBe(0);
    expect(rows[0]!.rule).toBe('Terminal shell in container');
    expect(rows[0]!.output).toBe(broken.line);
    expect(rows[0]!.process).toBe('');
  });

  it('drops an entry Loki returned twice (same time, same line) but keeps different lines at the same time', () => {
    const a = alertEntry({ ms: BASE_MS });
    const b = alertEntry({ ms: BASE_MS, rule: 'Other' });
    const { rows } = alertRowsFromFrames([logsFrame([a, b]), logsFrame([a], 'B')]);
    expect(rows.map((r) => r.rule).sort()).toEqual(['Other', 'Terminal shell in container']);
    expect(new Set(rows.map((r) => r.key)).size).toBe(2);
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
