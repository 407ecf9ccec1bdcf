// PyPI: installed distributions' metadata, *.dist-info/METADATA (wheels, pip) and *.egg-info/PKG-INFO or a bare
// *.egg-info file (setuptools). The names are PEP 503 normalized, as OSV's PyPI records are.
import type { InstalledPackage } from '../types.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { textOf } from './cataloger.js';
import { languagePurl } from './ecosystem.js';

const METADATA = /(?:^|\/)[^/]+\.dist-info\/METADATA$|(?:^|\/)[^/]+\.egg-info\/PKG-INFO$|(?:^|\/)[^/]+\.egg-info$/;

export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The RFC 822 style header block of a METADATA / PKG-INFO file (the body after the blank line is the readme). */
export function parsePythonMetadata(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && last) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).toLowerCase();
    out.set(last, [...(out.get(last) ?? []), line.slice(colon + 1).trim()]);
  }
  return out;
}

export function createPypiCataloger(): Cataloger {
  return {
    name: 'pypi',
    captures: [{ name: 'pypi-metadata', match: (p) => METADATA.test(p), maxFileBytes: 4 * 1024 * 1024 }],
    catalog(ctx: CatalogContext): InstalledPackage[] {
      const out: InstalledPackage[] = [];
      for (const entry of ctx.fs.captures()) {
        if (!entry.content || !METADATA.test(entry.path)) continue;
        const meta = parsePythonMetadata(textOf(entry.content));
        const name = meta.get('name')?.[0];
        const version = meta.get('version')?.[0];
        if (!name || !version) {
          ctx.skip('pypi-metadata-incomplete');
          continue;
        }
        const normalized = normalizePypiName(name);
        const pkg: InstalledPackage = {
          kind: 'pypi',
          name: normalized,
          version,
          ecosystem: 'PyPI',
          purl: languagePurl('pypi', normalized, version),
          layer: ctx.layerDigest(entry.layer),
          foundIn: entry.path,
        };
        const license = meta.get('license-expression')?.[0] ?? meta.get('license')?.[0];
        if (license && license !== 'UNKNOWN' && license.length < 200) pkg.licenses = [license];
        out.push(pkg);
      }
      return out;
    },
  };
}
