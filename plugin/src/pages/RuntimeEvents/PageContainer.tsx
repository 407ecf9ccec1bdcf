import React from 'react';
import type { DataSourceRef } from '@grafana/schema';
import { getDataSourceSrv } from '@grafana/runtime';
import { SceneObjectBase, type SceneComponentProps, type SceneObject, type SceneObjectState } from '@grafana/scenes';
import { EmptyState, Stack, TextLink } from '@grafana/ui';
import { testIds } from '../../components/testIds';

export interface PageContainerState extends SceneObjectState {
  /** Data sources the page needs; a missing one shows the onboarding instead of the children. */
  loki?: DataSourceRef;
  prometheus?: DataSourceRef;
  children: SceneObject[];
  testId?: string;
}

/** The page's top block: its test id, and the onboarding when a configured data source does not exist. */
export class PageContainer extends SceneObjectBase<PageContainerState> {
  static Component = PageContainerRenderer;
}

function PageContainerRenderer({ model }: SceneComponentProps<PageContainer>) {
  const { loki, prometheus, children, testId } = model.useState();
  const missing = [
    loki && !getDataSourceSrv().getInstanceSettings(loki) ? `Loki (uid ${loki.uid})` : undefined,
    prometheus && !getDataSourceSrv().getInstanceSettings(prometheus) ? `Prometheus (uid ${prometheus.uid})` : undefined,
  ].filter((x): x is string => x !== undefined);
  return (
    <div data-testid={testId ?? testIds.runtimeEvents.container}>
      {missing.length > 0 ? (
        <div data-testid={testIds.onboarding.container}>
          <EmptyState variant="call-to-action" message={`Data source missing: ${missing.join(', ')}`}>
            Vigil reads alerts and activity from Loki and metrics from Prometheus. Create the data sources (the
            provisioned uids are <code>vigil-loki</code> and <code>vigil-prometheus</code>) or pick yours on the{' '}
            <TextLink href="/plugins/vigil-security-app" inline>
              configuration page
            </TextLink>
            . See{' '}
            <TextLink href="https://github.com/vigil-security/vigil/tree/main/docs" external inline>
              the documentation
            </TextLink>
            .
          </EmptyState>
        </div>
      ) : (
        <Stack direction="column" gap={1}>
          {children.map((c) => (
            <c.Component key={c.state.key} model={c} />
          ))}
        </Stack>
      )}
    </div>
  );
}
