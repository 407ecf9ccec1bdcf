// The Grafana stand-in's front end: what Grafana's boot (public/app/app.ts) does before and around an app plugin,
// reduced to what an app plugin can observe. window.grafanaBootData is written by the server into the page before
// this bundle runs, because @grafana/runtime's `config` reads it when the module is first evaluated.
import React, { useLayoutEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { Route, Router, Routes } from 'react-router-dom';
import { catchError, from, map, of, startWith, type Observable } from 'rxjs';
import {
  AppPlugin,
  EventBusSrv,
  LoadingState,
  PluginContextProvider,
  toDataFrame,
  type AppPluginMeta,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type PanelData,
  type ScopedVars,
} from '@grafana/data';
import {
  config,
  FakeEchoSrv,
  LocationServiceProvider,
  locationService,
  setAppEvents,
  setBackendSrv,
  setDataSourceSrv,
  setEchoSrv,
  setPluginImportUtils,
  setRunRequest,
  setTemplateSrv,
  toDataQueryError,
  type TemplateSrv,
} from '@grafana/runtime';
import { sceneGraph, type SceneObject } from '@grafana/scenes';
import { ThemeContext } from '@grafana/ui';
// Grafana 13.1's own boot also fills @grafana/runtime's new data source registry (what
// `@grafana/runtime/unstable` getDataSourceInstance/getDataSourceInstanceSettings read, and Scenes uses through
// @grafana/plugin-compat when present). Its setters are not in the package's public exports; Grafana imports
// them from its source tree, the stand-in from the same published files.
// @ts-ignore -- no type declarations for the deep path
import { initDataSourceInstanceSettings } from '../../../../node_modules/@grafana/runtime/dist/esm/services/dataSource/settings.mjs';
// @ts-ignore -- no type declarations for the deep path
import { setDataSourcePluginImporter } from '../../../../node_modules/@grafana/runtime/dist/esm/services/dataSource/dataSource.mjs';
import { createBackendSrv, fetchObservable } from './backend-srv';
import { createDataSourceSrv, dataSourceClass, instanceSettings, type StandInDataSource } from './datasources';
import { getPanelPluginFromCache, importPanelPlugin } from './panels';
import { importPluginModule, registerSharedDependencies } from './shared-modules';

const PLUGIN_ID = 'vigil-security-app';

interface StandInBoot {
  datasources: StandInDataSource[];
}

const standin = (window as unknown as { vigilStandIn: StandInBoot }).vigilStandIn;

// Grafana's runRequest (public/app/features/query/state/runRequest.ts): Loading first, then the response as
// DataFrames with the request's time range; a thrown or errored query becomes state Error with the error.
function runRequest(ds: DataSourceApi, request: DataQueryRequest): Observable<PanelData> {
  const base = { timeRange: request.range, request, series: [], annotations: [] };
  let result: Observable<DataQueryResponse>;
  try {
    result = from(ds.query(request) as Observable<DataQueryResponse> | Promise<DataQueryResponse>);
  } catch (e) {
    const error = toDataQueryError(e);
    return of({ ...base, state: LoadingState.Error, error, errors: [error] });
  }
  return result.pipe(
    map((rsp): PanelData => {
      const errors = rsp.errors ?? (rsp.error ? [rsp.error] : undefined);
      return {
        ...base,
        state: errors?.length ? LoadingState.Error : (rsp.state ?? LoadingState.Done),
        series: (rsp.data ?? []).map((d) => toDataFrame(d)),
        errors,
        error: errors?.[0],
      };
    }),
    catchError((e: unknown) => {
      const error = toDataQueryError(e as Error);
      return of<PanelData>({ ...base, state: LoadingState.Error, error, errors: [error] });
    }),
    startWith<PanelData>({ ...base, state: LoadingState.Loading })
  );
}

// Grafana's TemplateSrv.replace: a query from a scene carries its scene object in scopedVars.__sceneObject and is
// interpolated by Scenes (public/app/features/templating/template_srv.ts).
function createTemplateSrv(): TemplateSrv {
  const srv = {
    getVariables: () => [],
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) => {
      if (!target) return target ?? '';
      const so = scopedVars?.__sceneObject?.value as { valueOf(): SceneObject } | undefined;
      if (so) return sceneGraph.interpolate(so.valueOf(), target, scopedVars, format as never);
      return target;
    },
    containsTemplate: (t?: string) => Boolean(t && /\$\w+|\$\{[^}]+\}|\[\[[^\]]+\]\]/.test(t)),
    updateTimeRange: () => undefined,
  };
  return srv as unknown as TemplateSrv;
}

function boot(): void {
  registerSharedDependencies();
  setBackendSrv(createBackendSrv());
  setDataSourceSrv(createDataSourceSrv(standin.datasources));
  const settings = standin.datasources.map(instanceSettings);
  (initDataSourceInstanceSettings as (s: Record<string, unknown>, d: string) => void)(
    Object.fromEntries(settings.map((s) => [s.name, s])),
    settings.find((s) => s.isDefault)?.name ?? ''
  );
  (setDataSourcePluginImporter as (fn: (meta: { id: string }) => Promise<unknown>) => void)(async (meta) => ({ DataSourceClass: dataSourceClass(meta.id), components: {} }));
  setRunRequest(runRequest);
  setTemplateSrv(createTemplateSrv());
  setAppEvents(new EventBusSrv() as never);
  setEchoSrv(new FakeEchoSrv());
  setPluginImportUtils({ importPanelPlugin, getPanelPluginFromCache });
  document.addEventListener('click', interceptLinkClicks);
}

/**
 * Grafana's interceptLinkClicks (public/app/core/navigation/patch/interceptLinkClicks.ts, registered on document in
 * public/app/app.ts): a click on an <a href> without target is an in-app navigation through locationService, not a
 * page load. Plugins' plain links (TextLink, LinkButton) rely on it; without it every link reloaded Grafana.
 */
function interceptLinkClicks(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const anchor = e.target instanceof Element ? e.target.closest('a') : null;
  if (!anchor || anchor.dataset.noIntercept) return;
  let href = anchor.getAttribute('href');
  if (!href || anchor.getAttribute('target')) return;
  e.preventDefault();
  if (href[0] !== '/') {
    if (href.includes('://') || /^\s*mailto:/i.test(href)) {
      window.location.href = href;
      return;
    }
    href = `/${href}`;
  }
  locationService.push(href);
}

/** react-router v6 Router on locationService's history, as Grafana's AppWrapper does. */
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

async function loadSettings(): Promise<AppPluginMeta> {
  const res = await new Promise<AppPluginMeta>((resolve, reject) =>
    fetchObservable<AppPluginMeta>({ url: `/api/plugins/${PLUGIN_ID}/settings` }).subscribe({ next: (r) => resolve(r.data), error: reject })
  );
  return res;
}

function AppRoot({ plugin }: { plugin: AppPlugin }) {
  const Root = plugin.root!;
  const query = Object.fromEntries(new URLSearchParams(locationService.getLocation().search));
  return (
    <PluginContextProvider meta={plugin.meta}>
      <Root meta={plugin.meta} basename={`/a/${PLUGIN_ID}`} path={`/a/${PLUGIN_ID}`} query={query as never} onNavChanged={() => undefined} />
    </PluginContextProvider>
  );
}

function ConfigPage({ plugin }: { plugin: AppPlugin }) {
  const query = Object.fromEntries(new URLSearchParams(locationService.getLocation().search));
  return (
    <PluginContextProvider meta={plugin.meta}>
      <h1>{plugin.meta.name}</h1>
      {(plugin.configPages ?? []).map((page) => (
        <section key={page.id} aria-label={page.title}>
          <h2>{page.title}</h2>
          <page.body plugin={plugin} query={query as never} />
        </section>
      ))}
    </PluginContextProvider>
  );
}

function Shell({ plugin }: { plugin: AppPlugin }) {
  return (
    <ThemeContext.Provider value={config.theme2}>
      <div style={{ background: config.theme2.colors.background.canvas, color: config.theme2.colors.text.primary, minHeight: '100vh', fontFamily: config.theme2.typography.fontFamily, fontSize: config.theme2.typography.fontSize }}>
        <nav aria-label="Stand-in navigation" data-standin-nav style={{ padding: 8, display: 'flex', gap: 12 }}>
          {(plugin.meta.includes ?? []).filter((i) => i.addToNav && i.path).map((i) => (
            <a key={i.path} href={i.path!.replace('%PLUGIN_ID%', PLUGIN_ID)} onClick={(e) => { e.preventDefault(); locationService.push(i.path!.replace('%PLUGIN_ID%', PLUGIN_ID)); }}>
              {i.name}
            </a>
          ))}
        </nav>
        <main style={{ padding: 8 }}>
          <LocationServiceProvider service={locationService}>
          <HistoryRouter>
            <Routes>
              <Route path={`/a/${PLUGIN_ID}/*`} element={<AppRoot plugin={plugin} />} />
              <Route path={`/plugins/${PLUGIN_ID}`} element={<ConfigPage plugin={plugin} />} />
              <Route path="*" element={<div>Page not found (Grafana stand-in)</div>} />
            </Routes>
          </HistoryRouter>
          </LocationServiceProvider>
        </main>
      </div>
      <div id="grafana-portal-container" />
    </ThemeContext.Provider>
  );
}

async function start(): Promise<void> {
  boot();
  // Marks for the benchmark: where the host's own boot ends and the plugin's part begins.
  performance.mark('standin:host-booted');
  const meta = await loadSettings();
  performance.mark('standin:plugin-import');
  const exports = await importPluginModule(`/public/plugins/${PLUGIN_ID}/module.js`);
  const plugin = (exports.plugin as AppPlugin | undefined) ?? new AppPlugin();
  // Grafana's importAppPlugin: init with the settings, then meta.
  plugin.init(meta);
  plugin.meta = meta;
  const el = document.getElementById('reactRoot')!;
  createRoot(el).render(<Shell plugin={plugin} />);
  (window as unknown as { vigilStandInReady: boolean }).vigilStandInReady = true;
}

// The page loads this bundle BEFORE SystemJS: UMD builds in it (lodash, moment, ...) would otherwise see SystemJS's
// global AMD `define` and register themselves there instead of initialising. The page calls this once SystemJS is in.
(window as unknown as { vigilStandInStart: () => void }).vigilStandInStart = () => {
  start().catch((e: unknown) => {
    const el = document.getElementById('reactRoot');
    if (el) el.textContent = `Grafana stand-in failed to start: ${(e as Error).stack ?? String(e)}`;
    (window as unknown as { vigilStandInError: string }).vigilStandInError = String((e as Error).stack ?? e);
  });
};
