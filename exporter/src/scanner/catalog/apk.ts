// apk: lib/apk/db/installed. One stanza per package; single-letter keys: P name, V version, A arch, o origin
// (the source package advisories are keyed by), L license, F directory, R file within the last F.
import type { InstalledPackage } from '../types.js';
import { DatabaseHistory, textOf, type Cataloger, type CatalogContext } from './cataloger.js';
import { osEcosystem, osPurl } from './ecosystem.js';

export interface ApkRecord {
  name: string;
  version: string;
  origin?: string;
  arch?: string;
  license?: string;
  files: string[];
}

export function parseApkInstalled(text: string, skip: (reason: string) => void = () => {}): ApkRecord[] {
  const out: ApkRecord[] = [];
  let cur: Partial<ApkRecord> & { files: string[] } = { files: [] };
  let dir = '';
  const flush = (): void => {
    if (cur.name && cur.version) out.push(cur as ApkRecord);
    else if (cur.name || cur.version || cur.files.length > 0) skip('apk-record-incomplete');
    cur = { files: [] };
    dir = '';
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') continue;
    const value = line.slice(2);
    switch (line[0]) {
      case 'P': cur.name = value; break;
      case 'V': cur.version = value; break;
      case 'A': cur.arch = value; break;
      case 'o': cur.origin = value; break;
      case 'L': cur.license = value; break;
      case 'F': dir = value; break;
      case 'R': cur.files.push(`/${dir === '' ? value : `${dir}/${value}`}`); break;
    }
  }
  flush();
  return out;
}

const DB = 'lib/apk/db/installed';

export function createApkCataloger(): Cataloger {
  const history = new DatabaseHistory();
  const key = (r: ApkRecord): string => `${r.name}@${r.version}`;
  return {
    name: 'apk',
    captures: [
      {
        name: 'apk-installed',
        match: (p) => p === DB,
        maxFileBytes: 64 * 1024 * 1024,
        reduce: (_path, content) => parseApkInstalled(textOf(content)),
        observe: (_path, records, layer) => history.record(DB, layer, (records as ApkRecord[]).map(key)),
      },
    ],
    catalog(ctx: CatalogContext): InstalledPackage[] {
      const r = ctx.fs.resolve(DB);
      if (!r.ok) return [];
      const records = r.entry.reduced?.get('apk-installed') as ApkRecord[] | undefined;
      if (!records) return [];
      const ecosystem = osEcosystem(ctx.os, 'apk');
      return records.map((rec) => {
        const pkg: InstalledPackage = {
          kind: 'apk',
          name: rec.name,
          version: rec.version,
          sourceName: rec.origin ?? rec.name,
          sourceVersion: rec.version,
          ecosystem,
          purl: osPurl('apk', ctx.os, rec.name, rec.version, rec.arch ? { arch: rec.arch } : {}),
          layer: ctx.layerDigest(history.introducedIn(DB, key(rec), r.entry.layer)),
          foundIn: DB,
          ownedFiles: rec.files,
        };
        if (rec.arch) pkg.arch = rec.arch;
        if (rec.license) pkg.licenses = [rec.license];
        return pkg;
      });
    },
  };
}
