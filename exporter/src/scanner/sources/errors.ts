// Errors from image sources. `code` is stable so callers can count failures by kind and decide what to retry
// (a timeout, yes; a digest mismatch, no).

export type SourceErrorCode =
  | 'bad-reference'
  | 'not-found'
  | 'unauthorized'
  | 'registry-error'
  | 'network'
  | 'timeout'
  | 'manifest-too-large'
  | 'blob-too-large'
  | 'bad-manifest'
  | 'bad-config'
  | 'unsupported-media-type'
  | 'no-matching-platform'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'bad-archive'
  | 'too-many-redirects';

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  constructor(code: SourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceError';
    this.code = code;
  }
}
