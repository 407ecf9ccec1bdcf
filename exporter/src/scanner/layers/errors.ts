// Errors raised while reading image layers. Every one names the layer it came from so that an operator can tell
// which blob of which image was bad; `code` is stable for callers that count failures by kind.

export type LayerErrorCode =
  | 'layer-truncated'
  | 'layer-corrupt'
  | 'layer-too-large'
  | 'image-too-large'
  | 'too-many-entries'
  | 'zstd-window-too-large';

export class LayerError extends Error {
  readonly code: LayerErrorCode;
  readonly layer: string;
  constructor(code: LayerErrorCode, layer: string, message: string, options?: { cause?: unknown }) {
    super(`layer ${layer}: ${message}`, options);
    this.name = 'LayerError';
    this.code = code;
    this.layer = layer;
  }
}
