// Test support: what Grafana's boot gives a plugin for its configured data sources — the data source service
// (getInstanceSettings answers undefined for a uid that is not provisioned, getList filters by plugin type) and,
// when asked, the runtime instances found by uid that SceneQueryRunner resolves. The queries themselves still go
// through runRequest (setRunRequest in the test), as in Grafana; nothing of the plugin is replaced.
import { of } from 'rxjs';
import type { DataSourceInstanceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import { registerRuntimeDataSourceInstance } from '@grafana/runtime/unstable';

export type TestDataSourceType = 'prometheus' | 'loki';

export interface TestDataSource {
  uid: string;
  type: TestDataSourceType;
}

/** The uids the app's settings default to. */
export const DEFAULT_DATA_SOURCES: readonly TestDataSource[] = [
  { uid: 'vigil-prometheus', type: 'prometheus' },
  { uid: 'vigil-loki', type: 'loki' },
];

function instanceSettings(ds: TestDataSource): DataSourceInstanceSettings {
  const isLoki = ds.type === 'loki';
  return {
    uid: ds.uid,
    type: ds.type,
    name: ds.uid,
    meta: { id: ds.type, name: ds.type, logs: isLoki, metrics: !isLoki, info: { logos: { small: '', large: '' } } },
  } as unknown as DataSourceInstanceSettings;
}

// The runtime registry throws on a second registration of a uid; it lives as long as this module (one test file).
const registered = new Map<string, { getRef: () => { uid: string; type: string } }>();

/**
 * Installs Grafana's data source service with exactly these data sources. With `runtimeInstances` the instances are
 * also registered (once per uid) so SceneQueryRunner finds them; tests that only look at settings leave it off.
 */
export function installDataSources(
  sources: readonly TestDataSource[] = DEFAULT_DATA_SOURCES,
  opts: { runtimeInstances?: boolean } = {}
): DataSourceInstanceSettings[] {
  const settings = sources.map(instanceSettings);
  if (opts.runtimeInstances) {
    for (const s of settings) {
      if (registered.has(s.uid)) continue;
      const dataSource = { ...s, instanceSettings: s, getRef: () => ({ uid: s.uid, type: s.type }), query: () => of({ data: [] }) };
      registerRuntimeDataSourceInstance({ dataSource } as never);
      registered.set(s.uid, dataSource);
    }
  }
  const byRef = (ref: string | { uid?: string } | null | undefined) => {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    return settings.find((s) => s.uid === uid);
  };
  setDataSourceSrv({
    getList: (filters: { pluginId?: string } = {}) => settings.filter((s) => !filters.pluginId || s.type === filters.pluginId),
    getInstanceSettings: byRef,
    get: (ref: string | { uid?: string } | null | undefined) => {
      const s = byRef(ref);
      const instance = s && registered.get(s.uid);
      return instance ? Promise.resolve(instance) : Promise.reject(new Error(`no data source instance for ${JSON.stringify(ref)} in this test`));
    },
    reload: () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
  return settings;
}
