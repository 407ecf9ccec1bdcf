// Carries out the responses a rule asked for (kill the process from the kernel, freeze its container), after the
// safety rules, the rate limit and the dry-run switch have had their say, and reports each as a ResponseOutcome.
//
// Safety (each also enforced by another layer: the loader and the BPF side for kills, the cgroup checks for freezes):
//   never pid 1, kernel threads, Vigil (this process, `protect.tgids`, their ancestors), host processes unless
//   allowHost; only a container's own cgroup, on a cgroup filesystem, with no protected process in it.
// Order: kill before freeze (a process frozen by the v1 freezer cannot act on a signal until thawed).
// An outcome is "done" only once it is confirmed: the process is gone, or the freezer reports frozen.

import { ancestorsOf, isDead, isKernelThread, procCgroupLines, procFacts, validPid, type ProcFacts } from './proc-facts.js';
import { cgroupTreePids, containerCgroupProblem, isContainerCgroupName, isContainerId } from './container-cgroup.js';
import { freeze as freezeDir, freezerState, thaw as thawDir, type FreezerKind } from './freezer.js';
import { parseKillNotice, type KillNotice } from './loader-notices.js';
import { TokenBucket } from './rate-limit.js';
import {
  RESPONSE_ACTIONS,
  RESPONSE_RESULTS,
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

const SIGKILL = 9;
const RECENT_MAX = 100;
const FROZEN_MAX = 4096;
const CONFIRM_POLL_MS = 5;
const NOTICE_WAIT_MS = 100;

interface FreezerChoice {
  kind: FreezerKind;
  dir: string;
}

type Refusal = { result: 'refused' | 'failed'; reason: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function emptyCounts(): Record<ResponseAction, Record<ResponseResult, number>> {
  const one = (): Record<ResponseResult, number> => Object.fromEntries(RESPONSE_RESULTS.map((r) => [r, 0])) as Record<ResponseResult, number>;
  return { kill: one(), freeze: one() };
}

function viaText(n: KillNotice | undefined): string {
  switch (n?.via) {
    case 'sys_enter':
      return 'SIGKILL sent from the kernel at its next syscall entry';
    case 'sched_switch':
      return 'SIGKILL sent from the kernel when it left a CPU';
    case 'pidfd':
      return 'SIGKILL sent by the loader through a pidfd (it made no syscall meanwhile)';
    default:
      return 'SIGKILL sent';
  }
}

export class Responder {
  private readonly buckets: Record<ResponseAction, TokenBucket>;
  private readonly counts = emptyCounts();
  private readonly killsInFlight = new Map<string, Promise<ResponseOutcome>>();
  private readonly freezesInFlight = new Map<string, Promise<ResponseOutcome>>();
  private readonly notices = new Map<number, KillNotice>();
  private readonly frozen = new Map<string, FreezerChoice>();
  private readonly recent: RecentResponse[] = [];
  private readonly now: () => number;
  private readonly killConfirmMs: number;
  private readonly freezeTimeoutMs: number;
  private unknownActions = 0;
  private dryRun: boolean;

  constructor(private readonly opts: ResponderOptions) {
    if (typeof opts.sendLoaderCommand !== 'function') throw new Error('Responder: sendLoaderCommand must be a function');
    if (typeof opts.cgroupDirFor !== 'function') throw new Error('Responder: cgroupDirFor must be a function');
    this.now = opts.now ?? Date.now;
    this.dryRun = opts.dryRun === true;
    this.killConfirmMs = positive(opts.killConfirmMs, 2000, 'killConfirmMs');
    this.freezeTimeoutMs = positive(opts.freezeTimeoutMs, 3000, 'freezeTimeoutMs');
    const t = this.now();
    this.buckets = { kill: new TokenBucket(opts.rateLimit, t), freeze: new TokenBucket(opts.rateLimit, t) };
  }

  setDryRun(on: boolean): void {
    this.dryRun = on === true;
  }

  /**
   * Carries out `actions` (kill first, then freeze; unknown ones are counted and skipped) for the process and
   * container of an alert. Never throws: every problem is an outcome.
   */
  async respond(actions: readonly ResponseAction[], target: ResponseTarget): Promise<ResponseOutcome[]> {
    const wanted = new Set<ResponseAction>();
    for (const a of Array.isArray(actions) ? actions : []) {
      if ((RESPONSE_ACTIONS as readonly string[]).includes(a)) wanted.add(a);
      else this.unknownActions++;
    }
    const out: ResponseOutcome[] = [];
    for (const action of RESPONSE_ACTIONS) {
      if (!wanted.has(action)) continue;
      let o: ResponseOutcome;
      try {
        o = action === 'kill' ? await this.kill(target) : await this.freeze(target);
      } catch (err) {
        o = { action, result: 'failed', target: targetRef(target), reason: `internal error: ${(err as Error).message}` };
      }
      this.record(o, target);
      out.push(o);
    }
    return out;
  }

  /** Feed vigil-loader's LOG lines here (supervisor 'log' events): kill outcomes then say how they were delivered. */
  noteLoaderLog(text: string): void {
    const n = parseKillNotice(text);
    if (!n) return;
    for (const key of this.killsInFlight.keys()) {
      if (key.startsWith(`${n.tgid}:`)) {
        this.notices.set(n.tgid, n);
        return;
      }
    }
  }

  /** Undo a freeze (for the operator). Not rate-limited and done even in dry-run: thawing is always safe. */
  async thaw(containerId: string): Promise<ThawOutcome> {
    const container = typeof containerId === 'string' ? containerId.slice(0, 80) : String(containerId);
    if (!isContainerId(containerId)) return { result: 'refused', container, reason: 'not a 64-hex container id' };
    const choices: FreezerChoice[] = [];
    const known = this.frozen.get(containerId);
    if (known) choices.push(known);
    const dirs = await this.locate(containerId, undefined);
    if (typeof dirs === 'string') {
      if (!known) return { result: 'failed', container, reason: dirs };
    } else {
      for (const [kind, dir] of [['v1', dirs.v1Freezer], ['v2', dirs.v2]] as const) {
        if (dir === undefined || choices.some((c) => c.dir === dir)) continue;
        const problem = await containerCgroupProblem(dir, containerId, kind === 'v1' ? 'v1Freezer' : 'v2');
        if (!problem) choices.push({ kind, dir });
      }
    }
    const thawed: string[] = [];
    for (const c of choices) {
      const state = await freezerState(c.kind, c.dir);
      if (state === 'thawed' || state === 'unknown') continue;
      const r = await thawDir(c.kind, c.dir, this.freezeTimeoutMs);
      if (!r.ok) return { result: 'failed', container, reason: r.error ?? `${c.dir} is still ${r.state} after ${r.ms} ms` };
      thawed.push(`${c.kind} ${c.dir}`);
    }
    this.frozen.delete(containerId);
    return { result: 'done', container, reason: thawed.length ? `thawed ${thawed.join(', ')}` : 'was not frozen' };
  }

  stats(): ResponderStats {
    const t = this.now();
    return {
      dryRun: this.dryRun,
      actions: { kill: { ...this.counts.kill }, freeze: { ...this.counts.freeze } },
      unknownActions: this.unknownActions,
      inFlight: this.killsInFlight.size + this.freezesInFlight.size,
      tokens: { kill: this.buckets.kill.available(t), freeze: this.buckets.freeze.available(t) },
      frozen: [...this.frozen.keys()],
      recent: this.recent.map((r) => ({ ...r, target: { ...r.target } })),
    };
  }

  // ---- kill ----

  private async kill(target: ResponseTarget): Promise<ResponseOutcome> {
    const ref = targetRef(target);
    const res = (result: ResponseResult, reason: string): ResponseOutcome => ({ action: 'kill', result, target: ref, reason });
    const pid = target?.pid;
    if (!validPid(pid)) return res('refused', `invalid pid ${String(pid).slice(0, 20)}`);
    if (pid === 1) return res('refused', 'host pid 1 (init) is never killed');
    if (this.protectedTgids().has(pid)) return res('refused', `pid ${pid} is Vigil or its loader (protected)`);
    const facts = await procFacts(pid);
    if (!facts) return res('failed', `no such process: pid ${pid} exited before the kill`);
    if (isKernelThread(facts)) return res('refused', `pid ${pid} (${facts.comm}) is a kernel thread`);
    const membership = await this.containerMembership(pid, target.containerId);
    if (membership) return res(membership.result, membership.reason);
    if ((await ancestorsOf(process.pid)).includes(pid)) return res('refused', `pid ${pid} (${facts.comm}) is an ancestor of Vigil`);

    const key = `${pid}:${facts.startTicks}`;
    const running = this.killsInFlight.get(key);
    if (running) {
      const o = await running;
      return { ...o, target: ref, reason: `joined a kill already in progress: ${o.reason ?? o.result}` };
    }
    if (!this.buckets.kill.take(this.now())) return res('rate-limited', this.limitText('kills'));
    if (this.dryRun) return res('dry-run', `would send SIGKILL from the kernel to pid ${pid} (${facts.comm})`);

    const p = this.deliverKill(facts, res);
    this.killsInFlight.set(key, p);
    try {
      return await p;
    } finally {
      this.killsInFlight.delete(key);
      this.notices.delete(pid);
    }
  }

  private async deliverKill(facts: ProcFacts, res: (r: ResponseResult, reason: string) => ResponseOutcome): Promise<ResponseOutcome> {
    const pid = facts.pid;
    this.notices.delete(pid);
    // start= makes the loader refuse if the pid has meanwhile been reused by another process
    let reply: string;
    try {
      reply = String(await this.opts.sendLoaderCommand(`kill ${pid} ${SIGKILL} start=${facts.startTicks}`));
    } catch (err) {
      reply = (err as Error)?.message ?? String(err);
    }
    if (!reply.startsWith('ok ')) {
      const why = reply.replace(/^error kill [^:]*: /, '').slice(0, 300);
      if (/refusing/.test(why)) return res('refused', `the loader refused: ${why}`);
      if (/no such process/.test(why)) return res('failed', `pid ${pid} exited before the kill (${why})`);
      return res('failed', `the loader did not arm the kill: ${why}`);
    }
    const t0 = Date.now();
    for (;;) {
      if (await isDead(pid, facts.startTicks)) {
        const ms = Date.now() - t0;
        // the loader reports how the signal got there within ~10 ms of delivery; a death seen sooner waits for it
        for (let i = 0; i < NOTICE_WAIT_MS / CONFIRM_POLL_MS && !this.notices.has(pid); i++) await sleep(CONFIRM_POLL_MS);
        const n = this.notices.get(pid);
        if (n?.outcome === 'exited') return res('done', `pid ${pid} (${facts.comm}) exited on its own before the signal arrived (${ms} ms)`);
        return res('done', `${viaText(n)}; pid ${pid} (${facts.comm}) gone after ${ms} ms`);
      }
      const n = this.notices.get(pid);
      if (n?.outcome === 'refused') return res('refused', `the kernel refused: ${n.detail}`);
      if (n?.outcome === 'failed' || n?.outcome === 'expired') return res('failed', `the loader reports: ${n.detail}`);
      if (Date.now() - t0 >= this.killConfirmMs) {
        // do not leave a kill armed that we no longer report on
        await this.opts.sendLoaderCommand(`kill-cancel ${pid}`).catch(() => undefined);
        const sent = n?.outcome === 'delivered' ? `${viaText(n)}, but ` : '';
        return res('failed', `${sent}pid ${pid} (${facts.comm}) still alive after ${this.killConfirmMs} ms`);
      }
      await sleep(CONFIRM_POLL_MS);
    }
  }

  /** undefined when pid may be acted on as far as containers go. */
  private async containerMembership(pid: number, containerId: string | undefined): Promise<Refusal | undefined> {
    if (containerId === undefined || containerId === '' || containerId === 'host') {
      if (this.opts.allowHost === true) return undefined;
      return { result: 'refused', reason: `pid ${pid} is not in a container (allowHost is false)` };
    }
    if (!isContainerId(containerId)) return { result: 'refused', reason: 'invalid container id' };
    const lines = await procCgroupLines(pid);
    if (!lines) return { result: 'failed', reason: `no such process: pid ${pid} exited before the kill` };
    const inside = lines.some((l) => l.path.split('/').some((seg) => isContainerCgroupName(seg, containerId)));
    if (!inside) return { result: 'refused', reason: `pid ${pid} is not in container ${containerId.slice(0, 12)} (exited and its pid reused?)` };
    return undefined;
  }

  // ---- freeze ----

  private async freeze(target: ResponseTarget): Promise<ResponseOutcome> {
    const ref = targetRef(target);
    const res = (result: ResponseResult, reason: string): ResponseOutcome => ({ action: 'freeze', result, target: ref, reason });
    const id = target?.containerId;
    if (id === undefined || id === '' || id === 'host') return res('refused', 'not in a container: host processes are never frozen');
    if (!isContainerId(id)) return res('refused', 'invalid container id');
    const choice = await this.freezerFor(id, target);
    if ('reason' in choice) return res(choice.result, choice.reason);
    const guard = await this.protectedInside(choice.dir);
    if (guard) return res('refused', guard);
    if ((await freezerState(choice.kind, choice.dir)) === 'frozen') return res('done', `already frozen (${choice.kind} ${choice.dir})`);

    const running = this.freezesInFlight.get(id);
    if (running) {
      const o = await running;
      return { ...o, target: ref, reason: `joined a freeze already in progress: ${o.reason ?? o.result}` };
    }
    if (!this.buckets.freeze.take(this.now())) return res('rate-limited', this.limitText('freezes'));
    if (this.dryRun) return res('dry-run', `would freeze container ${id.slice(0, 12)} through ${choice.kind} ${choice.dir}`);

    const p = (async (): Promise<ResponseOutcome> => {
      const r = await freezeDir(choice.kind, choice.dir, this.freezeTimeoutMs);
      if (!r.ok) return res('failed', r.error ?? `${choice.kind} ${choice.dir} is ${r.state} after ${r.ms} ms (thaw it, or wait and retry)`);
      this.frozen.delete(id);
      this.frozen.set(id, choice);
      if (this.frozen.size > FROZEN_MAX) this.frozen.delete(this.frozen.keys().next().value!);
      return res('done', `frozen through ${choice.kind} ${choice.dir} in ${r.ms} ms`);
    })();
    this.freezesInFlight.set(id, p);
    try {
      return await p;
    } finally {
      this.freezesInFlight.delete(id);
    }
  }

  private async locate(id: string, target: ResponseTarget | undefined): Promise<ContainerCgroupDirs | string> {
    try {
      const hint: { pid?: number; cgroupPath?: string } = {};
      if (target && validPid(target.pid)) hint.pid = target.pid;
      if (target && typeof target.cgroupPath === 'string') hint.cgroupPath = target.cgroupPath;
      const dirs = await this.opts.cgroupDirFor(id, hint);
      if (!dirs || (dirs.v1Freezer === undefined && dirs.v2 === undefined)) return `no cgroup found for container ${id.slice(0, 12)}`;
      return dirs;
    } catch (err) {
      return `finding the cgroup of container ${id.slice(0, 12)} failed: ${(err as Error).message}`;
    }
  }

  /** v1 freezer when the container has one (hybrid nodes), else v2; a directory that fails the checks is refused. */
  private async freezerFor(id: string, target: ResponseTarget): Promise<FreezerChoice | Refusal> {
    const dirs = await this.locate(id, target);
    if (typeof dirs === 'string') return { result: 'failed', reason: dirs };
    if (dirs.v1Freezer !== undefined) {
      const problem = await containerCgroupProblem(dirs.v1Freezer, id, 'v1Freezer');
      return problem ? { result: 'refused', reason: problem } : { kind: 'v1', dir: dirs.v1Freezer };
    }
    const problem = await containerCgroupProblem(dirs.v2, id, 'v2');
    return problem ? { result: 'refused', reason: problem } : { kind: 'v2', dir: dirs.v2! };
  }

  private async protectedInside(dir: string): Promise<string | undefined> {
    const { pids, tooLarge } = await cgroupTreePids(dir);
    if (tooLarge) return `${dir} holds too many processes or cgroups to check for protected ones`;
    if (pids.has(1)) return `${dir} holds host pid 1 (init)`;
    const guarded = this.protectedTgids();
    for (const a of await ancestorsOf(process.pid)) guarded.add(a);
    for (const p of pids) if (guarded.has(p)) return `${dir} holds pid ${p}, which is Vigil, its loader or an ancestor of Vigil`;
    return undefined;
  }

  // ---- bookkeeping ----

  private protectedTgids(): Set<number> {
    const raw = this.opts.protect?.tgids;
    let list: readonly number[] = [];
    try {
      list = typeof raw === 'function' ? raw() : (raw ?? []);
    } catch {
      list = [];
    }
    const s = new Set<number>([process.pid]);
    for (const t of Array.isArray(list) ? list : []) if (validPid(t)) s.add(t);
    return s;
  }

  private limitText(what: string): string {
    const { perMinute, burst } = this.opts.rateLimit;
    return `rate limit: at most ${burst} ${what} at once and ${perMinute} per minute`;
  }

  private record(o: ResponseOutcome, target: ResponseTarget): void {
    this.counts[o.action][o.result]++;
    const rule = typeof target?.rule === 'string' ? target.rule.slice(0, 200) : '';
    this.recent.push({ ...o, target: { ...o.target }, rule, ts: this.now() });
    if (this.recent.length > RECENT_MAX) this.recent.shift();
  }
}

function targetRef(target: ResponseTarget | undefined): ResponseOutcome['target'] {
  const ref: ResponseOutcome['target'] = {};
  if (target && validPid(target.pid)) ref.pid = target.pid;
  if (target && typeof target.containerId === 'string' && target.containerId !== '') ref.container = target.containerId.slice(0, 80);
  return ref;
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 600_000) throw new Error(`Responder: ${name} must be a number of ms from 1 to 600000`);
  return v;
}
