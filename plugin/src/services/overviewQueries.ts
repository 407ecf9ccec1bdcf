// The Overview page's PromQL (pure). Metric names and labels are docs/metrics.md and docs/loki.md.
//
// Per-container families carry `node`; Vigil's own health families (vigil_build_info, vigil_sensor_*, vigil_loki_*,
// vigil_pipeline_*) do not — they are one series set per `vigil node` scrape target. To filter and label those by
// node, they are aggregated by `instance` and joined with a node map built from a per-container family that every
// node has (the `host` series of vigil_container_cpu_usage_seconds_total always exists), so a node that runs no
// container still counts.
//
// The scanner's families have no node label (images are cluster-wide), so the vulnerability and policy panels are
// cluster-wide whatever node is selected; the page says so.
import { aggregate, increase, rate, selector, topk, type Matcher } from './promql';

/** The Overview page's node variable: `$node`, "All" = `.*`. */
export const NODE_VARIABLE = 'node';
const onNode: Matcher = { label: 'node', op: '=~', variable: NODE_VARIABLE };

/** Query for the node variable's values (the Prometheus data source's label_values() variable query). */
export const NODE_VALUES_QUERY = 'label_values(vigil_container_cpu_usage_seconds_total, node)';

/** One series per (instance, node) of the selected nodes, value 1. */
export const NODE_MAP = aggregate('group', selector('vigil_container_cpu_usage_seconds_total', [onNode]), ['instance', 'node']);

/** Labels an expression aggregated `by (instance)` with its node and keeps only the selected nodes. */
export function onSelectedNodes(byInstanceExpr: string): string {
  return `(${byInstanceExpr}) * on (instance) group_left (node) ${NODE_MAP}`;
}

function perNode(byInstanceExpr: string): string {
  return aggregate('sum', onSelectedNodes(byInstanceExpr), ['node']);
}

/**
 * Counter increase over `range` that also counts series born inside the window. vigil_alerts_total has a series per
 * rule/container created by its first alert: plain increase() never sees that first step (no earlier sample), so a
 * quiet cluster's alerts were missing from the panels. Series that existed `range` ago: increase(); new ones: their
 * whole value (a new counter starts at 0).
 */
export function increaseIncludingNewSeries(selectorExpr: string, range: string): string {
  return `(${increase(selectorExpr, range)} and ${selectorExpr} offset ${range}) or (${selectorExpr} unless ${selectorExpr} offset ${range})`;
}

const notHost: Matcher = { label: 'container', op: '!=', value: 'host' };

export const overviewQueries = {
  /** vigil nodes reporting (build info), among the selected nodes. */
  nodes: `count(${onSelectedNodes(aggregate('max', 'vigil_build_info', ['instance']))}) or vector(0)`,
  /** Nodes whose eBPF loader is running. */
  loadersUp: `sum(${onSelectedNodes(aggregate('max', 'vigil_sensor_loader_up', ['instance']))}) or vector(0)`,
  containers: `count(${selector('vigil_container_info', [onNode])}) or vector(0)`,

  /** Top 10 containers by CPU (cores), instant. */
  cpuHotspots: topk(10, aggregate('sum', rate(selector('vigil_container_cpu_usage_seconds_total', [onNode, notHost])), ['node', 'namespace', 'pod', 'container'])),
  /** Top 10 containers by memory working set (bytes), instant. */
  memoryHotspots: topk(10, aggregate('sum', selector('vigil_container_memory_working_set_bytes', [onNode, notHost]), ['node', 'namespace', 'pod', 'container'])),

  /**
   * Alerts raised in each interval by priority (bars, legend {{priority}}): over $__interval, the step, so the bars
   * do not overlap and add up to the range's total (the runner sets a min interval of several scrapes).
   */
  alertsByPriority: aggregate('sum', increaseIncludingNewSeries(selector('vigil_alerts_total', [onNode]), '$__interval'), ['priority']),
  /** Top 10 rules by alerts over the whole time range, instant. */
  topRules: topk(10, aggregate('sum', increaseIncludingNewSeries(selector('vigil_alerts_total', [onNode]), '$__range'), ['rule'])),

  /** Images with at least one unsuppressed finding of each severity (cluster-wide). */
  imagesBySeverity: aggregate('count', `${aggregate('sum', 'vigil_image_vulnerabilities', ['image', 'digest', 'severity'])} > 0`, ['severity']),
  /** Unsuppressed findings by severity, all and fixable (cluster-wide). */
  findingsBySeverity: aggregate('sum', 'vigil_image_vulnerabilities', ['severity']),
  fixableBySeverity: aggregate('sum', selector('vigil_image_vulnerabilities', [{ label: 'fixable', op: '=', value: 'true' }]), ['severity']),
  /** Images violating each policy (cluster-wide), instant. */
  policyViolations: `${aggregate('sum', 'vigil_image_policy_violations', ['policy', 'severity'])} > 0`,
  imagesFailingPolicy: `count(${aggregate('max', 'vigil_image_policy_violations', ['image', 'digest'])} > 0) or vector(0)`,

  /** Sensor health per node (time series, legend {{node}}). */
  eventsLost: perNode(aggregate('sum', rate('vigil_sensor_events_lost_total'), ['instance'])),
  loaderRestarts: perNode(aggregate('sum', increase('vigil_sensor_loader_restarts_total'), ['instance'])),
  loaderUp: perNode(aggregate('max', 'vigil_sensor_loader_up', ['instance'])),
  pipelineDrops: perNode(aggregate('sum', rate('vigil_pipeline_events_dropped_total'), ['instance'])),
  lokiDrops: perNode(aggregate('sum', rate('vigil_loki_entries_dropped_total'), ['instance'])),
} as const;

export type OverviewQueryName = keyof typeof overviewQueries;
