// Turns a compressed layer blob into its tar stream. The format is told by magic bytes, not by the media type:
// registries and tools mislabel layers often enough (gzip labelled as tar, zstd pushed as gzip) that the bytes are
// the only reliable witness.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { LayerError } from './errors.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Uint8Array): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * The window a zstd frame header asks the decoder to allocate, or undefined when the header is incomplete.
 * fzstd allocates whatever the frame declares (up to 2 GiB), so the header is checked before it gets there.
 */
export function zstdFrameWindowSize(head: Uint8Array): number | undefined {
  if (head.length < 6) return undefined;
  const fhd = head[4]!;
  const singleSegment = (fhd & 0x20) !== 0;
  const fcsFlag = fhd >> 6;
  const dictIdBytes = [0, 1, 2, 4][fhd & 3]!;
  if (!singleSegment) {
    const wd = head[5]!;
    const exponent = wd >> 3;
    const windowBase = 2 ** (10 + exponent);
    return windowBase + (windowBase / 8) * (wd & 7);
  }
  // Single-segment frames use the content size as the window.
  const fcsBytes = [1, 2, 4, 8][fcsFlag]!;
  const at = 5 + dictIdBytes;
  if (head.length < at + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + head[at + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}

/**
 * Walks zstd frame and block headers as the bytes stream by, without decompressing, so that EVERY frame's window
 * is checked before fzstd sees it: fzstd allocates whatever each frame declares, and a tiny valid first frame
 * followed by one declaring a 2 GiB window would otherwise get through (zstd:chunked layers are multi-frame).
 */
export class ZstdFrameScanner {
  private state: 'magic' | 'header' | 'block' | 'skip' | 'checksum' = 'magic';
  private buf: number[] = [];
  private need = 4;
  private toSkip = 0;
  private checksum = false;
  frames = 0;

  constructor(private readonly maxWindow: number) {}

  /** Throws a message when the data asks for too much or is not zstd; otherwise returns. */
  scan(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.toSkip > 0) {
        const n = Math.min(this.toSkip, chunk.length - i);
        this.toSkip -= n;
        i += n;
        if (this.toSkip === 0) this.afterSkip();
        continue;
      }
      this.buf.push(chunk[i++]!);
      if (this.buf.length < this.need) continue;
      this.step();
    }
  }

  private afterSkip(): void {
    if (this.state === 'skip') this.expect('magic', 4);
    else if (this.state === 'block') this.expect('block', 3);
  }

  private expect(state: ZstdFrameScanner['state'], need: number): void {
    this.state = state;
    this.need = need;
    this.buf = [];
  }

  private step(): void {
    const b = this.buf;
    switch (this.state) {
      case 'magic': {
        const magic = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if (magic === 0xfd2fb528) {
          this.frames++;
          this.expect('header', 1);
        } else if ((magic & 0xfffffff0) === 0x184d2a50) {
          this.expect('skip', 4);
        } else throw new Error('not a zstd frame');
        return;
      }
      case 'skip': {
        const size = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        this.buf = [];
        this.toSkip = size;
        if (size === 0) this.expect('magic', 4);
        return;
      }
      case 'header': {
        const fhd = b[0]!;
        const single = (fhd & 0x20) !== 0;
        const fcsFlag = fhd >> 6;
        const fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
        const length = 1 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + fcsBytes;
        if (b.length < length) {
          this.need = length;
          return;
        }
        this.checksum = (fhd & 0x04) !== 0;
        const head = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, ...b]);
        const window = single && fcsBytes === 0 ? 0 : zstdFrameWindowSize(head);
        if (window === undefined || window > this.maxWindow) {
          throw new WindowError(`zstd frame ${this.frames} asks for a ${window ?? 'unknown'}-byte window (limit ${this.maxWindow})`);
        }
        this.expect('block', 3);
        return;
      }
      case 'block': {
        const h = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        const last = (h & 1) === 1;
        const type = (h >> 1) & 3;
        if (type === 3) throw new Error('reserved zstd block type');
        const size = type === 1 ? 1 : h >> 3;
        this.buf = [];
        if (last) {
          this.state = this.checksum ? 'checksum' : 'magic';
          this.need = 4;
          // The block's content comes first; skip it, then read the checksum or the next magic.
          this.toSkip = size;
          if (size === 0) this.expect(this.state, 4);
          return;
        }
        this.toSkip = size;
        if (size === 0) this.expect('block', 3);
        return;
      }
      case 'checksum':
        this.expect('magic', 4);
        return;
    }
  }
}

class WindowError extends Error {}

/** Streams zstd through fzstd's streaming decoder, with every frame's window checked first. */
class ZstdDecompressStream extends Transform {
  private readonly decoder: Decompress;
  private readonly scanner: ZstdFrameScanner;
  constructor(
    private readonly layer: string,
    private readonly maxWindow: number,
  ) {
    super();
    this.scanner = new ZstdFrameScanner(maxWindow);
    this.decoder = new Decompress((chunk) => {
      // fzstd reuses nothing after handing a chunk over, so it can be wrapped without a copy.
      if (chunk.length > 0) this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.scanner.scan(chunk);
    } catch (err) {
      if (err instanceof WindowError) return done(new LayerError('zstd-window-too-large', this.layer, err.message));
      return done(new LayerError('layer-corrupt', this.layer, `zstd data is corrupt: ${(err as Error).message}`, { cause: err }));
    }
    try {
      this.decoder.push(chunk);
      done();
    } catch (err) {
      done(new LayerError('layer-corrupt', this.layer, `zstd data is corrupt: ${(err as Error).message}`, { cause: err }));
    }
  }
  override _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (err) {
      const message = (err as Error).message;
      const truncated = /unexpected EOF|end/i.test(message);
      done(new LayerError(truncated ? 'layer-truncated' : 'layer-corrupt', this.layer, `zstd stream ${truncated ? 'is truncated' : 'is corrupt'}: ${message}`, { cause: err }));
    }
  }
}

/**
 * Reads up to `n` bytes from the front of a stream without consuming them: they are pushed back with unshift, so the
 * stream can then be piped whole into the decoder that the bytes call for.
 */
export async function peekHead(src: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const chunk = src.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      have += chunk.length;
      continue;
    }
    if (src.readableEnded || src.destroyed) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const onReadable = (): void => { cleanup(); resolve(false); };
      const onEnd = (): void => { cleanup(); resolve(true); };
      const onError = (err: Error): void => { cleanup(); reject(err); };
      const cleanup = (): void => {
        src.off('readable', onReadable); src.off('end', onEnd); src.off('error', onError);
      };
      src.on('readable', onReadable); src.on('end', onEnd); src.on('error', onError);
    });
    if (ended) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) src.unshift(head);
  return head;
}

/** The decoder for a detected format, or undefined for a plain tar. Errors are rewritten to name the layer. */
export function createLayerDecoder(compression: LayerCompression, layer: string, maxZstdWindow: number): Transform | undefined {
  if (compression === 'none') return undefined;
  if (compression === 'zstd') return new ZstdDecompressStream(layer, maxZstdWindow);
  const gunzip = createGunzip({ chunkSize: 128 * 1024 });
  return gunzip;
}

/** Rewrites a zlib error as a LayerError naming the layer, so "unexpected end of file" says which blob was cut short. */
export function describeDecoderError(err: unknown, layer: string): Error {
  if (err instanceof LayerError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e?.message ?? '')) {
    return new LayerError('layer-truncated', layer, `gzip stream is truncated (${e.message})`, { cause: err });
  }
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new LayerError('layer-corrupt', layer, `gzip data is corrupt (${e.message})`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Counts decompressed bytes and stops the stream when a layer or the whole image crosses its ceiling. */
export class ByteBudget extends Transform {
  bytes = 0;
  constructor(
    private readonly layer: string,
    private readonly maxLayerBytes: number,
    private readonly image: { bytes: number; max: number },
  ) {
    super({ highWaterMark: 256 * 1024 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.image.bytes += chunk.length;
    if (this.bytes > this.maxLayerBytes) {
      return done(new LayerError('layer-too-large', this.layer, `decompresses to more than ${this.maxLayerBytes} bytes (possible decompression bomb)`));
    }
    if (this.image.bytes > this.image.max) {
      return done(new LayerError('image-too-large', this.layer, `image layers decompress to more than ${this.image.max} bytes in total`));
    }
    done(null, chunk);
  }
}
