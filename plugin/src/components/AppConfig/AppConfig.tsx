import React, { useState, type ChangeEvent, type FormEvent } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, locationService } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { DEFAULT_LOKI_UID, DEFAULT_PROMETHEUS_UID, PLUGIN_ID } from '../../constants';
import type { AppJsonData, AppSecureJsonData } from '../../services/settings';
import { testIds } from '../testIds';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppJsonData>> {}

interface FormState {
  prometheusUid: string;
  lokiUid: string;
  scannerUrl: string;
  scannerToken: string;
  /** True while a token saved earlier is kept: Grafana never sends secureJsonData back to the browser. */
  isScannerTokenSet: boolean;
}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { enabled, pinned, jsonData } = plugin.meta;
  const [state, setState] = useState<FormState>({
    prometheusUid: jsonData?.prometheusUid ?? DEFAULT_PROMETHEUS_UID,
    lokiUid: jsonData?.lokiUid ?? DEFAULT_LOKI_UID,
    scannerUrl: jsonData?.scannerUrl ?? '',
    scannerToken: '',
    isScannerTokenSet: Boolean(jsonData?.isScannerTokenSet),
  });
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const urlInvalid = state.scannerUrl !== '' && !/^https?:\/\/[^\s]+$/.test(state.scannerUrl);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const secureJsonData: AppSecureJsonData | undefined = state.isScannerTokenSet
      ? undefined // keep the stored token
      : { scannerToken: state.scannerToken };
    try {
      await updatePlugin(plugin.meta.id, {
        enabled,
        pinned,
        jsonData: {
          prometheusUid: state.prometheusUid,
          lokiUid: state.lokiUid,
          scannerUrl: state.scannerUrl,
          isScannerTokenSet: state.isScannerTokenSet || state.scannerToken !== '',
        },
        secureJsonData,
      });
      // The app reads its settings when Grafana loads it: reload so the pages use the new ones.
      locationService.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Saving the settings failed');
      setSaving(false);
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.appConfig.container}>
      <FieldSet label="Data sources" className={styles.marginTop}>
        <Field label="Prometheus" description="Scrapes vigil node and vigil scanner (vigil_* metrics)">
          <div data-testid={testIds.appConfig.prometheusUid}>
            <DataSourcePicker
              inputId="vigil-prometheus"
              pluginId="prometheus"
              current={state.prometheusUid}
              noDefault
              width={60}
              onChange={(ds) => setState({ ...state, prometheusUid: ds.uid })}
            />
          </div>
        </Field>
        <Field label="Loki" description="Receives vigil node's alerts and flight-recorder activity">
          <div data-testid={testIds.appConfig.lokiUid}>
            <DataSourcePicker
              inputId="vigil-loki"
              pluginId="loki"
              current={state.lokiUid}
              noDefault
              width={60}
              onChange={(ds) => setState({ ...state, lokiUid: ds.uid })}
            />
          </div>
        </Field>
      </FieldSet>
      <FieldSet label="Vigil scanner" className={styles.marginTop}>
        <Field
          label="Scanner API URL"
          description="Reached by Grafana's server through the plugin's proxy route, never by the browser"
          invalid={urlInvalid}
          error={urlInvalid ? 'An http:// or https:// URL, e.g. http://vigil-scanner:9712' : undefined}
        >
          <Input
            width={60}
            id="vigil-scanner-url"
            data-testid={testIds.appConfig.scannerUrl}
            value={state.scannerUrl}
            placeholder="http://vigil-scanner:9712"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setState({ ...state, scannerUrl: e.target.value.trim() })}
          />
        </Field>
        <Field label="Scanner API token" description="Stored encrypted in Grafana (secureJsonData)">
          <SecretInput
            width={60}
            id="vigil-scanner-token"
            data-testid={testIds.appConfig.scannerToken}
            value={state.scannerToken}
            isConfigured={state.isScannerTokenSet}
            placeholder="The scanner's bearer token"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setState({ ...state, scannerToken: e.target.value.trim() })}
            onReset={() => setState({ ...state, scannerToken: '', isScannerTokenSet: false })}
          />
        </Field>
      </FieldSet>
      {error && (
        <Alert severity="error" title="Could not save the settings">
          {error}
        </Alert>
      )}
      <Button type="submit" data-testid={testIds.appConfig.submit} disabled={saving || urlInvalid}>
        Save settings
      </Button>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  marginTop: css({ marginTop: theme.spacing(3) }),
});

async function updatePlugin(pluginId: string, data: Partial<PluginMeta<AppJsonData>> & { secureJsonData?: AppSecureJsonData }) {
  if (pluginId !== PLUGIN_ID) {
    throw new Error(`unexpected plugin id ${pluginId}`);
  }
  const response = await lastValueFrom(
    getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data })
  );
  return response.data;
}
