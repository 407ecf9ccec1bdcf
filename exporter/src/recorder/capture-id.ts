// Capture ids: 16 characters of Crockford base32, 10 for the millisecond time and 6 random (30 bits), so ids sort
// by time as strings, are safe as file names and URL segments, and are checked before they touch the disk.
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{16}$/;

export function newCaptureId(ms: number): string {
  let t = Math.max(0, Math.min(Math.floor(ms), 2 ** 48 - 1));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let rnd = randomInt(0, 2 ** 30);
  let tail = '';
  for (let i = 0; i < 6; i++) {
    tail = ALPHABET[rnd % 32]! + tail;
    rnd = Math.floor(rnd / 32);
  }
  return time + tail;
}

export function isCaptureId(s: unknown): s is string {
  return typeof s === 'string' && ID_RE.test(s);
}

/** The millisecond time encoded in an id. */
export function captureIdTime(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}
