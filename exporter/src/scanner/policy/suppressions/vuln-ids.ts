// Advisory identity: a finding is known by its id, its aliases and its upstream ids (DSA-3029-1 is CVE-2014-3616).
import type { Finding } from '../../types.js';

export function findingIds(f: Finding): Set<string> {
  const ids = new Set<string>();
  for (const id of [f.id, ...f.aliases, ...f.upstream]) if (typeof id === 'string' && id !== '') ids.add(id.toUpperCase());
  return ids;
}

export function anyIdMatches(ids: Set<string>, names: readonly string[]): boolean {
  return names.some((n) => ids.has(n.toUpperCase()));
}
