// Public surface of the scanner's policy stage: policy files, evaluation, suppressions (ignore lists, OpenVEX).
export type { PolicyContext, PolicyInput, PolicyResult } from './types.js';
export { defaultPolicyConfig, parsePolicyConfig, type PolicyConfig, type PolicySetting } from './config.js';
export { evaluatePolicies, violatedPolicies } from './evaluate.js';
export { POLICIES, policyById } from './registry.js';
export { SourceFileError, formatIssue, type SourceIssue } from './config-source.js';
export { SEVERITIES, atLeast, compareSeverityDesc, isSeverity, parseSeverity, severityRank, severityWeight } from './severity.js';
export { isActive, isFixable } from './findings.js';
export { EOL_TABLE, type DistroEol, type EolEntry } from './eol-table.js';
export { lookupEol, type EolLookup } from './eol.js';
export { localTransport, parseImageReference, type LocalTransport, type ParsedReference } from './image-reference.js';
export { detectSecrets, type SecretHit } from './secret-detect.js';
export { parseIgnoreFile, ignoreEntryActive, type IgnoreEntry, type IgnoreFile } from './suppressions/ignore-file.js';
export { parseOpenVex, type VexDocument, type VexStatement, type VexStatus, type VexJustification } from './suppressions/openvex.js';
export { applySuppressions, type SuppressionInput, type SuppressionOutcome } from './suppressions/apply.js';
