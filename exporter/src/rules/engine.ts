// The runtime: compile once, then evaluate events. Rules are indexed by event type (bucket), so an event only
// runs the rules that can match it, each a closure specialised for that type. Matches are cheap references;
// the Falco-shaped alert (rendered output, output_fields) is built only when the caller asks for it.

import { hostname as osHostname } from 'node:os';
import type { VigilEvent } from '../events/types.js';
import type { CompiledRule, CompiledRuleset } from './compile/ruleset.js';
import { renderOutput, type OutputValue } from './compile/output.js';
import type { Pred } from './compile/codegen.js';
import { EvalContext, type LooseEvent, type ProcessLookup } from './fields/context.js';
import { BUCKETS, type Bucket } from './fields/event-names.js';
import { bucketOf, formatEvtTime, isoNs } from './fields/table.js';
import { hostUserDirectory, type UserDirectory } from './fields/users.js';
import type { Priority } from './load/items.js';
import { kernelFilterNeeds, type KernelFilterNeeds } from './kernel-filter.js';

export interface EngineOptions {
  /** evt.hostname when an event has no `node`. Default: the host name. */
  hostname?: string;
  /** uid/gid names; default: the host's /etc/passwd and /etc/group. */
  users?: UserDirectory;
  /** Process details for non-exec events (the process table). */
  processLookup?: ProcessLookup;
}

export interface RuleMatch {
  rule: CompiledRule;
  event: LooseEvent;
  /** evt.num of the event. */
  num: number;
}

/** Falco's JSON alert. */
export interface FalcoAlert {
  time: string;
  rule: string;
  priority: Priority;
  output: string;
  output_fields: Record<string, OutputValue>;
  tags: string[];
  hostname: string;
  source: string;
}

export interface EngineStats {
  events: number;
  /** Events of a type no enabled rule matches (they cost one lookup). */
  unindexed: number;
  matches: number;
  /** A rule threw on an event (a malformed event): counted, the event goes on to the next rule. */
  errors: number;
}

interface Entry {
  rule: CompiledRule;
  test: Pred;
  index: number;
}

const NO_MATCHES: readonly RuleMatch[] = Object.freeze([]);

export class RuleEngine {
  readonly stats: EngineStats = { events: 0, unindexed: 0, matches: 0, errors: 0 };
  private readonly byBucket = new Map<Bucket, Entry[]>();
  private readonly ctx: EvalContext;
  private readonly renderCtx: EvalContext;
  private readonly matchCounts: number[];
  private readonly active: CompiledRule[];
  private num = 0;

  constructor(
    readonly ruleset: CompiledRuleset,
    opts: EngineOptions = {},
  ) {
    const users = opts.users ?? hostUserDirectory();
    const hostname = opts.hostname ?? osHostname();
    this.ctx = new EvalContext(users, hostname, opts.processLookup);
    this.renderCtx = new EvalContext(users, hostname, opts.processLookup);
    this.active = ruleset.rules.filter((r) => r.enabled && !r.skipped && r.tests.size > 0);
    this.matchCounts = this.active.map(() => 0);
    for (const b of BUCKETS) {
      const entries: Entry[] = [];
      this.active.forEach((rule, index) => {
        const test = rule.tests.get(b);
        if (test) entries.push({ rule, test, index });
      });
      if (entries.length) this.byBucket.set(b, entries);
    }
  }

  /** Rules that run (enabled, not skipped). */
  get activeRules(): readonly CompiledRule[] {
    return this.active;
  }

  /**
   * The rules the event matches, in rule order. The returned array is fresh when non-empty; with no match
   * a shared empty array is returned (no allocation on the common path).
   */
  evaluate(ev: VigilEvent | LooseEvent): readonly RuleMatch[] {
    const e = ev as LooseEvent;
    this.stats.events++;
    const num = ++this.num;
    const b = bucketOf(e);
    const entries = b === undefined ? undefined : this.byBucket.get(b);
    if (!entries) {
      this.stats.unindexed++;
      return NO_MATCHES;
    }
    const ctx = this.ctx;
    ctx.reset(e, num);
    let out: RuleMatch[] | undefined;
    for (let i = 0; i < entries.length; i++) {
      const en = entries[i]!;
      let hit = false;
      try {
        hit = en.test(ctx);
      } catch {
        this.stats.errors++;
      }
      if (hit) {
        (out ??= []).push({ rule: en.rule, event: e, num });
        this.matchCounts[en.index]!++;
      }
    }
    if (!out) return NO_MATCHES;
    this.stats.matches += out.length;
    return out;
  }

  /** The Falco JSON alert for a match (renders the output template). */
  alert(m: RuleMatch): FalcoAlert {
    const ctx = this.renderCtx;
    ctx.reset(m.event, m.num);
    const { text, fields } = renderOutput(m.rule.output, ctx);
    const tsMs = typeof m.event.ts === 'number' && Number.isFinite(m.event.ts) ? m.event.ts : Date.now();
    const ns = Math.round(tsMs * 1000) * 1000;
    return {
      time: isoNs(ns),
      rule: m.rule.name,
      priority: m.rule.priority,
      output: `${formatEvtTime(ns)}: ${m.rule.priority} ${text}`,
      output_fields: { 'evt.time': ns, ...fields },
      tags: [...m.rule.tags],
      hostname: typeof m.event.node === 'string' ? m.event.node : ctx.hostname,
      source: m.rule.source,
    };
  }

  /** Matches per active rule since the engine was built. */
  matchesByRule(): Map<string, number> {
    return new Map(this.active.map((r, i) => [r.name, this.matchCounts[i]!]));
  }

  /** What the kernel has to send for these rules (plain data for the sensor's filter). */
  kernelNeeds(): KernelFilterNeeds {
    return kernelFilterNeeds(this.active);
  }
}
