// The data source plumbing Grafana gives a plugin: getDataSourceSrv() with instance settings for the two data
// sources, and instances that are subclasses of the REAL DataSourceWithBackend from @grafana/runtime — Grafana's
// Prometheus and Loki frontends are such subclasses, so a query leaves the browser as Grafana's does: POST
// /api/ds/query {queries:[{refId, expr, datasource:{type,uid}, intervalMs, maxDataPoints, ...}], from, to}.
// What the real frontends add on top and the app relies on, copied here with its source:
// - applyTemplateVariables: expr through getTemplateSrv().replace with the data source's formatter
//   (public/app/plugins/datasource/prometheus → @grafana/prometheus datasource.ts interpolateQueryExpr;
//   public/app/plugins/datasource/loki/datasource.ts interpolateQueryExpr).
// - Prometheus `format: "table"`: the response is turned into one table per refId (Time, one column per label,
//   "Value" — "Value #<refId>" when the response has several refIds), @grafana/prometheus result_transformer.ts
//   transformDFToTable.
import { DataSourceWithBackend, getBackendSrv, getTemplateSrv, type DataSourceSrv } from '@grafana/runtime';
import {
  FieldType,
  type DataFrame,
  type DataQuery,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourceRef,
  type ScopedVars,
  type Field,
  type MetricFindValue,
  type TimeRange,
} from '@grafana/data';
import { map, type Observable } from 'rxjs';

export interface StandInDataSource {
  uid: string;
  type: 'prometheus' | 'loki';
  name: string;
  id: number;
  isDefault?: boolean;
  jsonData?: Record<string, unknown>;
}

interface ExprQuery extends DataQuery {
  expr?: string;
  format?: string;
  instant?: boolean;
  range?: boolean;
  legendFormat?: string;
}

interface VariableLike {
  multi?: boolean;
  includeAll?: boolean;
}

const promRegularEscape = (v: unknown) => (typeof v === 'string' ? v.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'") : v);
const promSpecialRegexEscape = (v: unknown) => (typeof v === 'string' ? v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}\[\]\'+?.()|]/g, '\\\\$&') : v);
const lokiRegularEscape = (v: unknown) => (typeof v === 'string' ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : v);
const lokiSpecialRegexEscape = (v: unknown) => (typeof v === 'string' ? v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}\[\]+?.()|]/g, '\\\\$&') : v);

function promInterpolate(value: string | string[] = [], variable: VariableLike): string {
  if (!variable.multi && !variable.includeAll) return String(promRegularEscape(value));
  if (typeof value === 'string') return String(promSpecialRegexEscape(value));
  const escaped = value.map((v) => String(promSpecialRegexEscape(v)));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

function lokiInterpolate(value: string | string[] = [], variable: VariableLike): string {
  if (!variable.multi && !variable.includeAll) return String(lokiRegularEscape(value));
  if (typeof value === 'string') return String(lokiSpecialRegexEscape(value));
  return value.map((v) => String(lokiSpecialRegexEscape(v))).join('|');
}

function tableFromTimeSeries(frames: DataFrame[], refId: string, valueName: string): DataFrame {
  const labelNames = new Set<string>();
  for (const f of frames) for (const field of f.fields) if (field.type === FieldType.number) for (const k of Object.keys(field.labels ?? {})) labelNames.add(k);
  const names = [...labelNames].sort();
  const times: number[] = [];
  const values: (number | null)[] = [];
  const labelCols = names.map(() => [] as string[]);
  for (const f of frames) {
    const time = f.fields.find((x) => x.type === FieldType.time);
    for (const field of f.fields) {
      if (field.type !== FieldType.number || !time) continue;
      for (let i = 0; i < field.values.length; i++) {
        times.push(Number(time.values[i]));
        values.push(field.values[i] as number | null);
        names.forEach((n, j) => labelCols[j]!.push(field.labels?.[n] ?? ''));
      }
    }
  }
  const fields: Field[] = [
    { name: 'Time', type: FieldType.time, config: {}, values: times },
    ...names.map((n, j): Field => ({ name: n, type: FieldType.string, config: { filterable: true }, values: labelCols[j]! })),
    { name: valueName, type: FieldType.number, config: {}, values },
  ];
  return { refId, name: refId, length: times.length, fields, meta: { preferredVisualisationType: 'table' } };
}

class PrometheusStandIn extends DataSourceWithBackend<ExprQuery> {
  constructor(settings: DataSourceInstanceSettings) {
    super(settings);
    const ti = (settings.jsonData as { timeInterval?: string }).timeInterval;
    if (ti) this.interval = ti;
  }

  override applyTemplateVariables(query: ExprQuery, scopedVars: ScopedVars): ExprQuery {
    return { ...query, expr: getTemplateSrv().replace(query.expr ?? '', scopedVars, promInterpolate) };
  }

  // The backend replaces the interval macros with the real step (@grafana/prometheus datasource.ts removes
  // __interval/__interval_ms from scopedVars for that reason; so does the Loki frontend).
  private static withoutIntervals(scopedVars: ScopedVars): ScopedVars {
    const { __interval: _i, __interval_ms: _ims, ...rest } = scopedVars;
    return rest;
  }

  /**
   * Variable queries as @grafana/prometheus metric_find_query.ts answers them, through the data source's resource
   * API (GET /api/datasources/uid/<uid>/resources/api/v1/...): label_names(), label_values(label),
   * label_values(metric, label), metrics(regex), query_result(expr).
   */
  override async metricFindQuery(query: string | { query?: string }, options?: { range?: TimeRange; scopedVars?: ScopedVars }): Promise<MetricFindValue[]> {
    const raw = typeof query === 'string' ? query : (query.query ?? '');
    const q = getTemplateSrv().replace(raw, options?.scopedVars ?? {}, promInterpolate);
    const base = `/api/datasources/uid/${this.uid}/resources/api/v1`;
    const range = options?.range;
    const time: Record<string, string> = range ? { start: String(Math.floor(range.from.valueOf() / 1000)), end: String(Math.ceil(range.to.valueOf() / 1000)) } : {};
    const get = async <T,>(path: string, params: Record<string, string>) => (await getBackendSrv().get<{ data: T }>(`${base}${path}`, params)).data;
    let m: RegExpExecArray | null;
    if (/^label_names\(\s*\)$/.test(q)) return (await get<string[]>('/labels', time)).map((text) => ({ text }));
    if ((m = /^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(q))) {
      const params: Record<string, string> = { ...time };
      if (m[1]) params['match[]'] = m[1].trim();
      return (await get<string[]>(`/label/${m[2]}/values`, params)).map((text) => ({ text }));
    }
    if ((m = /^metrics\((.+)\)$/.exec(q))) {
      const re = new RegExp(m[1]!.trim());
      return (await get<string[]>('/label/__name__/values', time)).filter((n) => re.test(n)).map((text) => ({ text }));
    }
    if ((m = /^query_result\((.+)\)$/.exec(q))) {
      const data = await get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>('/query', { query: m[1]!, ...(range ? { time: String(range.to.valueOf() / 1000) } : {}) });
      return data.result.map((r) => {
        const { __name__, ...labels } = r.metric;
        return { text: `${__name__ ?? ''}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${r.value[1]} ${r.value[0] * 1000}` };
      });
    }
    throw new Error(`unsupported variable query: ${q}`);
  }

  override query(request: DataQueryRequest<ExprQuery>): Observable<DataQueryResponse> {
    request = { ...request, scopedVars: PrometheusStandIn.withoutIntervals(request.scopedVars ?? {}) };
    const tableRefs = new Set(request.targets.filter((t) => t.format === 'table').map((t) => t.refId));
    return super.query(request).pipe(
      map((response) => {
        if (tableRefs.size === 0) return response;
        const frames = response.data as DataFrame[];
        const refIds = new Set(frames.map((f) => f.refId ?? ''));
        const out: DataFrame[] = frames.filter((f) => !tableRefs.has(f.refId ?? ''));
        for (const refId of tableRefs) {
          const mine = frames.filter((f) => f.refId === refId);
          out.push(tableFromTimeSeries(mine, refId, refIds.size > 1 ? `Value #${refId}` : 'Value'));
        }
        return { ...response, data: out };
      })
    );
  }
}

class LokiStandIn extends DataSourceWithBackend<ExprQuery> {
  override query(request: DataQueryRequest<ExprQuery>): Observable<DataQueryResponse> {
    const { __interval: _i, __interval_ms: _ims, ...scopedVars } = request.scopedVars ?? {};
    return super.query({ ...request, scopedVars });
  }

  override applyTemplateVariables(query: ExprQuery, scopedVars: ScopedVars): ExprQuery {
    return { ...query, expr: getTemplateSrv().replace(query.expr ?? '', scopedVars, lokiInterpolate) };
  }
}

/** The frontend class Grafana would import for a data source plugin id (only the two the app uses exist here). */
export function dataSourceClass(pluginId: string): new (s: DataSourceInstanceSettings) => DataSourceApi {
  if (pluginId === 'prometheus') return PrometheusStandIn as never;
  if (pluginId === 'loki') return LokiStandIn as never;
  throw new Error(`data source plugin ${pluginId} is not provided by the Grafana stand-in`);
}

export function instanceSettings(ds: StandInDataSource): DataSourceInstanceSettings {
  return {
    id: ds.id,
    uid: ds.uid,
    type: ds.type,
    name: ds.name,
    access: 'proxy',
    url: `/api/datasources/proxy/uid/${ds.uid}`,
    isDefault: ds.isDefault ?? false,
    readOnly: false,
    jsonData: ds.jsonData ?? {},
    rawRef: { uid: ds.uid, type: ds.type },
    meta: {
      id: ds.type,
      name: ds.type === 'prometheus' ? 'Prometheus' : 'Loki',
      type: 'datasource' as never,
      module: `core:plugin/${ds.type}`,
      baseUrl: `public/app/plugins/datasource/${ds.type}`,
      backend: true,
      metrics: true,
      logs: ds.type === 'loki',
      info: { author: { name: 'Grafana Labs' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: '' },
    },
  } as unknown as DataSourceInstanceSettings;
}

/** getDataSourceSrv(): lookups by uid, name or ref, as Grafana's DatasourceSrv does. */
export function createDataSourceSrv(list: StandInDataSource[]): DataSourceSrv {
  const settings = list.map(instanceSettings);
  const instances = new Map<string, DataSourceApi>();
  const find = (ref: DataSourceRef | string | null | undefined): DataSourceInstanceSettings | undefined => {
    if (ref === null || ref === undefined) return settings.find((s) => s.isDefault);
    if (typeof ref === 'string') return settings.find((s) => s.uid === ref || s.name === ref);
    return settings.find((s) => s.uid === ref.uid) ?? (ref.uid === undefined && ref.type ? settings.find((s) => s.type === ref.type) : undefined);
  };
  const srv = {
    getInstanceSettings: (ref: DataSourceRef | string | null | undefined) => find(ref),
    getList: (filters: { pluginId?: string; metrics?: boolean; logs?: boolean; type?: string | string[] } = {}) =>
      settings.filter((s) => {
        if (filters.pluginId && s.meta.id !== filters.pluginId) return false;
        if (filters.type && !(Array.isArray(filters.type) ? filters.type : [filters.type]).includes(s.type)) return false;
        if (filters.logs && !s.meta.logs) return false;
        return true;
      }),
    get: async (ref?: DataSourceRef | string | null) => {
      const s = find(ref ?? null);
      if (!s) throw new Error(`Datasource ${JSON.stringify(ref)} was not found`);
      let ds = instances.get(s.uid);
      if (!ds) {
        ds = s.type === 'prometheus' ? new PrometheusStandIn(s) : new LokiStandIn(s);
        instances.set(s.uid, ds);
      }
      return ds;
    },
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  };
  return srv as unknown as DataSourceSrv;
}
