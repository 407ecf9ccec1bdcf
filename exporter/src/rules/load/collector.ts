// Merges the items of several files, in load order, with Falco's semantics: a second definition replaces the
// first (keeping its place in the order), `override` appends to or replaces single keys, deprecated
// `append: true` appends, an item with only `enabled` toggles an earlier rule.

import type { Diagnostics, Position } from '../diagnostics.js';
import type { SourceText } from '../source-text.js';
import type { ExceptionEntry, Located, Priority, RawException, RawFile, RawList, RawMacro, RawRule } from './items.js';

export const OPERATORS = [
  '=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith',
  'glob', 'iglob', 'pmatch', 'in', 'intersects', 'exists', 'regex',
] as const;
export const LIST_OPERATORS = ['in', 'intersects', 'pmatch'] as const;

export interface ListInfo {
  name: string;
  pos: Position;
  items: Located<string>[];
}

export interface MacroInfo {
  name: string;
  pos: Position;
  condition: SourceText;
}

export interface ExceptionInfo {
  name: string;
  pos: Position;
  fields: ExceptionEntry;
  comps: ExceptionEntry;
  values: ExceptionEntry[];
}

export interface RuleInfo {
  name: string;
  pos: Position;
  desc: SourceText;
  condition: SourceText;
  output: SourceText;
  priority: Priority;
  priorityPos: Position;
  enabled: boolean;
  tags: string[];
  source: string;
  exceptions: ExceptionInfo[];
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
  capture: boolean;
  extensions: Record<string, unknown>;
}

export interface CollectedRules {
  lists: Map<string, ListInfo>;
  macros: Map<string, MacroInfo>;
  /** In definition order; a redefined rule keeps the place of its first definition, as in Falco. */
  rules: Map<string, RuleInfo>;
  requiredEngineVersion?: string;
  requiredPlugins: { name: string; version: string }[];
}

export function collectRules(files: readonly RawFile[], diags: Diagnostics): CollectedRules {
  const c = new Collector(diags);
  for (const f of files) {
    for (const item of f.items) {
      switch (item.kind) {
        case 'list':
          c.list(item, f.file);
          break;
        case 'macro':
          c.macro(item, f.file);
          break;
        case 'rule':
          c.rule(item, f.file);
          break;
        case 'required_engine_version':
          if (!c.out.requiredEngineVersion || compareSemver(item.version, c.out.requiredEngineVersion) > 0) c.out.requiredEngineVersion = item.version;
          break;
        case 'required_plugin_versions':
          c.out.requiredPlugins.push(...item.plugins);
          if (item.plugins.length) diags.warn('unsupported', item.pos, `plugin requirements (${item.plugins.map((p) => p.name).join(', ')}) are ignored: Vigil runs no Falco plugins, and rules of plugin sources are skipped`);
          break;
      }
    }
  }
  return c.out;
}

function compareSemver(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const at = (p: Position): string => `${p.file}:${p.line}`;

class Collector {
  readonly out: CollectedRules = { lists: new Map(), macros: new Map(), rules: new Map(), requiredPlugins: [] };
  private readonly definedIn = new Map<string, string>();

  constructor(private readonly diags: Diagnostics) {}

  private noteRedefinition(kind: string, name: string, prev: Position, now: Position, file: string): void {
    // Falco silently replaces; across files that is the way to customise, inside one file it is usually a slip.
    if (this.definedIn.get(`${kind}:${name}`) === file) {
      this.diags.warn('duplicate', now, `${kind} '${name}' is defined again in the same file; this definition replaces the one at ${at(prev)}`, `${kind} '${name}'`);
    }
  }

  list(item: RawList, file: string): void {
    const prev = this.out.lists.get(item.name);
    if (item.append) {
      if (!prev) {
        this.diags.error('reference', item.pos, `list '${item.name}' appends to a list that is not defined before it`, `list '${item.name}'`);
        return;
      }
      prev.items.push(...item.items);
      return;
    }
    if (prev) this.noteRedefinition('list', item.name, prev.pos, item.pos, file);
    this.definedIn.set(`list:${item.name}`, file);
    this.out.lists.set(item.name, { name: item.name, pos: item.pos, items: [...item.items] });
  }

  macro(item: RawMacro, file: string): void {
    const prev = this.out.macros.get(item.name);
    if (item.append) {
      if (!prev) {
        this.diags.error('reference', item.pos, `macro '${item.name}' appends to a macro that is not defined before it`, `macro '${item.name}'`);
        return;
      }
      prev.condition = prev.condition.append(item.condition);
      return;
    }
    if (prev) this.noteRedefinition('macro', item.name, prev.pos, item.pos, file);
    this.definedIn.set(`macro:${item.name}`, file);
    this.out.macros.set(item.name, { name: item.name, pos: item.pos, condition: item.condition });
  }

  rule(item: RawRule, file: string): void {
    const label = `rule '${item.name}'`;
    const prev = this.out.rules.get(item.name);
    const v = item.values;
    switch (item.mode) {
      case 'define': {
        const source = v.source?.value ?? 'syscall';
        if (prev && prev.source !== source) {
          this.diags.error('duplicate', item.pos, `rule '${item.name}' is redefined with a different source (${prev.source} -> ${source})`, label);
          return;
        }
        const exceptions: ExceptionInfo[] = [];
        for (const ex of v.exceptions ?? []) {
          const info = this.validateException(ex, label);
          if (info) exceptions.push(info);
        }
        if (prev) this.noteRedefinition('rule', item.name, prev.pos, item.pos, file);
        this.definedIn.set(`rule:${item.name}`, file);
        this.out.rules.set(item.name, {
          name: item.name,
          pos: item.pos,
          desc: v.desc!,
          condition: v.condition!,
          output: v.output!,
          priority: v.priority!.value,
          priorityPos: v.priority!.pos,
          enabled: v.enabled?.value ?? true,
          tags: v.tags?.value ?? [],
          source,
          exceptions,
          warnEvttypes: v.warn_evttypes ?? true,
          skipIfUnknownFilter: v.skipIfUnknownFilter ?? false,
          capture: v.capture ?? false,
          extensions: v.extensions,
        });
        return;
      }
      case 'enable':
        if (!prev) {
          this.diags.error('reference', item.pos, `rule '${item.name}' has only 'enabled', but no rule by that name is defined before it`, label);
          return;
        }
        prev.enabled = v.enabled!.value;
        return;
      case 'append':
        if (!prev) {
          this.diags.error('reference', item.pos, `rule '${item.name}' has 'append: true', but no rule by that name is defined before it`, label);
          return;
        }
        if (v.condition) prev.condition = prev.condition.append(v.condition);
        if (v.exceptions) this.appendExceptions(prev, v.exceptions, label);
        return;
      case 'override': {
        if (!prev) {
          this.diags.error('reference', item.pos, `rule '${item.name}' overrides a rule that is not defined before it`, label);
          return;
        }
        // Falco applies the appends of an item first, then its replacements.
        const ap = item.appendKeys;
        if (ap.has('condition') && v.condition) prev.condition = prev.condition.append(v.condition);
        if (ap.has('output') && v.output) prev.output = prev.output.append(v.output);
        if (ap.has('desc') && v.desc) prev.desc = prev.desc.append(v.desc);
        if (ap.has('tags') && v.tags) prev.tags = [...new Set([...prev.tags, ...v.tags.value])];
        if (ap.has('exceptions') && v.exceptions) this.appendExceptions(prev, v.exceptions, label);
        const rp = item.replaceKeys;
        if (rp.has('condition') && v.condition) prev.condition = v.condition;
        if (rp.has('output') && v.output) prev.output = v.output;
        if (rp.has('desc') && v.desc) prev.desc = v.desc;
        if (rp.has('tags') && v.tags) prev.tags = [...v.tags.value];
        if (rp.has('exceptions') && v.exceptions) {
          const replaced: ExceptionInfo[] = [];
          for (const ex of v.exceptions) {
            const info = this.validateException(ex, label);
            if (info) replaced.push(info);
          }
          prev.exceptions = replaced;
        }
        if (rp.has('priority') && v.priority) {
          prev.priority = v.priority.value;
          prev.priorityPos = v.priority.pos;
        }
        if (rp.has('enabled') && v.enabled) prev.enabled = v.enabled.value;
        if (rp.has('warn_evttypes') && v.warn_evttypes !== undefined) prev.warnEvttypes = v.warn_evttypes;
        if (rp.has('skip-if-unknown-filter') && v.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = v.skipIfUnknownFilter;
        Object.assign(prev.extensions, v.extensions);
        return;
      }
    }
  }

  private appendExceptions(prev: RuleInfo, exs: RawException[], label: string): void {
    for (const ex of exs) {
      const existing = prev.exceptions.find((e) => e.name === ex.name);
      if (!existing) {
        if (!ex.fields) {
          this.diags.error('schema', ex.pos, `exception '${ex.name}' is new to the rule, so it needs 'fields'`, label);
          continue;
        }
        if (ex.values.length === 0) {
          this.diags.error('schema', ex.pos, `exception '${ex.name}' is new to the rule, so it needs 'values'`, label);
          continue;
        }
        const info = this.validateException(ex, label);
        if (info) prev.exceptions.push(info);
        continue;
      }
      if (ex.fields) {
        this.diags.error('schema', ex.fields.pos, `cannot append 'fields' to existing exception '${ex.name}', only values`, label);
        continue;
      }
      if (ex.comps) {
        this.diags.error('schema', ex.comps.pos, `cannot append 'comps' to existing exception '${ex.name}', only values`, label);
        continue;
      }
      existing.values.push(...ex.values);
    }
  }

  /** Falco's checks: comps default to '=' (or 'in' for a single field), lengths agree, operators exist. */
  private validateException(ex: RawException, label: string): ExceptionInfo | undefined {
    const fields = ex.fields;
    if (!fields) {
      this.diags.error('schema', ex.pos, `exception '${ex.name}' has no 'fields'`, label);
      return undefined;
    }
    const isOp = (s: string): boolean => (OPERATORS as readonly string[]).includes(s);
    if (fields.isList) {
      let comps = ex.comps;
      if (!comps) comps = { isList: true, items: fields.items.map(() => ({ isList: false as const, item: '=', pos: ex.pos })), pos: ex.pos };
      if (!comps.isList) {
        this.diags.error('schema', comps.pos, `exception '${ex.name}': fields is a list, so comps must be a list too`, label);
        return undefined;
      }
      if (comps.items.length !== fields.items.length) {
        this.diags.error('schema', comps.pos, `exception '${ex.name}': fields and comps lists must have equal length (${fields.items.length} vs ${comps.items.length})`, label);
        return undefined;
      }
      for (const f of fields.items) {
        if (f.isList) {
          this.diags.error('schema', f.pos, `exception '${ex.name}': each field must be a string`, label);
          return undefined;
        }
      }
      for (const cmp of comps.items) {
        if (cmp.isList || !isOp(cmp.item)) {
          this.diags.error('operator', cmp.pos, `exception '${ex.name}': '${cmp.isList ? '[...]' : cmp.item}' is not a supported comparison operator`, label);
          return undefined;
        }
      }
      return { name: ex.name, pos: ex.pos, fields, comps, values: ex.values };
    }
    const comps = ex.comps ?? { isList: false as const, item: 'in', pos: ex.pos };
    if (comps.isList) {
      this.diags.error('schema', comps.pos, `exception '${ex.name}': fields and comps must both be strings (or both lists)`, label);
      return undefined;
    }
    if (!(LIST_OPERATORS as readonly string[]).includes(comps.item)) {
      this.diags.error('operator', comps.pos, `exception '${ex.name}': when fields is a single value, comps must be one of (in, pmatch, intersects), not '${comps.item}'`, label);
      return undefined;
    }
    return { name: ex.name, pos: ex.pos, fields, comps, values: ex.values };
  }
}
