// Reads one Falco rules file (YAML text) into typed items with positions. Shape and type errors are reported
// the way Falco reports them (same conditions, similar wording) but at file:line:column of the offending
// node. A bad item is skipped and reading goes on, so `vigil rules check` can show every problem at once.

import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Diagnostics, Position } from '../diagnostics.js';
import { SourceText } from '../source-text.js';
import {
  parsePriority,
  PRIORITIES,
  RULE_APPENDABLE,
  RULE_REPLACEABLE,
  type ExceptionEntry,
  type Located,
  type RawException,
  type RawFile,
  type RawItem,
  type RawRule,
  type RuleValues,
} from './items.js';

const IDENTIFIER = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const BARE_STRING = /^[^()"'\s=,]+$/;
const SEMVER = /^\d+\.\d+\.\d+$/;

const LIST_KEYS = new Set(['list', 'items', 'append', 'override']);
const MACRO_KEYS = new Set(['macro', 'condition', 'append', 'override']);
const RULE_KEYS = new Set([
  'rule', 'desc', 'condition', 'output', 'priority', 'enabled', 'tags', 'source', 'exceptions', 'override', 'append',
  'warn_evttypes', 'skip-if-unknown-filter', 'capture', 'capture_duration',
]);

class ItemError extends Error {
  constructor(
    message: string,
    readonly pos: Position,
  ) {
    super(message);
  }
}

/** Reads `text` (the content of `file`); problems go to `diags`. */
export function readRulesText(file: string, text: string, diags: Diagnostics): RawFile {
  const lines = new LineCounter();
  const out: RawFile = { file, items: [] };
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  const r = new Reader(file, text, lines, diags);
  if (!Array.isArray(docs)) return out; // an empty stream: no items
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) {
      // Falco stops at the first YAML error; later ones are usually consequences of it.
      diags.error('yaml', r.at(first.pos[0]), `invalid YAML: ${first.message.split('\n')[0]}`);
      return { file, items: [] };
    }
  }
  for (const doc of docs) {
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    if (!isSeq(contents)) {
      diags.error('schema', r.pos(contents), 'rules content is not a YAML sequence of items (each item starts with "- rule:", "- macro:" or "- list:")');
      continue;
    }
    for (const raw of contents.items) {
      const node = r.deref(raw as Node | null, doc);
      if (node === null || (isScalar(node) && node.value === null)) continue;
      try {
        const item = r.item(node, doc);
        if (item) out.items.push(item);
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        diags.error('schema', err.pos, err.message, r.currentItem);
      }
    }
  }
  return out;
}

class Reader {
  currentItem: string | undefined;

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly diags: Diagnostics,
  ) {}

  at(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { file: this.file, line: p.line, column: p.col };
  }

  pos(node: unknown): Position {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return this.at(range?.[0] ?? 0);
  }

  deref(node: Node | null, doc: Document): Node | null {
    // Aliases are followed once; the yaml library already rejects undefined anchors.
    if (node && isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
    return node;
  }

  item(node: Node, doc: Document): RawItem | undefined {
    this.currentItem = undefined;
    if (!isMap(node)) throw new ItemError('unexpected element type: each item must be a YAML mapping (rule, macro or list)', this.pos(node));
    const map = node as YAMLMap;
    const has = (k: string): boolean => this.pair(map, k) !== undefined;
    if (has('required_engine_version')) return this.engineVersion(map, doc);
    if (has('required_plugin_versions')) return this.pluginVersions(map, doc);
    if (has('list')) return this.list(map, doc);
    if (has('macro')) return this.macro(map, doc);
    if (has('rule')) return this.rule(map, doc);
    const keys = map.items.map((p) => String((p.key as Scalar | null)?.value)).join(', ');
    this.diags.warn('schema', this.pos(map), `unknown top level item with keys: ${keys} (ignored)`);
    return undefined;
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  pair(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
  }

  value(map: YAMLMap, key: string, doc: Document): Node | null | undefined {
    const p = this.pair(map, key);
    if (!p) return undefined;
    return this.deref(p.value as Node | null, doc);
  }

  keyPos(map: YAMLMap, key: string): Position {
    const p = this.pair(map, key);
    return this.pos(p?.key ?? map);
  }

  /** The text of a scalar as written: strings as parsed, other scalars (numbers, booleans) as in the source. */
  scalarText(node: Scalar): string {
    if (typeof node.value === 'string') return node.value;
    const r = node.range;
    return r ? this.text.slice(r[0], r[1]) : String(node.value);
  }

  requiredScalar(map: YAMLMap, key: string, doc: Document): Scalar {
    const v = this.value(map, key, doc);
    if (v === undefined) throw new ItemError(`item has no mapping for key '${key}'`, this.pos(map));
    if (v === null || (isScalar(v) && v.value === null)) throw new ItemError(`mapping for key '${key}' is empty`, this.keyPos(map, key));
    if (!isScalar(v)) throw new ItemError(`value for key '${key}' is not a scalar value`, this.pos(v));
    if (this.scalarText(v) === '') throw new ItemError(`value for key '${key}' must be non-empty`, this.pos(v));
    return v;
  }

  optionalScalar(map: YAMLMap, key: string, doc: Document): Scalar | undefined {
    return this.value(map, key, doc) === undefined ? undefined : this.requiredScalar(map, key, doc);
  }

  string(map: YAMLMap, key: string, doc: Document): Located<string> {
    const s = this.requiredScalar(map, key, doc);
    return { value: this.scalarText(s), pos: this.pos(s) };
  }

  source(map: YAMLMap, key: string, doc: Document): SourceText {
    const s = this.requiredScalar(map, key, doc);
    return SourceText.fromScalar(this.scalarText(s), s, this.text, this.file, this.lines);
  }

  bool(map: YAMLMap, key: string, doc: Document): Located<boolean> | undefined {
    const s = this.optionalScalar(map, key, doc);
    if (!s) return undefined;
    if (typeof s.value === 'boolean') return { value: s.value, pos: this.pos(s) };
    // yaml-cpp (Falco's parser) also reads yes/no/on/off as booleans.
    const t = this.scalarText(s).toLowerCase();
    if (['true', 'yes', 'on', 'y'].includes(t)) return { value: true, pos: this.pos(s) };
    if (['false', 'no', 'off', 'n'].includes(t)) return { value: false, pos: this.pos(s) };
    throw new ItemError(`value for key '${key}' must be a boolean (true or false), got '${this.scalarText(s)}'`, this.pos(s));
  }

  scalarSeq(map: YAMLMap, key: string, doc: Document): Located<string>[] {
    const v = this.value(map, key, doc);
    if (v === undefined) throw new ItemError(`item has no mapping for key '${key}'`, this.pos(map));
    if (v === null || (isScalar(v) && v.value === null)) return [];
    if (!isSeq(v)) throw new ItemError(`value for key '${key}' is not a sequence`, this.pos(v));
    const out: Located<string>[] = [];
    for (const raw of v.items) {
      const n = this.deref(raw as Node | null, doc);
      if (!n || !isScalar(n) || n.value === null) throw new ItemError(`a value in '${key}' is not a scalar`, this.pos(n ?? v));
      out.push({ value: this.scalarText(n), pos: this.pos(n) });
    }
    return out;
  }

  warnUnknownKeys(map: YAMLMap, allowed: Set<string>, what: string): void {
    for (const p of map.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '?';
      if (allowed.has(k) || k.startsWith('x-vigil-')) continue;
      this.diags.warn('schema', this.pos(p.key), `unknown key '${k}' in ${what} (ignored)`, this.currentItem);
    }
  }

  /** override: {key: append|replace}; returns the keys per operation. */
  overrides(map: YAMLMap, doc: Document, appendable: readonly string[], replaceable: readonly string[]): { append: Set<string>; replace: Set<string> } {
    const out = { append: new Set<string>(), replace: new Set<string>() };
    const v = this.value(map, 'override', doc);
    if (v === undefined) return out;
    if (!isMap(v)) throw new ItemError(`value for key 'override' must be a mapping of key: append|replace`, this.pos(v ?? map));
    for (const p of v.items) {
      const key = isScalar(p.key) ? String(p.key.value) : '';
      const opNode = this.deref(p.value as Node | null, doc);
      const op = opNode && isScalar(opNode) ? this.scalarText(opNode) : '';
      const canAppend = appendable.includes(key);
      const canReplace = replaceable.includes(key);
      if (op === 'append') {
        if (!canAppend) throw new ItemError(`key '${key}' cannot be appended to${canReplace ? ", use 'replace' instead" : ''}`, this.pos(p.key));
        out.append.add(key);
      } else if (op === 'replace') {
        if (!canReplace) throw new ItemError(`key '${key}' cannot be replaced`, this.pos(p.key));
        out.replace.add(key);
      } else {
        const allowed = [canAppend ? 'append' : '', canReplace ? 'replace' : ''].filter(Boolean).join(' ');
        throw new ItemError(`invalid override operation for key '${key}': '${op}'. Allowed values are: ${allowed || '(none: the key cannot be overridden)'}`, this.pos(opNode ?? p.key));
      }
    }
    return out;
  }

  // ---- items ---------------------------------------------------------------------------------------------

  engineVersion(map: YAMLMap, doc: Document): RawItem {
    const s = this.requiredScalar(map, 'required_engine_version', doc);
    const t = this.scalarText(s).trim();
    let version: string;
    if (/^\d+$/.test(t)) version = `0.${Number(t)}.0`;
    else if (SEMVER.test(t)) version = t;
    else throw new ItemError(`unable to parse engine version '${t}' as a semver string. Expected "x.y.z" semver format.`, this.pos(s));
    return { kind: 'required_engine_version', pos: this.pos(map), version };
  }

  pluginVersions(map: YAMLMap, doc: Document): RawItem {
    const v = this.value(map, 'required_plugin_versions', doc);
    if (!v || !isSeq(v)) throw new ItemError('value of required_plugin_versions must be a sequence', this.pos(v ?? map));
    const plugins: { name: string; version: string }[] = [];
    for (const raw of v.items) {
      const n = this.deref(raw as Node | null, doc);
      if (!n || !isMap(n)) throw new ItemError('plugin version must be a mapping', this.pos(n ?? v));
      const seen = new Set<string>();
      const one = (m: YAMLMap): void => {
        const name = this.string(m, 'name', doc).value;
        const version = this.string(m, 'version', doc);
        if (!/^\d+\.\d+\.\d+/.test(version.value)) throw new ItemError(`invalid required version '${version.value}' for plugin '${name}'`, version.pos);
        if (seen.has(name)) throw new ItemError(`defined multiple alternative version requirements for plugin '${name}'`, this.pos(m));
        seen.add(name);
        plugins.push({ name, version: version.value });
      };
      one(n);
      const alts = this.value(n, 'alternatives', doc);
      if (alts !== undefined) {
        if (!alts || !isSeq(alts)) throw new ItemError('value of plugin version alternatives must be a sequence', this.pos(alts ?? n));
        for (const a of alts.items) {
          const an = this.deref(a as Node | null, doc);
          if (!an || !isMap(an)) throw new ItemError('plugin version alternative must be a mapping', this.pos(an ?? alts));
          one(an);
        }
      }
    }
    return { kind: 'required_plugin_versions', pos: this.pos(map), plugins };
  }

  list(map: YAMLMap, doc: Document): RawItem {
    const name = this.string(map, 'list', doc);
    this.currentItem = `list '${name.value}'`;
    if (!BARE_STRING.test(name.value)) throw new ItemError(`invalid list name '${name.value}': it must be a bare string (no spaces, quotes, parentheses, '=' or ',')`, name.pos);
    this.warnUnknownKeys(map, LIST_KEYS, 'a list');
    const items = this.scalarSeq(map, 'items', doc);
    const appendFlag = this.bool(map, 'append', doc);
    if (appendFlag?.value) this.diags.warn('deprecated', appendFlag.pos, "'append' is deprecated: use 'override: {items: append}'", this.currentItem);
    const ov = this.overrides(map, doc, ['items'], ['items']);
    if (appendFlag?.value && (ov.append.size || ov.replace.size)) throw new ItemError("keys 'override' and 'append: true' cannot be used together", this.pos(map));
    return { kind: 'list', name: name.value, pos: this.pos(map), items, append: Boolean(appendFlag?.value) || ov.append.has('items') };
  }

  macro(map: YAMLMap, doc: Document): RawItem {
    const name = this.string(map, 'macro', doc);
    this.currentItem = `macro '${name.value}'`;
    if (!IDENTIFIER.test(name.value)) throw new ItemError(`invalid macro name '${name.value}': it must match [a-zA-Z]+[a-zA-Z0-9_]*`, name.pos);
    this.warnUnknownKeys(map, MACRO_KEYS, 'a macro');
    const condition = this.source(map, 'condition', doc);
    const appendFlag = this.bool(map, 'append', doc);
    if (appendFlag?.value) this.diags.warn('deprecated', appendFlag.pos, "'append' is deprecated: use 'override: {condition: append}'", this.currentItem);
    const ov = this.overrides(map, doc, ['condition'], ['condition']);
    if (appendFlag?.value && (ov.append.size || ov.replace.size)) throw new ItemError("keys 'override' and 'append: true' cannot be used together", this.pos(map));
    return { kind: 'macro', name: name.value, pos: this.pos(map), condition, append: Boolean(appendFlag?.value) || ov.append.has('condition') };
  }

  rule(map: YAMLMap, doc: Document): RawItem {
    const name = this.string(map, 'rule', doc);
    this.currentItem = `rule '${name.value}'`;
    this.warnUnknownKeys(map, RULE_KEYS, 'a rule');
    const appendFlag = this.bool(map, 'append', doc);
    if (appendFlag?.value) this.diags.warn('deprecated', appendFlag.pos, "'append' is deprecated: use 'override'", this.currentItem);
    const ov = this.overrides(map, doc, RULE_APPENDABLE, RULE_REPLACEABLE);
    const hasOverrides = ov.append.size > 0 || ov.replace.size > 0;
    if (appendFlag?.value && hasOverrides) throw new ItemError("keys 'override' and 'append: true' cannot be used together", this.pos(map));
    const present = (k: string): boolean => this.pair(map, k) !== undefined;
    const rule: RawRule = { kind: 'rule', name: name.value, pos: this.pos(map), mode: 'define', values: { extensions: {} }, appendKeys: ov.append, replaceKeys: ov.replace };

    if (hasOverrides) {
      rule.mode = 'override';
      for (const [op, keys] of [['append', ov.append], ['replace', ov.replace]] as const) {
        for (const k of keys) {
          if (!present(k)) throw new ItemError(`an ${op} override for '${k}' was specified but '${k}' is not defined`, this.keyPos(map, 'override'));
        }
      }
      for (const k of new Set<string>([...RULE_APPENDABLE, ...RULE_REPLACEABLE])) {
        if (present(k) && !ov.append.has(k) && !ov.replace.has(k)) throw new ItemError(`unexpected key '${k}': no corresponding entry under 'override' is defined`, this.keyPos(map, k));
      }
      this.ruleValues(map, doc, rule.values, true);
      return rule;
    }
    if (appendFlag?.value) {
      rule.mode = 'append';
      this.ruleValues(map, doc, rule.values, true);
      if (!rule.values.condition && !rule.values.exceptions) throw new ItemError("an appended rule must have a 'condition' or 'exceptions' key", this.pos(map));
      return rule;
    }
    if (!present('condition') && !present('output') && !present('desc') && !present('priority')) {
      // Falco's older form for enabling/disabling an earlier rule: only `rule` and `enabled`.
      const enabled = this.bool(map, 'enabled', doc);
      if (!enabled) throw new ItemError("item has no mapping for key 'condition' (a rule needs condition, output, desc and priority; or only 'enabled' to change an earlier rule)", this.pos(map));
      this.diags.warn('deprecated', enabled.pos, "changing 'enabled' without other keys is deprecated: use 'override: {enabled: replace}'", this.currentItem);
      rule.mode = 'enable';
      rule.values.enabled = enabled;
      return rule;
    }
    for (const k of ['condition', 'output', 'desc', 'priority']) {
      if (!present(k)) throw new ItemError(`item has no mapping for key '${k}' (a new rule needs condition, output, desc and priority)`, this.pos(map));
    }
    this.ruleValues(map, doc, rule.values, false);
    return rule;
  }

  ruleValues(map: YAMLMap, doc: Document, v: RuleValues, partial: boolean): void {
    const present = (k: string): boolean => this.pair(map, k) !== undefined;
    if (present('condition')) v.condition = this.source(map, 'condition', doc);
    if (present('output')) v.output = this.source(map, 'output', doc);
    if (present('desc')) v.desc = this.source(map, 'desc', doc);
    if (present('priority')) {
      const s = this.requiredScalar(map, 'priority', doc);
      const p = typeof s.value === 'string' ? parsePriority(s.value) : undefined;
      if (!p) throw new ItemError(`invalid priority '${this.scalarText(s)}': expected one of ${PRIORITIES.join(', ')} (or INFO)`, this.pos(s));
      v.priority = { value: p, pos: this.pos(s) };
    }
    const enabled = this.bool(map, 'enabled', doc);
    if (enabled) v.enabled = enabled;
    if (present('tags')) {
      const t = this.value(map, 'tags', doc);
      if (t !== null && !(isScalar(t) && t.value === null) && !isSeq(t)) throw new ItemError(`value for key 'tags' is not a sequence (write tags: [a, b])`, this.pos(t ?? map));
      v.tags = { value: [...new Set(this.scalarSeq(map, 'tags', doc).map((x) => x.value))], pos: this.keyPos(map, 'tags') };
    }
    if (present('source')) v.source = this.string(map, 'source', doc);
    const we = this.bool(map, 'warn_evttypes', doc);
    if (we) v.warn_evttypes = we.value;
    const sk = this.bool(map, 'skip-if-unknown-filter', doc);
    if (sk) v.skipIfUnknownFilter = sk.value;
    const cap = this.bool(map, 'capture', doc);
    if (cap) v.capture = cap.value;
    if (present('capture_duration')) this.requiredScalar(map, 'capture_duration', doc);
    if (present('exceptions')) v.exceptions = this.exceptions(map, doc, partial);
    for (const p of map.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (!k.startsWith('x-vigil-')) continue;
      try {
        // Bounded: a hostile file could make an alias expand to an enormous value.
        v.extensions[k] = isNode(p.value) ? p.value.toJS(doc, { maxAliasCount: 100 }) : null;
      } catch (err) {
        throw new ItemError(`value of '${k}': ${(err as Error).message}`, this.pos(p.value ?? p.key));
      }
    }
  }

  exceptions(map: YAMLMap, doc: Document, partial: boolean): RawException[] {
    const exs = this.value(map, 'exceptions', doc);
    if (exs === null || exs === undefined || (isScalar(exs) && exs.value === null)) return [];
    if (!isSeq(exs)) throw new ItemError('rule exceptions must be a sequence', this.pos(exs));
    const out: RawException[] = [];
    for (const raw of exs.items) {
      const ex = this.deref(raw as Node | null, doc);
      if (!ex || !isMap(ex)) throw new ItemError('a rule exception must be a mapping with name, fields, comps and values', this.pos(ex ?? exs));
      const name = this.string(ex, 'name', doc);
      if (out.some((e) => e.name === name.value)) throw new ItemError(`duplicate exception name '${name.value}': exception names in one rule must be unique`, name.pos);
      for (const p of ex.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        if (!['name', 'fields', 'comps', 'values'].includes(k)) this.diags.warn('schema', this.pos(p.key), `unknown key '${k}' in an exception (ignored)`, this.currentItem);
      }
      const entry: RawException = { name: name.value, pos: this.pos(ex), values: [] };
      const fields = this.value(ex, 'fields', doc);
      if (fields !== undefined) entry.fields = this.exEntry(fields, doc, 'fields');
      else if (!partial) throw new ItemError(`exception '${name.value}' has no 'fields'`, this.pos(ex));
      const comps = this.value(ex, 'comps', doc);
      if (comps !== undefined) entry.comps = this.exEntry(comps, doc, 'comps');
      const values = this.value(ex, 'values', doc);
      if (values !== undefined && values !== null && !(isScalar(values) && values.value === null)) {
        if (!isSeq(values)) throw new ItemError(`exception '${name.value}': values must be a sequence`, this.pos(values));
        for (const vr of values.items) entry.values.push(this.exEntry(this.deref(vr as Node | null, doc), doc, 'values'));
      } else if (partial) {
        this.diags.warn('schema', this.pos(ex), `overriding/appending exception '${name.value}' with no values`, this.currentItem);
      }
      out.push(entry);
    }
    return out;
  }

  exEntry(node: Node | null | undefined, doc: Document, key: string, depth = 0): ExceptionEntry {
    if (!node || (isScalar(node) && node.value === null)) throw new ItemError(`exception ${key}: empty value`, this.pos(node));
    if (isScalar(node)) {
      const t = this.scalarText(node);
      if (t === '') throw new ItemError(`exception ${key}: value must be non-empty`, this.pos(node));
      return { isList: false, item: t, pos: this.pos(node) };
    }
    if (isSeq(node)) {
      if (depth > 2) throw new ItemError(`exception ${key}: lists nest too deeply`, this.pos(node));
      return { isList: true, items: node.items.map((n) => this.exEntry(this.deref(n as Node | null, doc), doc, key, depth + 1)), pos: this.pos(node) };
    }
    throw new ItemError(`exception ${key}: expected a string or a list`, this.pos(node));
  }
}
