import { EmbeddedScene, SceneAppPage, type SceneRouteMatch } from '@grafana/scenes';
import { prefixRoute, ROUTES } from '../../constants';
import type { VigilSettings } from '../../services/settings';
import { gatedColumn } from '../../components/Onboarding';
import { ImageDetailScene } from './ImageDetailScene';
import { ImageListScene } from './ImageListScene';
import { IMAGE_ROUTE_PARAM, imagePageUrl } from './links';

/** A scanner page: behind the same onboarding gate as every page, so without a scanner it neither renders nor asks. */
export function imageScansScene(settings: VigilSettings, body: ImageListScene | ImageDetailScene): EmbeddedScene {
  return new EmbeddedScene({ body: gatedColumn({ settings, requires: ['scanner'], children: [body] }) });
}

/** React Router hands the param decoded; an address typed by hand may still be encoded once more. */
function refFromMatch(match: SceneRouteMatch<Record<string, string | undefined>>): string {
  const raw = match.params[IMAGE_ROUTE_PARAM] ?? '';
  try {
    return /%[0-9a-fA-F]{2}/.test(raw) ? decodeURIComponent(raw) : raw;
  } catch {
    return raw;
  }
}

export function imageScansPage(settings: VigilSettings): SceneAppPage {
  const page: SceneAppPage = new SceneAppPage({
    title: 'Image scans',
    subTitle: 'The images in use, their vulnerabilities, policy verdicts and the upgrades that fix most',
    url: prefixRoute(ROUTES.ImageScans),
    // SceneApp puts routePath on a top-level <Route>: without the splat, /image-scans/<ref> matches no page and
    // the drilldown's nested route below is never reached.
    routePath: `${ROUTES.ImageScans}/*`,
    preserveUrlKeys: ['q', 'severity', 'fixable', 'policy'],
    getScene: () => imageScansScene(settings, new ImageListScene({ settings })),
    drilldowns: [
      {
        routePath: `:${IMAGE_ROUTE_PARAM}/*`,
        getPage: (match, parent) => {
          const ref = refFromMatch(match);
          return new SceneAppPage({
            title: ref,
            url: imagePageUrl(ref),
            routePath: `:${IMAGE_ROUTE_PARAM}/*`,
            getParentPage: () => parent,
            getScene: () => imageScansScene(settings, new ImageDetailScene({ settings, imageRef: ref })),
          });
        },
      },
    ],
  });
  return page;
}
