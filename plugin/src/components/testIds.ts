/**
 * Every data-testid of the app, in one place: jest tests, the browser tests and the plugin-e2e specs import these.
 * The "data-testid " prefix follows Grafana's e2e-selectors convention.
 */
export const testIds = {
  appConfig: {
    container: 'data-testid vigil-config',
    prometheusUid: 'data-testid vigil-config-prometheus',
    lokiUid: 'data-testid vigil-config-loki',
    scannerUrl: 'data-testid vigil-config-scanner-url',
    scannerToken: 'data-testid vigil-config-scanner-token',
    submit: 'data-testid vigil-config-submit',
  },
  onboarding: {
    container: 'data-testid vigil-onboarding',
  },
  overview: {
    container: 'data-testid vigil-overview',
  },
  runtimeEvents: {
    container: 'data-testid vigil-runtime-events',
  },
  imageScans: {
    container: 'data-testid vigil-image-scans',
  },
  inspect: {
    container: 'data-testid vigil-inspect',
  },
} as const;
