import {
  EmbeddedScene,
  PanelBuilders,
  SceneAppPage,
  SceneFlexItem,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  type SceneObject,
  type VizPanel,
} from '@grafana/scenes';
import { GraphDrawStyle, LegendDisplayMode, SortOrder, StackingMode, TooltipDisplayMode } from '@grafana/schema';
import { prefixRoute, ROUTES } from '../../constants';
import type { VigilSettings } from '../../services/settings';
import { DEFAULT_MAX_ALERTS } from '../../services/settings';
import { alertFacetsQuery, alertLogsQuery, alertsByPriorityQuery, ALERT_PRIORITIES } from '../../services/logql';
import { AlertFiltersScene } from '../../components/AlertTimeline/AlertFiltersScene';
import { AlertTimelineScene } from '../../components/AlertTimeline/AlertTimelineScene';
import { PRIORITY_COLORS } from '../../components/AlertTimeline/priority';
import { gatedColumn, type OnboardingGate } from '../../components/Onboarding';
import { testIds } from '../../components/testIds';
import { deriveQueriesFromState } from '../../utils/derivedQueries';

/** The queries of the page for the current filters: the timeline's lines and the histogram's counts. */
export function runtimeEventsQueries(filters: AlertFiltersScene, maxLines: number) {
  const f = filters.toFilters();
  return {
    logs: [{ refId: 'alerts', expr: alertLogsQuery(f), queryType: 'range', maxLines, direction: 'backward' }],
    histogram: [{ refId: 'byPriority', expr: alertsByPriorityQuery(f), queryType: 'range', legendFormat: '{{priority}}' }],
  };
}

export interface RuntimeEventsParts {
  filters: AlertFiltersScene;
  logs: SceneQueryRunner;
  histogram: SceneQueryRunner;
  histogramPanel: VizPanel;
  timeline: AlertTimelineScene;
}

/** The page's scene objects, wired: filter changes re-run both queries. */
export function buildRuntimeEventsParts(settings: VigilSettings): RuntimeEventsParts {
  const maxLines = settings.maxAlerts ?? DEFAULT_MAX_ALERTS;
  const facets = new SceneQueryRunner({
    datasource: settings.loki,
    queries: [{ refId: 'facets', expr: alertFacetsQuery(), queryType: 'instant' }],
  });
  const filters = new AlertFiltersScene({ $data: facets });
  const logs = new SceneQueryRunner({ datasource: settings.loki, queries: [] });
  const histogram = new SceneQueryRunner({ datasource: settings.loki, queries: [], maxDataPoints: 120 });

  // Filters change the LogQL itself (escaped by the builders), so the runners get new queries, not variables;
  // derived on every filter change, the URL's filters included (applied before activation).
  deriveQueriesFromState(filters, () => {
    const q = runtimeEventsQueries(filters, maxLines);
    return [
      [logs, q.logs],
      [histogram, q.histogram],
    ];
  });

  const histogramPanel = PanelBuilders.timeseries()
    .setTitle('Alerts by priority')
    .setData(histogram)
    .setCustomFieldConfig('drawStyle', GraphDrawStyle.Bars)
    .setCustomFieldConfig('fillOpacity', 80)
    .setCustomFieldConfig('stacking', { mode: StackingMode.Normal })
    .setOption('legend', { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'right', calcs: [] })
    .setOption('tooltip', { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending })
    .setDecimals(0)
    .setOverrides((b) => {
      for (const p of ALERT_PRIORITIES) {
        b.matchFieldsWithName(p).overrideColor({ mode: 'fixed', fixedColor: PRIORITY_COLORS[p] });
      }
    })
    .build();

  const timeline = new AlertTimelineScene({ $data: logs, inspectRoute: prefixRoute(ROUTES.Inspect), limit: maxLines });
  return { filters, logs, histogram, histogramPanel, timeline };
}

/** The page body behind the Loki onboarding gate: without Loki nothing of it renders or queries. */
export function runtimeEventsBody(settings: VigilSettings, children: Array<SceneFlexItem | SceneObject>): OnboardingGate {
  return gatedColumn({ settings, requires: ['loki'], testId: testIds.runtimeEvents.container, children });
}

export function buildRuntimeEventsScene(settings: VigilSettings): EmbeddedScene {
  const { filters, histogramPanel, timeline } = buildRuntimeEventsParts(settings);
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-6h', to: 'now' }),
    controls: [new SceneTimePicker({}), new SceneRefreshPicker({})],
    body: runtimeEventsBody(settings, [
      filters,
      new SceneFlexItem({ height: 240, body: histogramPanel }),
      new SceneFlexItem({ minHeight: 560, body: timeline }),
    ]),
  });
}

export function runtimeEventsPage(settings: VigilSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'Runtime events',
    subTitle: 'Alerts of the Falco-compatible rules, from Loki',
    url: prefixRoute(ROUTES.RuntimeEvents),
    // SceneAppPage renders descendant <Routes>: the top-level route needs the splat (see imageScansPage).
    routePath: `${ROUTES.RuntimeEvents}/*`,
    getScene: () => buildRuntimeEventsScene(settings),
  });
}
