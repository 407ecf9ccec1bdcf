import React from 'react';
import { LoadingState, type PanelData } from '@grafana/data';
import { SceneObjectBase, type SceneComponentProps, type SceneDataProvider, type SceneObject, type SceneObjectState } from '@grafana/scenes';
import type { VigilSettings } from '../../services/settings';
import { missingDataSources } from './dataSources';
import { Onboarding } from './Onboarding';
import { framesAreEmpty, type OnboardingReason, type VigilDataSourceKind } from './reasons';

export type OnboardingRequirement = VigilDataSourceKind | 'scanner';

export interface OnboardingGateState extends SceneObjectState {
  settings: VigilSettings;
  /** What the page needs; a missing one replaces the body by its onboarding. */
  requires: OnboardingRequirement[];
  body: SceneObject;
  /**
   * Optional cheap query (e.g. `count(vigil_build_info)`) whose empty result means "the data source has no Vigil
   * data": the no-data onboarding is then shown above the body, which still renders (data may arrive).
   */
  probe?: SceneDataProvider;
  probeDataSource?: VigilDataSourceKind;
  /** data-testid of the wrapper, so a page keeps its own container id. */
  testId?: string;
  /** Computed on activation. */
  blocking?: OnboardingReason[];
  noData?: OnboardingReason;
}

/**
 * Wraps a page body: shows the onboarding instead of panels that could only fail (data source missing, scanner not
 * configured), or above them when the data source answers with nothing.
 */
export class OnboardingGate extends SceneObjectBase<OnboardingGateState> {
  static Component = OnboardingGateRenderer;

  constructor(state: OnboardingGateState) {
    super(state);
    this.addActivationHandler(() => this.onActivate());
  }

  private onActivate() {
    const { settings, requires, probe } = this.state;
    const dataSources = requires.filter((r): r is VigilDataSourceKind => r !== 'scanner');
    const blocking: OnboardingReason[] = missingDataSources(settings, dataSources);
    if (requires.includes('scanner') && !settings.scannerConfigured) {
      blocking.push({ kind: 'scanner-not-configured' });
    }
    this.setState({ blocking, noData: undefined });
    if (blocking.length > 0 || !probe) {
      return;
    }
    const kind = this.state.probeDataSource ?? 'prometheus';
    const check = (data: PanelData | undefined) => {
      if (!data || data.state !== LoadingState.Done) {
        return;
      }
      const empty = framesAreEmpty(data.series);
      this.setState({ noData: empty ? { kind: 'no-data', dataSource: kind, uid: settings[kind].uid ?? '' } : undefined });
    };
    const sub = probe.subscribeToState((s) => check(s.data));
    const deactivateProbe = probe.activate();
    // A provider may hold its answer already (cached, static): it will not change state again.
    check(probe.state.data);
    return () => {
      sub.unsubscribe();
      deactivateProbe();
    };
  }
}

function OnboardingGateRenderer({ model }: SceneComponentProps<OnboardingGate>) {
  const { blocking, noData, body, testId } = model.useState();
  if (blocking === undefined) {
    return null;
  }
  return (
    <div data-testid={testId}>
      {blocking.length > 0 ? (
        blocking.map((r) => <Onboarding key={`${r.kind}-${'dataSource' in r ? r.dataSource : ''}`} reason={r} />)
      ) : (
        <>
          {noData && <Onboarding reason={noData} compact />}
          <body.Component model={body} />
        </>
      )}
    </div>
  );
}
