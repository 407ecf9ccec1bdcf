// The shared onboarding of every Vigil page: gatedColumn builds a page body behind an OnboardingGate; the gate shows
// Onboarding (one reason each) instead of the body when a data source or the scanner is missing, or a no-data
// notice above it; missingDataSources asks Grafana which configured data sources do not exist.
export { Onboarding, CONFIG_PAGE_URL, DOCS_URL, type OnboardingProps } from './Onboarding';
export { OnboardingGate, type OnboardingGateState, type OnboardingRequirement } from './OnboardingGate';
export { gatedColumn, vigilMetricsProbe, VIGIL_METRICS_PROBE_EXPR, type GatedColumnOptions } from './gatedColumn';
export { missingDataSources } from './dataSources';
export { onboardingText, framesAreEmpty, type OnboardingReason, type OnboardingText, type VigilDataSourceKind } from './reasons';
