import {
  activityLogsQuery,
  alertFacetsQuery,
  alertLogsQuery,
  alertsByPriorityQuery,
  anyOf,
  escapeRegex,
  logqlString,
  matcher,
  textLineFilter,
} from './logql';

/** Reverses logqlString by Go's unquote rules for the escapes it emits, to prove the round trip. */
function unquote(lit: string): string {
  expect(lit.startsWith('"') && lit.endsWith('"')).toBe(true);
  const body = lit.slice(1, -1);
  // No unescaped quote may remain inside the literal.
  expect(/(^|[^\\])(\\\\)*"/.test(body)).toBe(false);
  return body.replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) =>
    e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e.startsWith('x') ? String.fromCharCode(parseInt(e.slice(1), 16)) : e
  );
}

describe('logqlString', () => {
  it.each(['plain', 'a"b', 'back\\slash', '"} |= "x', 'line\nbreak\ttab\u0001', 'ünïcødé ✓', '\\"'])('round-trips %j', (v) => {
    expect(unquote(logqlString(v))).toBe(v);
  });
});

describe('escapeRegex', () => {
  it('makes every RE2 metacharacter literal', () => {
    const hostile = 'a.b*c+d?(e)|[f]{g}^$\\';
    const re = new RegExp(`^${escapeRegex(hostile)}$`);
    expect(re.test(hostile)).toBe(true);
    expect(re.test('aXb*c+d?(e)|[f]{g}^$\\')).toBe(false);
  });
});

describe('matchers', () => {
  it('refuses labels outside the documented set', () => {
    expect(() => matcher('__name__', '=', 'x')).toThrow(/not a Vigil stream label/);
    expect(() => matcher('capture_id', '=', 'x')).toThrow();
  });
  it('uses = for one value and an escaped alternation for several', () => {
    expect(anyOf('pod', ['a'])).toEqual({ label: 'pod', op: '=', value: 'a' });
    expect(anyOf('pod', ['a.b', 'c|d', 'a.b'])).toEqual({ label: 'pod', op: '=~', value: 'a\\.b|c\\|d' });
    expect(anyOf('pod', ['', ''])).toBeUndefined();
  });
});

describe('alertLogsQuery', () => {
  it('selects the alert stream of the default job', () => {
    expect(alertLogsQuery()).toBe('{job="vigil", stream="alert"}');
  });
  it('adds every filter, drops unknown priorities, escapes hostile text twice', () => {
    const q = alertLogsQuery({
      namespace: ['web'],
      pod: ['api-1', 'api-2'],
      rule: ['Terminal shell in container'],
      priority: ['Critical', 'Bogus"}'],
      text: 'cat "/etc/shadow" .*',
    });
    expect(q).toBe(
      '{job="vigil", stream="alert", namespace="web", pod=~"api-1|api-2", rule="Terminal shell in container", priority="Critical"} |~ "(?i)cat \\"/etc/shadow\\" \\\\.\\\\*"'
    );
  });
  it('a text that tries to close the selector stays inside the literal', () => {
    const filter = textLineFilter('"} or {job=~".+');
    const lit = filter.replace(/^ \|~ /, '');
    expect(unquote(lit)).toBe('(?i)' + escapeRegex('"} or {job=~".+'));
  });
  it('caps long text', () => {
    expect(textLineFilter('x'.repeat(10_000)).length).toBeLessThan(600);
    expect(textLineFilter('   ')).toBe('');
  });
});

describe('metric queries', () => {
  it('histogram by priority over $__auto', () => {
    expect(alertsByPriorityQuery({ namespace: ['web'] })).toBe(
      'sum by (priority) (count_over_time({job="vigil", stream="alert", namespace="web"} [$__auto]))'
    );
  });
  it('facets over the range', () => {
    expect(alertFacetsQuery()).toBe('sum by (node, namespace, pod, rule) (count_over_time({job="vigil", stream="alert"} [$__range]))');
  });
});

describe('activityLogsQuery', () => {
  it('scopes to a container and filters a capture by its leading key', () => {
    expect(activityLogsQuery({ namespace: 'shop', pod: 'cart-1', container: 'cart', captureId: '01KBK5YQNH9ED0DH' })).toBe(
      '{job="vigil", stream="activity", namespace="shop", pod="cart-1", container="cart"} |= "{\\"capture_id\\":\\"01KBK5YQNH9ED0DH\\""'
    );
  });
  it('ignores a malformed capture id', () => {
    expect(activityLogsQuery({ container: 'c', captureId: 'x" |= "y' })).toBe('{job="vigil", stream="activity", container="c"}');
  });
});

describe('label set', () => {
  it('is the exporter\'s LOKI_STREAM_LABELS, in order', () => {
    // The exporter's list is the contract (docs/loki.md); read it from source rather than copying it here.
    const fs = require('node:fs') as typeof import('node:fs');
    const path = require('node:path') as typeof import('node:path');
    const src = fs.readFileSync(path.join(__dirname, '../../../exporter/src/alerts/loki/labels.ts'), 'utf8');
    const m = /LOKI_STREAM_LABELS = \[([^\]]+)\]/.exec(src);
    expect(m).not.toBeNull();
    const exported = [...m![1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]);
    const { LOKI_STREAM_LABELS } = require('./logql') as typeof import('./logql');
    expect([...LOKI_STREAM_LABELS]).toEqual(exported);
  });
});
