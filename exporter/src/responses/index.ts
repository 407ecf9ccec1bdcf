// Responses (opt-in per rule with `x-vigil-actions`): kill the offending process from the kernel, freeze its
// container. docs/responses.md says what each can and cannot prevent. The composition root builds one Responder.

export { Responder } from './responder.js';
export { createCgroupLocator, type CgroupLocatorOptions } from './cgroup-locator.js';
export { parseResponseActions, ACTIONS_KEY, type ParsedActions } from './actions.js';
export { parseKillNotice, type KillNotice, type KillNoticeOutcome, type KillVia } from './loader-notices.js';
export { isContainerCgroupName, isContainerId } from './container-cgroup.js';
export {
  RESPONSE_ACTIONS,
  RESPONSE_RESULTS,
  type CgroupDirLocator,
  type ContainerCgroupDirs,
  type RecentResponse,
  type ResponderOptions,
  type ResponderStats,
  type ResponseAction,
  type ResponseOutcome,
  type ResponseResult,
  type ResponseTarget,
  type ThawOutcome,
} from './types.js';
