// containers-storage: images in podman's local store. Rather than reading the store's own files (overlay layer
// directories, tar-split metadata, locking rules that podman owns), the image is exported with
// `podman image save --format oci-archive` into a private temporary directory and read as an oci-archive; close()
// removes the export. This costs one sequential copy of the image but never touches podman's store directly.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from './errors.js';
import type { ImageHandle, Platform } from './image-handle.js';
import { tarArchiveFiles } from './tar-archive.js';
import { openLayoutImage } from './oci-layout.js';
import { isContainersStorageName } from './reference.js';

export interface ContainersStorageOptions {
  tempDir?: string;
  podman?: string;
  timeoutMs?: number;
  platform?: Platform;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const message = (stderr || err.message).toString().trim().split('\n').slice(-3).join(' ');
      reject(new SourceError(/image not known|no such image|not found/i.test(message) ? 'not-found' : 'bad-archive', `${cmd} ${args[0]} ${args[1]}: ${message}`));
    });
  });
}

export async function openContainersStorage(name: string, reference: string, options: ContainersStorageOptions = {}): Promise<ImageHandle> {
  // The name comes from users, configuration and the runtime's own listings; it must never become an option of
  // podman (a name like "--output=/etc/x" would). Checked here as well as in parseReference, and `--` ends podman's
  // options in any case.
  if (!isContainersStorageName(name)) {
    throw new SourceError('bad-reference', `containers-storage: ${JSON.stringify(name.slice(0, 100))} is not an image name or id`);
  }
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'vigil-cs-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const archive = join(dir, 'image.tar');
    await run(options.podman ?? 'podman', ['image', 'save', '--format', 'oci-archive', '-o', archive, '--', name], options.timeoutMs ?? 10 * 60_000);
    const files = await tarArchiveFiles(archive);
    const handle = await openLayoutImage(files, undefined, reference, options.platform ? { platform: options.platform } : {});
    return { ...handle, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
