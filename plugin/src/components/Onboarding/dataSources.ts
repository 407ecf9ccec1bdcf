import { getDataSourceSrv } from '@grafana/runtime';
import type { VigilSettings } from '../../services/settings';
import type { OnboardingReason, VigilDataSourceKind } from './reasons';

/** The configured data sources that do not exist in this Grafana (asks getDataSourceSrv, no request is made). */
export function missingDataSources(settings: VigilSettings, required: readonly VigilDataSourceKind[]): OnboardingReason[] {
  const srv = getDataSourceSrv();
  const out: OnboardingReason[] = [];
  for (const kind of required) {
    const uid = settings[kind].uid ?? '';
    if (!uid || !srv.getInstanceSettings({ uid, type: kind })) {
      out.push({ kind: 'datasource-missing', dataSource: kind, uid });
    }
  }
  return out;
}
