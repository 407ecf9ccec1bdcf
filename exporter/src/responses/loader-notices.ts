// vigil-loader reports what became of each armed kill as one LOG line (bpf/loader_kill.c). Parsing them lets an
// outcome say how the signal got there, and lets a refusal in the kernel end the wait at once.

export type KillNoticeOutcome = 'delivered' | 'refused' | 'failed' | 'exited' | 'expired' | 'unknown';
export type KillVia = 'sys_enter' | 'sched_switch' | 'pidfd' | 'exec';

export interface KillNotice {
  tgid: number;
  signal?: number;
  outcome: KillNoticeOutcome;
  via?: KillVia;
  /** the loader's words after "<tgid> <signal>: " */
  detail: string;
}

const ARMED = /^kill (\d{1,7}) (\d{1,2}): (.{1,400})$/;
const EXEC = /^exec-kill (\d{1,7}): (.{1,400})$/;

function outcomeOf(detail: string): { outcome: KillNoticeOutcome; via?: KillVia } {
  if (detail.startsWith('delivered at sys_enter')) return { outcome: 'delivered', via: 'sys_enter' };
  if (detail.startsWith('delivered at sched_switch')) return { outcome: 'delivered', via: 'sched_switch' };
  if (detail.startsWith('delivered by pidfd')) return { outcome: 'delivered', via: 'pidfd' };
  if (detail.startsWith('killed at exec')) return { outcome: 'delivered', via: 'exec' };
  if (detail.startsWith('refused')) return { outcome: 'refused' };
  if (detail.startsWith('failed')) return { outcome: 'failed' };
  if (detail.startsWith('exited before delivery')) return { outcome: 'exited' };
  if (detail.startsWith('expired')) return { outcome: 'expired' };
  return { outcome: 'unknown' };
}

/** The notice in a loader LOG line, or undefined when the line is something else (a reply, a warning). */
export function parseKillNotice(text: string): KillNotice | undefined {
  if (typeof text !== 'string') return undefined;
  let m = ARMED.exec(text);
  if (m) {
    const detail = m[3]!;
    return { tgid: Number(m[1]), signal: Number(m[2]), detail, ...outcomeOf(detail) };
  }
  m = EXEC.exec(text);
  if (m) {
    const detail = m[2]!;
    const o = outcomeOf(detail);
    return { tgid: Number(m[1]), signal: 9, detail, ...o, ...(o.outcome === 'delivered' ? { via: 'exec' as const } : {}) };
  }
  return undefined;
}
