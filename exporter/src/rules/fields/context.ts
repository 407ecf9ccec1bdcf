// What a field extractor sees: the event (typed loosely, because `vigil rules test` feeds untrusted JSON and a
// malformed event must produce "no value", not an exception), plus lazily fetched process details.

import type {
  AncestorInfo, ContainerRef, ExecArgs, ExitArgs, ForkArgs, K8sRef, ModuleArgs, MountArgs, NetArgs, OpenArgs, ProcessInfo,
  PtraceArgs, SetidArgs,
} from '../../events/types.js';
import type { UserDirectory } from './users.js';

type Loose<T> = { [K in keyof T]?: T[K] extends readonly (infer U)[] ? readonly (U extends object ? Loose<U> : U)[] : T[K] extends object ? Loose<T[K]> : T[K] };

export interface LooseEvent {
  type?: string;
  time?: string;
  ts?: number;
  node?: string;
  cpu?: number;
  cgroup_id?: number;
  proc?: Loose<ProcessInfo> & { argv?: readonly string[] };
  ancestors?: readonly Loose<AncestorInfo>[];
  container?: Loose<ContainerRef>;
  k8s?: Loose<K8sRef>;
  exec?: Loose<ExecArgs>;
  fork?: Loose<ForkArgs>;
  exit?: Loose<ExitArgs>;
  open?: Loose<OpenArgs>;
  net?: Loose<NetArgs>;
  setid?: Loose<SetidArgs>;
  ptrace?: Loose<PtraceArgs>;
  mount?: Loose<MountArgs>;
  module?: Loose<ModuleArgs>;
}

/**
 * Process details that only exec events carry, for the other events of the same process. The composition root
 * can pass the process table here (`(pid) => table.get(pid)`: its entries have these names).
 */
export interface ProcessContext {
  exe?: string;
  /** Arguments after argv[0]. */
  args?: readonly string[];
  cwd?: string;
  tty?: number;
  loginuid?: number;
  ppid?: number;
}

export type ProcessLookup = (pid: number) => ProcessContext | undefined;

export class EvalContext {
  ev: LooseEvent = {};
  /** evt.num: a running count of evaluated events, 1-based (Falco's never_true macro is evt.num=0). */
  num = 0;
  /** Per-event memo of derived field values (see memo() in table.ts): slot -> event number / value. */
  readonly memoNum: number[] = [];
  readonly memoVal: unknown[] = [];
  private procDone = false;
  private procValue: ProcessContext | undefined;

  constructor(
    readonly users: UserDirectory,
    readonly hostname: string,
    private readonly lookup: ProcessLookup | undefined,
  ) {}

  reset(ev: LooseEvent, num: number): void {
    this.ev = ev;
    this.num = num;
    this.procDone = false;
    this.procValue = undefined;
  }

  /** The process table entry of the acting process, fetched at most once per event. */
  procInfo(): ProcessContext | undefined {
    if (!this.procDone) {
      this.procDone = true;
      const pid = this.ev.proc?.pid;
      if (this.lookup && typeof pid === 'number') {
        try {
          this.procValue = this.lookup(pid);
        } catch {
          this.procValue = undefined;
        }
      }
    }
    return this.procValue;
  }
}
