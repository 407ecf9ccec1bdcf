import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** Page routes below PLUGIN_BASE_URL. plugin.json's includes list the same paths. */
export enum ROUTES {
  Overview = 'overview',
  RuntimeEvents = 'runtime-events',
  ImageScans = 'image-scans',
  Inspect = 'inspect',
}

export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

/** Defaults match provisioning/grafana/datasources: a provisioned stack works without touching the config page. */
export const DEFAULT_PROMETHEUS_UID = 'vigil-prometheus';
export const DEFAULT_LOKI_UID = 'vigil-loki';

/** The scanner is reached only through this plugin.json proxy route, which adds the token server-side. */
export const SCANNER_ROUTE = 'scanner';
export const SCANNER_PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}/${SCANNER_ROUTE}`;

/** Provisioned dashboards (dashboards/ at the repository root, included by plugin.json). */
export const DASHBOARD_UIDS = {
  clusterOverview: 'vigil-cluster-overview',
  node: 'vigil-node',
  workload: 'vigil-workload',
  runtimeSecurity: 'vigil-runtime-security',
  vulnerabilities: 'vigil-vulnerabilities',
} as const;

export function dashboardUrl(uid: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      query.set(key, value);
    }
  }
  const qs = query.toString();
  return `/d/${uid}${qs ? `?${qs}` : ''}`;
}
