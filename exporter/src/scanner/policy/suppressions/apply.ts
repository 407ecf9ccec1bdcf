// Marks findings suppressed by VEX statements and ignore entries. Suppressed findings stay in the result (reports
// show them as such); policies, exit codes and remediation skip them. Pure: returns new findings.
import type { Finding } from '../../types.js';
import type { ExpiredIgnore, SuppressionSummary } from '../../report/types.js';
import { ignoreEntryActive, type IgnoreEntry } from './ignore-file.js';
import { imageGlobMatches, isImageProduct, vexProductMatchesImage, type ImageIdentity } from './image-match.js';
import type { VexDocument, VexStatement } from './openvex.js';
import { parsePurl, purlMatches } from './purl.js';
import { anyIdMatches, findingIds } from './vuln-ids.js';

export interface SuppressionInput {
  ignore?: readonly IgnoreEntry[];
  vex?: readonly VexDocument[];
  image: ImageIdentity;
  now: Date;
}

export interface SuppressionOutcome {
  findings: Finding[];
  summary: SuppressionSummary;
}

function packageMatches(pattern: string, f: Finding): boolean {
  if (pattern.startsWith('pkg:')) {
    const p = parsePurl(pattern);
    const c = parsePurl(f.purl);
    return p !== undefined && c !== undefined && purlMatches(p, c);
  }
  const want = pattern.toLowerCase();
  return f.package.toLowerCase() === want || (f.sourcePackage ?? '').toLowerCase() === want;
}

function ignoreMatches(e: IgnoreEntry, f: Finding, ids: Set<string>, image: ImageIdentity): boolean {
  if (!ids.has(e.id.toUpperCase())) return false;
  if (e.package !== undefined && !packageMatches(e.package, f)) return false;
  if (e.image !== undefined && !imageGlobMatches(e.image, image)) return false;
  return true;
}

function purlOrIdMatches(id: string, purl: string | undefined, findingPurl: ReturnType<typeof parsePurl>): boolean {
  if (!findingPurl) return false;
  const p = parsePurl(purl ?? id);
  return p !== undefined && purlMatches(p, findingPurl);
}

/** Does a statement speak about this finding in this image? */
function statementApplies(s: VexStatement, f: Finding, ids: Set<string>, image: ImageIdentity): boolean {
  if (!anyIdMatches(ids, [s.vulnerability.name, ...s.vulnerability.aliases])) return false;
  const fp = parsePurl(f.purl);
  return s.products.some((p) => {
    const productId = p.purl ?? p.id;
    if (isImageProduct(productId)) {
      if (!vexProductMatchesImage(productId, image, parsePurl(productId))) return false;
      // An image product without subcomponents covers every package in the image.
      return p.subcomponents.length === 0 || p.subcomponents.some((c) => purlOrIdMatches(c.id, c.purl, fp));
    }
    return purlOrIdMatches(p.id, p.purl, fp) || p.subcomponents.some((c) => purlOrIdMatches(c.id, c.purl, fp));
  });
}

interface IndexedStatement {
  doc: VexDocument;
  st: VexStatement;
  t: number;
  /** Position across all documents, for tie-breaking */
  order: number;
}

/** Statements by upper-cased vulnerability name and alias, so a finding only looks at statements about it. */
function indexStatements(docs: readonly VexDocument[]): Map<string, IndexedStatement[]> {
  const index = new Map<string, IndexedStatement[]>();
  let order = 0;
  for (const doc of docs) {
    for (const st of doc.statements) {
      const entry = { doc, st, t: Date.parse(st.timestamp), order: order++ };
      for (const name of new Set([st.vulnerability.name, ...st.vulnerability.aliases].map((n) => n.toUpperCase()))) {
        const list = index.get(name);
        if (list) list.push(entry);
        else index.set(name, [entry]);
      }
    }
  }
  return index;
}

/** The statement that decides: the most recent one; on a tie, the one read last. */
function decidingStatement(f: Finding, ids: Set<string>, index: Map<string, IndexedStatement[]>, image: ImageIdentity): IndexedStatement | undefined {
  let best: IndexedStatement | undefined;
  for (const id of ids) {
    for (const cand of index.get(id) ?? []) {
      if (best && (cand.t < best.t || (cand.t === best.t && cand.order <= best.order))) continue;
      if (statementApplies(cand.st, f, ids, image)) best = cand;
    }
  }
  return best;
}

function vexReason(st: VexStatement): string {
  if (st.status === 'fixed') return st.statusNotes ?? st.actionStatement ?? 'fixed (VEX)';
  const parts = [st.justification, st.impactStatement].filter((x): x is string => typeof x === 'string' && x !== '');
  return parts.join(': ');
}

/** Entries by upper-cased id, in file order, so a finding only looks at entries naming one of its ids. */
function indexEntries(entries: readonly IgnoreEntry[]): Map<string, IgnoreEntry[]> {
  const index = new Map<string, IgnoreEntry[]>();
  for (const e of entries) {
    const key = e.id.toUpperCase();
    const list = index.get(key);
    if (list) list.push(e);
    else index.set(key, [e]);
  }
  return index;
}

function candidates(index: Map<string, IgnoreEntry[]>, ids: Set<string>, order: Map<IgnoreEntry, number>): IgnoreEntry[] {
  const out = new Set<IgnoreEntry>();
  for (const id of ids) for (const e of index.get(id) ?? []) out.add(e);
  return [...out].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

export function applySuppressions(findings: readonly Finding[], input: SuppressionInput): SuppressionOutcome {
  const ignore = input.ignore ?? [];
  const order = new Map(ignore.map((e, i) => [e, i] as const));
  const expired = ignore.filter((e) => !ignoreEntryActive(e, input.now));
  const activeIndex = indexEntries(ignore.filter((e) => ignoreEntryActive(e, input.now)));
  const expiredIndex = indexEntries(expired);
  const expiredMatches = new Map<IgnoreEntry, number>();
  const index = indexStatements(input.vex ?? []);
  let ignored = 0;
  let vex = 0;

  const out = findings.map((f): Finding => {
    const ids = findingIds(f);
    for (const e of candidates(expiredIndex, ids, order)) if (ignoreMatches(e, f, ids, input.image)) expiredMatches.set(e, (expiredMatches.get(e) ?? 0) + 1);
    // A suppression set upstream (another run, the service's store) is kept as it is.
    if (f.suppressed) return f;

    const decided = index.size > 0 ? decidingStatement(f, ids, index, input.image) : undefined;
    if (decided && (decided.st.status === 'not_affected' || decided.st.status === 'fixed')) {
      vex++;
      const suppressed: NonNullable<Finding['suppressed']> = { by: `vex:${decided.doc.id}`, reason: vexReason(decided.st), kind: 'vex', vexStatus: decided.st.status };
      if (decided.st.justification) suppressed.justification = decided.st.justification;
      return { ...f, suppressed };
    }
    // The first matching entry in file order decides, as a reader of the file would expect.
    const entry = candidates(activeIndex, ids, order).find((e) => ignoreMatches(e, f, ids, input.image));
    if (entry) {
      ignored++;
      return { ...f, suppressed: { by: `ignore:${entry.source}`, reason: entry.reason, expires: entry.expires, kind: 'ignore' } };
    }
    return f;
  });

  const expiredOut: ExpiredIgnore[] = expired.map((e) => {
    const x: ExpiredIgnore = { id: e.id, reason: e.reason, expires: e.expires, source: e.source, matched: expiredMatches.get(e) ?? 0 };
    if (e.package !== undefined) x.package = e.package;
    if (e.image !== undefined) x.image = e.image;
    return x;
  });
  return { findings: out, summary: { ignored, vex, expired: expiredOut } };
}
