// The flight recorder's public surface, for the `vigil node` composition root and the HTTP routes.
export { FlightRecorder, RECORDER_DEFAULTS, type RecorderOptions, type RecorderStats, type PersistOptions, type RingEviction } from './recorder.js';
export { activityLines } from './activity-lines.js';
export { triggerFromAlert } from './trigger.js';
export { isCaptureId } from './capture-id.js';
export type * from './types.js';
export type { ActivityEntry } from './entry.js';
