// OSV affected-range evaluation, exactly as the OSV schema defines it: events sorted by version ("introduced: 0"
// first), walked in order; introduced starts vulnerability, fixed (exclusive) and last_affected (inclusive) end
// it; a limit excludes versions at or above it. Explicit versions[] also match. The fix reported is the smallest
// `fixed` above the installed version in a range that matched.
import { ORDERINGS, type VersionOrdering } from '../versions/index.js';
import type { AdvisoryRange, AffectedPackage, RangeEvent } from '../vulndb/index.js';

export interface AffectedMatch {
  affected: boolean;
  fixed?: string;
}

/** Thrown when an advisory's own versions cannot be ordered; the caller counts and skips that advisory entry. */
export class UnorderableAdvisoryError extends Error {
  override readonly name = 'UnorderableAdvisoryError';
}

type Kind = 'introduced' | 'last_affected' | 'fixed' | 'limit';
// tie order for events at the same version: an introduced+fixed pair at one version affects nothing
const KIND_RANK: Record<Kind, number> = { introduced: 0, last_affected: 1, fixed: 2, limit: 3 };

interface Parsed {
  kind: Kind;
  version: string;
  /** undefined for introduced "0" (before everything) */
  parsed: unknown;
}

function eventOf(e: RangeEvent): { kind: Kind; version: string } {
  if ('introduced' in e) return { kind: 'introduced', version: e.introduced };
  if ('fixed' in e) return { kind: 'fixed', version: e.fixed };
  if ('last_affected' in e) return { kind: 'last_affected', version: e.last_affected };
  return { kind: 'limit', version: e.limit };
}

function parseEvents(range: AdvisoryRange, o: VersionOrdering): Parsed[] {
  const out: Parsed[] = range.events.map((e) => {
    const { kind, version } = eventOf(e);
    if (kind === 'introduced' && version === '0') return { kind, version, parsed: undefined };
    try {
      return { kind, version, parsed: o.parse(version) };
    } catch (err) {
      throw new UnorderableAdvisoryError(`${kind} ${JSON.stringify(version)}: ${(err as Error).message}`);
    }
  });
  const cmp = (a: Parsed, b: Parsed): number => {
    if (a.parsed === undefined || b.parsed === undefined) {
      if (a.parsed === b.parsed) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
      return a.parsed === undefined ? -1 : 1;
    }
    return o.compare(a.parsed, b.parsed) || KIND_RANK[a.kind] - KIND_RANK[b.kind];
  };
  return out.sort(cmp);
}

function evaluateRange(events: Parsed[], v: unknown, o: VersionOrdering): AffectedMatch {
  const atOrAbove = (p: Parsed): boolean => p.parsed === undefined || o.compare(v, p.parsed) >= 0;
  for (const e of events) if (e.kind === 'limit' && atOrAbove(e)) return { affected: false };
  let vulnerable = false;
  for (const e of events) {
    if (e.kind === 'introduced' && atOrAbove(e)) vulnerable = true;
    else if (e.kind === 'fixed' && atOrAbove(e)) vulnerable = false;
    else if (e.kind === 'last_affected' && e.parsed !== undefined && o.compare(v, e.parsed) > 0) vulnerable = false;
  }
  if (!vulnerable) return { affected: false };
  const fix = events.find((e) => e.kind === 'fixed' && e.parsed !== undefined && o.compare(e.parsed, v) > 0);
  return fix ? { affected: true, fixed: fix.version } : { affected: true };
}

/**
 * Is the installed version affected by this affected[] entry? `installed` is the version string, `ecosystemOrdering`
 * the ordering for ECOSYSTEM ranges and versions[]; SEMVER ranges always use semver.
 */
export function matchAffected(entry: AffectedPackage, installed: string, ecosystemOrdering: VersionOrdering): AffectedMatch {
  let result: AffectedMatch = { affected: false };
  const parsedInstalled = new Map<VersionOrdering, unknown>();
  const installedFor = (o: VersionOrdering): unknown => {
    if (!parsedInstalled.has(o)) parsedInstalled.set(o, o.parse(installed));
    return parsedInstalled.get(o);
  };
  for (const range of entry.ranges) {
    const o = range.type === 'SEMVER' ? ORDERINGS.semver : ecosystemOrdering;
    const v = installedFor(o);
    const m = evaluateRange(parseEvents(range, o), v, o);
    if (!m.affected) continue;
    if (!result.affected) result = m;
    else if (m.fixed !== undefined && (result.fixed === undefined || o.compare(o.parse(m.fixed), o.parse(result.fixed)) < 0)) result = m;
  }
  if (!result.affected && entry.versions.length > 0) {
    const v = installedFor(ecosystemOrdering);
    for (const listed of entry.versions) {
      if (listed === installed) return { affected: true };
      try {
        if (ecosystemOrdering.compare(ecosystemOrdering.parse(listed), v) === 0) return { affected: true };
      } catch {
        // a listed version the ordering cannot read can still match by exact string (checked above)
      }
    }
  }
  return result;
}
