// Reads OSV JSON texts from the import inputs: per-ecosystem all.zip bundles (streamed entry by entry with yauzl,
// never extracted) and directories of .json files (walked recursively, symlinks not followed). Everything is
// bounded: entry size, compression ratio, entry count and total bytes. A bad entry is reported and skipped; an
// input that cannot be read at all (missing, corrupt zip, over the total budget) fails the import.

import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import yauzl from 'yauzl';

export interface SourceLimits {
  /** largest single JSON file or zip entry, uncompressed */
  maxEntryBytes: number;
  /** most entries one zip may have */
  maxZipEntries: number;
  /** most uncompressed bytes read from one zip */
  maxZipBytes: number;
  /** uncompressed/compressed above this (for entries over 1 MiB) is treated as a zip bomb */
  maxCompressionRatio: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxEntryBytes: 16 * 1024 * 1024,
  maxZipEntries: 2_000_000,
  maxZipBytes: 16 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
};

export type SourceItem = { kind: 'json'; source: string; text: string } | { kind: 'problem'; source: string; reason: string };

/** An input that cannot be read as a whole; the import stops and leaves no database behind. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

export async function* readOsvSources(paths: readonly string[], limits: SourceLimits = DEFAULT_SOURCE_LIMITS): AsyncGenerator<SourceItem> {
  for (const path of paths) {
    let st;
    try {
      st = await lstat(path);
    } catch (e) {
      throw new SourceError(`cannot read ${path}: ${(e as Error).message}`);
    }
    if (st.isDirectory()) yield* readDirectory(path, limits);
    else if (st.isFile() && (path.endsWith('.zip') || (await hasZipMagic(path)))) yield* readZip(path, limits);
    else if (st.isFile()) yield await readJsonFile(path, st.size, limits);
    else throw new SourceError(`${path} is neither a file nor a directory`);
  }
}

async function hasZipMagic(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return bytesRead === 4 && b.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}

async function readJsonFile(path: string, size: number, limits: SourceLimits): Promise<SourceItem> {
  if (size > limits.maxEntryBytes) return { kind: 'problem', source: path, reason: `file is ${size} bytes, over the ${limits.maxEntryBytes} limit` };
  const fh = await open(path, 'r');
  try {
    // read at most the limit even if the file grew after stat
    const buf = Buffer.alloc(Math.min(size, limits.maxEntryBytes) + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > limits.maxEntryBytes) return { kind: 'problem', source: path, reason: 'file grew over the size limit while reading' };
    return { kind: 'json', source: path, text: buf.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await fh.close();
  }
}

async function* readDirectory(root: string, limits: SourceLimits): AsyncGenerator<SourceItem> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() ?? root;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isSymbolicLink()) continue; // never follow: loops, and links out of the tree
      if (e.isDirectory()) subdirs.push(full);
      else if (e.isFile() && e.name.endsWith('.json')) {
        const st = await lstat(full);
        yield await readJsonFile(full, st.size, limits);
      } else if (e.isFile() && e.name.endsWith('.zip')) yield* readZip(full, limits);
    }
    // keep a stable, sorted walk order
    stack.push(...subdirs.reverse());
  }
}

/** Why an entry name is unsafe to even report as a path, or undefined when it is fine. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.includes('\u0000')) return 'NUL in entry name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute entry name';
  if (name.includes('\\')) return 'backslash in entry name';
  if (name.split('/').some((s) => s === '..')) return '".." in entry name';
  return undefined;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off: yauzl would abort the whole archive on one bad name; names are checked here instead
    yauzl.open(path, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) reject(new SourceError(`cannot open zip ${path}: ${err?.message ?? 'unknown error'}`));
      else resolve(zip);
    });
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) {
        reject(err ?? new Error('no stream'));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (c: Buffer) => {
        total += c.length;
        if (total > max) {
          stream.destroy(new Error(`entry inflates past the ${max} byte limit`));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks, total)));
    });
  });
}

async function* readZip(path: string, limits: SourceLimits): AsyncGenerator<SourceItem> {
  const zip = await openZip(path);
  if (zip.entryCount > limits.maxZipEntries) {
    zip.close();
    throw new SourceError(`${path}: ${zip.entryCount} entries, over the ${limits.maxZipEntries} limit`);
  }
  // yauzl is event based; bridge it to a pull loop with one pending entry at a time
  let done = false;
  let failure: Error | undefined;
  let pending: ((e: yauzl.Entry | undefined) => void) | undefined;
  zip.on('entry', (e: yauzl.Entry) => pending?.(e));
  zip.on('end', () => {
    done = true;
    pending?.(undefined);
  });
  zip.on('error', (e: Error) => {
    failure = e;
    done = true;
    pending?.(undefined);
  });
  const next = (): Promise<yauzl.Entry | undefined> =>
    new Promise((resolve) => {
      if (done) {
        resolve(undefined);
        return;
      }
      pending = resolve;
      zip.readEntry();
    });
  let totalBytes = 0;
  try {
    for (let entry = await next(); entry; entry = await next()) {
      const rawName = entry.fileName as unknown as Buffer | string;
      const name = typeof rawName === 'string' ? rawName : rawName.toString('utf8');
      const source = `${path}!${name}`;
      if (name.endsWith('/')) continue;
      const unsafe = unsafeEntryName(name);
      if (unsafe) {
        yield { kind: 'problem', source, reason: unsafe };
        continue;
      }
      if (!name.endsWith('.json')) continue;
      if (entry.isEncrypted()) {
        yield { kind: 'problem', source, reason: 'encrypted entry' };
        continue;
      }
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        yield { kind: 'problem', source, reason: `entry is ${entry.uncompressedSize} bytes, over the ${limits.maxEntryBytes} limit` };
        continue;
      }
      if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > limits.maxCompressionRatio * Math.max(1, entry.compressedSize)) {
        yield { kind: 'problem', source, reason: `compression ratio over ${limits.maxCompressionRatio}: zip bomb` };
        continue;
      }
      totalBytes += entry.uncompressedSize;
      if (totalBytes > limits.maxZipBytes) throw new SourceError(`${path}: more than ${limits.maxZipBytes} uncompressed bytes`);
      let data: Buffer;
      try {
        data = await readEntry(zip, entry, limits.maxEntryBytes);
      } catch (e) {
        yield { kind: 'problem', source, reason: `unreadable entry: ${(e as Error).message}` };
        continue;
      }
      yield { kind: 'json', source, text: data.toString('utf8') };
    }
    if (failure) throw new SourceError(`${path}: ${failure.message}`);
  } finally {
    zip.close();
  }
}

