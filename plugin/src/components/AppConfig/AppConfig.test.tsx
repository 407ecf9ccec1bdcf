import React from 'react';
import { render, screen } from '@testing-library/react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import AppConfig from './AppConfig';
import { testIds } from '../testIds';
import type { AppJsonData } from '../../services/settings';

function props(jsonData: AppJsonData): PluginConfigPageProps<AppPluginMeta<AppJsonData>> {
  return {
    plugin: { meta: { id: 'vigil-security-app', enabled: true, pinned: true, jsonData } },
    query: {},
  } as unknown as PluginConfigPageProps<AppPluginMeta<AppJsonData>>;
}

// The picker asks Grafana's data source service for the instances of a type; give it two real-shaped settings.
const instances = [
  { uid: 'vigil-prometheus', name: 'Prometheus', type: 'prometheus', meta: { id: 'prometheus', metrics: true, info: { logos: { small: '', large: '' } } } },
  { uid: 'vigil-loki', name: 'Loki', type: 'loki', meta: { id: 'loki', logs: true, info: { logos: { small: '', large: '' } } } },
];
setDataSourceSrv({
  getList: (filters: { pluginId?: string } = {}) => instances.filter((i) => !filters.pluginId || i.type === filters.pluginId),
  getInstanceSettings: (ref: string | { uid?: string } | null | undefined) =>
    instances.find((i) => i.uid === (typeof ref === 'string' ? ref : ref?.uid)),
  get: () => Promise.reject(new Error('not used')),
  reload: () => undefined,
  registerRuntimeDataSource: () => undefined,
} as unknown as DataSourceSrv);

describe('AppConfig', () => {
  it('shows the saved scanner URL and a configured token without revealing it', () => {
    render(<AppConfig {...props({ scannerUrl: 'http://vigil-scanner:9712', isScannerTokenSet: true })} />);
    expect(screen.getByTestId(testIds.appConfig.scannerUrl)).toHaveValue('http://vigil-scanner:9712');
    // A configured SecretInput shows "configured" and offers a reset, never the value.
    expect(screen.getByRole('button', { name: /reset/i })).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeEnabled();
  });
});
