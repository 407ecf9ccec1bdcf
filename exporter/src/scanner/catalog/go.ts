// Go binaries: every executable ELF file under the size cap is handed to the build info reader while its layer
// streams; only the parsed module list is kept. Reports the main module, each dependency, and the toolchain as the
// package "stdlib" (OSV's Go ecosystem names the standard library so, with versions like 1.19.8).
import type { InstalledPackage } from '../types.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { languagePurl } from './ecosystem.js';
import { readGoBuildInfo, type GoBuildInfo } from './go-buildinfo.js';

export const MAX_GO_BINARY_BYTES = 256 * 1024 * 1024;

/** "go1.21.5" -> "1.21.5", "go1.22rc1" -> "1.22.0-rc.1", "go1.20" -> "1.20.0", "go1.21.0 X:boringcrypto" -> "1.21.0" */
export function stdlibVersion(goVersion: string): string {
  const m = /^go(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?/.exec(goVersion.split(/\s/)[0]!);
  if (!m) return goVersion.replace(/^go/, '');
  const pre = m[4] ? `-${m[4].replace(/(\d+)$/, '.$1')}` : '';
  return `${m[1]}.${m[2]}.${m[3] ?? '0'}${pre}`;
}

export function createGoCataloger(): Cataloger {
  return {
    name: 'go',
    captures: [
      {
        name: 'go-buildinfo',
        match: (_p, info) => (info.mode & 0o111) !== 0 && info.size > 64,
        maxFileBytes: MAX_GO_BINARY_BYTES,
        reduce: (_p, content) => (content.readUInt32BE(0) === 0x7f454c46 ? readGoBuildInfo(content) : undefined),
      },
    ],
    catalog(ctx: CatalogContext): InstalledPackage[] {
      const out: InstalledPackage[] = [];
      for (const entry of ctx.fs.captures()) {
        const info = entry.reduced?.get('go-buildinfo') as GoBuildInfo | undefined;
        if (!info) continue;
        const add = (name: string, version: string): void => {
          out.push({
            kind: 'go',
            name,
            version,
            ecosystem: 'Go',
            purl: languagePurl('go', name, version),
            layer: ctx.layerDigest(entry.layer),
            foundIn: entry.path,
          });
        };
        add('stdlib', stdlibVersion(info.goVersion));
        if (info.main && info.main.path) add(info.main.path, info.main.version);
        for (const dep of info.deps) add(dep.path, dep.version);
      }
      return out;
    },
  };
}
