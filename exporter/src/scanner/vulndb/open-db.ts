// Opening a Vigil vulnerability database for lookups. The index (package keys -> byte ranges) is read on first
// lookup; each lookup is one positioned read of one line plus JSON.parse, and recent results are cached.
import { closeSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type Advisory, packageKey } from './advisory.js';
import { ADVISORIES_FILE, CURRENT_LINK, DB_FORMAT, DB_SCHEMA_VERSION, INDEX_FILE, META_FILE, type VulnDbMeta } from './store-format.js';

export interface VulnDb {
  /** Advisories for one package in one ecosystem ("Debian:12", "openssl"); [] when none. Do not mutate them. */
  lookup(ecosystem: string, name: string): readonly Advisory[];
  readonly meta: VulnDbMeta;
  /** the generation directory this handle reads */
  readonly path: string;
  close(): void;
}

export class VulnDbError extends Error {
  override readonly name = 'VulnDbError';
}

export interface OpenOptions {
  /** parsed package entries kept in memory; default 4096 */
  cacheEntries?: number;
}

const metaShape = z.object({
  format: z.literal(DB_FORMAT),
  schemaVersion: z.number(),
  builtAt: z.string(),
  records: z.number(),
  digest: z.string(),
});

const indexShape = z.object({ keys: z.array(z.string()), offsets: z.array(z.number()), lengths: z.array(z.number()) });

/** Opens <dbDir> (resolving its `current` generation) or a generation directory itself. */
export function openVulnDb(dbDir: string, opts: OpenOptions = {}): VulnDb {
  let path: string;
  try {
    path = realpathSync(join(dbDir, CURRENT_LINK));
  } catch {
    path = dbDir;
  }
  let meta: VulnDbMeta;
  try {
    meta = JSON.parse(readFileSync(join(path, META_FILE), 'utf8')) as VulnDbMeta;
  } catch (e) {
    throw new VulnDbError(`no vulnerability database at ${dbDir}: ${(e as Error).message} (run "vigil db import")`);
  }
  const shape = metaShape.safeParse(meta);
  if (!shape.success) throw new VulnDbError(`${path}: not a Vigil vulnerability database (bad ${META_FILE})`);
  if (meta.schemaVersion !== DB_SCHEMA_VERSION)
    throw new VulnDbError(`${path}: database schema ${meta.schemaVersion}, this Vigil reads ${DB_SCHEMA_VERSION}: re-import`);
  const fd = openSync(join(path, ADVISORIES_FILE), 'r');
  // opened now, read on first lookup: a later import may delete this generation while the handle is in use
  let indexFd: number | undefined = openSync(join(path, INDEX_FILE), 'r');
  let closed = false;
  let index: Map<string, [number, number]> | undefined;
  const cacheMax = Math.max(0, opts.cacheEntries ?? 4096);
  const cache = new Map<string, readonly Advisory[]>();
  let buf = Buffer.alloc(64 * 1024);

  const loadIndex = (): Map<string, [number, number]> => {
    const ifd = indexFd;
    if (ifd === undefined) throw new VulnDbError(`${path}: index already released`);
    let text: string;
    try {
      text = readFileSync(ifd, 'utf8');
    } finally {
      closeSync(ifd);
      indexFd = undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new VulnDbError(`${path}: corrupt ${INDEX_FILE}: ${(e as Error).message}`);
    }
    const raw = indexShape.safeParse(json);
    if (!raw.success || raw.data.keys.length !== raw.data.offsets.length || raw.data.keys.length !== raw.data.lengths.length)
      throw new VulnDbError(`${path}: corrupt ${INDEX_FILE}`);
    const m = new Map<string, [number, number]>();
    const { keys, offsets, lengths } = raw.data;
    for (let i = 0; i < keys.length; i++) m.set(keys[i] ?? '', [offsets[i] ?? 0, lengths[i] ?? 0]);
    return m;
  };

  const EMPTY: readonly Advisory[] = Object.freeze([]);
  return {
    meta,
    path,
    lookup(ecosystem: string, name: string): readonly Advisory[] {
      if (closed) throw new VulnDbError('lookup on a closed vulnerability database');
      const key = packageKey(ecosystem, name);
      const hit = cache.get(key);
      if (hit) {
        // refresh recency
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      index ??= loadIndex();
      const where = index.get(key);
      if (!where) return EMPTY;
      const [offset, length] = where;
      if (buf.length < length) buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      if (n !== length) throw new VulnDbError(`${path}: short read at ${offset}`);
      let advisories: Advisory[];
      try {
        advisories = JSON.parse(buf.toString('utf8', 0, length)) as Advisory[];
      } catch (e) {
        throw new VulnDbError(`${path}: corrupt entry for ${JSON.stringify(key)}: ${(e as Error).message}`);
      }
      if (cacheMax > 0) {
        if (cache.size >= cacheMax) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(key, advisories);
      }
      return advisories;
    },
    close(): void {
      if (closed) return;
      closed = true;
      cache.clear();
      closeSync(fd);
      if (indexFd !== undefined) closeSync(indexFd);
      indexFd = undefined;
    },
  };
}
