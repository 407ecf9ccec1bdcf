// Loading rules files: read (bounded), parse, merge in order, compile. The entry point for `vigil node`,
// `vigil rules check|test` and tests.

import { readFileSync, statSync } from 'node:fs';
import { Diagnostics, type RuleDiagnostic } from './diagnostics.js';
import { collectRules } from './load/collector.js';
import type { RawFile } from './load/items.js';
import { readRulesText } from './load/reader.js';
import { compileRuleset, type CompiledRuleset, type CompileOptions } from './compile/ruleset.js';

/** Files larger than this are refused: rules files are tens of KiB, Falco's full set about 200 KiB. */
export const MAX_RULES_FILE_BYTES = 16 * 1024 * 1024;

/** The Falco rules-engine version whose language Vigil implements; newer requirements get a warning. */
export const FALCO_ENGINE_COMPAT = '0.55.0';

export interface RulesSource {
  /** Name used in messages (usually the path). */
  file: string;
  text: string;
}

export interface LoadResult {
  ruleset: CompiledRuleset;
  diagnostics: RuleDiagnostic[];
  errors: RuleDiagnostic[];
  warnings: RuleDiagnostic[];
  /** True when there were no errors (warnings and skipped rules are fine). */
  ok: boolean;
}

export function loadRulesSources(sources: readonly RulesSource[], opts: CompileOptions = {}): LoadResult {
  const diags = new Diagnostics();
  const files: RawFile[] = sources.map((s) => readRulesText(s.file, s.text, diags));
  const collected = collectRules(files, diags);
  if (collected.requiredEngineVersion && newer(collected.requiredEngineVersion, FALCO_ENGINE_COMPAT)) {
    const f = sources[0]?.file ?? '<rules>';
    diags.warn('version', { file: f, line: 1, column: 1 }, `the rules require engine version ${collected.requiredEngineVersion}; Vigil implements the language of Falco's engine ${FALCO_ENGINE_COMPAT} and loads them anyway`);
  }
  const ruleset = compileRuleset(collected, diags, opts);
  const errors = diags.errors;
  return { ruleset, diagnostics: diags.list, errors, warnings: diags.warnings, ok: errors.length === 0 };
}

/** Reads and loads files in the given order; an unreadable or oversized file is an error for that file. */
export function loadRulesFiles(paths: readonly string[], opts: CompileOptions = {}): LoadResult {
  const sources: RulesSource[] = [];
  const ioErrors: RuleDiagnostic[] = [];
  for (const p of paths) {
    try {
      const size = statSync(p).size;
      if (size > MAX_RULES_FILE_BYTES) throw new Error(`the file is ${size} bytes; the limit is ${MAX_RULES_FILE_BYTES}`);
      sources.push({ file: p, text: readFileSync(p, 'utf8') });
    } catch (err) {
      ioErrors.push({ severity: 'error', code: 'io', file: p, line: 1, column: 1, message: `cannot read the rules file: ${(err as Error).message}` });
    }
  }
  const r = loadRulesSources(sources, opts);
  if (!ioErrors.length) return r;
  return { ...r, diagnostics: [...ioErrors, ...r.diagnostics], errors: [...ioErrors, ...r.errors], ok: false };
}

function newer(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return false;
}
