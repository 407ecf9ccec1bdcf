import { parser } from '@prometheus-io/lezer-promql';
import { aggregate, escapeLabelValue, escapeRegex, increase, matcher, rate, selector, topk } from './promql';

/** Parses with Prometheus' own grammar (the one Grafana's editor uses) and returns the error positions. */
function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) {
        errors.push(node.from);
      }
    },
  });
  return errors;
}

describe('promqlErrors (the check the other tests rely on)', () => {
  it('finds errors in broken PromQL', () => {
    expect(promqlErrors('sum by (a (x')).not.toEqual([]);
    expect(promqlErrors('x{a="b}')).not.toEqual([]);
  });
});

describe('escapeLabelValue', () => {
  it('escapes backslashes, quotes and line breaks so a value cannot end the string early', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const sel = selector('vigil_alerts_total', [{ label: 'rule', op: '=', value: 'x"} or vector(1) #' }]);
    expect(sel).toBe('vigil_alerts_total{rule="x\\"} or vector(1) #"}');
    expect(promqlErrors(sel)).toEqual([]);
  });

  it('escapeRegex makes metacharacters literal', () => {
    expect(escapeRegex('a.b*(c)')).toBe('a\\.b\\*\\(c\\)');
    expect(promqlErrors(selector('m', [{ label: 'x', op: '=~', value: escapeRegex('a.b|c') }]))).toEqual([]);
  });
});

describe('selector and matchers', () => {
  it('writes variables as $name for the query runner, unescaped', () => {
    expect(matcher({ label: 'node', op: '=~', variable: 'node' })).toBe('node=~"$node"');
    expect(selector('vigil_container_info', [{ label: 'node', op: '=~', variable: 'node' }, { label: 'container', op: '!=', value: 'host' }])).toBe(
      'vigil_container_info{node=~"$node",container!="host"}'
    );
    expect(selector('up')).toBe('up');
  });

  it('rejects names that are not PromQL identifiers', () => {
    expect(() => selector('bad-name')).toThrow(/invalid metric name/);
    expect(() => matcher({ label: 'a b', op: '=', value: 'x' })).toThrow(/invalid label name/);
    expect(() => matcher({ label: 'a', op: '=', variable: 'x}' })).toThrow(/invalid variable name/);
  });
});

describe('functions', () => {
  it('builds aggregations, rates and topk', () => {
    expect(aggregate('sum', 'x', ['a', 'b'])).toBe('sum by (a, b) (x)');
    expect(aggregate('count', 'x')).toBe('count(x)');
    expect(rate('x')).toBe('rate(x[$__rate_interval])');
    expect(increase('x', '$__range')).toBe('increase(x[$__range])');
    expect(topk(5, 'x')).toBe('topk(5, x)');
    expect(() => topk(0, 'x')).toThrow();
  });
});
