import type { DataSourceRef } from '@grafana/schema';
import { DEFAULT_LOKI_UID, DEFAULT_PROMETHEUS_UID } from '../constants';

/** jsonData of the app (provisioning/grafana/plugins/vigil.yaml writes the same keys). */
export interface AppJsonData {
  prometheusUid?: string;
  lokiUid?: string;
  scannerUrl?: string;
  /** Set by the config page once a token was saved: secureJsonData itself never reaches the browser. */
  isScannerTokenSet?: boolean;
}

/** secureJsonData of the app: written by the config page, read only by Grafana's proxy for the `scanner` route. */
export interface AppSecureJsonData {
  scannerToken?: string;
}

export interface VigilSettings {
  prometheus: DataSourceRef;
  loki: DataSourceRef;
  scannerConfigured: boolean;
}

export function settingsFromJsonData(jsonData: AppJsonData | undefined): VigilSettings {
  return {
    prometheus: { type: 'prometheus', uid: nonEmpty(jsonData?.prometheusUid) ?? DEFAULT_PROMETHEUS_UID },
    loki: { type: 'loki', uid: nonEmpty(jsonData?.lokiUid) ?? DEFAULT_LOKI_UID },
    scannerConfigured: Boolean(nonEmpty(jsonData?.scannerUrl)),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
