// Splits the loader's byte stream into length-prefixed records (u32 LE length, then the record).
// A length outside [MIN, MAX] means the stream lost its framing; there is no way to find the next boundary,
// so the reader reports it and the supervisor restarts the loader. A record whose framing is intact but
// whose content is bad is the decoder's business: it is counted and skipped there.

import { HDR_SIZE } from './layout.js';

/** Largest record we accept: a COUNTERS snapshot of the whole cgroup map fits well below this. */
export const MAX_FRAME = 8 * 1024 * 1024;

export type FrameHandler = (buf: Buffer, start: number, end: number) => void;

export class FrameReader {
  private pending: Buffer | undefined;
  private broken = false;
  bytesIn = 0;
  frames = 0;

  constructor(
    private readonly onFrame: FrameHandler,
    private readonly onDesync: (length: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.bytesIn += chunk.length;
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let at = 0;
    while (buf.length - at >= 4) {
      const len = buf.readUInt32LE(at);
      if (len < HDR_SIZE || len > MAX_FRAME) {
        this.broken = true;
        this.onDesync(len);
        return;
      }
      if (buf.length - at - 4 < len) break;
      this.frames++;
      this.onFrame(buf, at + 4, at + 4 + len);
      at += 4 + len;
    }
    // Copy the tail so the big chunk it came from can be freed.
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
  }

  /** Bytes of a partial frame still waiting for the rest. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  get desynchronized(): boolean {
    return this.broken;
  }
}
