// One spool record per line: `<crc32 as 8 hex digits> <kind> <payload>\n`. The checksum covers `<kind> <payload>`,
// so a line torn by a crash or damaged on disk is recognised and skipped instead of being sent as garbage, and a
// newline always ends a record, so reading resynchronises after any damage. Payloads are single-line text (JSON
// never contains a raw newline); kinds are short lowercase tokens.

import { crc32 } from 'node:zlib';

export const KIND_RE = /^[a-z][a-z0-9_]{0,31}$/;
/** The kind reported for a line whose kind token is unreadable. */
export const UNKNOWN_KIND = 'unknown';

const NL = 0x0a;
const SP = 0x20;
const HEX = /^[0-9a-f]{8}$/;

export function encodeRecord(kind: string, payload: string): Buffer {
  if (!KIND_RE.test(kind)) throw new Error(`spool: invalid record kind ${JSON.stringify(kind)}`);
  if (payload.includes('\n')) throw new Error('spool: a payload must not contain a newline');
  const body = Buffer.from(`${kind} ${payload}`, 'utf8');
  const out = Buffer.allocUnsafe(9 + body.length + 1);
  out.write(crc32(body).toString(16).padStart(8, '0'), 0, 'latin1');
  out[8] = SP;
  body.copy(out, 9);
  out[out.length - 1] = NL;
  return out;
}

/** The kind token of a line (without its newline), unverified: used to account for lines before they are read. */
export function kindOfLine(line: Buffer): string {
  if (line.length < 11 || line[8] !== SP) return UNKNOWN_KIND;
  const end = line.indexOf(SP, 9);
  if (end < 0 || end - 9 > 32) return UNKNOWN_KIND;
  const kind = line.toString('latin1', 9, end);
  return KIND_RE.test(kind) ? kind : UNKNOWN_KIND;
}

/** Verifies and splits a line (without its newline); undefined when damaged. */
export function decodeRecord(line: Buffer): { kind: string; payload: string } | undefined {
  if (line.length < 11 || line[8] !== SP) return undefined;
  const hex = line.toString('latin1', 0, 8);
  if (!HEX.test(hex)) return undefined;
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(hex, 16)) return undefined;
  const sp = body.indexOf(SP);
  if (sp < 1) return undefined;
  const kind = body.toString('latin1', 0, sp);
  if (!KIND_RE.test(kind)) return undefined;
  return { kind, payload: body.toString('utf8', sp + 1) };
}

/** Calls `each(start, end)` for every complete line (end excludes the newline) in buf; returns bytes consumed. */
export function forEachLine(buf: Buffer, each: (start: number, end: number) => boolean | void): number {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(NL, start);
    if (nl < 0) return start;
    if (each(start, nl) === false) return start;
    start = nl + 1;
  }
}
