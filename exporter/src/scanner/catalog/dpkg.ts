// dpkg: var/lib/dpkg/status (and the one-file-per-package var/lib/dpkg/status.d/ of distroless images), with the
// files each package owns from var/lib/dpkg/info/<name>[:<arch>].list.
import type { InstalledPackage } from '../types.js';
import { DatabaseHistory, textOf, type Cataloger, type CatalogContext } from './cataloger.js';
import { parseStanzas } from './control-stanzas.js';
import { osEcosystem, osPurl } from './ecosystem.js';

export interface DpkgRecord {
  name: string;
  version: string;
  sourceName?: string;
  sourceVersion?: string;
  arch?: string;
}

/**
 * Installed packages of one status text. `requireStatus` is false for status.d files, which carry no Status field
 * because everything listed there is installed. A package counts as installed when dpkg's state is "installed"
 * (want "install" or "hold": held packages are installed too); half-installed, config-files etc. are not.
 */
export function parseDpkgStatus(text: string, requireStatus: boolean, skip: (reason: string) => void = () => {}): DpkgRecord[] {
  const out: DpkgRecord[] = [];
  for (const stanza of parseStanzas(text)) {
    const name = stanza.get('package');
    const version = stanza.get('version');
    if (!name || !version) {
      skip('dpkg-record-incomplete');
      continue;
    }
    const status = stanza.get('status');
    if (status !== undefined || requireStatus) {
      const words = (status ?? '').split(/\s+/);
      if (!(words.length === 3 && (words[0] === 'install' || words[0] === 'hold') && words[1] === 'ok' && words[2] === 'installed')) continue;
    }
    const record: DpkgRecord = { name, version };
    const arch = stanza.get('architecture');
    if (arch) record.arch = arch;
    const source = stanza.get('source');
    if (source) {
      // "Source: glibc (2.36-9)" names a source whose version differs from the binary's.
      const m = /^(\S+)(?:\s+\((\S+)\))?/.exec(source);
      if (m) {
        record.sourceName = m[1]!;
        record.sourceVersion = m[2] ?? version;
      }
    }
    out.push(record);
  }
  return out;
}

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = 'var/lib/dpkg/status.d/';
const INFO_LIST = /^var\/lib\/dpkg\/info\/([^/]+)\.list$/;

export function createDpkgCataloger(): Cataloger {
  const history = new DatabaseHistory();
  const key = (r: DpkgRecord): string => `${r.name}:${r.arch ?? ''}@${r.version}`;
  return {
    name: 'dpkg',
    captures: [
      {
        name: 'dpkg-status',
        match: (p) => p === STATUS || (p.startsWith(STATUS_D) && !p.slice(STATUS_D.length).includes('/') && !p.endsWith('.md5sums')),
        maxFileBytes: 64 * 1024 * 1024,
        reduce: (path, content) => parseDpkgStatus(textOf(content), path === STATUS),
        // Every layer's copy of the status file is seen here, in layer order, cached layers included.
        observe: (path, records, layer) => history.record(path, layer, (records as DpkgRecord[]).map(key)),
      },
      { name: 'dpkg-list', match: (p) => INFO_LIST.test(p), maxFileBytes: 16 * 1024 * 1024 },
    ],
    catalog(ctx: CatalogContext): InstalledPackage[] {
      const owned = new Map<string, { files: string[]; layer: number }>();
      for (const name of ctx.fs.list('var/lib/dpkg/info')) {
        const m = INFO_LIST.exec(`var/lib/dpkg/info/${name}`);
        const entry = ctx.fs.lstat(`var/lib/dpkg/info/${name}`);
        if (!m || !entry?.content) continue;
        const files = textOf(entry.content).split('\n').filter((l) => l.startsWith('/') && l !== '/.');
        owned.set(m[1]!, { files, layer: entry.layer });
      }
      const out: InstalledPackage[] = [];
      const files = [STATUS, ...ctx.fs.list('var/lib/dpkg/status.d').map((n) => `${STATUS_D}${n}`)];
      for (const path of files) {
        const entry = ctx.fs.lstat(path);
        const records = entry?.reduced?.get('dpkg-status') as DpkgRecord[] | undefined;
        if (!entry || !records) continue;
        const ecosystem = osEcosystem(ctx.os, 'dpkg');
        for (const r of records) {
          const list = owned.get(`${r.name}:${r.arch}`) ?? owned.get(r.name);
          // The .list file is rewritten whenever dpkg unpacks the package, so its layer is the one that installed
          // this version; the status file's history is the fallback when no .list exists (distroless).
          const layer = list?.layer ?? history.introducedIn(path, key(r), entry.layer);
          const pkg: InstalledPackage = {
            kind: 'dpkg',
            name: r.name,
            version: r.version,
            sourceName: r.sourceName ?? r.name,
            sourceVersion: r.sourceVersion ?? r.version,
            ecosystem,
            purl: osPurl('dpkg', ctx.os, r.name, r.version, { ...(r.arch ? { arch: r.arch } : {}), ...(r.sourceName && r.sourceName !== r.name ? { upstream: r.sourceName } : {}) }),
            layer: ctx.layerDigest(layer),
            foundIn: path,
          };
          if (r.arch) pkg.arch = r.arch;
          if (list) pkg.ownedFiles = list.files;
          out.push(pkg);
        }
      }
      return out;
    },
  };
}
