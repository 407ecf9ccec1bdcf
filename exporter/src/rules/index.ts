// The rules engine's public surface, for the composition root (vigil node) and other wings.
//
//   const loaded = loadRulesFiles([DEFAULT_RULES_FILE, ...userFiles]);   // errors: loaded.errors (file:line:column)
//   const engine = new RuleEngine(loaded.ruleset, { hostname, processLookup: (pid) => procs.get(pid) });
//   const needs = engine.kernelNeeds();                                   // -> sensor filter (plain data)
//   for (const m of engine.evaluate(event)) sink(engine.alert(m));        // hot path: evaluate; alert() only on match

export { DEFAULT_RULES_FILE } from './default-rules.js';
export { loadRulesFiles, loadRulesSources, MAX_RULES_FILE_BYTES, FALCO_ENGINE_COMPAT, type LoadResult, type RulesSource } from './load.js';
export { RuleEngine, type EngineOptions, type EngineStats, type FalcoAlert, type RuleMatch } from './engine.js';
export { kernelFilterNeeds, type KernelFilterNeeds } from './kernel-filter.js';
export type { CompiledRule, CompiledRuleset, CompileOptions } from './compile/ruleset.js';
export { formatDiagnostic, type RuleDiagnostic, type Position } from './diagnostics.js';
export { eventShapeProblem } from './event-shape.js';
export type { ProcessContext, ProcessLookup, LooseEvent } from './fields/context.js';
export { hostUserDirectory, type UserDirectory } from './fields/users.js';
export { PRIORITIES, parsePriority, type Priority } from './load/items.js';
export { registerRulesCommands } from './cli/commands.js';
