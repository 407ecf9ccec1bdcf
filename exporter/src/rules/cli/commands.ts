// `vigil rules check FILE...` and `vigil rules test --rules FILE... --events FILE.ndjson`.

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { formatDiagnostic } from '../diagnostics.js';
import { RuleEngine } from '../engine.js';
import { eventShapeProblem } from '../event-shape.js';
import { loadRulesFiles, type LoadResult } from '../load.js';
import { parsePriority, type Priority } from '../load/items.js';

export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('check Falco-compatible rules files and try them on recorded events');

  rules
    .command('check')
    .description('validate rules files (loaded in the order given); exit 1 on errors')
    .argument('<files...>', 'rules files (YAML, Falco format)')
    .option('--no-warnings', 'print errors only')
    .action((files: string[], opts: { warnings: boolean }) => {
      process.exitCode = runCheck(files, opts.warnings, (s) => process.stdout.write(s));
    });

  rules
    .command('test')
    .description('evaluate recorded events (NDJSON, docs/events.md) and print the matches as Falco JSON alerts')
    .requiredOption('--rules <files...>', 'rules files, loaded in order')
    .requiredOption('--events <file>', 'events, one JSON object per line ("-" for stdin)')
    .option('--min-priority <priority>', 'load only rules at least this severe (e.g. WARNING)')
    .option('--hostname <name>', 'evt.hostname for events without "node"')
    .action(async (opts: { rules: string[]; events: string; minPriority?: string; hostname?: string }) => {
      process.exitCode = await runTest(opts, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

type Write = (s: string) => void;

function summary(r: LoadResult): string {
  const rs = r.ruleset.rules;
  const enabled = rs.filter((x) => x.enabled);
  const skipped = enabled.filter((x) => x.skipped);
  return `${rs.length} rules (${enabled.length} enabled, ${rs.length - enabled.length} disabled, ${skipped.length} skipped), ${r.ruleset.macros} macros, ${r.ruleset.lists} lists`;
}

export function runCheck(files: string[], warnings: boolean, out: Write): number {
  const r = loadRulesFiles(files);
  for (const d of r.diagnostics) if (warnings || d.severity === 'error') out(`${formatDiagnostic(d)}\n`);
  const skipped = r.ruleset.rules.filter((x) => x.enabled && x.skipped);
  if (skipped.length) {
    out(`rules that would be skipped (${skipped.length}):\n`);
    for (const s of skipped) out(`  ${s.pos.file}:${s.pos.line}:${s.pos.column}: '${s.name}': ${s.skipped}\n`);
  }
  if (!r.ok) {
    out(`vigil rules check: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  const engine = new RuleEngine(r.ruleset);
  const needs = engine.kernelNeeds();
  out(`vigil rules check: OK: ${files.length} file${files.length === 1 ? '' : 's'}, ${summary(r)}, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}\n`);
  const list = (p: string[] | 'all'): string => (p === 'all' ? 'all' : p.join(' ') || '(none)');
  out(`  kernel filter: event types ${[...needs.eventTypes].sort().join(', ') || '(none)'}\n`);
  out(`  opens: ${needs.openPrefixes === 'all' ? `all (needed by ${needs.allOpensFor.join(', ')})` : list(needs.openPrefixes)}\n`);
  if (needs.openWritesOnlyRules) out(`  opens for reading (when the sensor sends every open for writing): ${list(needs.openReadPrefixes)}\n`);
  return 0;
}

/** Longest event line accepted; longer lines are reported as malformed (and skipped, not buffered). */
export const MAX_EVENT_LINE = 1024 * 1024;
const MAX_LISTED = 50;

/** Splits a stream into lines without ever holding more than MAX_EVENT_LINE bytes of one line. */
async function* boundedLines(input: Readable): AsyncGenerator<{ line: string; tooLong: boolean }> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!tooLong) {
        if (size + (end - start) > MAX_EVENT_LINE) {
          tooLong = true;
          parts = [];
        } else {
          parts.push(chunk.subarray(start, end));
          size += end - start;
        }
      }
      if (nl < 0) break;
      yield { line: tooLong ? '' : Buffer.concat(parts).toString('utf8'), tooLong };
      parts = [];
      size = 0;
      tooLong = false;
      start = nl + 1;
    }
  }
  if (size > 0 || tooLong) yield { line: tooLong ? '' : Buffer.concat(parts).toString('utf8'), tooLong };
}

export async function runTest(
  opts: { rules: string[]; events: string; minPriority?: string; hostname?: string },
  out: Write,
  err: Write,
): Promise<number> {
  let minPriority: Priority | undefined;
  if (opts.minPriority !== undefined) {
    minPriority = parsePriority(opts.minPriority);
    if (!minPriority) {
      err(`vigil rules test: --min-priority: '${opts.minPriority}' is not a priority (EMERGENCY ... DEBUG)\n`);
      return 2;
    }
  }
  const r = loadRulesFiles(opts.rules, minPriority ? { minPriority } : {});
  for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
  if (!r.ok) {
    err(`vigil rules test: the rules have ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}; nothing evaluated\n`);
    return 1;
  }
  const engine = new RuleEngine(r.ruleset, opts.hostname ? { hostname: opts.hostname } : {});
  let input: Readable;
  if (opts.events === '-') input = process.stdin;
  else {
    input = createReadStream(opts.events);
  }
  let lineNo = 0;
  let events = 0;
  let alerts = 0;
  const malformed: string[] = [];
  let malformedCount = 0;
  try {
    for await (const { line, tooLong } of boundedLines(input)) {
      lineNo++;
      const bad = (why: string): void => {
        malformedCount++;
        if (malformed.length < MAX_LISTED) malformed.push(`line ${lineNo}: ${why}`);
      };
      if (tooLong) {
        bad(`longer than ${MAX_EVENT_LINE} bytes`);
        continue;
      }
      const text = line.trim();
      if (text === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        bad(`invalid JSON (${(e as Error).message})`);
        continue;
      }
      const problem = eventShapeProblem(value);
      if (problem) {
        bad(problem);
        continue;
      }
      events++;
      for (const m of engine.evaluate(value as never)) {
        alerts++;
        out(`${JSON.stringify(engine.alert(m))}\n`);
      }
    }
  } catch (e) {
    err(`vigil rules test: cannot read ${opts.events}: ${(e as Error).message}\n`);
    return 1;
  }
  const perRule = [...engine.matchesByRule()].filter(([, n]) => n > 0).map(([name, n]) => `${name}: ${n}`);
  err(`vigil rules test: ${events} event${events === 1 ? '' : 's'} evaluated, ${alerts} alert${alerts === 1 ? '' : 's'}, ${malformedCount} malformed line${malformedCount === 1 ? '' : 's'}; ${summary(r)}\n`);
  if (perRule.length) err(`  matches: ${perRule.join('; ')}\n`);
  for (const m of malformed) err(`  malformed ${m}\n`);
  if (malformedCount > malformed.length) err(`  ... and ${malformedCount - malformed.length} more malformed lines\n`);
  if (engine.stats.errors) err(`  ${engine.stats.errors} rule evaluation error${engine.stats.errors === 1 ? '' : 's'} on malformed events\n`);
  return 0;
}
