// What every image source hands to the rest of the scanner: the manifest digest, the parsed image config and the
// layers as blobs that can be opened (each open() gives the COMPRESSED bytes, digest-verified as they stream).
import type { Readable } from 'node:stream';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageHistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The parts of an OCI / Docker image config the scanner uses. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  user?: string;
  env: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  labels: Record<string, string>;
  exposedPorts?: string[];
  history: ImageHistoryEntry[];
  rootfs: { type: string; diff_ids: string[] };
}

export interface LayerBlob {
  /** Blob digest from the manifest (of the compressed bytes). */
  digest: string;
  mediaType: string;
  size: number;
  /** Digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  diffId?: string;
  /** Opens the compressed blob. The stream errors if the bytes do not match `digest` or `size`. */
  open(): Promise<Readable>;
}

export interface ImageHandle {
  /** The reference as the user gave it, normalized (e.g. docker.io/library/alpine:3.19). */
  reference: string;
  /** Manifest digest (of the platform manifest, not of an index). */
  digest: string;
  /** Digest of the index/manifest list the platform manifest was chosen from, when there was one. */
  indexDigest?: string;
  platform: Platform;
  manifestMediaType: string;
  config: ImageConfig;
  /** Digest of the config blob: the image id as docker and podman show it. */
  configDigest: string;
  layers: LayerBlob[];
  /** Releases temporary files (containers-storage exports); safe to call more than once. */
  close?(): Promise<void>;
}
