// Building blocks for the Vigil dashboards: one place for the data source references, template variables,
// panel shapes and the grid layout, so the five dashboards stay consistent. generate.mjs uses them and writes
// the JSON files that Grafana (and the app plugin build) read; the JSON files are what is shipped.

export const PROM = { type: 'prometheus', uid: '${datasource}' };
export const LOKI = { type: 'loki', uid: '${loki}' };
export const APP = '/a/vigil-security-app';
export const TAG = 'vigil';

// ---------------------------------------------------------------------------------------------------------------
// Variables

/** The Prometheus data source picker; its default is the provisioned data source's uid. */
export function datasourceVar() {
  return {
    name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', regex: '', hide: 0,
    includeAll: false, multi: false, options: [], refresh: 1,
    current: { selected: false, text: 'vigil-prometheus', value: 'vigil-prometheus' },
  };
}

export function lokiVar() {
  return {
    name: 'loki', label: 'Loki', type: 'datasource', query: 'loki', regex: '', hide: 0,
    includeAll: false, multi: false, options: [], refresh: 1,
    current: { selected: false, text: 'vigil-loki', value: 'vigil-loki' },
  };
}

const ALL = { selected: true, text: ['All'], value: ['$__all'] };

/**
 * A Prometheus label_values variable. Multi-valued with "All" = `.*`, so queries always use `=~` and an
 * empty value (containers outside Kubernetes have namespace="" and pod="") still matches under All.
 */
export function promLabelVar(name, label, metricSelector, { hide = 0, description } = {}) {
  const q = `label_values(${metricSelector}, ${name})`;
  return {
    name, label, type: 'query', datasource: PROM, definition: q,
    query: { qryType: 1, query: q, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2, regex: '', sort: 1, hide, includeAll: true, multi: true, allValue: '.*', current: ALL, options: [],
    ...(description ? { description } : {}),
  };
}

/** A Loki label_values variable over a stream selector (stream labels only: docs/loki.md). */
export function lokiLabelVar(name, label, streamSelector) {
  return {
    name, label, type: 'query', datasource: LOKI, definition: `label_values(${streamSelector}, ${name})`,
    query: { type: 1, label: name, stream: streamSelector, refId: 'LokiVariableQueryEditor-VariableQuery' },
    refresh: 2, regex: '', sort: 1, hide: 0, includeAll: true, multi: true, allValue: '.*', current: ALL, options: [],
  };
}

/** A fixed list (e.g. the eight alert priorities), multi-valued with All = `.*`. */
export function customVar(name, label, values) {
  return {
    name, label, type: 'custom', query: values.join(','), hide: 0, includeAll: true, multi: true, allValue: '.*',
    current: ALL, options: [],
  };
}

/** Free text for a line filter; empty by default (`|= ""` keeps every line). */
export function textVar(name, label) {
  return { name, label, type: 'textbox', query: '', hide: 0, current: { text: '', value: '' }, options: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// Targets

export function prom(expr, legendFormat = '', extra = {}) {
  return { datasource: PROM, expr, legendFormat, range: true, instant: false, editorMode: 'code', ...extra };
}
export function promInstant(expr, legendFormat = '', extra = {}) {
  return { datasource: PROM, expr, legendFormat, range: false, instant: true, format: 'table', editorMode: 'code', ...extra };
}
export function promStat(expr, legendFormat = '') {
  return { datasource: PROM, expr, legendFormat, range: false, instant: true, editorMode: 'code' };
}
export function loki(expr, legendFormat = '', extra = {}) {
  return { datasource: LOKI, expr, legendFormat, queryType: 'range', editorMode: 'code', ...extra };
}
export function lokiInstant(expr, legendFormat = '') {
  return { datasource: LOKI, expr, legendFormat, queryType: 'instant', editorMode: 'code' };
}

// ---------------------------------------------------------------------------------------------------------------
// Panels. Each returns a panel without id and gridPos; layout() assigns both.

function base(type, title, description, targets, w, h) {
  const ds = targets[0]?.datasource ?? PROM;
  return {
    type, title, description, datasource: ds, w, h,
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t })),
  };
}

export function timeseries(title, description, targets, { unit = 'short', w = 12, h = 8, stack = false, min, max, overrides = [], links = [] } = {}) {
  return {
    ...base('timeseries', title, description, targets, w, h),
    fieldConfig: {
      defaults: {
        unit, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}),
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line', lineWidth: 1, fillOpacity: stack ? 30 : 10, showPoints: 'never', spanNulls: false,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' }, axisPlacement: 'auto', gradientMode: 'none',
        },
        links,
      },
      overrides,
    },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'], showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

export function stat(title, description, targets, { unit = 'short', w = 4, h = 4, thresholds, mappings = [], links = [], graph = false } = {}) {
  return {
    ...base('stat', title, description, targets, w, h),
    fieldConfig: {
      defaults: {
        unit, mappings, links,
        color: { mode: 'thresholds' },
        thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value', graphMode: graph ? 'area' : 'none', textMode: 'auto', justifyMode: 'auto', orientation: 'auto',
      showPercentChange: false, wideLayout: true,
    },
  };
}

export function table(title, description, targets, { w = 12, h = 8, unit = 'short', overrides = [], transformations, links = [], sortBy } = {}) {
  return {
    ...base('table', title, description, targets, w, h),
    fieldConfig: { defaults: { unit, links, custom: { align: 'auto', cellOptions: { type: 'auto' }, filterable: true } }, overrides },
    options: { showHeader: true, cellHeight: 'sm', frameIndex: 0, ...(sortBy ? { sortBy } : {}) },
    transformations: transformations ?? [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: { Time: true, __name__: true, job: true }, renameByName: { 'Value #A': 'Value' } } },
    ],
  };
}

export function bargauge(title, description, targets, { unit = 'short', w = 8, h = 8, thresholds, links = [], overrides = [] } = {}) {
  return {
    ...base('bargauge', title, description, targets, w, h),
    fieldConfig: {
      defaults: { unit, links, min: 0, color: { mode: 'thresholds' }, thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'blue', value: null }] } },
      overrides,
    },
    options: {
      displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true, valueMode: 'color', namePlacement: 'auto', sizing: 'auto', minVizHeight: 16, maxVizHeight: 300,
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, legend: { showLegend: false, displayMode: 'list', placement: 'bottom', calcs: [] },
    },
  };
}

export function piechart(title, description, targets, { unit = 'short', w = 8, h = 8, overrides = [] } = {}) {
  return {
    ...base('piechart', title, description, targets, w, h),
    fieldConfig: { defaults: { unit, color: { mode: 'palette-classic' } }, overrides },
    options: {
      pieType: 'donut', displayLabels: ['name', 'value'],
      legend: { displayMode: 'table', placement: 'right', showLegend: true, values: ['value'] },
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, tooltip: { mode: 'single', sort: 'none' },
    },
  };
}

export function logs(title, description, targets, { w = 24, h = 12 } = {}) {
  return {
    ...base('logs', title, description, targets, w, h),
    options: {
      showTime: true, showLabels: false, showCommonLabels: false, wrapLogMessage: true, prettifyLogMessage: false,
      enableLogDetails: true, enableInfiniteScrolling: false, dedupStrategy: 'none', sortOrder: 'Descending',
    },
  };
}

export function row(title) {
  return { type: 'row', title, collapsed: false, panels: [], w: 24, h: 1 };
}

// ---------------------------------------------------------------------------------------------------------------
// Severity colours shared by the vulnerability panels (Trivy Operator's order and colours).
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN', 'NONE'];
export const SEVERITY_COLORS = { CRITICAL: 'dark-red', HIGH: 'orange', MEDIUM: 'yellow', LOW: 'blue', UNKNOWN: 'purple', NONE: 'green' };
export function severityOverrides() {
  return SEVERITIES.map((s) => ({
    matcher: { id: 'byName', options: s },
    properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: SEVERITY_COLORS[s] } }],
  }));
}

export const PRIORITY_COLORS = {
  Emergency: 'dark-red', Alert: 'red', Critical: 'semi-dark-red', Error: 'orange', Warning: 'yellow', Notice: 'blue', Informational: 'green', Debug: 'text',
};
export function priorityOverrides() {
  return Object.entries(PRIORITY_COLORS).map(([p, c]) => ({
    matcher: { id: 'byName', options: p },
    properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: c } }],
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Layout: panels flow left to right and wrap at 24 columns; a row starts a new line.

export function layout(items) {
  const panels = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  let id = 1;
  for (const item of items) {
    const { w, h, ...panel } = item;
    if (panel.type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    panels.push({ id: id++, ...panel, gridPos: { h, w, x, y } });
    x += w;
    lineHeight = Math.max(lineHeight, h);
    if (panel.type === 'row') {
      y += h;
      x = 0;
      lineHeight = 0;
    }
  }
  return panels;
}

// ---------------------------------------------------------------------------------------------------------------
// The dashboard itself.

/**
 * Links every dashboard carries: the other Vigil dashboards (by tag) and the app's pages. Icons are keys of
 * Grafana's linkIconMap ('external link', dashboard, question, info, bolt, doc, cloud); any other name shows none.
 */
export function standardLinks() {
  return [
    { type: 'dashboards', title: 'Vigil dashboards', tags: [TAG], asDropdown: true, includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' },
    { type: 'link', title: 'Runtime events (app)', url: `${APP}/runtime-events`, tags: [], asDropdown: false, includeVars: false, keepTime: true, icon: 'bolt', targetBlank: false, tooltip: 'Event timeline in the Vigil app' },
    { type: 'link', title: 'Image scans (app)', url: `${APP}/image-scans`, tags: [], asDropdown: false, includeVars: false, keepTime: true, icon: 'doc', targetBlank: false, tooltip: 'Scan results in the Vigil app' },
    { type: 'link', title: 'Overview (app)', url: `${APP}/overview`, tags: [], asDropdown: false, includeVars: false, keepTime: true, icon: 'dashboard', targetBlank: false, tooltip: 'The Vigil app' },
  ];
}

export function dashboard({ uid, title, description, tags = [], variables, items, links = [], time = 'now-6h' }) {
  return {
    annotations: {
      list: [{
        builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts', type: 'dashboard',
      }],
    },
    description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [...links, ...standardLinks()],
    panels: layout(items),
    refresh: '30s',
    schemaVersion: 42,
    tags: [TAG, ...tags],
    templating: { list: variables },
    time: { from: time, to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title,
    uid,
    version: 1,
    weekStart: '',
  };
}
