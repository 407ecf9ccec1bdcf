import {
  EmbeddedScene,
  PanelBuilders,
  SceneAppPage,
  SceneCSSGridLayout,
  SceneFlexItem,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  type SceneObject,
  type VizPanel,
} from '@grafana/scenes';
import { LegendDisplayMode, type DataQuery } from '@grafana/schema';
import { prefixRoute, ROUTES } from '../../constants';
import { DEFAULT_MAX_ALERTS, type VigilSettings } from '../../services/settings';
import { activityLogsQuery, alertLogsQuery } from '../../services/logql';
import { metadataQueries, resourceCharts, type ContainerTarget } from '../../services/inspectQueries';
import { AlertTimelineScene } from '../../components/AlertTimeline/AlertTimelineScene';
import { testIds } from '../../components/testIds';
import { gatedColumn, vigilMetricsProbe, type OnboardingGate } from '../../components/Onboarding';
import { deriveQueriesFromState } from '../../utils/derivedQueries';
import { ContainerActivityScene, ContainerSummaryScene, InspectTargetScene } from './inspectScenes';

/** Loki's default max_entries_limit_per_query; a capture holds ~3,200 entries with the recorder's defaults. */
export const MAX_ACTIVITY_LINES = 5000;

/** Every query of the page for one container (none without a container). */
export function inspectQueries(t: ContainerTarget | undefined, maxAlerts: number) {
  if (!t) return { metadata: [], charts: resourceCharts({ namespace: '', pod: '', container: '' }).map(() => []), alerts: [], activity: [] };
  const scope = { namespace: t.namespace || undefined, pod: t.pod || undefined, container: t.container, node: t.node };
  return {
    metadata: metadataQueries(t).map((q) => ({ refId: q.refId, expr: q.expr, instant: true, range: false, format: 'table' })),
    charts: resourceCharts(t).map((c) => c.queries.map((q) => ({ refId: q.refId, expr: q.expr, legendFormat: q.legendFormat, range: true }))),
    alerts: [
      {
        refId: 'alerts',
        expr: alertLogsQuery({ namespace: t.namespace ? [t.namespace] : [], pod: t.pod ? [t.pod] : [], container: [t.container], node: t.node ? [t.node] : [] }),
        queryType: 'range',
        maxLines: maxAlerts,
        direction: 'backward',
      },
    ],
    // The capture is chosen in the model (one answer serves every capture of the container).
    activity: [{ refId: 'activity', expr: activityLogsQuery(scope), queryType: 'range', maxLines: MAX_ACTIVITY_LINES, direction: 'backward' }],
  };
}

export interface InspectParts {
  target: InspectTargetScene;
  summary: ContainerSummaryScene;
  charts: VizPanel[];
  alerts: AlertTimelineScene;
  activity: ContainerActivityScene;
  runners: { metadata: SceneQueryRunner; charts: SceneQueryRunner[]; alerts: SceneQueryRunner; activity: SceneQueryRunner };
}

export function buildInspectParts(settings: VigilSettings): InspectParts {
  const maxAlerts = settings.maxAlerts ?? DEFAULT_MAX_ALERTS;
  const containers = new SceneQueryRunner({
    datasource: settings.prometheus,
    queries: [{ refId: 'containers', expr: 'max by (node, namespace, pod, container) (vigil_container_info)', instant: true, range: false, format: 'table' }],
  });
  const target = new InspectTargetScene({ $data: containers });
  const metadata = new SceneQueryRunner({ datasource: settings.prometheus, queries: [] });
  const specs = resourceCharts({ namespace: '', pod: '', container: '' });
  const chartRunners = specs.map(() => new SceneQueryRunner({ datasource: settings.prometheus, queries: [], maxDataPoints: 300 }));
  const alertsRunner = new SceneQueryRunner({ datasource: settings.loki, queries: [] });
  const activityRunner = new SceneQueryRunner({ datasource: settings.loki, queries: [] });

  // A new container means new PromQL/LogQL (its values escaped by the builders); a new capture only refilters
  // (its queries are unchanged, so nothing re-runs). Derived on every change, the URL's container included.
  deriveQueriesFromState(target, () => {
    const next = inspectQueries(target.target(), maxAlerts);
    return [
      [metadata, next.metadata],
      ...chartRunners.map((r, i): [SceneQueryRunner, DataQuery[]] => [r, next.charts[i] ?? []]),
      [alertsRunner, next.alerts],
      [activityRunner, next.activity],
    ];
  });

  const charts = specs.map((spec, i) =>
    PanelBuilders.timeseries()
      .setTitle(spec.title)
      .setData(chartRunners[i])
      .setUnit(spec.unit)
      .setCustomFieldConfig('fillOpacity', 10)
      .setOption('legend', { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] })
      .build()
  );

  return {
    target,
    summary: new ContainerSummaryScene({ $data: metadata, scannerConfigured: settings.scannerConfigured }),
    charts,
    alerts: new AlertTimelineScene({ $data: alertsRunner, inspectRoute: prefixRoute(ROUTES.Inspect), limit: maxAlerts, hideContainer: true, height: 300 }),
    activity: new ContainerActivityScene({ $data: activityRunner }),
    runners: { metadata, charts: chartRunners, alerts: alertsRunner, activity: activityRunner },
  };
}

/**
 * The page body behind the onboarding gate. Both data sources are required: the picker, metadata and charts read
 * Prometheus, the alerts and the activity Loki; the probe tells "no vigil node in Prometheus" apart.
 */
export function inspectBody(settings: VigilSettings, children: Array<SceneFlexItem | SceneObject>): OnboardingGate {
  return gatedColumn({
    settings,
    requires: ['prometheus', 'loki'],
    testId: testIds.inspect.container,
    probe: vigilMetricsProbe(settings),
    probeDataSource: 'prometheus',
    children,
  });
}

export function buildInspectScene(settings: VigilSettings): EmbeddedScene {
  const p = buildInspectParts(settings);
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-1h', to: 'now' }),
    controls: [new SceneTimePicker({}), new SceneRefreshPicker({})],
    body: inspectBody(settings, [
      p.target,
      p.summary,
      new SceneCSSGridLayout({ templateColumns: 'repeat(auto-fit, minmax(380px, 1fr))', autoRows: '220px', children: p.charts, isLazy: true }),
      new SceneFlexItem({ minHeight: 380, body: p.alerts }),
      new SceneFlexItem({ minHeight: 700, body: p.activity }),
    ]),
  });
}

export function inspectPage(settings: VigilSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'Container inspect',
    subTitle: 'One container: metadata, resources, alerts, captured activity and image vulnerabilities',
    url: prefixRoute(ROUTES.Inspect),
    // SceneAppPage renders descendant <Routes>: the top-level route needs the splat (see imageScansPage).
    routePath: `${ROUTES.Inspect}/*`,
    getScene: () => buildInspectScene(settings),
  });
}
