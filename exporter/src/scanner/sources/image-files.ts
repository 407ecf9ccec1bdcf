// A read-only view of the files of an image layout (a directory, or entries of a tar archive), so that the OCI
// layout logic is written once for oci:DIR, oci-archive: and the OCI layout inside newer docker-archives.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SourceError } from './errors.js';
import { readBounded } from './verify-stream.js';

export interface ImageFiles {
  /** Names the layout in messages: the directory or archive path. */
  label: string;
  /** Size of a regular file, or undefined when there is none at `path`. */
  size(path: string): Promise<number | undefined>;
  /** Reads a whole small file; undefined when missing; an error when larger than `max`. */
  read(path: string, max: number): Promise<Buffer | undefined>;
  open(path: string): Promise<Readable>;
}

/** Paths come from manifests and archive entries: only plain relative paths inside the layout are accepted. */
export function safeRelativePath(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.replace(/^\.\//, '').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  if (path.startsWith('/') || parts.length === 0) return undefined;
  return parts.join('/');
}

export function directoryFiles(dir: string): ImageFiles {
  const resolve = (path: string): string => {
    const safe = safeRelativePath(path);
    if (!safe) throw new SourceError('bad-archive', `${dir}: refusing path ${JSON.stringify(path)}`);
    return join(dir, safe);
  };
  return {
    label: dir,
    async size(path) {
      try {
        const s = await stat(resolve(path));
        return s.isFile() ? s.size : undefined;
      } catch {
        return undefined;
      }
    },
    async read(path, max) {
      let handle;
      try {
        handle = await open(resolve(path), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      try {
        return await readBounded(handle.createReadStream({ autoClose: false }), max, `${dir}/${path}`);
      } finally {
        await handle.close();
      }
    },
    async open(path) {
      return createReadStream(resolve(path), { highWaterMark: 256 * 1024 });
    },
  };
}
