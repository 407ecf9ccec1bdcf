// The responder's contract with the composition root: what it is given, what it is asked to do, what it reports.
// Outcomes use the alert's ResponseOutcome so that every action can travel as (part of) an alert.

import type { ResponseOutcome } from '../alerts/types.js';

export type { ResponseOutcome };
export type ResponseAction = ResponseOutcome['action'];
export type ResponseResult = ResponseOutcome['result'];

export const RESPONSE_ACTIONS = ['kill', 'freeze'] as const satisfies readonly ResponseAction[];
export const RESPONSE_RESULTS = ['done', 'dry-run', 'refused', 'rate-limited', 'failed'] as const satisfies readonly ResponseResult[];

/** The cgroup directories of one container that a freezer can be driven through. */
export interface ContainerCgroupDirs {
  /** cgroup v1 freezer hierarchy directory, e.g. /sys/fs/cgroup/freezer/libpod_parent/libpod-<id> */
  v1Freezer?: string;
  /** unified (v2) hierarchy directory, e.g. /sys/fs/cgroup/unified/libpod_parent/libpod-<id> */
  v2?: string;
}

/** Finds a container's cgroup directories; hints help (a member pid), the container id decides. */
export type CgroupDirLocator = (
  containerId: string,
  hint?: { pid?: number; cgroupPath?: string },
) => ContainerCgroupDirs | undefined | Promise<ContainerCgroupDirs | undefined>;

export interface ResponderOptions {
  /** Global switch: decide and report everything, do nothing. */
  dryRun: boolean;
  /** Per action (kill and freeze each have their own bucket): a sustained rate and a burst. */
  rateLimit: { perMinute: number; burst: number };
  /** Processes never to act on besides pid 1 and kernel threads: Vigil and its loader (this process is added). */
  protect: { tgids: readonly number[] | (() => readonly number[]) };
  /** One control line to vigil-loader; resolves with its reply ("ok ..." / "error ..."); may reject with the error reply. */
  sendLoaderCommand: (line: string) => Promise<string>;
  cgroupDirFor: CgroupDirLocator;
  /** Act on processes outside containers too. Default false: host processes are refused. */
  allowHost?: boolean;
  /** Milliseconds clock (tests); default Date.now. */
  now?: () => number;
  /** How long to wait for a killed process to disappear before reporting failure. Default 2000. */
  killConfirmMs?: number;
  /** How long a freeze or thaw may take to settle before it is reported failed. Default 3000. */
  freezeTimeoutMs?: number;
}

export interface ResponseTarget {
  /** tgid, as the kernel reports it in the initial pid namespace */
  pid: number;
  tid?: number;
  /** 64-hex container id; absent or "host" for host processes */
  containerId?: string;
  /** cgroup v2 path of the process, when known (a hint for finding the container's cgroups) */
  cgroupPath?: string;
  /** the rule that asked for the response */
  rule: string;
}

export interface ThawOutcome {
  result: 'done' | 'refused' | 'failed';
  container: string;
  reason?: string;
}

export interface RecentResponse extends ResponseOutcome {
  rule: string;
  /** Unix ms when the outcome was decided */
  ts: number;
}

export interface ResponderStats {
  dryRun: boolean;
  /** outcomes so far, by action and result */
  actions: Record<ResponseAction, Record<ResponseResult, number>>;
  /** actions requested that Vigil does not know (skipped) */
  unknownActions: number;
  inFlight: number;
  /** tokens left in each action's bucket now */
  tokens: Record<ResponseAction, number>;
  /** containers this responder froze and has not thawed */
  frozen: string[];
  /** the latest outcomes, newest last (bounded) */
  recent: RecentResponse[];
}
