// The modules Grafana shares with every plugin (plugin/.config/bundler/externals.ts marks them external, so the
// plugin's AMD module.js asks the loader for them by name). Grafana registers the same list with SystemJS in
// public/app/features/plugins/loader/sharedDependencies.ts: an import map maps each bare name to a `package:<name>`
// id, and SystemJS.set() puts the module object there. CommonJS/default-export packages are registered with
// `__useDefault: true`, which SystemJS's AMD extra unwraps to `.default` for the AMD factory — as in Grafana.
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaDataUnstable from '@grafana/data/unstable';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaRuntimeUnstable from '@grafana/runtime/unstable';
import * as grafanaUi from '@grafana/ui';
import * as grafanaUiUnstable from '@grafana/ui/unstable';
import * as grafanaSchema from '@grafana/schema';
import i18next from 'i18next';
import lodash from 'lodash';
import moment from 'moment';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as reactRouter from 'react-router';
import * as reactRouterDom from 'react-router-dom';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

interface SystemJSLike {
  addImportMap(map: { imports: Record<string, string> }): void;
  set(id: string, module: object): void;
  import(id: string): Promise<Record<string, unknown>>;
}

export const sharedDependencies: Record<string, object> = {
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/data/unstable': grafanaDataUnstable,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/runtime/unstable': grafanaRuntimeUnstable,
  '@grafana/ui': grafanaUi,
  '@grafana/ui/unstable': grafanaUiUnstable,
  '@grafana/schema': grafanaSchema,
  i18next: { default: i18next, __useDefault: true },
  lodash: { default: lodash, __useDefault: true },
  moment: { default: moment, __useDefault: true },
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': jsxRuntime,
  'react-router': reactRouter,
  'react-router-dom': reactRouterDom,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

export function system(): SystemJSLike {
  const s = (window as unknown as { System?: SystemJSLike }).System;
  if (!s) throw new Error('SystemJS (system.js + extras/amd.js) must be loaded before the host bundle');
  return s;
}

export function registerSharedDependencies(): void {
  const s = system();
  const imports: Record<string, string> = {};
  for (const name of Object.keys(sharedDependencies)) imports[name] = `package:${name}`;
  s.addImportMap({ imports });
  for (const [name, mod] of Object.entries(sharedDependencies)) s.set(`package:${name}`, mod);
}

/**
 * Grafana's importPluginModule: SystemJS.import of public/plugins/<id>/module.js. An AMD module comes back as
 * { default: exports, __useDefault: true }; webpack's top-level-await output makes `exports` a promise.
 */
export async function importPluginModule(path: string): Promise<Record<string, unknown>> {
  const ns = await system().import(path);
  const exported = (ns.__useDefault ? ns.default : ns) as Record<string, unknown> | Promise<Record<string, unknown>>;
  return await exported;
}
