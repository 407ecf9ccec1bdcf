import React from 'react';
import { SceneObjectBase, sceneGraph, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { LinkButton, Stack } from '@grafana/ui';
import { DASHBOARD_UIDS, dashboardUrl, prefixRoute, ROUTES } from '../../constants';
import { testIds } from '../../components/testIds';
import { NODE_VARIABLE } from '../../services/overviewQueries';
import { withParams } from '../../components/PageLinks/PageLinks';

export interface OverviewLinksState extends SceneObjectState {}

/** The one selected node, or undefined for "All" / several (then links go unfiltered). */
export function singleNode(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  return typeof v === 'string' && v !== '' && v !== '$__all' && v !== '.*' ? v : undefined;
}

/** Links to the other pages and the dashboards, carrying the selected node and the time range. */
export class OverviewLinks extends SceneObjectBase<OverviewLinksState> {
  static Component = OverviewLinksRenderer;
}

function OverviewLinksRenderer({ model }: SceneComponentProps<OverviewLinks>) {
  const variable = sceneGraph.lookupVariable(NODE_VARIABLE, model);
  variable?.useState();
  const timeRange = sceneGraph.getTimeRange(model);
  const { from, to } = timeRange.useState();
  const node = singleNode(variable?.getValue());
  const time = { from, to };
  return (
    <div data-testid={testIds.overview.links}>
      <Stack gap={1} wrap="wrap">
        <LinkButton variant="secondary" icon="bell" href={withParams(prefixRoute(ROUTES.RuntimeEvents), { ...time, 'var-node': node })}>
          Runtime events
        </LinkButton>
        <LinkButton variant="secondary" icon="shield" href={prefixRoute(ROUTES.ImageScans)}>
          Image scans
        </LinkButton>
        <LinkButton variant="secondary" icon="apps" fill="text" href={dashboardUrl(DASHBOARD_UIDS.clusterOverview, { ...time, 'var-node': node })}>
          Cluster overview dashboard
        </LinkButton>
        <LinkButton variant="secondary" icon="apps" fill="text" href={dashboardUrl(DASHBOARD_UIDS.node, { ...time, 'var-node': node })}>
          Node dashboard
        </LinkButton>
        <LinkButton variant="secondary" icon="apps" fill="text" href={dashboardUrl(DASHBOARD_UIDS.runtimeSecurity, { ...time, 'var-node': node })}>
          Runtime security dashboard
        </LinkButton>
        <LinkButton variant="secondary" icon="apps" fill="text" href={dashboardUrl(DASHBOARD_UIDS.vulnerabilities, time)}>
          Vulnerabilities dashboard
        </LinkButton>
      </Stack>
    </div>
  );
}
