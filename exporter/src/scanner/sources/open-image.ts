// One entry point for every image source: parses the reference and opens the image from a registry, an OCI layout
// directory, an oci-archive, a docker-archive or podman's containers-storage.
import { stat } from 'node:fs/promises';
import { SourceError } from './errors.js';
import type { ImageHandle, Platform } from './image-handle.js';
import { directoryFiles } from './image-files.js';
import { openLayoutImage } from './oci-layout.js';
import { openDockerArchive } from './docker-archive.js';
import { tarArchiveFiles } from './tar-archive.js';
import { openContainersStorage } from './containers-storage.js';
import { openRegistryImage } from './registry-source.js';
import { parseReference, type ImageReference } from './reference.js';
import type { RegistryClientOptions } from './registry-client.js';

export interface OpenImageOptions extends RegistryClientOptions {
  /** Default linux/amd64. */
  platform?: Platform;
  /** Where containers-storage exports go; default the OS temp dir. */
  tempDir?: string;
}

export async function openImage(reference: string | ImageReference, options: OpenImageOptions = {}): Promise<ImageHandle> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const layoutOptions = options.platform ? { platform: options.platform } : {};
  switch (ref.transport) {
    case 'registry':
      return openRegistryImage(ref, options);
    case 'oci': {
      const s = await stat(ref.path).catch(() => undefined);
      if (!s?.isDirectory()) throw new SourceError('not-found', `oci: ${ref.path} is not a directory`);
      return openLayoutImage(directoryFiles(ref.path), ref.tag, ref.normalized, layoutOptions);
    }
    case 'oci-archive':
      return openLayoutImage(await tarArchiveFiles(ref.path), ref.tag, ref.normalized, layoutOptions);
    case 'docker-archive':
      return openDockerArchive(await tarArchiveFiles(ref.path), ref.ref, ref.normalized);
    case 'containers-storage':
      return openContainersStorage(ref.name, ref.normalized, { ...(options.tempDir ? { tempDir: options.tempDir } : {}), ...layoutOptions });
  }
}
