// Reads the Grafana dashboards (dashboards/*.json) and the provisioning files other parts ship
// (provisioning/grafana/alerting/*.yaml, provisioning/prometheus/rules/*.yml), and collects every PromQL and
// LogQL expression with where it came from, every link, and the template variables they use. Substitution
// follows Grafana's interpolation closely enough that the result is what Grafana would send.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const DASHBOARD_DIR = join(REPO_ROOT, 'dashboards');
export const ALERTING_DIR = join(REPO_ROOT, 'provisioning/grafana/alerting');
export const PROM_RULES_DIR = join(REPO_ROOT, 'provisioning/prometheus/rules');
export const APP_PAGES = ['overview', 'runtime-events', 'image-scans', 'inspect', 'config'] as const;
/** URL parameters the app's inspect page reads. */
export const INSPECT_PARAMS = ['namespace', 'pod', 'container', 'node'] as const;

export interface DsRef { type?: string; uid?: string }
export interface Link { type?: string; title?: string; url?: string; tags?: string[]; icon?: string }
export interface Target { refId?: string; expr?: string; datasource?: DsRef | null; hide?: boolean }
export interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: { w: number; h: number; x: number; y: number };
  datasource?: DsRef | null;
  targets?: Target[];
  panels?: Panel[];
  links?: Link[];
  fieldConfig?: { defaults?: { links?: Link[] }; overrides?: { properties?: { id: string; value: unknown }[] }[] };
}
export interface Variable {
  name: string;
  type: string;
  query?: unknown;
  datasource?: DsRef | null;
  definition?: string;
  allValue?: string | null;
  includeAll?: boolean;
  multi?: boolean;
  hide?: number;
  current?: { text?: unknown; value?: unknown };
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  tags?: string[];
  links?: Link[];
  panels?: Panel[];
  templating?: { list?: Variable[] };
}
export interface DashboardFile { file: string; dashboard: Dashboard }

export function loadDashboards(dir = DASHBOARD_DIR): DashboardFile[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    let dashboard: Dashboard;
    try {
      dashboard = JSON.parse(text) as Dashboard;
    } catch (e) {
      throw new Error(`dashboards/${file}: not JSON: ${(e as Error).message}`);
    }
    return { file, dashboard };
  });
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(d: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (ps: Panel[] | undefined): void => {
    for (const p of ps ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

export const variables = (d: Dashboard): Variable[] => d.templating?.list ?? [];

/** Panels that show only layout (no query): rows and text. */
export const isLayoutPanel = (p: Panel): boolean => p.type === 'row' || p.type === 'text';

/** What a data source reference points at: 'prometheus', 'loki', or undefined when it cannot be resolved. */
export function dsKind(ref: DsRef | null | undefined, d: Dashboard): 'prometheus' | 'loki' | undefined {
  if (!ref?.uid) return undefined;
  const m = /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(ref.uid);
  if (m) {
    const v = variables(d).find((x) => x.name === m[1] && x.type === 'datasource');
    if (v?.query === 'prometheus' || v?.query === 'loki') return v.query;
    return undefined;
  }
  if (ref.uid === 'vigil-prometheus') return 'prometheus';
  if (ref.uid === 'vigil-loki') return 'loki';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Template variable references

/** Grafana's reference forms: $name, ${name}, ${name:format}, [[name]], [[name:format]]. Dotted names are data-link builtins. */
const VAR_REF = /\$\{([A-Za-z0-9_.]+)(?::([^}]*))?\}|\[\[([A-Za-z0-9_.]+)(?::([^\]]*))?\]\]|\$([A-Za-z0-9_]+)/g;

export interface VarRef { name: string; format?: string; text: string }

export function varRefs(s: string): VarRef[] {
  const out: VarRef[] = [];
  for (const m of s.matchAll(VAR_REF)) {
    const name = m[1] ?? m[3] ?? m[5]!;
    const format = m[2] ?? m[4];
    out.push({ name, text: m[0], ...(format !== undefined ? { format } : {}) });
  }
  return out;
}

/** Grafana's own variables ($__rate_interval, ${__field.labels.x}, ${__url_time_range}, ...). */
export const isBuiltin = (name: string): boolean => name.startsWith('__');

/** The interval macros Grafana fills in, with the values this test substitutes (a 1 h range at a 15 s step). */
export const BUILTIN_VALUES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
  __auto: '1m',
};

/**
 * The value Grafana would put in for a variable when nothing was chosen: "All" (its allValue, else `.*` — the
 * regex of every option, which matches what `.*` matches), a text box's default, a data source's default uid.
 */
export function defaultValue(v: Variable): string {
  if (v.type === 'textbox' || v.type === 'constant') return typeof v.query === 'string' ? v.query : '';
  if (v.type === 'datasource') {
    const cur = v.current?.value;
    return typeof cur === 'string' ? cur : '';
  }
  if (v.includeAll) return v.allValue ?? '.*';
  const cur = v.current?.value;
  if (typeof cur === 'string') return cur;
  if (Array.isArray(cur) && typeof cur[0] === 'string') return cur[0];
  throw new Error(`variable ${v.name} has no default value`);
}

/**
 * `expr` with every variable and interval macro replaced. Throws on a variable the dashboard does not define
 * or a builtin this test has no value for, naming it.
 */
export function substitute(expr: string, vars: Variable[], overrides: Record<string, string> = {}): string {
  return expr.replace(VAR_REF, (text, a?: string, _fa?: string, b?: string, _fb?: string, c?: string) => {
    const name = a ?? b ?? c!;
    if (name in overrides) return overrides[name]!;
    if (isBuiltin(name)) {
      const v = BUILTIN_VALUES[name];
      if (v === undefined) throw new Error(`no test value for Grafana's ${text}`);
      return v;
    }
    const v = vars.find((x) => x.name === name);
    if (!v) throw new Error(`${text} is not a variable of this dashboard`);
    return defaultValue(v);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Query collection

export type QueryLanguage = 'promql' | 'logql';

export interface QuerySite {
  /** dashboards/<file> › panel title › refId, or the provisioning file and rule */
  where: string;
  /** uid of the dashboard, or the provisioning file name */
  origin: string;
  /** panel title, variable name or rule title */
  item: string;
  refId: string;
  language: QueryLanguage;
  expr: string;
  /** the variables in scope (empty for provisioning files) */
  vars: Variable[];
  panel?: Panel;
  /** For a Prometheus variable: label_values(selector, label) is queried as the selector. */
  kind: 'panel' | 'variable' | 'grafana-alert' | 'prometheus-rule';
  /** A variable's label, for label_values(). */
  label?: string;
}

const langOf = (k: 'prometheus' | 'loki' | undefined): QueryLanguage | undefined => (k === 'prometheus' ? 'promql' : k === 'loki' ? 'logql' : undefined);

/** label_values(sel, label) -> [sel, label]; label_values(label) -> [undefined, label]. */
export function parseLabelValues(q: string): { selector?: string; label: string } | undefined {
  const m = /^\s*label_values\(\s*(?:(.*\S)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/s.exec(q);
  if (!m) return undefined;
  return m[1] !== undefined ? { selector: m[1], label: m[2]! } : { label: m[2]! };
}

/** Every expression of every dashboard: panel targets and query variables, with their language. */
export function dashboardQueries(files: DashboardFile[]): QuerySite[] {
  const out: QuerySite[] = [];
  for (const { file, dashboard: d } of files) {
    const vars = variables(d);
    for (const p of allPanels(d)) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr !== 'string' || t.expr.trim() === '') continue;
        const language = langOf(dsKind(t.datasource ?? p.datasource, d));
        if (!language) throw new Error(`dashboards/${file} › ${p.title} › ${t.refId}: data source ${JSON.stringify(t.datasource ?? p.datasource)} is neither Prometheus nor Loki`);
        out.push({ where: `dashboards/${file} › ${p.title} › ${t.refId}`, origin: d.uid, item: p.title ?? '', refId: t.refId ?? '', language, expr: t.expr, vars, panel: p, kind: 'panel' });
      }
    }
    for (const v of vars) {
      if (v.type !== 'query') continue;
      const language = langOf(dsKind(v.datasource, d));
      const where = `dashboards/${file} › variable ${v.name}`;
      if (!language) throw new Error(`${where}: data source ${JSON.stringify(v.datasource)} is neither Prometheus nor Loki`);
      const q = v.query as { query?: string; stream?: string; label?: string } | string | undefined;
      if (language === 'promql') {
        const text = typeof q === 'string' ? q : q?.query ?? '';
        const lv = parseLabelValues(text);
        if (!lv?.selector) throw new Error(`${where}: only label_values(<selector>, <label>) is supported, got ${JSON.stringify(text)}`);
        out.push({ where, origin: d.uid, item: v.name, refId: 'variable', language, expr: lv.selector, vars, kind: 'variable', label: lv.label });
      } else {
        if (typeof q !== 'object' || typeof q.stream !== 'string' || typeof q.label !== 'string') throw new Error(`${where}: a Loki variable needs { label, stream }`);
        out.push({ where, origin: d.uid, item: v.name, refId: 'variable', language, expr: q.stream, vars, kind: 'variable', label: q.label });
      }
    }
  }
  return out;
}

interface AlertingFile { groups?: { name?: string; rules?: { uid?: string; title?: string; data?: { refId?: string; datasourceUid?: string; model?: { expr?: string } }[] }[] }[] }
interface RulesFile { groups?: { name?: string; rules?: { record?: string; alert?: string; expr?: string }[] }[] }

const yamlFiles = (dir: string, re: RegExp): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort() : []);

/** Grafana-managed alert rules: each data item on vigil-prometheus / vigil-loki. */
export function alertingQueries(dir = ALERTING_DIR): QuerySite[] {
  const out: QuerySite[] = [];
  for (const f of yamlFiles(dir, /\.ya?ml$/)) {
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as AlertingFile | null;
    for (const g of doc?.groups ?? []) {
      for (const r of g.rules ?? []) {
        for (const q of r.data ?? []) {
          const language = q.datasourceUid === 'vigil-prometheus' ? 'promql' : q.datasourceUid === 'vigil-loki' ? 'logql' : undefined;
          if (!language || typeof q.model?.expr !== 'string') continue;
          const item = r.title ?? r.uid ?? '?';
          out.push({ where: `provisioning/grafana/alerting/${f} › ${item} › ${q.refId}`, origin: f, item, refId: q.refId ?? '', language, expr: q.model.expr, vars: [], kind: 'grafana-alert' });
        }
      }
    }
  }
  return out;
}

/** Prometheus recording and alerting rules. */
export function prometheusRuleQueries(dir = PROM_RULES_DIR): QuerySite[] {
  const out: QuerySite[] = [];
  for (const f of yamlFiles(dir, /\.ya?ml$/)) {
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as RulesFile | null;
    for (const g of doc?.groups ?? []) {
      for (const r of g.rules ?? []) {
        if (typeof r.expr !== 'string') continue;
        const item = r.record ?? r.alert ?? '?';
        out.push({ where: `provisioning/prometheus/rules/${f} › ${item}`, origin: f, item, refId: '', language: 'promql', expr: r.expr, vars: [], kind: 'prometheus-rule' });
      }
    }
  }
  return out;
}

/** Names of the recording rules in provisioning/prometheus/rules. */
export function recordingRuleNames(dir = PROM_RULES_DIR): Set<string> {
  const out = new Set<string>();
  for (const f of yamlFiles(dir, /\.ya?ml$/)) {
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as RulesFile | null;
    for (const g of doc?.groups ?? []) for (const r of g.rules ?? []) if (typeof r.record === 'string') out.add(r.record);
  }
  return out;
}

/** A panel that needs another exporter says so at the start of its description. */
export function foreignExporter(p: Panel | undefined): 'node-exporter' | 'kube-state-metrics' | undefined {
  const m = /^(node-exporter|kube-state-metrics):/.exec(p?.description ?? '');
  return m ? (m[1] as 'node-exporter' | 'kube-state-metrics') : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Links

export interface LinkSite { where: string; link: Link }

/** Dashboard links, panel links, data links (defaults and overrides). */
export function allLinks({ file, dashboard: d }: DashboardFile): LinkSite[] {
  const out: LinkSite[] = [];
  for (const l of d.links ?? []) out.push({ where: `dashboards/${file} › dashboard link ${l.title}`, link: l });
  for (const p of allPanels(d)) {
    const at = `dashboards/${file} › ${p.title}`;
    for (const l of p.links ?? []) out.push({ where: `${at} › panel link ${l.title}`, link: l });
    for (const l of p.fieldConfig?.defaults?.links ?? []) out.push({ where: `${at} › data link ${l.title}`, link: l });
    for (const o of p.fieldConfig?.overrides ?? []) {
      for (const prop of o.properties ?? []) {
        if (prop.id !== 'links' || !Array.isArray(prop.value)) continue;
        for (const l of prop.value as Link[]) out.push({ where: `${at} › override data link ${l.title}`, link: l });
      }
    }
  }
  return out;
}

/** The var-NAME parameters a link URL sets: var-x=... and ${x:queryparam} (which expands to var-x=...). */
export function linkVarParams(url: string): string[] {
  const q = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const out: string[] = [];
  for (const part of q.split('&')) {
    const m = /^var-([A-Za-z0-9_]+)=/.exec(part);
    if (m) out.push(m[1]!);
    const qp = /^\$\{([A-Za-z0-9_]+):queryparam\}$/.exec(part);
    if (qp) out.push(qp[1]!);
  }
  return out;
}
