// `vigil db import`: reads OSV records, validates them, compacts them and writes a new database generation, then
// makes it current with one atomic rename. Memory stays bounded by the number of records, not their size:
// compact advisories are spilled to a temporary file as they are read and grouped by package at the end.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactRecord } from './advisory.js';
import { validateOsvRecord } from './osv-schema.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits, readOsvSources } from './sources.js';
import {
  ADVISORIES_FILE,
  CURRENT_LINK,
  DB_FORMAT,
  DB_SCHEMA_VERSION,
  INDEX_FILE,
  META_FILE,
  type ImportCounts,
  type IndexFile,
  type VulnDbMeta,
} from './store-format.js';

export interface ImportProblem {
  /** file path, or "zip!entry" */
  source: string;
  /** index of the record within the file when the file holds an array */
  index?: number;
  id?: string;
  reason: string;
}

export interface ImportOptions {
  limits?: Partial<SourceLimits>;
  /** clock for builtAt (tests) */
  now?: () => Date;
  /** problems kept in the result (all are counted); default 1000 */
  maxProblems?: number;
  onProblem?: (p: ImportProblem) => void;
}

export interface ImportResult {
  dbDir: string;
  /** the generation directory now current */
  generation: string;
  meta: VulnDbMeta;
  problems: ImportProblem[];
}

/** Buffered appends to a file by descriptor, tracking the byte offset. */
class Appender {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  offset = 0;
  constructor(private readonly fd: number) {}
  append(b: Buffer): number {
    const at = this.offset;
    this.parts.push(b);
    this.pendingBytes += b.length;
    this.offset += b.length;
    if (this.pendingBytes >= 4 * 1024 * 1024) this.flush();
    return at;
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.concat(this.parts, this.pendingBytes);
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written);
    this.parts = [];
    this.pendingBytes = 0;
  }
}

interface RecordSlot {
  /** sequence number of the kept copy; -1 when the newest copy is withdrawn */
  seq: number;
  modifiedMs: number;
  modified: string;
}

const LINE_END = Buffer.from('\n');

export async function importOsv(paths: readonly string[], dbDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  if (paths.length === 0) throw new Error('importOsv: no input paths');
  const limits: SourceLimits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  const maxProblems = opts.maxProblems ?? 1000;
  await mkdir(dbDir, { recursive: true });
  const unlock = await takeImportLock(dbDir);
  try {
    return await importLocked(paths, dbDir, opts, limits, maxProblems);
  } finally {
    await unlock();
  }
}

/** One import per database directory at a time: a second one could delete the first one's new generation. */
async function takeImportLock(dbDir: string): Promise<() => Promise<void>> {
  const lock = join(dbDir, '.import.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) throw new Error(`another import (pid ${pid}) is writing ${dbDir}`);
      await rm(lock, { force: true }); // left behind by a crashed import
    }
  }
  throw new Error(`cannot lock ${dbDir} for import`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function importLocked(
  paths: readonly string[],
  dbDir: string,
  opts: ImportOptions,
  limits: SourceLimits,
  maxProblems: number,
): Promise<ImportResult> {
  const tag = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const building = join(dbDir, `.building-${tag}`);
  await mkdir(building);
  const problems: ImportProblem[] = [];
  const counts: ImportCounts = {
    files: 0,
    records: 0,
    imported: 0,
    malformed: 0,
    withdrawn: 0,
    duplicates: 0,
    gitRangesIgnored: 0,
    packagelessAffected: 0,
    unmatchable: 0,
  };
  const problem = (p: ImportProblem): void => {
    if (problems.length < maxProblems) problems.push(p);
    opts.onProblem?.(p);
  };
  const spillPath = join(building, 'spill.jsonl');
  const spillFd = openSync(spillPath, 'w+');
  let spillOpen = true;
  try {
    const spill = new Appender(spillFd);
    // key -> flat [offset, length, seq, ...] of spilled advisories
    const byKey = new Map<string, number[]>();
    const slots = new Map<string, RecordSlot>();
    const seqIds: string[] = [];
    const seqEcosystems: string[][] = [];
    let seq = 0;

    for await (const item of readOsvSources(paths, limits)) {
      if (item.kind === 'problem') {
        counts.malformed++;
        problem({ source: item.source, reason: item.reason });
        continue;
      }
      counts.files++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(item.text);
      } catch (e) {
        counts.malformed++;
        problem({ source: item.source, reason: `invalid JSON: ${(e as Error).message}` });
        continue;
      }
      const values = Array.isArray(parsed) ? parsed : [parsed];
      values.forEach((value, index) => {
        counts.records++;
        const where = Array.isArray(parsed) ? { source: item.source, index } : { source: item.source };
        const v = validateOsvRecord(value);
        if (!v.ok) {
          counts.malformed++;
          const id = typeof (value as { id?: unknown })?.id === 'string' ? String((value as { id: string }).id).slice(0, 256) : undefined;
          problem({ ...where, ...(id ? { id } : {}), reason: v.reason });
          return;
        }
        const record = v.record;
        const modifiedMs = Date.parse(record.modified);
        const previous = slots.get(record.id);
        if (previous) {
          counts.duplicates++;
          if (modifiedMs <= previous.modifiedMs) return; // an older or equal copy: keep the first seen
        }
        if (record.withdrawn !== undefined) {
          counts.withdrawn++;
          slots.set(record.id, { seq: -1, modifiedMs, modified: record.modified });
          return;
        }
        const compact = compactRecord(record);
        counts.gitRangesIgnored += compact.gitRangesIgnored;
        counts.packagelessAffected += compact.packagelessAffected;
        if (compact.advisories.size === 0) counts.unmatchable++;
        const mySeq = seq++;
        seqIds[mySeq] = record.id;
        const ecosystems = new Set<string>();
        for (const [key, adv] of compact.advisories) {
          ecosystems.add(adv.ecosystem);
          const bytes = Buffer.from(JSON.stringify(adv));
          const offset = spill.append(bytes);
          spill.append(LINE_END);
          let list = byKey.get(key);
          if (!list) byKey.set(key, (list = []));
          list.push(offset, bytes.length, mySeq);
        }
        seqEcosystems[mySeq] = [...ecosystems];
        slots.set(record.id, { seq: mySeq, modifiedMs, modified: record.modified });
      });
    }
    spill.flush();

    // which sequence numbers survived de-duplication and withdrawal
    const live = new Uint8Array(seq);
    const winners: { id: string; modified: string; modifiedMs: number; seq: number }[] = [];
    for (const [id, slot] of slots) {
      if (slot.seq < 0) continue;
      live[slot.seq] = 1;
      winners.push({ id, modified: slot.modified, modifiedMs: slot.modifiedMs, seq: slot.seq });
    }
    counts.imported = winners.length;

    // group spilled advisories by key into the final data file
    const dataFd = openSync(join(building, ADVISORIES_FILE), 'w');
    const index: IndexFile = { keys: [], offsets: [], lengths: [] };
    let advisories = 0;
    try {
      const out = new Appender(dataFd);
      const keys = [...byKey.keys()].sort();
      let readBuf = Buffer.alloc(64 * 1024);
      for (const key of keys) {
        const flat = byKey.get(key) ?? [];
        const entries: { id: string; offset: number; length: number }[] = [];
        for (let i = 0; i < flat.length; i += 3) {
          const s = flat[i + 2] ?? -1;
          if (live[s] === 1) entries.push({ id: seqIds[s] ?? '', offset: flat[i] ?? 0, length: flat[i + 1] ?? 0 });
        }
        if (entries.length === 0) continue;
        entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const start = out.offset;
        out.append(Buffer.from('['));
        entries.forEach((e, i) => {
          if (i > 0) out.append(Buffer.from(','));
          if (readBuf.length < e.length) readBuf = Buffer.alloc(e.length);
          const n = readSync(spillFd, readBuf, 0, e.length, e.offset);
          if (n !== e.length) throw new Error(`short read from the spill file at ${e.offset}`);
          out.append(Buffer.from(readBuf.subarray(0, e.length)));
        });
        out.append(Buffer.from(']\n'));
        index.keys.push(key);
        index.offsets.push(start);
        index.lengths.push(out.offset - start - 1);
        advisories += entries.length;
        byKey.delete(key);
      }
      out.flush();
      fsyncSync(dataFd);
    } finally {
      closeSync(dataFd);
    }
    closeSync(spillFd);
    spillOpen = false;
    await rm(spillPath);

    winners.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const digest = createHash('sha256');
    const ecosystems: Record<string, number> = {};
    let newest: { ms: number; text: string } | undefined;
    for (const w of winners) {
      digest.update(`${w.id}\t${w.modified}\n`);
      for (const e of seqEcosystems[w.seq] ?? []) ecosystems[e] = (ecosystems[e] ?? 0) + 1;
      if (!newest || w.modifiedMs > newest.ms) newest = { ms: w.modifiedMs, text: w.modified };
    }
    const meta: VulnDbMeta = {
      format: DB_FORMAT,
      schemaVersion: DB_SCHEMA_VERSION,
      osvSchema: '1.7',
      builtAt: (opts.now?.() ?? new Date()).toISOString(),
      newestModified: newest ? new Date(newest.ms).toISOString() : undefined,
      records: winners.length,
      packages: index.keys.length,
      advisories,
      ecosystems: Object.fromEntries(Object.entries(ecosystems).sort(([a], [b]) => (a < b ? -1 : 1))),
      digest: `sha256:${digest.digest('hex')}`,
      import: counts,
    };
    await writeFileSynced(join(building, INDEX_FILE), JSON.stringify(index));
    await writeFileSynced(join(building, META_FILE), JSON.stringify(meta, null, 2) + '\n');

    const generation = `gen-${tag}`;
    await rename(building, join(dbDir, generation));
    await makeCurrent(dbDir, generation, tag);
    await removeOldGenerations(dbDir, generation);
    return { dbDir, generation: join(dbDir, generation), meta, problems };
  } catch (e) {
    if (spillOpen) closeSync(spillFd);
    await rm(building, { recursive: true, force: true });
    throw e;
  }
}

async function writeFileSynced(path: string, data: string): Promise<void> {
  await writeFile(path, data);
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Points <dbDir>/current at the generation: a new symlink renamed over the old one, atomic on POSIX. */
async function makeCurrent(dbDir: string, generation: string, tag: string): Promise<void> {
  const tmpLink = join(dbDir, `.current-${tag}`);
  await symlink(generation, tmpLink);
  try {
    await rename(tmpLink, join(dbDir, CURRENT_LINK));
  } catch (e) {
    await rm(tmpLink, { force: true });
    throw e;
  }
}

async function removeOldGenerations(dbDir: string, keep: string): Promise<void> {
  let current: string | undefined;
  try {
    current = await readlink(join(dbDir, CURRENT_LINK));
  } catch {
    current = undefined;
  }
  for (const name of await readdir(dbDir)) {
    if (!name.startsWith('gen-') || name === keep || name === current) continue;
    // open readers keep their descriptors; the files vanish when they close
    await rm(join(dbDir, name), { recursive: true, force: true });
  }
}
