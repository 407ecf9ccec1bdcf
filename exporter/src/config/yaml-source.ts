// Maps a path inside a parsed YAML document (as zod reports it) back to file:line:column, so configuration
// errors point at the exact spot the user has to fix.

import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export class YamlSyntaxError extends Error {}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    throw new YamlSyntaxError(`${file}:${pos.line}:${pos.col}: ${first.message.split('\n')[0]}`);
  }
  return { file, doc, lines };
}

/** file:line:column of the value at `path`, or of the closest ancestor that exists. */
export function locate(src: YamlSource, path: readonly PropertyKey[]): string {
  let node: unknown = src.doc.contents;
  let range: [number, number, number] | undefined = (node as { range?: [number, number, number] } | null)?.range;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
      node = pair.value;
      range = (node as { range?: [number, number, number] } | null)?.range ?? keyRange ?? range;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      range = (node as { range?: [number, number, number] } | null)?.range ?? range;
    } else break;
  }
  const pos = src.lines.linePos(range?.[0] ?? 0);
  return `${src.file}:${pos.line}:${pos.col}`;
}
