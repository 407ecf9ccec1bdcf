// Reads a YAML (or JSON, which YAML 1.2 parses too) document and validates it with a zod schema, turning every
// parse error and every zod issue into file:line:column. Users edit these files by hand, so "expected string" without
// a position is not good enough.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';

export interface SourceIssue {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** Dotted path inside the document ("ignore.3.reason"), empty for the document itself. */
  path: string;
  message: string;
}

export function formatIssue(i: SourceIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** Thrown when a file cannot be used at all. `issues` holds every problem found, not only the first. */
export class SourceFileError extends Error {
  readonly issues: SourceIssue[];
  constructor(issues: SourceIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'SourceFileError';
    this.issues = issues;
  }
}

export interface ParsedSource {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Plain JS value of the document. */
  value: unknown;
}

export interface ParseLimits {
  /** Refuse larger inputs before parsing: the parser's memory grows with the text. */
  maxBytes: number;
}

/**
 * Parses text into a YAML document. Throws SourceFileError on syntax errors, on oversized input and on
 * alias bombs (yaml's maxAliasCount).
 */
export function parseSource(text: string, file: string, limits: ParseLimits): ParsedSource {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new SourceFileError([{ file, line: 1, column: 1, path: '', message: `file is ${bytes} bytes, larger than the limit of ${limits.maxBytes}` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    throw new SourceFileError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: e.message };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new SourceFileError([{ file, line: 1, column: 1, path: '', message: (err as Error).message }]);
  }
  return { file, doc, lineCounter, value };
}

/** The node at `path`, or the deepest existing ancestor when the path runs into a missing key. */
function locate(doc: Document.Parsed, path: readonly PropertyKey[]): { node: Node | null; keyNode: Node | null; found: boolean } {
  let node: unknown = doc.contents;
  let keyNode: Node | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { node: node as Node, keyNode, found: false };
      keyNode = isScalar(pair.key) ? pair.key : null;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return { node: node as Node, keyNode, found: false };
      keyNode = null;
      node = item;
    } else {
      return { node: (node as Node | null) ?? null, keyNode, found: false };
    }
  }
  return { node: (node as Node | null) ?? null, keyNode, found: true };
}

/** Line and column of the thing a path names; falls back to the start of the file. */
export function positionOf(src: ParsedSource, path: readonly PropertyKey[]): { line: number; column: number } {
  const { node, keyNode, found } = locate(src.doc, path);
  // A null value ("reason:" with nothing after it) has no range of its own worth pointing at: use its key.
  const target = found && node && node.range ? node : keyNode ?? node;
  const offset = target?.range?.[0] ?? 0;
  const pos = src.lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Line and column of the key that leads to `path` (for "unknown key" messages); falls back like positionOf. */
export function keyPositionOf(src: ParsedSource, path: readonly PropertyKey[]): { line: number; column: number } {
  const { keyNode, found } = locate(src.doc, path);
  if (!found || !keyNode?.range) return positionOf(src, path);
  const pos = src.lineCounter.linePos(keyNode.range[0]);
  return { line: pos.line, column: pos.col };
}

/** Converts zod issues into positioned issues. `basePath` is prepended when validating a part of the document. */
export function issuesFromZod(src: ParsedSource, error: z.ZodError, basePath: readonly PropertyKey[] = []): SourceIssue[] {
  const out: SourceIssue[] = [];
  for (const issue of error.issues) {
    const full = [...basePath, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // Point at each unknown key: a typo ("reson:") is the usual cause.
      for (const key of issue.keys) {
        const pos = keyPositionOf(src, [...full, key]);
        out.push({ file: src.file, ...pos, path: [...full, key].map(String).join('.'), message: `unknown field "${key}"` });
      }
      continue;
    }
    const { found } = locate(src.doc, full);
    const pos = positionOf(src, full);
    const missing = !found && full.length > 0 && issue.code === 'invalid_type';
    const message = missing ? `missing required field "${String(full[full.length - 1])}"` : issue.message;
    out.push({ file: src.file, ...pos, path: full.map(String).join('.'), message });
  }
  return out;
}

/** Validates the whole document; throws SourceFileError listing every issue. */
export function validateSource<S extends z.ZodType>(src: ParsedSource, schema: S): z.output<S> {
  const r = schema.safeParse(src.value);
  if (!r.success) throw new SourceFileError(issuesFromZod(src, r.error));
  return r.data;
}
