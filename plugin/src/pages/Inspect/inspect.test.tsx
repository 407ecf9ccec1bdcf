import React from 'react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { of } from 'rxjs';
import { LoadingState, type DataFrame, type DataQueryRequest, type PanelData } from '@grafana/data';
import { setRunRequest } from '@grafana/runtime';
import { EmbeddedScene, SceneTimeRange } from '@grafana/scenes';
import { buildInspectParts, buildInspectScene, inspectBody } from './inspectPage';
import { settingsFromJsonData } from '../../services/settings';
import { testIds } from '../../components/testIds';
import { DEFAULT_DATA_SOURCES, installDataSources } from '../../test-utils/dataSources';
import { instantTableFrame } from '../../test-utils/frames';
import { installScannerBackend } from '../../test-utils/scannerBackend';
import { RECORDER_ENTRIES, activityEntry, alertEntry, logsFrame } from '../../services/lokiFrames.fixture';

const DIGEST = 'sha256:' + '6b'.repeat(32);
const exprs: string[] = [];
const SCANNER = '/api/plugin-proxy/vigil-security-app/scanner';
let scannerRequests: string[] = [];

// Stand-ins for what Grafana serves: the data source instances by uid, its query plumbing (runRequest) answering
// by query, and the plugin proxy to the scanner.
beforeAll(() => {
  installDataSources(DEFAULT_DATA_SOURCES, { runtimeInstances: true });
  setRunRequest((_ds: unknown, req: DataQueryRequest) => {
    const series: DataFrame[] = [];
    for (const t of req.targets as unknown as Array<{ refId: string; expr: string }>) {
      exprs.push(t.expr);
      if (!t.expr.includes('cart')) continue;
      if (t.refId === 'info') series.push(instantTableFrame('info', { node: 'node-a', namespace: 'shop', pod: 'cart-7d9f8-x2k4q', container: 'cart', image: 'registry.local/shop/cart:1.4', image_digest: DIGEST, runtime: 'containerd' }));
      if (t.refId === 'start') series.push(instantTableFrame('start', {}, 1764801000));
      if (t.refId === 'labels') series.push(instantTableFrame('labels', { namespace: 'shop', pod: 'cart-7d9f8-x2k4q', label_app: 'cart' }));
      if (t.refId === 'activity') series.push(logsFrame(RECORDER_ENTRIES.map((e) => activityEntry(e)), 'activity'));
      if (t.refId === 'alerts') series.push(logsFrame([alertEntry({ ms: 1764801601201, namespace: 'shop', pod: 'cart-7d9f8-x2k4q', container: 'cart', rule: 'Read sensitive file untrusted', priority: 'Warning' })], 'alerts'));
    }
    return of({ state: LoadingState.Done, series, timeRange: req.range } as PanelData);
  });
  scannerRequests = installScannerBackend({
    [`${SCANNER}/api/v1/images`]: {
      status: 200,
      body: { images: [{ id: DIGEST, ref: 'registry.local/shop/cart:1.4', digest: DIGEST, severity: { CRITICAL: 1, HIGH: 2 }, fixable: { CRITICAL: 1, HIGH: 0 }, policy: { verdict: 'fail', violated: [{ id: 'vulnerabilities' }] } }] },
    },
  }).requests;
});

describe('Container inspect page', () => {
  it('shows metadata, alerts, the activity tree and the image verdict of the container in the URL', async () => {
    const settings = settingsFromJsonData({ scannerUrl: 'http://vigil-scanner:9712' });
    const parts = buildInspectParts(settings);
    const scene = new EmbeddedScene({
      $timeRange: new SceneTimeRange({ from: 'now-1h', to: 'now' }),
      // The resource VizPanels need Grafana's panel plugin loader; their runners are checked by their queries.
      body: inspectBody(settings, [parts.target, parts.summary, parts.alerts, parts.activity]),
    });
    render(
      <MemoryRouter>
        <scene.Component model={scene} />
      </MemoryRouter>
    );
    expect(await screen.findByTestId(testIds.inspect.noTarget)).toBeInTheDocument();
    // This Prometheus answers nothing for count(vigil_build_info): the no-data notice shows above the page, which stays.
    await waitFor(() => expect(screen.getByTestId(testIds.onboarding.container)).toHaveAttribute('data-onboarding-kind', 'no-data'));
    expect(exprs).toContain('count(vigil_build_info)');

    act(() => parts.target.updateFromUrl({ 'var-namespace': 'shop', 'var-pod': 'cart-7d9f8-x2k4q', 'var-container': 'cart', 'var-node': 'node-a', capture: '01KBK5YQNH9ED0DH' }));
    const md = await screen.findByTestId(testIds.inspect.metadata);
    await waitFor(() => expect(md).toHaveTextContent('registry.local/shop/cart:1.4'));
    expect(md).toHaveTextContent(DIGEST);
    expect(md).toHaveTextContent('2025-12-03T22:30:00.000Z');
    expect(screen.getByTestId(testIds.inspect.podLabels)).toHaveTextContent('app=cart');
    const links = screen.getByTestId(testIds.inspect.links);
    const workload = new URL(within(links).getByRole('link', { name: 'Workload dashboard' }).getAttribute('href')!, 'http://x');
    expect(workload.pathname).toBe('/d/vigil-workload');
    expect(workload.searchParams.get('var-container')).toBe('cart');
    expect(workload.searchParams.get('var-pod')).toBe('cart-7d9f8-x2k4q');
    const events = new URL(within(links).getByRole('link', { name: 'Runtime events of this pod' }).getAttribute('href')!, 'http://x');
    expect(events.pathname).toBe('/a/vigil-security-app/runtime-events');
    expect(events.searchParams.get('var-namespace')).toBe('shop');

    await waitFor(() => expect(screen.getAllByTestId(testIds.inspect.process)).toHaveLength(3));
    expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(1);
    const vulns = screen.getByTestId(testIds.inspect.vulnerabilities);
    await waitFor(() => expect(vulns).toHaveTextContent('CRITICAL 1 (fixable 1)'));
    expect(within(vulns).getByRole('link', { name: /Findings of/ })).toHaveAttribute('href', `/a/vigil-security-app/image-scans/${encodeURIComponent('registry.local/shop/cart:1.4')}`);
    expect(scannerRequests).toEqual(['/api/plugin-proxy/vigil-security-app/scanner/api/v1/images']);
    expect(parts.runners.charts[0]!.state.queries[0]).toMatchObject({
      expr: 'sum(rate(vigil_container_cpu_usage_seconds_total{namespace="shop", pod="cart-7d9f8-x2k4q", container="cart", node="node-a"}[$__rate_interval]))',
    });
    expect(exprs).toContain('{job="vigil", stream="activity", node="node-a", namespace="shop", pod="cart-7d9f8-x2k4q", container="cart"}');

    // Hostile URL values are escaped into the queries, never pasted.
    act(() => parts.target.updateFromUrl({ 'var-namespace': 'x"}or{a=~".*', 'var-pod': 'p', 'var-container': 'c\\', 'var-node': '' }));
    await waitFor(() => expect(exprs).toContain('max(vigil_container_start_time_seconds{namespace="x\\"}or{a=~\\".*", pod="p", container="c\\\\"})'));
    expect(parts.target.getUrlState()).toMatchObject({ 'var-container': 'c\\', capture: '01KBK5YQNH9ED0DH' });
    // The whole page through real Scenes and @grafana/ui: ~3 s alone on 2 vCPUs, more beside another jest worker.
  }, 20_000);
});

describe('Container inspect onboarding', () => {
  it('shows only the onboarding when Prometheus is missing: no picker, charts, alerts or activity, no query', async () => {
    const before = exprs.length;
    const scene = buildInspectScene(settingsFromJsonData({ prometheusUid: 'gone-prometheus', scannerUrl: 'http://vigil-scanner:9712' }));
    render(
      <MemoryRouter>
        <scene.Component model={scene} />
      </MemoryRouter>
    );
    const onboarding = await screen.findByTestId(testIds.onboarding.container);
    expect(onboarding).toHaveAttribute('data-onboarding-kind', 'datasource-missing');
    expect(onboarding).toHaveTextContent('The Prometheus data source "gone-prometheus" does not exist');
    expect(screen.getByTestId(testIds.inspect.container)).toContainElement(onboarding);
    for (const id of [testIds.inspect.picker, testIds.inspect.metadata, testIds.inspect.activity, testIds.runtimeEvents.timeline]) {
      expect(screen.queryByTestId(id)).not.toBeInTheDocument();
    }
    expect(screen.queryByText('CPU')).not.toBeInTheDocument();
    expect(exprs.length).toBe(before);
  });
});
