// An alert: Falco's JSON alert shape (time, rule, priority, output, output_fields, tags, hostname, source), so
// tools that read Falco alerts read Vigil's, plus Vigil's own keys, which such tools ignore.

import type { ContainerRef, K8sRef, VigilEvent } from '../events/types.js';

export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type OutputFieldValue = string | number | boolean | null;

export interface ResponseOutcome {
  action: 'kill' | 'freeze';
  /** done: carried out; dry-run: would have been; refused: a safety rule forbade it; rate-limited; failed */
  result: 'done' | 'dry-run' | 'refused' | 'rate-limited' | 'failed';
  target: { pid?: number; container?: string };
  reason?: string;
}

export interface Alert {
  /** RFC 3339 with nanosecond-style precision like Falco (microseconds are real, the rest zero). */
  time: string;
  rule: string;
  priority: Priority;
  output: string;
  output_fields: Record<string, OutputFieldValue>;
  tags: string[];
  hostname: string;
  /** "syscall" for kernel-event rules, "vigil" for Vigil's own alerts (event loss, response outcomes). */
  source: string;

  /** Unique id of this alert (UUID v4). */
  uuid: string;
  /** Unix milliseconds of `time`. */
  ts: number;
  /** Identical alerts folded into this one within the dedup window (1 = not folded). */
  count: number;
  /** Flight-recorder capture holding what the container did around the alert. */
  capture_id?: string;
  container?: ContainerRef;
  k8s?: K8sRef;
  /** The event that matched. */
  event?: VigilEvent;
  /** What a response did about it, when the rule asked for one. */
  response?: ResponseOutcome;
}
