// The items of a Falco rules file after reading, before they are merged: plain data with source positions.

import type { Position } from '../diagnostics.js';
import type { SourceText } from '../source-text.js';

export interface Located<T> {
  value: T;
  pos: Position;
}

export type OverrideOp = 'append' | 'replace';

export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Falco accepts priorities in any case, and INFO for Informational. */
export function parsePriority(s: string): Priority | undefined {
  const l = s.trim().toLowerCase();
  if (l === 'info') return 'Informational';
  return PRIORITIES.find((p) => p.toLowerCase() === l);
}

/** An exception entry is a scalar or a list of entries (values may nest one level: [[a, [b, c]]]). */
export type ExceptionEntry =
  | { isList: false; item: string; pos: Position }
  | { isList: true; items: ExceptionEntry[]; pos: Position };

export interface RawException {
  name: string;
  pos: Position;
  fields?: ExceptionEntry;
  comps?: ExceptionEntry;
  values: ExceptionEntry[];
}

export interface RawList {
  kind: 'list';
  name: string;
  pos: Position;
  items: Located<string>[];
  /** deprecated `append: true` or `override: {items: append}` */
  append: boolean;
}

export interface RawMacro {
  kind: 'macro';
  name: string;
  pos: Position;
  condition: SourceText;
  append: boolean;
}

export const RULE_APPENDABLE = ['condition', 'output', 'desc', 'tags', 'exceptions'] as const;
export const RULE_REPLACEABLE = [
  'condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'warn_evttypes', 'skip-if-unknown-filter',
] as const;
export type RuleOverridableKey = (typeof RULE_REPLACEABLE)[number];

/** The keys of a rule item that were present, decoded. */
export interface RuleValues {
  desc?: SourceText;
  condition?: SourceText;
  output?: SourceText;
  priority?: Located<Priority>;
  enabled?: Located<boolean>;
  tags?: Located<string[]>;
  source?: Located<string>;
  exceptions?: RawException[];
  warn_evttypes?: boolean;
  skipIfUnknownFilter?: boolean;
  capture?: boolean;
  /** Keys starting with x-vigil- (e.g. x-vigil-actions), kept verbatim for the parts of Vigil that use them. */
  extensions: Record<string, unknown>;
}

export interface RawRule {
  kind: 'rule';
  name: string;
  pos: Position;
  /** define: a new (or redefined) rule; enable: only `enabled`; append: deprecated append: true; override. */
  mode: 'define' | 'enable' | 'append' | 'override';
  values: RuleValues;
  /** For mode override: which keys are appended and which replaced. */
  appendKeys: Set<string>;
  replaceKeys: Set<string>;
}

export interface RawEngineVersion {
  kind: 'required_engine_version';
  pos: Position;
  version: string;
}

export interface RawPluginVersions {
  kind: 'required_plugin_versions';
  pos: Position;
  plugins: { name: string; version: string }[];
}

export type RawItem = RawList | RawMacro | RawRule | RawEngineVersion | RawPluginVersions;

export interface RawFile {
  file: string;
  items: RawItem[];
}
