// Image contents are hostile: names, versions and labels may carry terminal escapes or megabytes of text.
// Everything from an image that ends up in a policy detail goes through here first.

// C0/C1 controls, DEL, and the Unicode bidi overrides that can make a terminal line read differently than it is.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Replaces control characters with "?" and cuts the text to `max` characters (with an ellipsis). */
export function cleanText(text: string, max = 200): string {
  const safe = text.replace(UNSAFE, '?');
  const chars = Array.from(safe);
  return chars.length <= max ? safe : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Appends at most `limit` lines, then one line saying how many were left out: details stay bounded. */
export function boundedLines(lines: readonly string[], limit = 50): string[] {
  if (lines.length <= limit) return [...lines];
  return [...lines.slice(0, limit), `… and ${lines.length - limit} more`];
}
