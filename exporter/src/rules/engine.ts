// The runtime: compile once, then evaluate events. Rules are indexed by event type (bucket), so an event only
// runs the rules that can match it, each a closure specialised for that type. Matches are cheap references;
// the Falco-shaped alert (rendered output, output_fields) is built only when the caller asks for it.

import { hostname as osHostname } from 'node:os';
import type { VigilEvent } from '../events/types.js';
import type { CompiledRule, CompiledRuleset } from './compile/ruleset.js';
import { renderOutput, type OutputValue } from './compile/output.js';
import { single, type Pred } from './compile/codegen.js';
import type { Scalar } from './fields/table.js';
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

/** Rules of one event type that share a guard field: looked up by the field's value instead of each run. */
interface Group {
  get: (c: EvalContext) => Scalar | undefined;
  exact?: Map<Scalar, Entry[]>;
  /** Prefix guards, bucketed by their first HEAD characters (paths differ early: /etc, /usr, /pro...). */
  byHead?: Map<string, [string, Entry[]][]>;
  /** Prefixes shorter than HEAD: always checked. */
  short?: [string, Entry[]][];
}

const HEAD = 4;

interface BucketIndex {
  groups: Group[];
  unguarded: Entry[];
}

const NO_MATCHES: readonly RuleMatch[] = Object.freeze([]);

export class RuleEngine {
  readonly stats: EngineStats = { events: 0, unindexed: 0, matches: 0, errors: 0 };
  private readonly byBucket = new Map<Bucket, BucketIndex>();
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
      const idx: BucketIndex = { groups: [], unguarded: [] };
      const groups = new Map<string, Group>();
      this.active.forEach((rule, index) => {
        const test = rule.tests.get(b);
        if (!test) return;
        const entry: Entry = { rule, test, index };
        const g = rule.guards.get(b);
        if (!g) {
          idx.unguarded.push(entry);
          return;
        }
        let group = groups.get(g.key);
        if (!group) {
          group = { get: single(g.operand), ...(g.kind === 'exact' ? { exact: new Map() } : { byHead: new Map(), short: [] }) };
          groups.set(g.key, group);
        }
        if (g.kind === 'exact') {
          for (const v of g.values) {
            const list = group.exact!.get(v);
            if (list) list.push(entry);
            else group.exact!.set(v, [entry]);
          }
        } else {
          for (const p of g.values) {
            let list = group.short!;
            if (p.length >= HEAD) {
              const head = p.slice(0, HEAD);
              list = group.byHead!.get(head) ?? [];
              group.byHead!.set(head, list);
            }
            const slot = list.find(([q]) => q === p);
            if (slot) slot[1].push(entry);
            else list.push([p, [entry]]);
          }
        }
      });
      idx.groups = [...groups.values()];
      if (idx.groups.length || idx.unguarded.length) this.byBucket.set(b, idx);
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
    const idx = b === undefined ? undefined : this.byBucket.get(b);
    if (!idx) {
      this.stats.unindexed++;
      return NO_MATCHES;
    }
    const ctx = this.ctx;
    ctx.reset(e, num);
    let hits: Entry[] | undefined;
    const groups = idx.groups;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      let v: Scalar | undefined;
      try {
        v = g.get(ctx);
      } catch {
        this.stats.errors++;
        continue;
      }
      if (v === undefined) continue;
      if (g.exact) {
        const es = g.exact.get(v);
        if (es) hits = this.run(es, hits);
      } else if (typeof v === 'string') {
        const short = g.short!;
        for (let j = 0; j < short.length; j++) if (v.startsWith(short[j]![0])) hits = this.run(short[j]![1], hits);
        const ps = v.length >= HEAD ? g.byHead!.get(v.slice(0, HEAD)) : undefined;
        if (ps) for (let j = 0; j < ps.length; j++) if (v.startsWith(ps[j]![0])) hits = this.run(ps[j]![1], hits);
      }
    }
    hits = this.run(idx.unguarded, hits);
    if (!hits) return NO_MATCHES;
    // Rules ran group by group; report matches in rule order.
    if (hits.length > 1) hits.sort((x, y) => x.index - y.index);
    const out = hits.map((en) => {
      this.matchCounts[en.index]!++;
      return { rule: en.rule, event: e, num };
    });
    this.stats.matches += out.length;
    return out;
  }

  private run(entries: Entry[], hits: Entry[] | undefined): Entry[] | undefined {
    const ctx = this.ctx;
    for (let i = 0; i < entries.length; i++) {
      const en = entries[i]!;
      let hit = false;
      try {
        hit = en.test(ctx);
      } catch {
        this.stats.errors++;
      }
      if (hit) (hits ??= []).push(en);
    }
    return hits;
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
