// rpm: the sqlite rpmdb (rpm >= 4.16: var/lib/rpm/rpmdb.sqlite, or usr/lib/sysimage/rpm/rpmdb.sqlite on newer
// Fedora/openSUSE). Its Packages table holds one header blob per installed package. The database is read with
// better-sqlite3 from a private temporary copy (with its -wal, so committed-but-not-checkpointed rows are seen);
// the copy is opened with query_only and trusted_schema off and removed afterwards. bdb/ndb databases are not read:
// they are counted as `rpmdb-unsupported-format` so the report can say so.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { InstalledPackage } from '../types.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { osEcosystem, osPurl } from './ecosystem.js';
import { parseRpmHeader, parseSourceRpm } from './rpm-header.js';

const DB_DIRS = ['var/lib/rpm', 'usr/lib/sysimage/rpm'];
const MAX_PACKAGES = 200_000;

export function createRpmCataloger(): Cataloger {
  return {
    name: 'rpm',
    captures: [
      {
        name: 'rpmdb',
        match: (p) => DB_DIRS.some((d) => p === `${d}/rpmdb.sqlite` || p === `${d}/rpmdb.sqlite-wal`),
        maxFileBytes: 512 * 1024 * 1024,
      },
      {
        // Only noticed, never read: lets the report say why an rpm image shows no OS packages.
        name: 'rpmdb-legacy',
        match: (p) => DB_DIRS.some((d) => p === `${d}/Packages` || p === `${d}/Packages.db`),
        maxFileBytes: 512 * 1024 * 1024,
        reduce: () => true,
      },
    ],
    async catalog(ctx: CatalogContext): Promise<InstalledPackage[]> {
      for (const dir of DB_DIRS) {
        const db = ctx.fs.resolve(`${dir}/rpmdb.sqlite`);
        if (!db.ok || !db.entry.content) continue;
        const wal = ctx.fs.resolve(`${dir}/rpmdb.sqlite-wal`);
        return readRpmdb(db.entry.content, wal.ok ? wal.entry.content : undefined, `${dir}/rpmdb.sqlite`, db.entry.layer, ctx);
      }
      for (const dir of DB_DIRS) {
        for (const name of ['Packages', 'Packages.db']) {
          if (ctx.fs.lstat(`${dir}/${name}`)) ctx.skip('rpmdb-unsupported-format');
        }
      }
      return [];
    },
  };
}

async function readRpmdb(content: Buffer, wal: Buffer | undefined, foundIn: string, layer: number, ctx: CatalogContext): Promise<InstalledPackage[]> {
  const dir = await mkdtemp(join(ctx.tempDir, 'vigil-rpmdb-'));
  try {
    const file = join(dir, 'rpmdb.sqlite');
    await writeFile(file, content, { mode: 0o600 });
    if (wal && wal.length > 0) await writeFile(`${file}-wal`, wal, { mode: 0o600 });
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: true });
    } catch (err) {
      ctx.skip('rpmdb-unreadable');
      throw new Error(`${foundIn}: not a readable sqlite database (${(err as Error).message})`, { cause: err });
    }
    try {
      db.pragma('trusted_schema = OFF');
      db.pragma('query_only = ON');
      const out: InstalledPackage[] = [];
      const ecosystem = osEcosystem(ctx.os, 'rpm');
      let rows = 0;
      for (const row of db.prepare('SELECT blob FROM Packages').iterate() as Iterable<{ blob: unknown }>) {
        if (++rows > MAX_PACKAGES) {
          ctx.skip('rpmdb-too-many-packages');
          break;
        }
        if (!Buffer.isBuffer(row.blob)) {
          ctx.skip('rpm-header-invalid');
          continue;
        }
        let h;
        try {
          h = parseRpmHeader(row.blob);
        } catch {
          ctx.skip('rpm-header-invalid');
          continue;
        }
        // The imported signing keys show up as pseudo-packages; they are not software.
        if (h.name === 'gpg-pubkey') continue;
        const version = `${h.epoch ? `${h.epoch}:` : ''}${h.version}-${h.release}`;
        const src = h.sourceRpm ? parseSourceRpm(h.sourceRpm) : undefined;
        const pkg: InstalledPackage = {
          kind: 'rpm',
          name: h.name,
          version,
          sourceName: src?.name ?? h.name,
          sourceVersion: src ? `${h.epoch ? `${h.epoch}:` : ''}${src.version}-${src.release}` : version,
          ecosystem,
          purl: osPurl('rpm', ctx.os, h.name, `${h.version}-${h.release}`, {
            ...(h.arch ? { arch: h.arch } : {}),
            ...(h.epoch ? { epoch: String(h.epoch) } : {}),
            ...(src && src.name !== h.name ? { upstream: h.sourceRpm! } : {}),
          }),
          layer: ctx.layerDigest(layer),
          foundIn,
          ownedFiles: h.files,
        };
        if (h.arch) pkg.arch = h.arch;
        if (h.license) pkg.licenses = [h.license];
        out.push(pkg);
      }
      return out;
    } catch (err) {
      if ((err as Error).message.startsWith(foundIn)) throw err;
      ctx.skip('rpmdb-unreadable');
      throw new Error(`${foundIn}: cannot read the Packages table (${(err as Error).message})`, { cause: err });
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
