// Every policy Vigil knows, in the order reports list them.
import type { PolicyDefinition } from './definition.js';
import { allowedRegistriesPolicy } from './rules/allowed-registries.js';
import { bannedPackagesPolicy } from './rules/banned-packages.js';
import { imageReferencePolicy } from './rules/image-reference.js';
import { maxImageAgePolicy } from './rules/max-image-age.js';
import { nonRootUserPolicy } from './rules/non-root-user.js';
import { osEndOfLifePolicy } from './rules/os-end-of-life.js';
import { osIdentifiedPolicy } from './rules/os-identified.js';
import { requiredLabelsPolicy } from './rules/required-labels.js';
import { secretEnvPolicy } from './rules/secret-env.js';
import { vulnerabilitiesPolicy } from './rules/vulnerabilities.js';

// The array erases each definition's parameter type; config.ts re-validates parameters against `params` before use.
export const POLICIES: readonly PolicyDefinition[] = [
  vulnerabilitiesPolicy,
  osEndOfLifePolicy,
  osIdentifiedPolicy,
  nonRootUserPolicy,
  imageReferencePolicy,
  secretEnvPolicy,
  allowedRegistriesPolicy,
  maxImageAgePolicy,
  requiredLabelsPolicy,
  bannedPackagesPolicy,
] as unknown as readonly PolicyDefinition[];

export function policyById(id: string): PolicyDefinition | undefined {
  return POLICIES.find((p) => p.id === id);
}
