import React, { useMemo } from 'react';
import { LoadingState } from '@grafana/data';
import { SceneObjectBase, sceneGraph, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert, EmptyState, LoadingPlaceholder, TextLink } from '@grafana/ui';
import { alertRowsFromFrames } from '../../services/alerts';
import { CONFIG_PAGE_URL } from '../Onboarding';
import { testIds } from '../testIds';
import { AlertTimeline } from './AlertTimeline';

export interface AlertTimelineSceneState extends SceneObjectState {
  /** Route of the Inspect page the rows link to. */
  inspectRoute: string;
  /** The query's maxLines: when the answer has that many rows, older ones were cut. */
  limit: number;
  hideContainer?: boolean;
  height?: number;
}

/**
 * The alert timeline as a scene object: reads the logs frames of the nearest SceneQueryRunner ($data) and renders
 * them virtualized. The transform runs once per answer (memoized on the data object).
 */
export class AlertTimelineScene extends SceneObjectBase<AlertTimelineSceneState> {
  static Component = AlertTimelineSceneRenderer;
}

function AlertTimelineSceneRenderer({ model }: SceneComponentProps<AlertTimelineScene>) {
  const { inspectRoute, limit, hideContainer, height } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const series = data?.series;
  const result = useMemo(() => alertRowsFromFrames(series), [series]);

  if (!data || (data.state === LoadingState.Loading && result.rows.length === 0)) {
    return <LoadingPlaceholder text="Loading alerts…" />;
  }
  if (data.state === LoadingState.Error) {
    return (
      <Alert severity="error" title="Loki query failed">
        {data.errors?.map((e) => e.message).join('; ') || data.error?.message || 'unknown error'}
      </Alert>
    );
  }
  if (result.rows.length === 0) {
    return (
      <div data-testid={testIds.runtimeEvents.empty}>
        <EmptyState variant="not-found" message="No alerts in this time range">
          Widen the time range or clear the filters. No alerts at all? Check that vigil node sends to Loki (the{' '}
          <code>loki.url</code> setting, docs/loki.md) and that the Loki data source is the one on the{' '}
          <TextLink href={CONFIG_PAGE_URL} inline>
            configuration page
          </TextLink>
          .
        </EmptyState>
      </div>
    );
  }
  return (
    <AlertTimeline
      rows={result.rows}
      malformed={result.malformed}
      inspectRoute={inspectRoute}
      limitReached={result.rows.length >= limit}
      limit={limit}
      hideContainer={hideContainer}
      height={height}
    />
  );
}
