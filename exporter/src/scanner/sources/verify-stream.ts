// Digest and size verification for blobs as they stream: the bytes are hashed on the way through and the stream
// fails at its end when they do not match what the manifest promised (or as soon as there are too many of them).
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { SourceError } from './errors.js';

export function digestAlgorithm(digest: string): 'sha256' | 'sha512' {
  if (digest.startsWith('sha256:')) return 'sha256';
  if (digest.startsWith('sha512:')) return 'sha512';
  throw new SourceError('bad-manifest', `unsupported digest algorithm in ${digest}`);
}

export function digestOf(data: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private bytes = 0;
  constructor(
    private readonly expectedDigest: string,
    private readonly expectedSize: number | undefined,
    private readonly what: string,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.hash = createHash(digestAlgorithm(expectedDigest));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      return done(new SourceError('size-mismatch', `${this.what}: more than the ${this.expectedSize} bytes the manifest declares`));
    }
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      return done(new SourceError('size-mismatch', `${this.what}: got ${this.bytes} bytes, the manifest declares ${this.expectedSize}`));
    }
    const actual = `${digestAlgorithm(this.expectedDigest)}:${this.hash.digest('hex')}`;
    if (actual !== this.expectedDigest) {
      return done(new SourceError('digest-mismatch', `${this.what}: content digest ${actual} does not match ${this.expectedDigest}`));
    }
    done();
  }
}

/** Reads a whole stream into memory, refusing more than `max` bytes (manifests, configs, small archive entries). */
export async function readBounded(stream: Readable | AsyncIterable<Uint8Array>, max: number, what: string, code: 'manifest-too-large' | 'blob-too-large' = 'blob-too-large'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > max) {
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
      throw new SourceError(code, `${what} is larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Pipes `src` through a VerifyingStream, forwarding its errors and closing it when the consumer stops early. */
export function verified(src: Readable, digest: string, size: number | undefined, what: string): Readable {
  const v = new VerifyingStream(digest, size, what);
  src.on('error', (err) => v.destroy(err));
  v.on('close', () => {
    if (!src.destroyed) src.destroy();
  });
  return src.pipe(v);
}
