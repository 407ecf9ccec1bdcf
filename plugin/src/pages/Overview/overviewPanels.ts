// The Overview's panels: core panel types only (stat, bargauge, timeseries, table), each with its own query runner
// on the configured Prometheus. Queries are services/overviewQueries.ts.
import { PanelBuilders, SceneDataTransformer, SceneQueryRunner, type VizPanel } from '@grafana/scenes';
import { FieldColorModeId, rangeUtil } from '@grafana/data';
import { BarGaugeDisplayMode, GraphDrawStyle, StackingMode, VizOrientation, BigValueGraphMode, type DataSourceRef } from '@grafana/schema';
import { map } from 'rxjs';
import { overviewQueries } from '../../services/overviewQueries';
import { withContainerDisplayNames } from '../../services/containerNames';

/** Grafana has no core unit for CPU cores; an unknown unit id is shown as its suffix ("0.003 cores"). */
export const CPU_CORES_UNIT = 'cores';

interface Q {
  expr: string;
  legend?: string;
  instant?: boolean;
  table?: boolean;
}

export function runner(datasource: DataSourceRef, queries: Q[], maxDataPoints?: number, minInterval?: string): SceneQueryRunner {
  return new SceneQueryRunner({
    datasource,
    ...(maxDataPoints ? { maxDataPoints } : {}),
    ...(minInterval ? { minInterval } : {}),
    queries: queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      expr: q.expr,
      legendFormat: q.legend ?? '',
      instant: q.instant ?? false,
      range: !(q.instant ?? false),
      format: q.table ? 'table' : 'time_series',
    })),
  });
}

const SEVERITY_COLORS: Record<string, string> = {
  CRITICAL: 'dark-red',
  HIGH: 'red',
  MEDIUM: 'orange',
  LOW: 'yellow',
  UNKNOWN: 'text',
  NONE: 'green',
};

const PRIORITY_COLORS: Record<string, string> = {
  Emergency: 'dark-red',
  Alert: 'dark-red',
  Critical: 'red',
  Error: 'orange',
  Warning: 'yellow',
  Notice: 'blue',
  Informational: 'green',
  Debug: 'text',
};

/** The part of Scenes' override builder used here (the builder class itself is not exported). */
interface ColorOverrides {
  matchFieldsWithName(name: string): { overrideColor(color: { mode: FieldColorModeId; fixedColor: string }): unknown };
}

function colorOverrides(b: ColorOverrides, colors: Record<string, string>) {
  for (const [name, color] of Object.entries(colors)) {
    b.matchFieldsWithName(name).overrideColor({ mode: FieldColorModeId.Fixed, fixedColor: color });
  }
}

export function statPanel(ds: DataSourceRef, title: string, expr: string, description: string): VizPanel {
  return PanelBuilders.stat()
    .setTitle(title)
    .setDescription(description)
    .setData(runner(ds, [{ expr, instant: true }]))
    .setOption('reduceOptions', { calcs: ['lastNotNull'], values: false, fields: '' })
    .setOption('graphMode', BigValueGraphMode.None)
    .build();
}

export function hotspotPanel(ds: DataSourceRef, title: string, expr: string, unit: string, description: string): VizPanel {
  return PanelBuilders.bargauge()
    .setTitle(title)
    .setDescription(description)
    .setData(
      new SceneDataTransformer({
        $data: runner(ds, [{ expr, instant: true }]),
        // Names from the labels, empty parts left out (containers outside Kubernetes have no namespace/pod).
        transformations: [() => (source) => source.pipe(map(withContainerDisplayNames))],
      })
    )
    .setUnit(unit)
    // Bar gauges colour by thresholds by default (green, red from 80): meaningless for bytes and cores.
    .setColor({ mode: FieldColorModeId.Fixed, fixedColor: 'blue' })
    .setOption('orientation', VizOrientation.Horizontal)
    .setOption('displayMode', BarGaugeDisplayMode.Basic)
    .setOption('reduceOptions', { calcs: ['lastNotNull'], values: false, fields: '' })
    .build();
}

/**
 * The bucket size floor of "Alerts by priority": four scrapes of the configured Prometheus (its jsonData.timeInterval,
 * Grafana's default 15s), like Grafana's $__rate_interval floor, so each bucket's increase() has samples to work with
 * whatever the scrape interval (a fixed 1m hid the current minute's alerts on fast-scraping setups).
 */
export function alertBucketMinInterval(scrapeInterval: unknown): string {
  let ms = 15_000;
  if (typeof scrapeInterval === 'string' && scrapeInterval !== '') {
    try {
      ms = rangeUtil.intervalToMs(scrapeInterval);
    } catch {
      // a malformed data source setting falls back to Grafana's default
    }
  }
  return `${Math.max(Math.round((4 * ms) / 1000), 1)}s`;
}

export function alertsByPriorityPanel(ds: DataSourceRef, minInterval = alertBucketMinInterval(undefined)): VizPanel {
  const b = PanelBuilders.timeseries()
    .setTitle('Alerts by priority')
    .setDescription('Runtime alerts raised per interval (vigil_alerts_total), by Falco priority.')
    // $__interval buckets need a few scrapes each (Grafana's min interval is one scrape, and increase() needs two samples).
    .setData(runner(ds, [{ expr: overviewQueries.alertsByPriority, legend: '{{priority}}' }], undefined, minInterval))
    .setCustomFieldConfig('drawStyle', GraphDrawStyle.Bars)
    .setCustomFieldConfig('fillOpacity', 80)
    .setCustomFieldConfig('stacking', { mode: StackingMode.Normal })
    .setUnit('short')
    .setDecimals(0)
    .setOverrides((o) => colorOverrides(o, PRIORITY_COLORS));
  return b.build();
}

export function topRulesPanel(ds: DataSourceRef): VizPanel {
  return PanelBuilders.bargauge()
    .setTitle('Top rules')
    .setDescription('The rules that raised the most alerts in the time range.')
    .setData(runner(ds, [{ expr: overviewQueries.topRules, instant: true, legend: '{{rule}}' }]))
    .setDecimals(0)
    .setColor({ mode: FieldColorModeId.Fixed, fixedColor: 'orange' })
    .setOption('orientation', VizOrientation.Horizontal)
    .setOption('displayMode', BarGaugeDisplayMode.Basic)
    .setOption('reduceOptions', { calcs: ['lastNotNull'], values: false, fields: '' })
    .build();
}

export function imagesBySeverityPanel(ds: DataSourceRef): VizPanel {
  return PanelBuilders.bargauge()
    .setTitle('Images with findings, by severity')
    .setDescription('Images in use with at least one unsuppressed finding of each severity (vigil scanner; cluster-wide).')
    .setData(runner(ds, [{ expr: overviewQueries.imagesBySeverity, instant: true, legend: '{{severity}}' }]))
    .setDecimals(0)
    .setOption('orientation', VizOrientation.Vertical)
    .setOption('reduceOptions', { calcs: ['lastNotNull'], values: false, fields: '' })
    .setOverrides((o) => colorOverrides(o, SEVERITY_COLORS))
    .build();
}

export function fixablePanel(ds: DataSourceRef): VizPanel {
  return PanelBuilders.bargauge()
    .setTitle('Findings and fixable findings')
    .setDescription('Unsuppressed findings over all images in use, and how many have a fixed version (cluster-wide).')
    .setData(
      runner(ds, [
        { expr: overviewQueries.findingsBySeverity, instant: true, legend: '{{severity}} all' },
        { expr: overviewQueries.fixableBySeverity, instant: true, legend: '{{severity}} fixable' },
      ])
    )
    .setDecimals(0)
    .setColor({ mode: FieldColorModeId.Fixed, fixedColor: 'purple' })
    .setOption('orientation', VizOrientation.Horizontal)
    .setOption('displayMode', BarGaugeDisplayMode.Basic)
    .setOption('reduceOptions', { calcs: ['lastNotNull'], values: false, fields: '' })
    .build();
}

export function policyViolationsPanel(ds: DataSourceRef): VizPanel {
  return PanelBuilders.table()
    .setTitle('Policy violations')
    .setDescription('Images in use violating each scan policy (vigil_image_policy_violations; cluster-wide).')
    .setData(
      new SceneDataTransformer({
        $data: runner(ds, [{ expr: overviewQueries.policyViolations, instant: true, table: true }]),
        // An instant table: the evaluation time is the same on every row and says nothing.
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true },
              indexByName: { policy: 0, severity: 1, Value: 2, 'Value #A': 2 },
              renameByName: { policy: 'Policy', severity: 'Severity', Value: 'Images', 'Value #A': 'Images' },
            },
          },
          { id: 'sortBy', options: { sort: [{ field: 'Images', desc: true }] } },
        ],
      })
    )
    .setDecimals(0)
    // The table's default column min width (150 px) pushed the count out of the narrow panel.
    .setCustomFieldConfig('minWidth', 60)
    .setOverrides((o) => {
      o.matchFieldsWithName('Severity').overrideCustomFieldConfig('width', 100);
      o.matchFieldsWithName('Images').overrideCustomFieldConfig('width', 80);
    })
    .build();
}

export function healthPanel(ds: DataSourceRef, title: string, expr: string, unit: string, description: string): VizPanel {
  return PanelBuilders.timeseries()
    .setTitle(title)
    .setDescription(description)
    .setData(runner(ds, [{ expr, legend: '{{node}}' }]))
    .setUnit(unit)
    .setMin(0)
    .build();
}
