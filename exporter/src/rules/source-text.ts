// A condition or output string together with where each of its characters came from, so an error found at
// offset N of a condition is reported at the file, line and column the author typed. YAML folds lines,
// strips indentation and resolves escapes, so the value's characters are aligned back to the source text.
// Appended conditions (override: append) are several pieces from several files joined by spaces.

import type { LineCounter, Scalar } from 'yaml';
import type { Position } from './diagnostics.js';

interface Piece {
  /** [start, end) in the joined text */
  start: number;
  end: number;
  file: string;
  lines: LineCounter | undefined;
  /** Source offset of each character of this piece; undefined: every character maps to `fixed`. */
  offsets: Int32Array | undefined;
  fixed: Position;
}

export class SourceText {
  private constructor(
    readonly text: string,
    private readonly pieces: readonly Piece[],
  ) {}

  /** Text whose every character is reported at one position (generated text, tests). */
  static at(text: string, pos: Position): SourceText {
    return new SourceText(text, [{ start: 0, end: text.length, file: pos.file, lines: undefined, offsets: undefined, fixed: pos }]);
  }

  /** The string value of a YAML scalar, mapped character by character to the source. */
  static fromScalar(value: string, node: Scalar, source: string, file: string, lines: LineCounter): SourceText {
    const range = node.range ?? [0, 0, 0];
    const offsets = alignScalar(value, source, range[0], range[1], String(node.type ?? 'PLAIN'));
    const p = lines.linePos(range[0]);
    return new SourceText(value, [
      { start: 0, end: value.length, file, lines, offsets, fixed: { file, line: p.line, column: p.col } },
    ]);
  }

  /** this + sep + other, keeping both position maps. */
  append(other: SourceText, sep = ' '): SourceText {
    const shift = this.text.length + sep.length;
    const moved = other.pieces.map((p) => ({ ...p, start: p.start + shift, end: p.end + shift }));
    return new SourceText(this.text + sep + other.text, [...this.pieces, ...moved]);
  }

  posAt(index: number): Position {
    const pieces = this.pieces;
    if (pieces.length === 0) return { file: '<unknown>', line: 1, column: 1 };
    let piece = pieces[pieces.length - 1]!;
    for (const p of pieces) {
      if (index < p.end) {
        piece = p;
        break;
      }
    }
    if (!piece.offsets || !piece.lines || piece.offsets.length === 0) return piece.fixed;
    const local = Math.max(0, Math.min(piece.offsets.length - 1, index - piece.start));
    // Past the end of a piece (an error at the end of the text): one column after its last character.
    const past = index - piece.start >= piece.offsets.length ? 1 : 0;
    const lc = piece.lines.linePos(piece.offsets[local]! + past);
    return { file: piece.file, line: lc.line, column: lc.col };
  }
}

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function escapeLength(next: string | undefined): number {
  if (next === 'x') return 4;
  if (next === 'u') return 6;
  if (next === 'U') return 10;
  return 2;
}

/**
 * Source offset of every character of a scalar's value. Greedy: each value character is matched with the next
 * source character that can produce it (itself, an escape, or a whitespace run for a folded line break).
 */
export function alignScalar(value: string, src: string, start: number, end: number, type: string): Int32Array {
  const out = new Int32Array(value.length);
  const dq = type === 'QUOTE_DOUBLE';
  const sq = type === 'QUOTE_SINGLE';
  let p = start;
  if (dq || sq) p++;
  else if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    const nl = src.indexOf('\n', p);
    p = nl < 0 || nl >= end ? end : nl + 1;
  }
  const last = Math.max(start, end - 1);
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (p >= end) {
      out[i] = last;
      continue;
    }
    if (dq && src[p] === '\\') {
      const n = src[p + 1];
      if (n === '\n' || n === '\r') {
        // An escaped line break produces no character: skip it and the next line's indentation.
        p += 2;
        while (p < end && isWs(src[p])) p++;
        i--;
        continue;
      }
      out[i] = p;
      p += escapeLength(n);
      continue;
    }
    if (sq && src[p] === "'" && src[p + 1] === "'") {
      out[i] = p;
      p += 2;
      continue;
    }
    if (src[p] === c || (isWs(c) && isWs(src[p]))) {
      out[i] = p++;
      continue;
    }
    let q = p;
    while (q < end && src[q] !== c && !(dq && src[q] === '\\')) q++;
    if (q >= end) {
      out[i] = p;
      continue;
    }
    p = q;
    i--;
  }
  return out;
}
