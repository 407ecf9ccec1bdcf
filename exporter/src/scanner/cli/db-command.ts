// `vigil db import PATH... [--db DIR]` and `vigil db info [--db DIR]`.
import { existsSync } from 'node:fs';
import { importOsv, openVulnDb, SourceError, VulnDbError, type ImportProblem, type VulnDbMeta } from '../vulndb/index.js';
import { CliError, EXIT_ERROR, EXIT_OK, type ExitCode } from './exit-codes.js';
import { describeAge, write, type CliIo } from './output.js';

const PROBLEMS_SHOWN = 10;

function describeProblem(p: ImportProblem): string {
  const where = `${p.source}${p.index !== undefined ? ` [record ${p.index}]` : ''}${p.id ? ` (${p.id})` : ''}`;
  return `${where}: ${p.reason}`;
}

/** The lines both commands print about a database. */
export function describeDb(meta: VulnDbMeta, path: string, now: Date): string[] {
  const ecosystems = Object.entries(meta.ecosystems ?? {}).sort((a, b) => b[1] - a[1]);
  const shown = ecosystems.slice(0, 12).map(([e, n]) => `${e} ${n}`).join(', ');
  return [
    `database:  ${path}`,
    `digest:    ${meta.digest}`,
    `records:   ${meta.records} (${meta.advisories} advisories over ${meta.packages} packages)`,
    `built:     ${meta.builtAt} (${describeAge(meta.builtAt, now)})`,
    `data age:  newest record modified ${meta.newestModified ?? 'unknown'} (${describeAge(meta.newestModified, now)})`,
    `ecosystems: ${ecosystems.length}${shown ? `: ${shown}${ecosystems.length > 12 ? `, … ${ecosystems.length - 12} more` : ''}` : ''}`,
  ];
}

export async function runDbImport(paths: string[], dbDir: string, io: CliIo): Promise<ExitCode> {
  if (paths.length === 0) throw new CliError('vigil db import: give at least one all.zip or directory of OSV records');
  for (const p of paths) if (!existsSync(p)) throw new CliError(`vigil db import: ${p}: no such file or directory`);
  const now = io.now ?? (() => new Date());
  let result;
  try {
    result = await importOsv(paths, dbDir, { maxProblems: PROBLEMS_SHOWN });
  } catch (err) {
    if (err instanceof SourceError || err instanceof VulnDbError) throw new CliError(`vigil db import: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC') throw new CliError(`vigil db import: cannot write ${dbDir}: ${(err as Error).message}`);
    throw new CliError(`vigil db import: ${(err as Error).message}`);
  }
  const c = result.meta.import;
  const lines = [
    `imported ${c.records} records from ${c.files} files: ${c.imported} kept, ${c.malformed} malformed (skipped), ${c.withdrawn} withdrawn, ${c.duplicates} duplicate ids (newest kept)`,
    `  ${c.gitRangesIgnored} GIT ranges ignored, ${c.packagelessAffected} affected entries without a package, ${c.unmatchable} records with nothing to match`,
  ];
  if (c.malformed > 0) {
    lines.push(`problems (${c.malformed}, first ${Math.min(PROBLEMS_SHOWN, result.problems.length)} shown):`);
    for (const p of result.problems.slice(0, PROBLEMS_SHOWN)) lines.push(`  ${describeProblem(p)}`);
    if (c.malformed > PROBLEMS_SHOWN) lines.push(`  … and ${c.malformed - PROBLEMS_SHOWN} more`);
  }
  lines.push(...describeDb(result.meta, result.generation, now()));
  await write(io.stdout, `${lines.join('\n')}\n`);
  return EXIT_OK;
}

export async function runDbInfo(dbDir: string, io: CliIo, asJson = false): Promise<ExitCode> {
  const now = io.now ?? (() => new Date());
  let db;
  try {
    db = openVulnDb(dbDir);
  } catch (err) {
    if (err instanceof VulnDbError) throw new CliError(noDbMessage(dbDir), EXIT_ERROR);
    throw err;
  }
  try {
    if (asJson) await write(io.stdout, `${JSON.stringify({ path: db.path, ...db.meta }, null, 2)}\n`);
    else await write(io.stdout, `${describeDb(db.meta, db.path, now()).join('\n')}\n`);
  } finally {
    db.close();
  }
  return EXIT_OK;
}

export function noDbMessage(dbDir: string): string {
  return `no vulnerability database in ${dbDir}: import OSV data first with "vigil db import PATH... --db ${dbDir}"`;
}
