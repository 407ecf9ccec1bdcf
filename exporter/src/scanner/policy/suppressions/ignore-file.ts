// The ignore list: accepted risks, each with a reason and an expiry date so that nothing stays ignored by accident.
//
//   ignore:
//     - id: CVE-2023-4911          # advisory id or any alias
//       package: glibc             # optional: binary or source package name, or a purl
//       image: "ghcr.io/org/*"     # optional: image glob or digest
//       reason: not reachable, setuid binaries are removed in our images
//       expires: 2026-12-31        # stops suppressing on this date (UTC)
//
// A malformed entry is skipped and reported (file:line:column); skipping only ever shows more findings, so the
// caller may go on. A file that is not YAML or not shaped like the above throws SourceFileError.
import { z } from 'zod';
import { issuesFromZod, parseSource, SourceFileError, type SourceIssue } from '../config-source.js';
import { dateSchema } from '../schema-helpers.js';

export interface IgnoreEntry {
  id: string;
  package?: string;
  image?: string;
  reason: string;
  /** YYYY-MM-DD: the entry suppresses until the start of this day (UTC). */
  expires: string;
  /** "file:line" of the entry, shown in reports as the suppression's origin. */
  source: string;
}

export interface IgnoreFile {
  entries: IgnoreEntry[];
  /** Entries that were skipped, with positions. */
  errors: SourceIssue[];
}

const MAX_IGNORE_FILE_BYTES = 4 * 1024 * 1024;
const MAX_ENTRIES = 50_000;

const entrySchema = z.strictObject({
  id: z.string().trim().min(1, 'must not be empty').max(256),
  package: z.string().trim().min(1).max(4096).optional(),
  image: z.string().trim().min(1).max(4096).optional(),
  reason: z.string({ error: 'a reason is required' }).trim().min(1, 'a reason is required').max(4000),
  expires: dateSchema,
});

const fileSchema = z.strictObject({
  version: z.literal(1).optional(),
  ignore: z.array(z.unknown()).max(MAX_ENTRIES).nullable().optional(),
});

export function parseIgnoreFile(text: string, file: string): IgnoreFile {
  const src = parseSource(text, file, { maxBytes: MAX_IGNORE_FILE_BYTES });
  // A bare list of entries is accepted too, for files written before the `ignore:` key existed.
  const rootIsList = Array.isArray(src.value);
  let raws: unknown[];
  if (rootIsList) {
    raws = src.value as unknown[];
    if (raws.length > MAX_ENTRIES) throw new SourceFileError([{ file, line: 1, column: 1, path: '', message: `more than ${MAX_ENTRIES} entries` }]);
  } else {
    const top = fileSchema.safeParse(src.value ?? {});
    if (!top.success) throw new SourceFileError(issuesFromZod(src, top.error));
    raws = top.data.ignore ?? [];
  }
  const entries: IgnoreEntry[] = [];
  const errors: SourceIssue[] = [];
  raws.forEach((raw, i) => {
    const path = rootIsList ? [i] : ['ignore', i];
    const r = entrySchema.safeParse(raw);
    if (!r.success) {
      errors.push(...issuesFromZod(src, r.error, path));
      return;
    }
    const node = src.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const line = src.lineCounter.linePos(node?.range?.[0] ?? 0).line;
    const e: IgnoreEntry = { id: r.data.id, reason: r.data.reason, expires: r.data.expires, source: `${file}:${line}` };
    if (r.data.package !== undefined) e.package = r.data.package;
    if (r.data.image !== undefined) e.image = r.data.image;
    entries.push(e);
  });
  return { entries, errors };
}

/** Whether the entry still suppresses at `now`. */
export function ignoreEntryActive(e: Pick<IgnoreEntry, 'expires'>, now: Date): boolean {
  return now.getTime() < Date.parse(`${e.expires}T00:00:00Z`);
}
