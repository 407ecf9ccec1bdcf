import { parser } from '@prometheus-io/lezer-promql';
import { NODE_MAP, overviewQueries, onSelectedNodes } from './overviewQueries';

function errors(expr: string): string[] {
  const out: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) {
        out.push(`${node.from}: ${expr.slice(Math.max(0, node.from - 20), node.from + 20)}`);
      }
    },
  });
  return out;
}

// What the Prometheus data source makes of the Scenes variables before the query leaves the browser.
function interpolate(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__range|\$__interval/g, '5m').replace(/\$node/g, 'node-a|node-b');
}

describe('overviewQueries', () => {
  it.each(Object.entries(overviewQueries))('%s parses as PromQL after interpolation', (_name, expr) => {
    expect(errors(interpolate(expr))).toEqual([]);
  });

  it('filters per-container families by the node variable and health families through the node map', () => {
    expect(overviewQueries.containers).toContain('vigil_container_info{node=~"$node"}');
    expect(overviewQueries.cpuHotspots).toContain('container!="host"');
    expect(NODE_MAP).toBe('group by (instance, node) (vigil_container_cpu_usage_seconds_total{node=~"$node"})');
    expect(onSelectedNodes('max by (instance) (vigil_build_info)')).toBe(`(max by (instance) (vigil_build_info)) * on (instance) group_left (node) ${NODE_MAP}`);
    expect(overviewQueries.eventsLost).toMatch(/^sum by \(node\) \(\(sum by \(instance\) \(rate\(vigil_sensor_events_lost_total\[\$__rate_interval\]\)\)\) \* on \(instance\)/);
  });

  it('counts only fixable findings in the fixable query', () => {
    expect(overviewQueries.fixableBySeverity).toBe('sum by (severity) (vigil_image_vulnerabilities{fixable="true"})');
  });
});
