// One call for a whole scan: catalogue the image, then assess it. `vigil scan` uses this; the scanner service calls
// the two halves itself so that it can keep catalogued images and re-assess them when the database changes.
import { assessImage, type Assessment, type AssessmentInputs } from './assess-image.js';
import { catalogImage, type CatalogRequest, type CatalogedImage } from './catalog-image.js';

export interface ImageScan extends Assessment {
  cataloged: CatalogedImage;
}

export async function scanImage(request: CatalogRequest, inputs: AssessmentInputs): Promise<ImageScan> {
  const cataloged = await catalogImage(request);
  request.onEvent?.({ type: 'phase', text: `matching ${cataloged.image.packages.length} packages` });
  return { ...assessImage(cataloged, inputs), cataloged };
}
