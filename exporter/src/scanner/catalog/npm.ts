// npm: node_modules/<name>/package.json and node_modules/@scope/<name>/package.json at any depth. Directories that
// are not packages (.bin, .cache, .package-lock.json's siblings) are skipped by the path pattern itself.
import type { InstalledPackage } from '../types.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { textOf } from './cataloger.js';
import { languagePurl } from './ecosystem.js';

const PACKAGE_JSON = /(?:^|\/)node_modules\/((?:@[^/.][^/]*\/)?[^/.@][^/]*)\/package\.json$/;

function licensesOf(json: Record<string, unknown>): string[] | undefined {
  const l = json.license;
  if (typeof l === 'string' && l !== '') return [l];
  if (l && typeof l === 'object' && typeof (l as { type?: unknown }).type === 'string') return [(l as { type: string }).type];
  if (Array.isArray(json.licenses)) {
    const out = json.licenses
      .map((x: unknown) => (typeof x === 'string' ? x : x && typeof x === 'object' ? (x as { type?: unknown }).type : undefined))
      .filter((x): x is string => typeof x === 'string');
    return out.length ? out : undefined;
  }
  return undefined;
}

export function createNpmCataloger(): Cataloger {
  return {
    name: 'npm',
    captures: [{ name: 'npm-package-json', match: (p) => PACKAGE_JSON.test(p), maxFileBytes: 1024 * 1024 }],
    catalog(ctx: CatalogContext): InstalledPackage[] {
      const out: InstalledPackage[] = [];
      for (const entry of ctx.fs.captures()) {
        if (!entry.content || !PACKAGE_JSON.test(entry.path)) continue;
        let json: unknown;
        try {
          json = JSON.parse(textOf(entry.content));
        } catch {
          ctx.skip('npm-package-json-invalid');
          continue;
        }
        if (!json || typeof json !== 'object' || Array.isArray(json)) {
          ctx.skip('npm-package-json-invalid');
          continue;
        }
        const j = json as Record<string, unknown>;
        if (typeof j.name !== 'string' || typeof j.version !== 'string' || j.name === '' || j.version === '') {
          ctx.skip('npm-package-json-incomplete');
          continue;
        }
        const pkg: InstalledPackage = {
          kind: 'npm',
          name: j.name,
          version: j.version,
          ecosystem: 'npm',
          purl: languagePurl('npm', j.name, j.version),
          layer: ctx.layerDigest(entry.layer),
          foundIn: entry.path,
        };
        const licenses = licensesOf(j);
        if (licenses) pkg.licenses = licenses;
        out.push(pkg);
      }
      return out;
    },
  };
}
