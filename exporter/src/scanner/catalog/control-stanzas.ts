// Parses Debian control-style text (dpkg status, status.d files): stanzas separated by blank lines, "Field: value"
// lines, continuation lines starting with whitespace. Field names are case-insensitive; they are kept as written
// in the first stanza that used them and looked up case-insensitively by the readers.

export type Stanza = Map<string, string>;

export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  let current: Stanza = new Map();
  let lastKey: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) out.push(current);
      current = new Map();
      lastKey = undefined;
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (lastKey !== undefined) current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastKey = line.slice(0, colon).trim().toLowerCase();
    current.set(lastKey, line.slice(colon + 1).trim());
  }
  if (current.size > 0) out.push(current);
  return out;
}
