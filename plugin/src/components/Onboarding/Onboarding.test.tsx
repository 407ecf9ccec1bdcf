import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { LoadingState, getDefaultTimeRange, toDataFrame } from '@grafana/data';
import { installDataSources } from '../../test-utils/dataSources';
import { SceneDataNode, SceneReactObject } from '@grafana/scenes';
import { overviewScene } from '../../pages/Overview/overviewPage';
import { settingsFromJsonData } from '../../services/settings';
import { testIds } from '../testIds';
import { OnboardingGate } from './OnboardingGate';
import { framesAreEmpty } from './reasons';

// Grafana's data source service with these uids; getInstanceSettings answers undefined for any other uid,
// exactly as Grafana does for a uid that is not provisioned.
const installUids = (uids: string[]) => installDataSources(uids.map((uid) => ({ uid, type: uid.includes('loki') ? 'loki' : 'prometheus' })));

const body = () => new SceneReactObject({ component: () => <div>the panels</div> });

describe('Onboarding', () => {
  it('replaces the Overview page by the onboarding when its Prometheus data source is missing', async () => {
    installUids(['vigil-loki']);
    const scene = overviewScene(settingsFromJsonData({ prometheusUid: 'gone-prometheus' }));
    render(
      <MemoryRouter>
        <scene.Component model={scene} />
      </MemoryRouter>
    );
    const onboarding = await screen.findByTestId(testIds.onboarding.container);
    expect(onboarding).toHaveAttribute('data-onboarding-kind', 'datasource-missing');
    expect(onboarding).toHaveTextContent('The Prometheus data source "gone-prometheus" does not exist');
    expect(screen.getByTestId(testIds.onboarding.configLink)).toHaveAttribute('href', '/plugins/vigil-security-app');
    // No panels behind it: they could only show errors.
    expect(screen.queryByText('CPU hot spots')).not.toBeInTheDocument();
  });

  it('lets the body through when the data sources exist, and says so when the probe finds nothing', async () => {
    installUids(['vigil-prometheus', 'vigil-loki']);
    const emptyProbe = new SceneDataNode({ data: { state: LoadingState.Done, series: [], timeRange: getDefaultTimeRange() } });
    const gate = new OnboardingGate({ settings: settingsFromJsonData({}), requires: ['prometheus', 'loki'], body: body(), probe: emptyProbe, testId: 'gate' });
    render(<gate.Component model={gate} />);
    expect(await screen.findByText('the panels')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId(testIds.onboarding.container)).toHaveAttribute('data-onboarding-kind', 'no-data'));
    expect(screen.getByTestId(testIds.onboarding.container)).toHaveTextContent('Prometheus "vigil-prometheus" has no Vigil metrics');
  });

  it('shows nothing extra when the probe has data', async () => {
    installUids(['vigil-prometheus']);
    const frame = toDataFrame({ fields: [{ name: 'Value', values: [3] }] });
    const probe = new SceneDataNode({ data: { state: LoadingState.Done, series: [frame], timeRange: getDefaultTimeRange() } });
    const gate = new OnboardingGate({ settings: settingsFromJsonData({}), requires: ['prometheus'], body: body(), probe });
    render(<gate.Component model={gate} />);
    expect(await screen.findByText('the panels')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.onboarding.container)).not.toBeInTheDocument();
  });

  it('blocks a scanner page when no scanner is configured', async () => {
    installUids(['vigil-prometheus']);
    const gate = new OnboardingGate({ settings: settingsFromJsonData({}), requires: ['scanner'], body: body() });
    render(<gate.Component model={gate} />);
    expect(await screen.findByTestId(testIds.onboarding.container)).toHaveAttribute('data-onboarding-kind', 'scanner-not-configured');
    expect(screen.queryByText('the panels')).not.toBeInTheDocument();
  });

  it('framesAreEmpty tells no rows from rows', () => {
    expect(framesAreEmpty([])).toBe(true);
    expect(framesAreEmpty([toDataFrame({ fields: [{ name: 'Value', values: [] }] })])).toBe(true);
    expect(framesAreEmpty([toDataFrame({ fields: [{ name: 'Value', values: [0] }] })])).toBe(false);
  });
});
