// The Overview's PromQL evaluated by Prometheus' own engine (`promtool test rules`, Debian package prometheus) over
// series shaped like vigil node's and vigil scanner's: the node-map join, per-node health and the scanner panels
// must give the numbers a person would count by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overviewQueries as q } from './overviewQueries';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const havePromTool = promtool.status === 0;
// Skipped only where promtool is not installed (apt-get install prometheus); CI must have it.
const maybe = havePromTool || process.env.CI === 'true' ? it : it.skip;

const i = (e: string, node = '.*') => JSON.stringify(e.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$node/g, node));

const series: Array<[string, string]> = [
  ['vigil_build_info{instance="a:9711",job="vigil-node",version="0.1.0"}', '1x20'],
  ['vigil_build_info{instance="b:9711",job="vigil-node",version="0.1.0"}', '1x20'],
  ['vigil_sensor_loader_up{instance="a:9711",job="vigil-node"}', '1x20'],
  ['vigil_sensor_loader_up{instance="b:9711",job="vigil-node"}', '0x20'],
  ['vigil_sensor_events_lost_total{instance="a:9711",job="vigil-node",cpu="0",type="exec",reason="ringbuf_full"}', '0+60x20'],
  ['vigil_sensor_events_lost_total{instance="b:9711",job="vigil-node",cpu="0",type="exec",reason="ringbuf_full"}', '0x20'],
  // node b runs no container: its host series still puts it in the node map.
  ['vigil_container_cpu_usage_seconds_total{instance="a:9711",node="a",namespace="",pod="",container="host"}', '0+60x20'],
  ['vigil_container_cpu_usage_seconds_total{instance="a:9711",node="a",namespace="web",pod="p1",container="nginx"}', '0+30x20'],
  ['vigil_container_cpu_usage_seconds_total{instance="b:9711",node="b",namespace="",pod="",container="host"}', '0+6x20'],
  ['vigil_container_info{instance="a:9711",node="a",namespace="web",pod="p1",container="nginx",image="nginx:1"}', '1x20'],
  ['vigil_container_info{instance="a:9711",node="a",namespace="web",pod="p2",container="nginx",image="nginx:1"}', '1x20'],
  ['vigil_container_info{instance="c:9711",node="c",namespace="db",pod="p3",container="pg",image="pg:1"}', '1x20'],
  ['vigil_alerts_total{instance="a:9711",node="a",rule="Terminal shell in container",priority="Notice",namespace="web",workload="w",container="nginx"}', '0+1x20'],
  ['vigil_alerts_total{instance="b:9711",node="b",rule="Write below etc",priority="Error",namespace="db",workload="w",container="pg"}', '0+2x20'],
  // born at minute 8 by its first alert: increase() alone never counts that alert.
  ['vigil_alerts_total{instance="b:9711",node="b",rule="Drop and execute new binary",priority="Critical",namespace="db",workload="w",container="pg"}', '_x8 1x12'],
  ['vigil_image_vulnerabilities{instance="s:9712",image="nginx:1",digest="sha256:1",severity="HIGH",fixable="true"}', '3x20'],
  ['vigil_image_vulnerabilities{instance="s:9712",image="nginx:1",digest="sha256:1",severity="HIGH",fixable="false"}', '1x20'],
  ['vigil_image_vulnerabilities{instance="s:9712",image="pg:1",digest="sha256:2",severity="HIGH",fixable="true"}', '0x20'],
  ['vigil_image_vulnerabilities{instance="s:9712",image="pg:1",digest="sha256:2",severity="HIGH",fixable="false"}', '2x20'],
  ['vigil_image_vulnerabilities{instance="s:9712",image="pg:1",digest="sha256:2",severity="CRITICAL",fixable="false"}', '0x20'],
  ['vigil_image_policy_violations{instance="s:9712",image="nginx:1",digest="sha256:1",policy="secret-env",severity="CRITICAL"}', '1x20'],
  ['vigil_image_policy_violations{instance="s:9712",image="pg:1",digest="sha256:2",policy="secret-env",severity="CRITICAL"}', '0x20'],
];

const expectations: Array<[string, Array<[string, number]>]> = [
  [i(q.nodes), [['{}', 2]]],
  [i(q.nodes, 'b'), [['{}', 1]]],
  [i(q.loadersUp), [['{}', 1]]],
  [i(q.containers), [['{}', 3]]],
  [i(q.containers, 'c'), [['{}', 1]]],
  [i(q.eventsLost), [['{node="a"}', 1], ['{node="b"}', 0]]],
  [i(q.loaderUp, 'a'), [['{node="a"}', 1]]],
  [i(q.cpuHotspots), [['{node="a",namespace="web",pod="p1",container="nginx"}', 0.5]]],
  [i(q.alertsByPriority, 'b'), [['{priority="Error"}', 10], ['{priority="Critical"}', 1]]],
  [i(q.topRules), [['{rule="Write below etc"}', 10], ['{rule="Terminal shell in container"}', 5], ['{rule="Drop and execute new binary"}', 1]]],
  [i(q.imagesBySeverity), [['{severity="HIGH"}', 2]]],
  [i(q.fixableBySeverity), [['{severity="HIGH"}', 3]]],
  [i(q.policyViolations), [['{policy="secret-env",severity="CRITICAL"}', 1]]],
  [i(q.imagesFailingPolicy), [['{}', 1]]],
];

function testFile(): string {
  let y = 'evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n';
  for (const [s, v] of series) {
    y += `      - series: '${s}'\n        values: '${v}'\n`;
  }
  y += '    promql_expr_test:\n';
  for (const [e, exp] of expectations) {
    y += `      - expr: ${e}\n        eval_time: 10m\n        exp_samples:\n`;
    for (const [l, v] of exp) {
      y += `          - labels: '${l}'\n            value: ${v}\n`;
    }
  }
  return y;
}

describe('overviewQueries on Prometheus', () => {
  maybe('evaluate to the hand-counted values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-overview-'));
    try {
      const file = join(dir, 'overview.test.yml');
      writeFileSync(file, testFile());
      const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
      expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
