// Bounds for reading layers. Images are hostile input and Vigil runs privileged: every quantity that an image
// controls (bytes, entries, path lengths, captured content) has a ceiling here, and crossing one is an error or
// a counted skip, never unbounded growth.

export interface LayerLimits {
  /** Decompressed bytes one layer may expand to (decompression bombs stop here). */
  maxLayerBytes: number;
  /** Decompressed bytes all layers of one image may expand to together. */
  maxImageBytes: number;
  /** Tar entries across the whole image (each one costs a node in the merged view). */
  maxEntries: number;
  /** Longest accepted path after normalization, in bytes. */
  maxPathBytes: number;
  /** Content kept in memory for catalogers across the image, in bytes. */
  maxCapturedBytes: number;
  /** Largest zstd window accepted; zstd's own decoder refuses windows above 128 MiB unless told otherwise. */
  maxZstdWindowBytes: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  maxLayerBytes: 16 * 1024 ** 3,
  maxImageBytes: 64 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxPathBytes: 4096,
  maxCapturedBytes: 512 * 1024 ** 2,
  maxZstdWindowBytes: 128 * 1024 ** 2,
};
