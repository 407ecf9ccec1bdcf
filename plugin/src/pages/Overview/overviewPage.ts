import {
  EmbeddedScene,
  QueryVariable,
  SceneAppPage,
  SceneControlsSpacer,
  SceneFlexItem,
  SceneFlexLayout,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  SceneVariableSet,
  VariableValueSelectors,
} from '@grafana/scenes';
import { VariableRefresh } from '@grafana/schema';
import { getDataSourceSrv } from '@grafana/runtime';
import { prefixRoute, ROUTES } from '../../constants';
import { testIds } from '../../components/testIds';
import { gatedColumn, vigilMetricsProbe } from '../../components/Onboarding';
import type { VigilSettings } from '../../services/settings';
import { NODE_VALUES_QUERY, NODE_VARIABLE, overviewQueries } from '../../services/overviewQueries';
import { OverviewLinks } from './OverviewLinks';
import {
  CPU_CORES_UNIT,
  alertBucketMinInterval,
  alertsByPriorityPanel,
  fixablePanel,
  healthPanel,
  hotspotPanel,
  imagesBySeverityPanel,
  policyViolationsPanel,
  statPanel,
  topRulesPanel,
} from './overviewPanels';

/** The configured Prometheus data source's scrape interval setting, when it exists. */
function prometheusScrapeInterval(settings: VigilSettings): unknown {
  const jsonData: unknown = getDataSourceSrv().getInstanceSettings(settings.prometheus)?.jsonData;
  return typeof jsonData === 'object' && jsonData !== null ? (jsonData as Record<string, unknown>).timeInterval : undefined;
}

function row(height: number, children: SceneFlexItem[]): SceneFlexItem {
  return new SceneFlexItem({ height, body: new SceneFlexLayout({ direction: 'row', children }) });
}

function nodeVariable(settings: VigilSettings): QueryVariable {
  return new QueryVariable({
    name: NODE_VARIABLE,
    label: 'Node',
    datasource: settings.prometheus,
    query: { refId: 'nodes', query: NODE_VALUES_QUERY },
    includeAll: true,
    defaultToAll: true,
    allValue: '.*',
    isMulti: true,
    refresh: VariableRefresh.onTimeRangeChanged,
  });
}

export function overviewScene(settings: VigilSettings): EmbeddedScene {
  const ds = settings.prometheus;
  const body = gatedColumn({
    settings,
    requires: ['prometheus'],
    testId: testIds.overview.container,
    probe: vigilMetricsProbe(settings),
    probeDataSource: 'prometheus',
    children: [
      new SceneFlexItem({ height: 40, body: new OverviewLinks({}) }),
      row(120, [
        new SceneFlexItem({ body: statPanel(ds, 'Nodes', overviewQueries.nodes, 'vigil node instances reporting (vigil_build_info) on the selected nodes.') }),
        new SceneFlexItem({ body: statPanel(ds, 'Loaders up', overviewQueries.loadersUp, 'Nodes whose eBPF loader runs (vigil_sensor_loader_up).') }),
        new SceneFlexItem({ body: statPanel(ds, 'Containers', overviewQueries.containers, 'Containers monitored (vigil_container_info).') }),
        new SceneFlexItem({
          body: statPanel(ds, 'Images failing a policy', overviewQueries.imagesFailingPolicy, 'Images in use that violate at least one scan policy (cluster-wide).'),
        }),
      ]),
      row(300, [
        new SceneFlexItem({ body: hotspotPanel(ds, 'CPU hot spots', overviewQueries.cpuHotspots, CPU_CORES_UNIT, 'Top 10 containers by CPU cores in use.') }),
        new SceneFlexItem({ body: hotspotPanel(ds, 'Memory hot spots', overviewQueries.memoryHotspots, 'bytes', 'Top 10 containers by memory working set.') }),
      ]),
      row(300, [new SceneFlexItem({ width: '60%', body: alertsByPriorityPanel(ds, alertBucketMinInterval(prometheusScrapeInterval(settings))) }), new SceneFlexItem({ body: topRulesPanel(ds) })]),
      row(300, [
        new SceneFlexItem({ body: imagesBySeverityPanel(ds) }),
        new SceneFlexItem({ body: fixablePanel(ds) }),
        new SceneFlexItem({ body: policyViolationsPanel(ds) }),
      ]),
      row(240, [
        new SceneFlexItem({ body: healthPanel(ds, 'Kernel events lost', overviewQueries.eventsLost, 'short', 'Kernel records lost per second (ring buffer full, malformed, desync).') }),
        new SceneFlexItem({ body: healthPanel(ds, 'Loader restarts', overviewQueries.loaderRestarts, 'short', 'eBPF loader deaths followed by a restart, per interval.') }),
        new SceneFlexItem({ body: healthPanel(ds, 'Pipeline drops', overviewQueries.pipelineDrops, 'short', 'Events dropped in user space per second (stdout, journal, subscribers).') }),
        new SceneFlexItem({ body: healthPanel(ds, 'Loki sink drops', overviewQueries.lokiDrops, 'short', 'Entries per second that will never reach Loki (spool full, rejected, too large…).') }),
      ]),
    ],
  });

  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-6h', to: 'now' }),
    $variables: new SceneVariableSet({ variables: [nodeVariable(settings)] }),
    controls: [new VariableValueSelectors({}), new SceneControlsSpacer(), new SceneTimePicker({}), new SceneRefreshPicker({})],
    body,
  });
}

export function overviewPage(settings: VigilSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'Overview',
    subTitle: 'The cluster and each node at a glance: what is monitored, alerts, image risk and the sensor health',
    url: prefixRoute(ROUTES.Overview),
    // SceneAppPage renders descendant <Routes>: the top-level route needs the splat (see imageScansPage).
    routePath: `${ROUTES.Overview}/*`,
    preserveUrlKeys: ['from', 'to', `var-${NODE_VARIABLE}`],
    getScene: () => overviewScene(settings),
  });
}
