// Reads an uncompressed tar archive (docker save / podman save / skopeo output) without extracting it: one streaming
// pass with tar-stream records where each entry's data starts, then entries are read with ranged file reads.
// Symlinks between entries (docker's legacy layout links duplicate layer.tar files) are resolved inside the archive.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { SourceError } from './errors.js';
import { safeRelativePath, type ImageFiles } from './image-files.js';
import { readBounded } from './verify-stream.js';

const MAX_ARCHIVE_ENTRIES = 100_000;
const MAX_LINK_HOPS = 16;

interface ArchiveEntry {
  offset: number;
  size: number;
  link?: string;
}

export async function indexTarArchive(file: string): Promise<Map<string, ArchiveEntry>> {
  const handle = await open(file, 'r').catch((err: Error) => {
    throw new SourceError('bad-archive', `cannot open archive ${file}: ${err.message}`, { cause: err });
  });
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if ((head[0] === 0x1f && head[1] === 0x8b) || head.readUInt32BE(0) === 0x28b52ffd) {
      throw new SourceError('bad-archive', `${file} is compressed; decompress it first (docker save | gzip archives are read as plain tar)`);
    }
  } finally {
    await handle.close();
  }
  const entries = new Map<string, ArchiveEntry>();
  const extract = tar.extract();
  const consume = (async () => {
    for await (const entry of extract) {
      if (entries.size >= MAX_ARCHIVE_ENTRIES) throw new SourceError('bad-archive', `${file} has more than ${MAX_ARCHIVE_ENTRIES} entries`);
      const h = entry.header;
      const path = safeRelativePath(h.name);
      if (path !== undefined) {
        // tar-stream's offset is that of the entry's last header block; its data follows that 512-byte block.
        if (h.type === 'file' || h.type === 'contiguous-file') entries.set(path, { offset: entry.offset + 512, size: h.size });
        else if ((h.type === 'symlink' || h.type === 'link') && h.linkname) {
          const dir = h.type === 'symlink' ? path.split('/').slice(0, -1).join('/') : '';
          const target = safeRelativePath(h.linkname.startsWith('/') ? h.linkname : `${dir}/${h.linkname}`.replace(/^\//, ''));
          const resolved = target !== undefined ? normalizeDots(target) : undefined;
          if (resolved) entries.set(path, { offset: 0, size: 0, link: resolved });
        }
      }
      entry.resume();
    }
  })();
  try {
    await Promise.all([pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), extract), consume]);
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError('bad-archive', `${file} is not a readable tar archive: ${(err as Error).message}`, { cause: err });
  }
  return entries;
}

function normalizeDots(path: string): string | undefined {
  const out: string[] = [];
  for (const p of path.split('/')) {
    if (p === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}

export async function tarArchiveFiles(file: string): Promise<ImageFiles> {
  const entries = await indexTarArchive(file);
  const lookup = (path: string): ArchiveEntry | undefined => {
    let p = safeRelativePath(path);
    for (let hop = 0; p !== undefined && hop <= MAX_LINK_HOPS; hop++) {
      const e = entries.get(p);
      if (!e || e.link === undefined) return e;
      p = e.link;
    }
    return undefined;
  };
  const rangeStream = (e: ArchiveEntry): Readable =>
    e.size === 0 ? Readable.from([]) : createReadStream(file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 256 * 1024 });
  return {
    label: file,
    async size(path) {
      return lookup(path)?.size;
    },
    async read(path, max) {
      const e = lookup(path);
      if (!e) return undefined;
      if (e.size > max) throw new SourceError('blob-too-large', `${file}!${path} is ${e.size} bytes (limit ${max})`);
      return readBounded(rangeStream(e), max, `${file}!${path}`);
    },
    async open(path) {
      const e = lookup(path);
      if (!e) throw new SourceError('bad-archive', `${file} has no entry ${path}`);
      return rangeStream(e);
    },
  };
}
