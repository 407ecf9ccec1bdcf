import React from 'react';
import { render, screen } from '@testing-library/react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { installDataSources } from '../../test-utils/dataSources';
import AppConfig from './AppConfig';
import { testIds } from '../testIds';
import type { AppJsonData } from '../../services/settings';

function props(jsonData: AppJsonData): PluginConfigPageProps<AppPluginMeta<AppJsonData>> {
  return {
    plugin: { meta: { id: 'vigil-security-app', enabled: true, pinned: true, jsonData } },
    query: {},
  } as unknown as PluginConfigPageProps<AppPluginMeta<AppJsonData>>;
}

// The picker asks Grafana's data source service for the instances of a type.
installDataSources();

describe('AppConfig', () => {
  it('shows the saved scanner URL and a configured token without revealing it', () => {
    render(<AppConfig {...props({ scannerUrl: 'http://vigil-scanner:9712', isScannerTokenSet: true })} />);
    expect(screen.getByTestId(testIds.appConfig.scannerUrl)).toHaveValue('http://vigil-scanner:9712');
    // A configured SecretInput shows "configured" and offers a reset, never the value.
    expect(screen.getByRole('button', { name: /reset/i })).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeEnabled();
  });
});
