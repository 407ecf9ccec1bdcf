// Java archives (jar, war, ear): each zip is opened from memory with yauzl while its layer streams past, and reduced
// to the Maven coordinates in META-INF/maven/<group>/<artifact>/pom.properties; archives nested one level deep
// (WEB-INF/lib/*.jar, BOOT-INF/lib/*.jar, fat jars) are read the same way. Entry counts, entry sizes and the bytes
// inflated per archive are bounded, so a zip bomb ends as a counted skip.
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import type { InstalledPackage } from '../types.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { languagePurl } from './ecosystem.js';

export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const MAX_POM_PROPERTIES_BYTES = 64 * 1024;
const MAX_NESTED_BYTES = 64 * 1024 * 1024;
const MAX_INFLATED_PER_ARCHIVE = 512 * 1024 * 1024;

const ARCHIVE = /\.(jar|war|ear)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;

export interface MavenCoordinate {
  groupId: string;
  artifactId: string;
  version: string;
  /** Path inside the archive, with "!/" between nesting levels: "app.war!/WEB-INF/lib/x.jar!/META-INF/..." */
  location: string;
}

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function openZip(buf: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: { left: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream: Readable) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        budget.left -= c.length;
        if (budget.left < 0) stream.destroy(new Error('archive inflates past its budget'));
        else chunks.push(c);
      });
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    });
  });
}

/** Maven coordinates inside one archive (and archives nested in it when `depth` allows). */
export async function readArchiveCoordinates(buf: Buffer, location: string, depth = 1, budget = { left: MAX_INFLATED_PER_ARCHIVE }): Promise<MavenCoordinate[]> {
  const zip = await openZip(buf);
  const out: MavenCoordinate[] = [];
  try {
    if (zip.entryCount > MAX_ENTRIES) throw new Error(`${zip.entryCount} zip entries`);
    const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
      const list: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        list.push(e);
        zip.readEntry();
      });
      zip.on('end', () => resolve(list));
      zip.on('error', reject);
      zip.readEntry();
    });
    for (const e of entries) {
      if (POM_PROPERTIES.test(e.fileName) && e.uncompressedSize <= MAX_POM_PROPERTIES_BYTES) {
        const props = parseProperties((await readEntry(zip, e, budget)).toString('utf8'));
        const groupId = props.get('groupId');
        const artifactId = props.get('artifactId');
        const version = props.get('version');
        if (groupId && artifactId && version) out.push({ groupId, artifactId, version, location: `${location}!/${e.fileName}` });
      } else if (depth > 0 && ARCHIVE.test(e.fileName) && e.uncompressedSize <= MAX_NESTED_BYTES) {
        try {
          const nested = await readEntry(zip, e, budget);
          out.push(...(await readArchiveCoordinates(nested, `${location}!/${e.fileName}`, depth - 1, budget)));
        } catch (err) {
          if (budget.left < 0) throw err;
          // A broken nested archive does not hide what the outer one holds.
        }
      }
    }
  } finally {
    zip.close();
  }
  return out;
}

export function createJavaCataloger(): Cataloger {
  return {
    name: 'java',
    captures: [
      {
        name: 'java-archive',
        match: (p) => ARCHIVE.test(p),
        maxFileBytes: MAX_ARCHIVE_BYTES,
        reduce: async (path, content) => readArchiveCoordinates(content, path),
      },
    ],
    catalog(ctx: CatalogContext): InstalledPackage[] {
      const out: InstalledPackage[] = [];
      for (const entry of ctx.fs.captures()) {
        const coords = entry.reduced?.get('java-archive') as MavenCoordinate[] | undefined;
        if (!coords) continue;
        const seen = new Set<string>();
        for (const c of coords) {
          const name = `${c.groupId}:${c.artifactId}`;
          if (seen.has(`${name}@${c.version}`)) continue;
          seen.add(`${name}@${c.version}`);
          out.push({
            kind: 'maven',
            name,
            version: c.version,
            ecosystem: 'Maven',
            purl: languagePurl('maven', name, c.version),
            layer: ctx.layerDigest(entry.layer),
            foundIn: c.location.replace(/!\/META-INF\/maven\/.*$/, ''),
          });
        }
      }
      return out;
    },
  };
}
