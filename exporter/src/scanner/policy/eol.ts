// Finds the end-of-life entry for an identified OS. Pure: the date comparison happens in the policy.
import type { OsInfo } from '../types.js';
import { distroFor, type DistroEol, type EolEntry } from './eol-table.js';

export type EolLookup =
  | { kind: 'release'; distro: DistroEol; entry: EolEntry }
  | { kind: 'rolling'; distro: DistroEol; name: string }
  /** Older than every release in the table, so long past its end of life. */
  | { kind: 'older'; distro: DistroEol; release: string }
  /** Newer than every release in the table: assumed supported, but the table needs an update. */
  | { kind: 'newer'; distro: DistroEol; release: string }
  /** Inside the table's span but not in it (a release number that never existed, or a typo). */
  | { kind: 'unlisted'; distro: DistroEol; release: string }
  | { kind: 'unknown-release'; distro: DistroEol; versionId: string }
  | { kind: 'unknown-distro'; id: string };

function compareRelease(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function lookupEol(os: OsInfo): EolLookup {
  const distro = distroFor(os.id);
  if (!distro) return { kind: 'unknown-distro', id: os.id };
  const version = os.versionId.trim().toLowerCase();
  const codename = os.codename?.trim().toLowerCase();

  // debian_version on testing/unstable reads "trixie/sid"; os-release there has no VERSION_ID at all.
  // Alpine edge reports a pre-release VERSION_ID ("3.22.0_alpha20250108") and says "edge" only in PRETTY_NAME.
  const pretty = os.prettyName?.toLowerCase() ?? '';
  const rollingHit = distro.rolling.find(
    (r) => version === r || version.endsWith(`/${r}`) || codename === r || new RegExp(`(^|[\\s/(])${r}($|[\\s/)])`).test(pretty),
  );
  if (rollingHit) return { kind: 'rolling', distro, name: rollingHit };

  const release = distro.releaseOf(version);
  if (release !== undefined) {
    const entry = distro.entries.find((e) => e.release === release);
    if (entry) return { kind: 'release', distro, entry };
    const sorted = [...distro.entries].sort((a, b) => compareRelease(a.release, b.release));
    const oldest = sorted[0];
    const newest = sorted[sorted.length - 1];
    if (oldest && compareRelease(release, oldest.release) < 0) return { kind: 'older', distro, release };
    if (newest && compareRelease(release, newest.release) > 0) return { kind: 'newer', distro, release };
    return { kind: 'unlisted', distro, release };
  }
  if (codename) {
    const entry = distro.entries.find((e) => e.codename === codename);
    if (entry) return { kind: 'release', distro, entry };
  }
  return { kind: 'unknown-release', distro, versionId: os.versionId };
}
