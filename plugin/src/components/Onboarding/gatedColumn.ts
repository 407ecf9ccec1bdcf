import { SceneFlexItem, SceneFlexLayout, SceneQueryRunner, type SceneDataProvider, type SceneObject } from '@grafana/scenes';
import type { VigilSettings } from '../../services/settings';
import { OnboardingGate, type OnboardingRequirement } from './OnboardingGate';
import type { VigilDataSourceKind } from './reasons';

/** An instant query that is empty exactly when Prometheus holds no vigil node at all (every node exports it). */
export const VIGIL_METRICS_PROBE_EXPR = 'count(vigil_build_info)';

/** The probe of the pages that read Vigil's metrics: an empty answer shows the no-data onboarding. */
export function vigilMetricsProbe(settings: VigilSettings): SceneQueryRunner {
  return new SceneQueryRunner({
    datasource: settings.prometheus,
    queries: [{ refId: 'probe', expr: VIGIL_METRICS_PROBE_EXPR, instant: true, range: false }],
  });
}

export interface GatedColumnOptions {
  settings: VigilSettings;
  requires: OnboardingRequirement[];
  /** The page's container test id: it wraps the onboarding and the body alike. */
  testId?: string;
  probe?: SceneDataProvider;
  probeDataSource?: VigilDataSourceKind;
  /** The page body, top to bottom; plain scene objects get an auto-sized flex item. */
  children: Array<SceneFlexItem | SceneObject>;
}

/**
 * Every page's body: a column behind the shared onboarding gate, so a missing data source (or scanner) replaces the
 * whole body, never just its first block with queries still failing below it.
 */
export function gatedColumn({ children, ...gate }: GatedColumnOptions): OnboardingGate {
  const items = children.map((c) => (c instanceof SceneFlexItem ? c : new SceneFlexItem({ body: c })));
  return new OnboardingGate({ ...gate, body: new SceneFlexLayout({ direction: 'column', children: items }) });
}
