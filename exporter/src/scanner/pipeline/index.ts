// The scanner's pipeline, shared by `vigil scan` and `vigil scanner`:
// source -> layers -> catalogers (catalogImage) -> matcher -> grouping -> suppressions -> policies (assessImage)
// -> report (renderReport).
export { catalogImage, type CatalogRequest, type CatalogedImage, type PipelineEvent } from './catalog-image.js';
export { assessImage, dbMetadata, type Assessment, type AssessmentInputs } from './assess-image.js';
export { assessCompleteness, type Completeness, type CompletenessInput } from './completeness.js';
export { groupFindings } from './group-findings.js';
export { loadPolicyInputs, PolicyInputError, type PolicyFiles, type PolicyInputs } from './policy-inputs.js';
export { renderReport, incompleteBanner, REPORT_FORMATS, type ReportFormat, type RenderOptions } from './render-report.js';
export { scanImage, type ImageScan } from './scan-image.js';
