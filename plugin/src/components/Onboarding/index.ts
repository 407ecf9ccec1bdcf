// The shared onboarding of every Vigil page. See README in the plugin report: OnboardingGate wraps a page body;
// Onboarding renders one reason; missingDataSources asks Grafana which configured data sources do not exist.
export { Onboarding, CONFIG_PAGE_URL, DOCS_URL, type OnboardingProps } from './Onboarding';
export { OnboardingGate, type OnboardingGateState, type OnboardingRequirement } from './OnboardingGate';
export { missingDataSources } from './dataSources';
export { onboardingText, framesAreEmpty, type OnboardingReason, type OnboardingText, type VigilDataSourceKind } from './reasons';
