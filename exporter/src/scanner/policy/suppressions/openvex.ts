// OpenVEX documents (spec v0.2.0; the older v0.0.x string forms are read too). JSON is parsed through the YAML
// parser, which accepts JSON and keeps node positions, so a bad statement is reported as file:line:column.
// A bad statement is skipped and reported; a document without valid top-level fields throws SourceFileError.
import { z } from 'zod';
import { issuesFromZod, parseSource, SourceFileError, type ParsedSource, type SourceIssue } from '../config-source.js';

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];

export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;
export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number];

export interface VexProduct {
  /** IRI of the product: a purl, an image reference or any other identifier */
  id: string;
  /** identifiers.purl when given (may differ from @id) */
  purl?: string;
  subcomponents: { id: string; purl?: string }[];
}

export interface VexStatement {
  vulnerability: { name: string; id?: string; aliases: string[] };
  products: VexProduct[];
  status: VexStatus;
  justification?: VexJustification;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  /** statement last_updated ?? timestamp ?? the document's: later statements win */
  timestamp: string;
  /** "file#/statements/N" (a JSON pointer into the document) */
  source: string;
}

export interface VexDocument {
  id: string;
  author: string;
  timestamp: string;
  statements: VexStatement[];
  /** Statements that were skipped, with positions. */
  errors: SourceIssue[];
}

const MAX_VEX_BYTES = 16 * 1024 * 1024;
const MAX_STATEMENTS = 100_000;

const iso = z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'expected an RFC 3339 timestamp');
const text = (max: number) => z.string().max(max);

const identifiers = z.looseObject({ purl: text(4096).optional() }).optional();
const component = z.union([
  text(4096).transform((id) => ({ '@id': id, identifiers: undefined as { purl?: string | undefined } | undefined })),
  z.looseObject({ '@id': text(4096).min(1), identifiers }),
]);
const product = z.union([
  text(4096).transform((id) => ({ '@id': id, identifiers: undefined as { purl?: string | undefined } | undefined, subcomponents: undefined as z.output<typeof component>[] | undefined })),
  z.looseObject({ '@id': text(4096).min(1), identifiers, subcomponents: z.array(component).max(10_000).optional() }),
]);

const statementSchema = z
  .looseObject({
    vulnerability: z.union([
      text(256).min(1).transform((name) => ({ name, '@id': undefined as string | undefined, aliases: undefined as string[] | undefined })),
      z.looseObject({ name: text(256).min(1), '@id': text(4096).optional(), aliases: z.array(text(256)).max(1000).optional() }),
    ]),
    products: z.array(product).min(1, 'a statement needs at least one product').max(10_000),
    status: z.enum(VEX_STATUSES, { error: `status must be one of ${VEX_STATUSES.join(', ')}` }),
    justification: z.enum(VEX_JUSTIFICATIONS, { error: `justification must be one of ${VEX_JUSTIFICATIONS.join(', ')}` }).optional(),
    impact_statement: text(10_000).optional(),
    action_statement: text(10_000).optional(),
    status_notes: text(10_000).optional(),
    timestamp: iso.optional(),
    last_updated: iso.optional(),
  })
  .refine((s) => s.status !== 'not_affected' || s.justification !== undefined || (s.impact_statement ?? '').trim() !== '', {
    message: 'a not_affected statement needs a justification or an impact_statement',
  });

const documentSchema = z.looseObject({
  '@context': z.string().refine((c) => c.startsWith('https://openvex.dev/ns'), 'not an OpenVEX document (@context must be https://openvex.dev/ns/...)'),
  '@id': text(4096).min(1),
  author: text(1000).min(1),
  timestamp: iso,
  last_updated: iso.optional(),
  statements: z.array(z.unknown()).max(MAX_STATEMENTS),
});

export function parseOpenVex(textIn: string, file: string): VexDocument {
  // JSON.parse first: the YAML parser keeps positions but costs ~30x the time and memory on a large document,
  // so it only runs when there is something to point at (or when the file is YAML rather than JSON).
  const limits = { maxBytes: MAX_VEX_BYTES };
  let src: ParsedSource | undefined;
  const positioned = (): ParsedSource => (src ??= parseSource(textIn, file, limits));
  let value: unknown;
  if (Buffer.byteLength(textIn, 'utf8') > MAX_VEX_BYTES) positioned(); // throws the size error
  try {
    value = JSON.parse(textIn);
  } catch {
    value = positioned().value;
  }
  const top = documentSchema.safeParse(value);
  if (!top.success) throw new SourceFileError(issuesFromZod(positioned(), top.error));
  const doc = top.data;
  const statements: VexStatement[] = [];
  const errors: SourceIssue[] = [];
  doc.statements.forEach((raw, i) => {
    const path = ['statements', i];
    const r = statementSchema.safeParse(raw);
    if (!r.success) {
      errors.push(...issuesFromZod(positioned(), r.error, path));
      return;
    }
    const s = r.data;
    const st: VexStatement = {
      vulnerability: { name: s.vulnerability.name, aliases: s.vulnerability.aliases ?? [] },
      products: s.products.map((p) => {
        const out: VexProduct = {
          id: p['@id'],
          subcomponents: (p.subcomponents ?? []).map((c) => (c.identifiers?.purl ? { id: c['@id'], purl: c.identifiers.purl } : { id: c['@id'] })),
        };
        if (p.identifiers?.purl) out.purl = p.identifiers.purl;
        return out;
      }),
      status: s.status,
      timestamp: s.last_updated ?? s.timestamp ?? doc.last_updated ?? doc.timestamp,
      // A JSON pointer: exact, and free to compute (a line number would need the slow parse).
      source: `${file}#/statements/${i}`,
    };
    if (s.vulnerability['@id']) st.vulnerability.id = s.vulnerability['@id'];
    if (s.justification) st.justification = s.justification;
    if (s.impact_statement) st.impactStatement = s.impact_statement;
    if (s.action_statement) st.actionStatement = s.action_statement;
    if (s.status_notes) st.statusNotes = s.status_notes;
    statements.push(st);
  });
  return { id: doc['@id'], author: doc.author, timestamp: doc.timestamp, statements, errors };
}
