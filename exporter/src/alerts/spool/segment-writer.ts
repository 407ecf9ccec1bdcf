// The open end of the spool: appends with write(2) as records arrive, so a record is in the kernel's page cache
// (safe from a crash of this process) before `append` returns, and schedules fdatasync(2) off the event loop, so
// it also survives a kernel crash or power loss shortly after. Syncs are coalesced: one runs at a time; writes
// that arrive meanwhile are covered by one more. The descriptor is closed only when no sync is using it.

import { closeSync, fdatasync, ftruncateSync, openSync, writeSync } from 'node:fs';

export class SegmentWriter {
  private readonly fd: number;
  private syncing = false;
  private again = false;
  private againDelay = Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private closed = false;
  private idle: (() => void)[] = [];
  syncs = 0;
  syncErrors = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  /** Writes all of `buf` at `offset`; on failure it cuts the file back to `offset` (best effort) and throws. */
  write(buf: Buffer, offset: number): void {
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, offset + done);
    } catch (err) {
      if (done > 0) {
        try {
          ftruncateSync(this.fd, offset);
        } catch {
          // the caller seals this segment and reads it only up to `offset`
        }
      }
      throw err;
    }
  }

  /** Asks for an fdatasync within `delayMs` (0: as soon as possible). */
  requestSync(delayMs: number): void {
    if (this.closing) return;
    if (this.syncing) {
      this.again = true;
      this.againDelay = Math.min(this.againDelay, delayMs);
      return;
    }
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (delayMs === 0) this.startSync();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startSync();
      }, delayMs);
      this.timer.unref();
    }
  }

  private startSync(): void {
    this.syncing = true;
    this.again = false;
    this.againDelay = Infinity;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err) this.syncErrors++;
      else this.syncs++;
      if (this.closing) {
        // A write that came in while this sync ran is not covered by it: one more before closing.
        if (this.again) this.startSync();
        else this.finishClose();
        return;
      }
      if (this.again) this.requestSync(this.againDelay);
    });
  }

  /** Syncs what is written (off the event loop) and closes; resolves once the descriptor is closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.closing) return done;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closing = true;
    // A sync in flight ends in finishClose(); otherwise start the last one now.
    if (!this.syncing) this.startSync();
    return done;
  }

  private finishClose(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // nothing left to do with it
    }
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
