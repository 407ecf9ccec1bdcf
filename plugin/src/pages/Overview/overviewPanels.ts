// The Overview's panels: core panel types only (stat, bargauge, timeseries, table), each with its own query runner
// on the configured Prometheus. Queries are services/overviewQueries.ts.
import { PanelBuilders, SceneDataTransformer, SceneQueryRunner, type VizPanel } from '@grafana/scenes';
import { FieldColorModeId } from '@grafana/data';
import { BarGaugeDisplayMode, GraphDrawStyle, StackingMode, VizOrientation, BigValueGraphMode, type DataSourceRef } from '@grafana/schema';
import { overviewQueries } from '../../services/overviewQueries';

interface Q {
  expr: string;
  legend?: string;
  instant?: boolean;
  table?: boolean;
}

export function runner(datasource: DataSourceRef, queries: Q[], maxDataPoints?: number): SceneQueryRunner {
  return new SceneQueryRunner({
    datasource,
    ...(maxDataPoints ? { maxDataPoints } : {}),
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
    .setData(runner(ds, [{ expr, instant: true, legend: '{{namespace}}/{{pod}}/{{container}} ({{node}})' }]))
    .setUnit(unit)
    .setOption('orientation', VizOrientation.Horizontal)
    .setOption('displayMode', BarGaugeDisplayMode.Basic)
    .setOption('reduceOptions', { calcs: ['lastNotNull'], values: false, fields: '' })
    .build();
}

export function alertsByPriorityPanel(ds: DataSourceRef): VizPanel {
  const b = PanelBuilders.timeseries()
    .setTitle('Alerts by priority')
    .setDescription('Runtime alerts raised per interval (vigil_alerts_total), by Falco priority.')
    .setData(runner(ds, [{ expr: overviewQueries.alertsByPriority, legend: '{{priority}}' }]))
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
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'images', 'Value #A': 'images' } } }],
      })
    )
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
