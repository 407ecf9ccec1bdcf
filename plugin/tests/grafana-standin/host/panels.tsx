// The core panels the app uses (timeseries, stat, table, bargauge, barchart, piechart), as the host hands them to
// Scenes' VizPanel through setPluginImportUtils().importPanelPlugin — Grafana's own core panels live in Grafana's
// source (public/app/plugins/panel/*) and are not on npm. Each stand-in is a real PanelPlugin from @grafana/data
// that renders the panel's data with the real @grafana/ui components (TimeSeries, BigValue, BarGauge, Table,
// VizLegend pieces). Not pixel-identical to Grafana's panels; their DOM carries the titles, values, legends and
// table cells, which is what the browser tests read. Each panel also writes a small machine-readable summary
// (data-standin-* attributes) of what it was given.
import React, { Component, type ReactNode } from 'react';
import {
  FieldType,
  getDisplayProcessor,
  getFieldDisplayName,
  getFieldDisplayValues,
  PanelPlugin,
  type FieldDisplay,
  type PanelPluginMeta,
  type PanelProps,
  type ReduceDataOptions,
} from '@grafana/data';
import { BarGauge, BigValue, SeriesIcon, Table, TimeSeries, useTheme2 } from '@grafana/ui';
import { BigValueColorMode, BigValueGraphMode, BigValueJustifyMode, BigValueTextMode } from '@grafana/ui';
import { BarGaugeDisplayMode, LegendDisplayMode, VizOrientation } from '@grafana/schema';
import { fieldConfigFor, registerGrafanaBootRegistries } from './panel-registries';

class PanelErrorBoundary extends Component<{ children: ReactNode; what: string }, { error?: string }> {
  override state: { error?: string } = {};
  static getDerivedStateFromError(e: Error) {
    return { error: e.message };
  }
  override render() {
    if (this.state.error) return <div role="alert" data-standin-panel-error={this.props.what}>{this.props.what} failed: {this.state.error}</div>;
    return this.props.children;
  }
}

interface AnyOptions {
  reduceOptions?: ReduceDataOptions;
  orientation?: VizOrientation;
}

function useDisplayValues(props: PanelProps<AnyOptions>, forceValues = false): FieldDisplay[] {
  const theme = useTheme2();
  const reduceOptions: ReduceDataOptions = { calcs: ['lastNotNull'], ...props.options.reduceOptions, ...(forceValues ? { values: true } : {}) };
  return getFieldDisplayValues({
    data: props.data.series,
    reduceOptions,
    fieldConfig: props.fieldConfig,
    replaceVariables: props.replaceVariables,
    theme,
    timeZone: props.timeZone,
  });
}

function ValueList({ values, kind }: { values: FieldDisplay[]; kind: string }) {
  return (
    <ul data-standin-values={kind} style={{ listStyle: 'none', margin: 0, padding: 0, fontSize: 12 }}>
      {values.map((v, i) => (
        <li key={i} data-standin-value-title={v.display.title ?? v.name} data-standin-value={v.display.numeric}>
          {v.display.color && <SeriesIcon color={v.display.color} />} <span>{v.display.title ?? v.name}</span>:{' '}
          <span>{`${v.display.prefix ?? ''}${v.display.text}${v.display.suffix ?? ''}`}</span>
        </li>
      ))}
    </ul>
  );
}

function TimeSeriesPanel(props: PanelProps) {
  const frames = props.data.series.filter((f) => f.fields.some((x) => x.type === FieldType.time) && f.fields.some((x) => x.type === FieldType.number));
  const series = frames.flatMap((f) => f.fields.filter((x) => x.type === FieldType.number).map((x) => ({ f, x })));
  return (
    <div data-standin-panel="timeseries" data-standin-series={series.length}>
      {frames.length === 0 ? (
        <div>No data</div>
      ) : (
        <PanelErrorBoundary what="timeseries">
          <TimeSeries
            frames={frames}
            width={props.width}
            height={Math.max(props.height - 20 * Math.min(series.length, 6), 60)}
            timeRange={props.timeRange}
            timeZone={props.timeZone}
            legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
          />
        </PanelErrorBoundary>
      )}
      <ul data-standin-legend="timeseries" style={{ listStyle: 'none', margin: 0, padding: 0, fontSize: 12 }}>
        {series.map(({ f, x }, i) => {
          const values = x.values as Array<number | null>;
          let last: number | null = null;
          for (let j = values.length - 1; j >= 0 && last === null; j--) last = values[j] ?? null;
          const display = (x.display ?? getDisplayProcessor({ field: x, theme: undefined as never }))(last);
          return (
            <li key={i} data-standin-series-name={getFieldDisplayName(x, f, frames)} data-standin-last={last ?? ''}>
              {getFieldDisplayName(x, f, frames)}: {display.text}
              {display.suffix ?? ''}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function StatPanel(props: PanelProps<AnyOptions>) {
  const theme = useTheme2();
  const values = useDisplayValues(props);
  if (values.length === 0 || (values.length === 1 && values[0]!.display.numeric !== values[0]!.display.numeric && values[0]!.display.text === 'No data')) {
    return <div data-standin-panel="stat">No data</div>;
  }
  const w = Math.max(Math.floor(props.width / values.length), 40);
  return (
    <div data-standin-panel="stat" style={{ display: 'flex' }}>
      {values.map((v, i) => (
        <div key={i} data-standin-value-title={v.display.title ?? v.name} data-standin-value={v.display.numeric}>
          <BigValue
            theme={theme}
            value={v.display}
            width={w}
            height={Math.max(props.height - 4, 30)}
            colorMode={BigValueColorMode.Value}
            graphMode={BigValueGraphMode.None}
            justifyMode={BigValueJustifyMode.Auto}
            textMode={values.length > 1 ? BigValueTextMode.ValueAndName : BigValueTextMode.Value}
          />
        </div>
      ))}
    </div>
  );
}

function BarsPanel(kind: 'bargauge' | 'barchart') {
  return function Bars(props: PanelProps<AnyOptions>) {
    const theme = useTheme2();
    const values = useDisplayValues(props, kind === 'barchart');
    const h = Math.max(Math.min(Math.floor((props.height - 4) / Math.max(values.length, 1)), 40), 16);
    return (
      <div data-standin-panel={kind}>
        {values.length === 0 && <div>No data</div>}
        {values.map((v, i) => (
          <div key={i} data-standin-value-title={v.display.title ?? v.name} data-standin-value={v.display.numeric}>
            <BarGauge
              theme={theme}
              value={v.display}
              field={v.field}
              width={props.width}
              height={h}
              orientation={VizOrientation.Horizontal}
              displayMode={BarGaugeDisplayMode.Basic}
              text={{}}
              showUnfilled
            />
          </div>
        ))}
      </div>
    );
  };
}

function PiePanel(props: PanelProps<AnyOptions>) {
  const values = useDisplayValues(props);
  const total = values.reduce((n, v) => n + (Number.isFinite(v.display.numeric) ? Math.max(v.display.numeric, 0) : 0), 0);
  const r = Math.max(Math.min(props.width, props.height - 20 * values.length) / 2 - 4, 10);
  let angle = 0;
  const slices = values.map((v, i) => {
    const frac = total > 0 ? Math.max(v.display.numeric, 0) / total : 0;
    const a0 = angle;
    angle += frac * 2 * Math.PI;
    const large = angle - a0 > Math.PI ? 1 : 0;
    const p = (a: number) => `${r + r * Math.sin(a)} ${r - r * Math.cos(a)}`;
    const d = frac >= 0.9999 ? `M ${r} 0 A ${r} ${r} 0 1 1 ${r - 0.01} 0 Z` : `M ${r} ${r} L ${p(a0)} A ${r} ${r} 0 ${large} 1 ${p(angle)} Z`;
    return <path key={i} d={d} fill={v.display.color ?? '#888'} />;
  });
  return (
    <div data-standin-panel="piechart">
      {values.length === 0 ? <div>No data</div> : <svg width={2 * r} height={2 * r} role="img" aria-label="pie chart">{slices}</svg>}
      <ValueList values={values} kind="piechart" />
    </div>
  );
}

function TablePanel(props: PanelProps) {
  const frame = props.data.series[0];
  if (!frame) return <div data-standin-panel="table">No data</div>;
  return (
    <div data-standin-panel="table" data-standin-rows={frame.length}>
      <PanelErrorBoundary what="table">
        <Table data={frame} width={props.width} height={props.height} />
      </PanelErrorBoundary>
    </div>
  );
}

const components: Record<string, React.ComponentType<PanelProps<any>>> = {
  timeseries: TimeSeriesPanel,
  stat: StatPanel,
  table: TablePanel,
  bargauge: BarsPanel('bargauge'),
  barchart: BarsPanel('barchart'),
  piechart: PiePanel,
};

const cache = new Map<string, PanelPlugin>();

function meta(id: string): PanelPluginMeta {
  return {
    id,
    name: id,
    type: 'panel' as never,
    module: `core:plugin/${id}`,
    baseUrl: `public/app/plugins/panel/${id}`,
    sort: 0,
    info: { author: { name: 'Vigil Grafana stand-in' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: 'standin' },
  } as PanelPluginMeta;
}

export function getPanelPluginFromCache(id: string): PanelPlugin | undefined {
  return cache.get(id);
}

/** Like Grafana's importPanelPlugin: only the core panels above exist here; anything else is an error. */
export async function importPanelPlugin(id: string): Promise<PanelPlugin> {
  const hit = cache.get(id);
  if (hit) return hit;
  const component = components[id];
  if (!component) throw new Error(`Panel plugin not found: ${id} (the Grafana stand-in provides ${Object.keys(components).join(', ')})`);
  registerGrafanaBootRegistries();
  // Grafana's core panels declare their field options (useFieldConfig); only declared options reach the panel.
  const plugin = new PanelPlugin(component).useFieldConfig(fieldConfigFor(id));
  plugin.meta = meta(id);
  cache.set(id, plugin);
  return plugin;
}
