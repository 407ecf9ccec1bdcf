import { prefixRoute, ROUTES } from '../../constants';

/** The image page of a reference: /a/vigil-security-app/image-scans/<url-encoded ref>. */
export function imagePageUrl(ref: string): string {
  return `${prefixRoute(ROUTES.ImageScans)}/${encodeURIComponent(ref)}`;
}

/** The drilldown's route below the Image scans page. */
export const IMAGE_ROUTE_PARAM = 'ref';
