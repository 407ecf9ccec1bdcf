// Reads the lines of a byte range of a file in bounded chunks. A "line" longer than the longest record the
// writer can produce is damage (lost newlines): it is reported once, as `undefined`, and skipped through its
// newline, so every caller (the start-up scan and the reader) splits a damaged file into the same records.

import { readSync } from 'node:fs';

const NL = 0x0a;

export interface ScanResult {
  /** Offset of the first line not consumed: where `each` stopped, or the start of a torn tail (no newline). */
  next: number;
  /** True when bytes after `next` up to `to` form an incomplete last line. */
  tornTail: boolean;
}

/**
 * Calls `each(line, start, end)` for each newline-terminated line in [from, to) of `fd` (line excludes the
 * newline; undefined for an over-long damaged line). Returning false from `each` stops before that line.
 */
export function scanLines(
  fd: number,
  from: number,
  to: number,
  maxLine: number,
  each: (line: Buffer | undefined, start: number, end: number) => boolean,
): ScanResult {
  const chunkSize = Math.max(1 << 20, maxLine + 1);
  const buf = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(to - from, 1)));
  let pos = from;
  let skipStart = -1;
  while (pos < to) {
    const want = Math.min(buf.length, to - pos);
    const n = readSync(fd, buf, 0, want, pos);
    if (n <= 0) break;
    const view = buf.subarray(0, n);
    let i = 0;
    if (skipStart >= 0) {
      const nl = view.indexOf(NL);
      if (nl < 0) {
        pos += n;
        continue;
      }
      if (!each(undefined, skipStart, pos + nl)) return { next: skipStart, tornTail: false };
      skipStart = -1;
      i = nl + 1;
    }
    for (;;) {
      const nl = view.indexOf(NL, i);
      if (nl < 0) break;
      const line = nl - i > maxLine ? undefined : view.subarray(i, nl);
      if (!each(line, pos + i, pos + nl)) return { next: pos + i, tornTail: false };
      i = nl + 1;
    }
    const rest = n - i;
    if (rest > maxLine) {
      // No newline within the longest legal record: damage; skip through the next newline.
      skipStart = pos + i;
      pos += n;
    } else if (pos + n >= to || n < want) {
      // The end of the range (or of the file, if it is shorter than `to`).
      return { next: pos + i, tornTail: rest > 0 };
    } else {
      // The buffer is longer than any legal line, so i > 0 here: re-read the partial line from its start.
      pos += i;
    }
  }
  if (skipStart >= 0) return { next: skipStart, tornTail: true };
  return { next: pos, tornTail: false };
}
