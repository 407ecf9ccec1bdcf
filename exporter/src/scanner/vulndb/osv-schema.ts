// The OSV record as Vigil accepts it: OSV schema 1.7 (https://ossf.github.io/osv-schema/), validated with zod.
// Unknown fields are dropped; sizes are bounded so one hostile record cannot take the importer's memory.
import { z } from 'zod';

// RFC 3339 timestamps as OSV writes them ("2022-10-07T18:59:00Z", fractional seconds and offsets allowed).
const timestamp = z
  .string()
  .max(64)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i, 'not an RFC 3339 timestamp');
const text = (max: number) => z.string().max(max);
const idString = z.string().min(1).max(256);
const idList = z.array(idString).max(10_000);
const specific = z.record(z.string(), z.unknown());

export const severitySchema = z.object({
  type: z.enum(['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu']),
  score: text(512),
});

const eventSchema = z
  .object({
    introduced: text(256).optional(),
    fixed: text(256).optional(),
    last_affected: text(256).optional(),
    limit: text(256).optional(),
  })
  .refine((e) => Object.values(e).filter((v) => v !== undefined).length === 1, {
    message: 'an event has exactly one of introduced, fixed, last_affected, limit',
  });

const rangeSchema = z
  .object({
    type: z.enum(['SEMVER', 'ECOSYSTEM', 'GIT']),
    repo: text(2048).optional(),
    events: z.array(eventSchema).min(1).max(10_000),
    database_specific: specific.optional(),
  })
  .refine((r) => r.type !== 'GIT' || (r.repo !== undefined && r.repo.length > 0), { message: 'a GIT range needs repo' });

const packageSchema = z.object({
  ecosystem: z.string().min(1).max(256),
  name: z.string().min(1).max(1024),
  purl: text(2048).optional(),
});

export const affectedSchema = z.object({
  package: packageSchema.optional(),
  severity: z.array(severitySchema).max(16).optional(),
  ranges: z.array(rangeSchema).max(1_000).optional(),
  versions: z.array(text(256)).max(200_000).optional(),
  ecosystem_specific: specific.optional(),
  database_specific: specific.optional(),
});

export const osvRecordSchema = z.object({
  schema_version: text(32).optional(),
  id: idString,
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: idList.nullish(),
  upstream: idList.nullish(),
  related: idList.nullish(),
  summary: text(4096).optional(),
  details: text(1_000_000).optional(),
  severity: z.array(severitySchema).max(16).nullish(),
  affected: z.array(affectedSchema).max(20_000).nullish(),
  references: z
    .array(z.object({ type: text(64), url: text(4096) }))
    .max(10_000)
    .nullish(),
  database_specific: specific.optional(),
});

export type OsvRecord = z.infer<typeof osvRecordSchema>;
export type OsvAffected = z.infer<typeof affectedSchema>;
export type OsvSeverity = z.infer<typeof severitySchema>;

/** Validates one parsed JSON value; on failure returns a short reason naming the first offending field. */
export function validateOsvRecord(value: unknown): { ok: true; record: OsvRecord } | { ok: false; reason: string } {
  const r = osvRecordSchema.safeParse(value);
  if (r.success) return { ok: true, record: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'record';
  const more = r.error.issues.length > 1 ? ` (+${r.error.issues.length - 1} more)` : '';
  return { ok: false, reason: `${where}: ${issue?.message ?? 'invalid'}${more}` };
}
