// Why a page cannot show its data, and what to tell the user (pure: no React, no runtime).
import type { DataFrame } from '@grafana/data';

export type VigilDataSourceKind = 'prometheus' | 'loki';

export type OnboardingReason =
  /** The configured data source uid does not exist in this Grafana. */
  | { kind: 'datasource-missing'; dataSource: VigilDataSourceKind; uid: string }
  /** The data source answers, but has none of Vigil's data. */
  | { kind: 'no-data'; dataSource: VigilDataSourceKind; uid: string }
  /** No scanner URL on the config page. */
  | { kind: 'scanner-not-configured' }
  /** The scanner (through the plugin proxy) failed: network, HTTP error, bad answer. */
  | { kind: 'scanner-unreachable'; detail: string };

export interface OnboardingText {
  title: string;
  steps: string[];
}

const NAME: Record<VigilDataSourceKind, string> = { prometheus: 'Prometheus', loki: 'Loki' };

export function onboardingText(reason: OnboardingReason): OnboardingText {
  switch (reason.kind) {
    case 'datasource-missing':
      return {
        title: `The ${NAME[reason.dataSource]} data source "${reason.uid}" does not exist`,
        steps: [
          `Add a ${NAME[reason.dataSource]} data source with uid "${reason.uid}" (provisioning/grafana/datasources does this for a provisioned stack),`,
          `or choose an existing ${NAME[reason.dataSource]} data source on the Vigil configuration page.`,
        ],
      };
    case 'no-data':
      return reason.dataSource === 'prometheus'
        ? {
            title: `Prometheus "${reason.uid}" has no Vigil metrics for this time range`,
            steps: [
              'Check that Prometheus scrapes every vigil node (job vigil-node, port 9711, /metrics) and the scanner (job vigil-scanner, port 9712).',
              'Check that vigil node runs on the nodes you expect (its /healthz), then widen the time range.',
            ],
          }
        : {
            title: `Loki "${reason.uid}" has no Vigil alerts for this time range`,
            steps: [
              'Check that vigil node has loki.url set and that vigil_loki_entries_sent_total grows.',
              'No alert may simply mean no rule matched: widen the time range.',
            ],
          };
    case 'scanner-not-configured':
      return {
        title: 'The Vigil scanner is not configured',
        steps: ['Set the scanner API URL (for example http://vigil-scanner:9712) and its token on the Vigil configuration page.'],
      };
    case 'scanner-unreachable':
      return {
        title: 'The Vigil scanner cannot be reached',
        steps: [
          `The scanner answered: ${reason.detail}`,
          'Check the scanner URL and token on the configuration page, and that vigil scanner runs (its /readyz).',
        ],
      };
  }
}

/** True when a finished query returned no rows at all (no frames, or only empty frames). */
export function framesAreEmpty(series: readonly DataFrame[] | undefined): boolean {
  if (!series || series.length === 0) {
    return true;
  }
  return series.every((frame) => frame.length === 0 || frame.fields.length === 0 || frame.fields.every((f) => f.values.length === 0));
}
