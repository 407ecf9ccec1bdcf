// Terminal facts and text fitting for the human-readable outputs.
import { cleanText } from '../policy/text.js';

export interface TerminalLike {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org: any non-empty value).
 * FORCE_COLOR (non-empty, not "0") turns it on for CI logs that render ANSI.
 */
export function colorEnabled(stream: TerminalLike, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  return stream.isTTY === true;
}

/** The width to lay out for: the terminal's, else a default wide enough for typical ids and versions. */
export function outputWidth(stream: TerminalLike, fallback = 160): number {
  return stream.isTTY && typeof stream.columns === 'number' && stream.columns > 20 ? stream.columns : fallback;
}

export type Style = 'bold' | 'dim' | 'red' | 'boldRed' | 'yellow' | 'blue' | 'green' | 'magenta';
const CODES: Record<Style, [string, string]> = {
  bold: ['\u001b[1m', '\u001b[22m'],
  dim: ['\u001b[2m', '\u001b[22m'],
  red: ['\u001b[31m', '\u001b[39m'],
  boldRed: ['\u001b[1;31m', '\u001b[22;39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  blue: ['\u001b[34m', '\u001b[39m'],
  green: ['\u001b[32m', '\u001b[39m'],
  magenta: ['\u001b[35m', '\u001b[39m'],
};

export type Painter = (text: string, style: Style) => string;

export function painter(color: boolean): Painter {
  return color ? (text, style) => `${CODES[style][0]}${text}${CODES[style][1]}` : (text) => text;
}

/** Visible length in code points (table cells are cleaned first, so there are no escapes to skip). */
export function visibleLength(text: string): number {
  return Array.from(text).length;
}

/** Cleans hostile text and fits it into `width` columns, marking a cut with "…". */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return cleanText(text, width);
}

export function padEnd(text: string, width: number): string {
  const n = visibleLength(text);
  return n >= width ? text : text + ' '.repeat(width - n);
}
