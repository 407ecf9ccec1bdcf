import type { DataSourceRef } from '@grafana/schema';
import { DEFAULT_LOKI_UID, DEFAULT_PROMETHEUS_UID } from '../constants';

/** jsonData of the app (provisioning/grafana/plugins/vigil.yaml writes the same keys). */
export interface AppJsonData {
  prometheusUid?: string;
  lokiUid?: string;
  scannerUrl?: string;
  /** Set by the config page once a token was saved: secureJsonData itself never reaches the browser. */
  isScannerTokenSet?: boolean;
  /** Most alert lines one Runtime events query asks Loki for (Loki's max_entries_limit_per_query default). */
  maxAlerts?: number;
}

/** secureJsonData of the app: written by the config page, read only by Grafana's proxy for the `scanner` route. */
export interface AppSecureJsonData {
  scannerToken?: string;
}

export interface VigilSettings {
  prometheus: DataSourceRef;
  loki: DataSourceRef;
  scannerConfigured: boolean;
  /** maxLines of alert log queries (settingsFromJsonData always sets it; optional so hand-built settings stay valid). */
  maxAlerts?: number;
}

export const DEFAULT_MAX_ALERTS = 5000;
/** An upper bound even for an admin's setting: the page holds every row in memory. */
export const MAX_MAX_ALERTS = 50_000;

function maxAlertsFrom(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return DEFAULT_MAX_ALERTS;
  return Math.min(n, MAX_MAX_ALERTS);
}

export function settingsFromJsonData(jsonData: AppJsonData | undefined): VigilSettings {
  return {
    prometheus: { type: 'prometheus', uid: nonEmpty(jsonData?.prometheusUid) ?? DEFAULT_PROMETHEUS_UID },
    loki: { type: 'loki', uid: nonEmpty(jsonData?.lokiUid) ?? DEFAULT_LOKI_UID },
    scannerConfigured: Boolean(nonEmpty(jsonData?.scannerUrl)),
    maxAlerts: maxAlertsFrom(jsonData?.maxAlerts),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
