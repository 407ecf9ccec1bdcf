import { EmbeddedScene, SceneAppPage, SceneFlexLayout, SceneFlexItem, SceneReactObject } from '@grafana/scenes';
import React from 'react';
import { prefixRoute, ROUTES } from '../../constants';
import type { VigilSettings } from '../../services/settings';
import { testIds } from '../../components/testIds';

// Placeholder until the page is built.
export function overviewPage(_settings: VigilSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'Overview',
    url: prefixRoute(ROUTES.Overview),
    routePath: ROUTES.Overview,
    getScene: () =>
      new EmbeddedScene({
        body: new SceneFlexLayout({
          children: [
            new SceneFlexItem({
              body: new SceneReactObject({
                component: () => React.createElement('div', { 'data-testid': testIds.overview.container }, 'Overview'),
              }),
            }),
          ],
        }),
      }),
  });
}
