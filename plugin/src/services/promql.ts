// PromQL building blocks (pure). Literal label values are escaped here; Scenes variables (`$node`) are written as
// variable references and left for the query runner to interpolate, which applies the Prometheus data source's own
// escaping for the chosen values (regex-escaped for =~ with multi-value variables).

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const VARIABLE_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** A matcher on a literal value (escaped) or on a Scenes variable (left as `$name`). */
export type Matcher =
  | { label: string; op: MatchOp; value: string }
  | { label: string; op: MatchOp; variable: string };

/** Escapes a value for a double-quoted PromQL string: backslash, quote and line breaks. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Escapes RE2 metacharacters so a literal value can sit inside a =~ matcher (the result still needs escapeLabelValue). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function checkName(kind: string, name: string, re: RegExp): string {
  if (!re.test(name)) {
    throw new Error(`invalid ${kind} ${JSON.stringify(name)}`);
  }
  return name;
}

export function matcher(m: Matcher): string {
  const label = checkName('label name', m.label, LABEL_NAME);
  if ('variable' in m) {
    return `${label}${m.op}"$${checkName('variable name', m.variable, VARIABLE_NAME)}"`;
  }
  return `${label}${m.op}"${escapeLabelValue(m.value)}"`;
}

/** `metric{a="x",node=~"$node"}`; without matchers just the metric name. */
export function selector(metric: string, matchers: readonly Matcher[] = []): string {
  checkName('metric name', metric, METRIC_NAME);
  return matchers.length === 0 ? metric : `${metric}{${matchers.map(matcher).join(',')}}`;
}

export function labelList(labels: readonly string[]): string {
  return labels.map((l) => checkName('label name', l, LABEL_NAME)).join(', ');
}

/** `sum by (a, b) (expr)`; `by ()` is left out when no labels are given. */
export function aggregate(op: 'sum' | 'max' | 'min' | 'count' | 'avg' | 'group', expr: string, by: readonly string[] = []): string {
  return by.length === 0 ? `${op}(${expr})` : `${op} by (${labelList(by)}) (${expr})`;
}

export function rate(selectorExpr: string, range = '$__rate_interval'): string {
  return `rate(${selectorExpr}[${range}])`;
}

export function increase(selectorExpr: string, range = '$__rate_interval'): string {
  return `increase(${selectorExpr}[${range}])`;
}

export function topk(k: number, expr: string): string {
  if (!Number.isInteger(k) || k <= 0) {
    throw new Error(`topk needs a positive integer, got ${k}`);
  }
  return `topk(${k}, ${expr})`;
}
