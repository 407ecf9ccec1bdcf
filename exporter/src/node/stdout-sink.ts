// Events as NDJSON on stdout. A pipe that is not read (or a slow terminal) must never stall the event path
// or grow memory without bound: past the high-water mark lines are dropped and counted.

import type { Writable } from 'node:stream';

export class NdjsonSink {
  dropped = 0;
  written = 0;

  constructor(
    private readonly out: Writable,
    private readonly highWaterBytes = 4 * 1024 * 1024,
  ) {
    out.on('error', () => undefined);
  }

  write(record: unknown): void {
    this.writeLine(JSON.stringify(record));
  }

  /** An already serialized record (no newline). */
  writeLine(json: string): void {
    if (this.out.writableLength > this.highWaterBytes || this.out.destroyed) {
      this.dropped++;
      return;
    }
    this.out.write(`${json}\n`);
    this.written++;
  }
}
