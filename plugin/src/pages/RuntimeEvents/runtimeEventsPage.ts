import { EmbeddedScene, SceneAppPage, SceneFlexLayout, SceneFlexItem, SceneReactObject } from '@grafana/scenes';
import React from 'react';
import { prefixRoute, ROUTES } from '../../constants';
import type { VigilSettings } from '../../services/settings';
import { testIds } from '../../components/testIds';

// Placeholder until the page is built.
export function runtimeEventsPage(_settings: VigilSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'RuntimeEvents',
    url: prefixRoute(ROUTES.RuntimeEvents),
    routePath: ROUTES.RuntimeEvents,
    getScene: () =>
      new EmbeddedScene({
        body: new SceneFlexLayout({
          children: [
            new SceneFlexItem({
              body: new SceneReactObject({
                component: () => React.createElement('div', { 'data-testid': testIds.runtimeEvents.container }, 'RuntimeEvents'),
              }),
            }),
          ],
        }),
      }),
  });
}
