// Compiles the merged rules into per-event-type predicates and output templates. A rule that cannot run in
// Vigil (a field Vigil does not have, a non-syscall source, only event types Vigil does not capture) is kept
// as skipped with its reason, so `vigil rules check` and the node's start-up log can say so.

import type { Diagnostics, Position } from '../diagnostics.js';
import type { Expr } from '../condition/ast.js';
import { BUCKETS, BUCKET_EVENT_TYPE, type Bucket } from '../fields/event-names.js';
import type { CollectedRules, RuleInfo } from '../load/collector.js';
import { PRIORITIES, type Priority } from '../load/items.js';
import { SourceText } from '../source-text.js';
import { generate, type Pred } from './codegen.js';
import { exceptionExpr } from './exceptions.js';
import type { IR } from './ir.js';
import { compileOutput, type CompiledOutput } from './output.js';
import { parseToExpr, ResolveError, Resolver, type ResolveEnv } from './resolve.js';
import { guardOf, minimisePrefixes, onlyWrites, openPrefixes, specialise, unsupportedUses, type Guard } from './specialise.js';

export interface CompiledRule {
  name: string;
  desc: string;
  priority: Priority;
  tags: readonly string[];
  source: string;
  enabled: boolean;
  pos: Position;
  /** x-vigil-* keys (x-vigil-actions for responses), verbatim. */
  extensions: Readonly<Record<string, unknown>>;
  capture: boolean;
  /** The predicate per event type the rule can match; empty when skipped or disabled. */
  tests: ReadonlyMap<Bucket, Pred>;
  /** Per event type, a necessary condition on one field the engine indexes the rule by (if there is one). */
  guards: ReadonlyMap<Bucket, Guard>;
  output: CompiledOutput;
  /** Why an enabled rule does not run. */
  skipped?: string;
  /** For rules that match opens: the path prefixes they need, or 'all'. */
  openPrefixes?: string[] | 'all';
  /** The rule matches only opens for writing (creat, or evt.is_open_write=true on every branch). */
  openWritesOnly?: boolean;
}

export interface CompiledRuleset {
  rules: CompiledRule[];
  macros: number;
  lists: number;
  requiredEngineVersion?: string;
}

export interface CompileOptions {
  /** Rules less severe than this are not loaded (Falco's `priority` setting). Default: Debug (all). */
  minPriority?: Priority;
}

const ALL = BUCKETS.length;

export function compileRuleset(col: CollectedRules, diags: Diagnostics, opts: CompileOptions = {}): CompiledRuleset {
  const macroAsts = parseMacros(col, diags);
  const env: ResolveEnv = {
    lists: col.lists,
    macros: col.macros,
    macroAst: (name) => macroAsts.get(name) ?? new ResolveError(`undefined macro '${name}'`, { file: '', line: 0, column: 0 }, 'reference'),
  };
  const minRank = PRIORITIES.indexOf(opts.minPriority ?? 'Debug');
  const rules: CompiledRule[] = [];
  for (const info of col.rules.values()) {
    if (PRIORITIES.indexOf(info.priority) > minRank) continue;
    const r = compileRule(info, env, diags);
    if (r) rules.push(r);
  }
  return { rules, macros: col.macros.size, lists: col.lists.size, ...(col.requiredEngineVersion ? { requiredEngineVersion: col.requiredEngineVersion } : {}) };
}

/** Parses every macro once; reports parse errors, undefined references and cycles (as Falco does, used or not). */
function parseMacros(col: CollectedRules, diags: Diagnostics): Map<string, Expr | ResolveError> {
  const out = new Map<string, Expr | ResolveError>();
  for (const m of col.macros.values()) {
    const e = parseToExpr(m.condition);
    if (e instanceof ResolveError) diags.error(e.code, e.pos, e.message, `macro '${m.name}'`);
    out.set(m.name, e);
  }
  const refs = (e: Expr, acc: { name: string; pos: Position }[] = []): { name: string; pos: Position }[] => {
    switch (e.kind) {
      case 'ident': acc.push({ name: e.name, pos: e.src.posAt(e.at) }); break;
      case 'and': case 'or': for (const c of e.children) refs(c, acc); break;
      case 'not': refs(e.child, acc); break;
      default: break;
    }
    return acc;
  };
  const state = new Map<string, 'visiting' | 'done'>();
  const broken = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    const ast = out.get(name);
    if (!ast || ast instanceof ResolveError) return;
    state.set(name, 'visiting');
    for (const r of refs(ast)) {
      if (!col.macros.has(r.name)) {
        if (!col.lists.has(r.name)) diags.error('reference', r.pos, `undefined macro '${r.name}' used in the condition`, `macro '${name}'`);
        else diags.error('reference', r.pos, `'${r.name}' is a list, not a macro: use it as "field in (${r.name})"`, `macro '${name}'`);
        broken.add(name);
        continue;
      }
      const st = state.get(r.name);
      if (st === 'visiting') {
        const cycle = [...path.slice(path.indexOf(r.name)), name, r.name];
        diags.error('cycle', r.pos, `macro cycle: ${cycle.join(' -> ')}`, `macro '${name}'`);
        for (const n of cycle) broken.add(n);
        continue;
      }
      if (st !== 'done') visit(r.name, [...path, name]);
    }
    state.set(name, 'done');
  };
  for (const name of col.macros.keys()) if (!state.has(name)) visit(name, []);
  for (const name of broken) out.set(name, new ResolveError(`macro '${name}' has errors`, col.macros.get(name)!.pos, 'reference', false, true));
  return out;
}

function compileRule(info: RuleInfo, env: ResolveEnv, diags: Diagnostics): CompiledRule | undefined {
  const item = `rule '${info.name}'`;
  const base = {
    name: info.name,
    desc: info.desc.text,
    priority: info.priority,
    tags: info.tags,
    source: info.source,
    enabled: info.enabled,
    pos: info.pos,
    extensions: info.extensions,
    capture: info.capture,
  };
  const empty: CompiledOutput = { parts: [info.output.text], fields: [] };
  if (info.source !== 'syscall') {
    if (info.enabled) diags.warn('skipped', info.pos, `source '${info.source}' is not supported (Vigil evaluates syscall rules only); the rule is skipped`, item);
    return { ...base, tests: new Map(), guards: new Map(), output: empty, skipped: `source '${info.source}' is not supported` };
  }
  const cond = parseToExpr(info.condition);
  if (cond instanceof ResolveError) {
    diags.error(cond.code, cond.pos, cond.message, item);
    return undefined;
  }
  const resolver = new Resolver(env);
  let ir: IR;
  try {
    const terms: Expr[] = [cond];
    for (const ex of info.exceptions) {
      const e = exceptionExpr(ex);
      if (e) terms.push(e);
    }
    const src = SourceText.at('', info.pos);
    ir = resolver.resolve(terms.length === 1 ? cond : { kind: 'and', children: terms, at: 0, src });
  } catch (err) {
    if (!(err instanceof ResolveError)) throw err;
    if (err.silent) return undefined;
    if (err.unknownField && info.skipIfUnknownFilter) {
      if (info.enabled) diags.warn('skipped', err.pos, `${err.message}; the rule is skipped (skip-if-unknown-filter)`, item);
      return { ...base, tests: new Map(), guards: new Map(), output: empty, skipped: err.message };
    }
    diags.error(err.code, err.pos, err.message, item);
    return undefined;
  }
  const output = compileOutput(info.output, resolver, diags, item);
  if (!output) return undefined;

  const tests = new Map<Bucket, Pred>();
  const guards = new Map<Bucket, Guard>();
  const unsupported: { field: string; reason: string; pos: Position }[] = [];
  const openSets: (string[] | 'all')[] = [];
  let writesOnly = true;
  for (const b of BUCKETS) {
    const folded = specialise(ir, b);
    if (folded.k === 'const' && !folded.v) continue;
    const missing = unsupportedUses(folded, b);
    if (missing.length) {
      unsupported.push(...missing);
      continue;
    }
    tests.set(b, generate(folded));
    const g = guardOf(folded);
    if (g) guards.set(b, g);
    if (BUCKET_EVENT_TYPE[b] === 'open') {
      openSets.push(openPrefixes(folded));
      if (b !== 'creat' && !onlyWrites(folded)) writesOnly = false;
    }
  }
  const rule: CompiledRule = { ...base, tests, guards, output };
  const unobserved = [...resolver.notes.unobservedTypes];
  if (unsupported.length) {
    const first = unsupported[0]!;
    const fields = [...new Set(unsupported.map((u) => `${u.field} (${u.reason})`))].join('; ');
    rule.skipped = `needs ${fields}`;
    rule.tests = new Map();
    rule.guards = new Map();
    if (info.enabled) diags.warn('skipped', first.pos, `the rule is skipped: it needs ${fields}`, item);
    return rule;
  }
  if (tests.size === 0) {
    rule.skipped = unobserved.length
      ? `it only matches event types Vigil does not capture (${unobserved.join(', ')})`
      : 'its condition cannot match any event Vigil captures';
    if (info.enabled) diags.warn('skipped', info.condition.posAt(0), `the rule is skipped: ${rule.skipped}`, item);
    return rule;
  }
  if (info.enabled && unobserved.length) {
    diags.warn('unsupported', info.condition.posAt(0), `evt.type ${unobserved.join(', ')} ${unobserved.length > 1 ? 'are' : 'is'} not captured by Vigil: those parts of the condition never match`, item);
  }
  if (info.enabled && info.warnEvttypes && tests.size === ALL) {
    diags.warn('performance', info.condition.posAt(0), 'the rule does not restrict evt.type, so it runs on every event; add an evt.type check (or warn_evttypes: false)', item);
  }
  if (openSets.length) {
    rule.openPrefixes = openSets.includes('all') ? 'all' : minimisePrefixes(openSets.flat() as string[]);
    rule.openWritesOnly = writesOnly;
  }
  return rule;
}
