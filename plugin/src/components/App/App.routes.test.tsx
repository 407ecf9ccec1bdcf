// The whole app as Grafana mounts it: the real SceneApp (its routes, URL sync with Grafana's options) under a
// react-router v6 Router on locationService's history at /a/vigil-security-app/*. The URL is in place BEFORE the
// app renders, as on a reload or a followed link — the case where the page's queries must already carry the URL's
// filters (the earlier tests set the URL state after activation, which hid that the first queries ignored it).
import React, { useLayoutEffect, useState, type ReactNode } from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Route, Router, Routes } from 'react-router-dom';
import { of } from 'rxjs';
import { LoadingState, PanelPlugin, type AppRootProps, type DataFrame, type DataQueryRequest, type PanelData } from '@grafana/data';
import { LocationServiceProvider, locationService, setPluginImportUtils, setRunRequest } from '@grafana/runtime';
import App from './App';
import type { AppJsonData } from '../../services/settings';
import { testIds } from '../testIds';
import { RECORDER_ENTRIES, activityEntry, alertEntry, logsFrame, BASE_MS } from '../../services/lokiFrames.fixture';
import { installScannerBackend } from '../../test-utils/scannerBackend';
import { DEFAULT_DATA_SOURCES, installDataSources } from '../../test-utils/dataSources';
import { instantTableFrame } from '../../test-utils/frames';
import list from '../../pages/ImageScans/testdata/images-list.json';
import report from '../../pages/ImageScans/testdata/image-report.json';

const SCANNER = '/api/plugin-proxy/vigil-security-app/scanner';
const API_ID = 'sha256:6b577c35ceb160b0c0d0722bc95b058b7ca2cbf30c3d5ea312a8eaaac7794fea';
const sent: Array<{ refId: string; expr: string }> = [];

const CART = { namespace: 'shop', pod: 'cart-1', container: 'cart', node: 'node-a' };

beforeAll(() => {
  installDataSources(DEFAULT_DATA_SOURCES, { runtimeInstances: true });
  // Grafana's panel plugin loader, for the pages' VizPanels: a panel that shows its title, nothing Vigil-specific.
  const panels = new Map<string, PanelPlugin>();
  const importPanelPlugin = (id: string) => {
    let p = panels.get(id);
    if (!p) {
      p = new PanelPlugin(() => <div>{id} panel</div>);
      p.meta = { id, name: id, type: 'panel', module: `core:plugin/${id}`, baseUrl: '', sort: 0, info: { author: { name: 'test' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: 'test' } } as never;
      panels.set(id, p);
    }
    return Promise.resolve(p);
  };
  setPluginImportUtils({ importPanelPlugin, getPanelPluginFromCache: (id: string) => panels.get(id) });
  // Grafana's query plumbing: answers by query, records every query sent.
  setRunRequest((_ds: unknown, req: DataQueryRequest) => {
    const series: DataFrame[] = [];
    for (const t of req.targets as unknown as Array<{ refId: string; expr: string }>) {
      sent.push({ refId: t.refId, expr: t.expr });
      if (t.refId === 'build') series.push(instantTableFrame('build', {}));
      if (t.refId === 'alerts') {
        const all = [
          alertEntry({ ms: BASE_MS, rule: 'Terminal shell in container', ...CART }),
          alertEntry({ ms: BASE_MS + 1, rule: 'Read sensitive file untrusted', priority: 'Warning', ...CART }),
        ];
        // The rule matcher and a plain-text line filter, as Loki applies them.
        const text = / \|~ "\(\?i\)([^"\\]*)"$/.exec(t.expr)?.[1]?.toLowerCase();
        const match = (e: (typeof all)[number]) =>
          (!t.expr.includes('rule=') || t.expr.includes(`rule="${e.labels.rule}"`)) && (!text || e.line.toLowerCase().includes(text));
        series.push(logsFrame(all.filter(match), 'alerts'));
      }
      if (t.refId === 'info' && t.expr.includes('cart')) series.push(instantTableFrame('info', { ...CART, image: 'registry.example.com/shop/api:1.4.2', image_digest: API_ID }));
      if (t.refId === 'activity' && t.expr.includes('cart')) series.push(logsFrame(RECORDER_ENTRIES.map((e) => activityEntry(e)), 'activity'));
    }
    return of({ state: LoadingState.Done, series, timeRange: req.range } as PanelData);
  });
});

beforeEach(() => {
  sent.length = 0;
});

/** Grafana's AppWrapper: a v6 Router on locationService's history. */
function HistoryRouter({ children }: { children: ReactNode }) {
  const history = locationService.getHistory();
  const [location, setLocation] = useState(history.location);
  useLayoutEffect(() => history.listen((l: typeof history.location) => setLocation(l)), [history]);
  return (
    <Router location={location} navigator={history}>
      {children}
    </Router>
  );
}

function openApp(url: string, jsonData: AppJsonData = {}) {
  locationService.push(url);
  const props = { meta: { id: 'vigil-security-app', jsonData } } as unknown as AppRootProps<AppJsonData>;
  return render(
    <LocationServiceProvider service={locationService}>
      <HistoryRouter>
        <Routes>
          <Route path="/a/vigil-security-app/*" element={<App {...props} />} />
        </Routes>
      </HistoryRouter>
    </LocationServiceProvider>
  );
}

const queriesOf = (refId: string) => sent.filter((q) => q.refId === refId).map((q) => q.expr);

describe('the app opened at a URL (reload, followed link)', () => {
  it('Runtime events: the first queries already carry the rule filter of the URL, and the rows follow it', async () => {
    const { unmount } = openApp('/a/vigil-security-app/runtime-events?var-rule=Read%20sensitive%20file%20untrusted');
    await waitFor(() => expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(1), { timeout: 5000 });
    expect(screen.getByTestId(testIds.runtimeEvents.row)).toHaveTextContent('Read sensitive file untrusted');
    // Every alerts and histogram query sent has the rule: none ran with the default (unfiltered) query.
    const alerts = queriesOf('alerts');
    expect(alerts).toEqual(['{job="vigil", stream="alert", rule="Read sensitive file untrusted"}']);
    expect(queriesOf('byPriority')).toEqual(['sum by (priority) (count_over_time({job="vigil", stream="alert", rule="Read sensitive file untrusted"} [$__auto]))']);
    expect(locationService.getSearchObject()['var-rule']).toBe('Read sensitive file untrusted');

    // A filter the user sets is a history step: back restores the previous filters and stays on the page.
    const text = screen.getByTestId(testIds.runtimeEvents.textFilter);
    fireEvent.change(text, { target: { value: 'nothing matches this' } });
    fireEvent.keyDown(text, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId(testIds.runtimeEvents.empty)).toBeInTheDocument());
    expect(locationService.getSearchObject()['var-text']).toBe('nothing matches this');
    act(() => locationService.getHistory().goBack());
    await waitFor(() => expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(1));
    expect(locationService.getLocation().pathname).toBe('/a/vigil-security-app/runtime-events');
    expect(locationService.getSearchObject()['var-text']).toBeUndefined();
    expect(locationService.getSearchObject()['var-rule']).toBe('Read sensitive file untrusted');
    unmount();
  }, 20_000);

  it('Container inspect: every container query runs for the container of the URL, once', async () => {
    const { unmount } = openApp('/a/vigil-security-app/inspect?var-namespace=shop&var-pod=cart-1&var-container=cart&var-node=node-a', {
      scannerUrl: 'http://vigil-scanner:9712',
    });
    installScannerBackend({ [`${SCANNER}/api/v1/images`]: { status: 200, body: list } });
    const md = await screen.findByTestId(testIds.inspect.metadata, undefined, { timeout: 5000 });
    await waitFor(() => expect(md).toHaveTextContent('registry.example.com/shop/api:1.4.2'));
    await waitFor(() => expect(screen.getAllByTestId(testIds.inspect.process).length).toBeGreaterThan(0));
    expect(queriesOf('activity')).toEqual(['{job="vigil", stream="activity", node="node-a", namespace="shop", pod="cart-1", container="cart"}']);
    expect(queriesOf('alerts')).toEqual(['{job="vigil", stream="alert", node="node-a", namespace="shop", pod="cart-1", container="cart"}']);
    expect(queriesOf('info')).toHaveLength(1);
    expect(queriesOf('info')[0]).toContain('container="cart"');
    unmount();
  }, 20_000);

  it('Image scans: /image-scans/<encoded ref> renders the image page (the drilldown route matches)', async () => {
    installScannerBackend({
      [`${SCANNER}/api/v1/images`]: { status: 200, body: list },
      [`${SCANNER}/api/v1/images/${encodeURIComponent(API_ID)}`]: { status: 200, body: report },
    });
    const { unmount } = openApp(`/a/vigil-security-app/image-scans/${encodeURIComponent('registry.example.com/shop/api:1.4.2')}`, {
      scannerUrl: 'http://vigil-scanner:9712',
    });
    const findings = await screen.findByTestId(testIds.imageScans.findings, undefined, { timeout: 5000 });
    expect(findings).toHaveTextContent('Findings (10)');
    expect(screen.queryByTestId('default-fallback-content')).not.toBeInTheDocument();
    unmount();

    // The list page still answers at its own path.
    const again = openApp('/a/vigil-security-app/image-scans', { scannerUrl: 'http://vigil-scanner:9712' });
    const tableEl = await screen.findByTestId(testIds.imageScans.table, undefined, { timeout: 5000 });
    expect(within(tableEl).getByRole('link', { name: 'registry.example.com/shop/api:1.4.2' })).toBeInTheDocument();
    again.unmount();
  }, 20_000);
});
