// Which OSV ecosystem an OS package is matched in: the distribution release as OSV names it.
//   Debian 12 -> "Debian:12"; Ubuntu 22.04 LTS -> "Ubuntu:22.04:LTS", 23.10 -> "Ubuntu:23.10";
//   Alpine 3.19.1 -> "Alpine:v3.19"; Rocky 9.3 -> "Rocky Linux:9"; AlmaLinux 8.9 -> "AlmaLinux:8".
import type { InstalledPackage, OsInfo } from '../types.js';

/** Ubuntu LTS releases are the April releases of even years (14.04, 16.04, ..., 24.04). */
function isUbuntuLts(versionId: string, prettyName: string | undefined): boolean {
  if (prettyName && /\bLTS\b/.test(prettyName)) return true;
  const m = /^(\d+)\.04$/.exec(versionId);
  return m !== null && Number(m[1]) % 2 === 0;
}

/** The OSV release ecosystem for the OS, or undefined when the OS or its version is not one OSV names. */
export function osReleaseEcosystem(os: OsInfo): string | undefined {
  const id = os.id.trim().toLowerCase();
  const v = os.versionId.trim();
  const major = /^(\d+)/.exec(v)?.[1];
  const majorMinor = /^(\d+)\.(\d+)/.exec(v);
  switch (id) {
    case 'debian':
      return major ? `Debian:${major}` : undefined;
    case 'ubuntu': {
      const mm = majorMinor ? `${majorMinor[1]}.${(majorMinor[2] ?? '').padStart(2, '0')}` : undefined;
      if (!mm) return undefined;
      return isUbuntuLts(mm, os.prettyName) ? `Ubuntu:${mm}:LTS` : `Ubuntu:${mm}`;
    }
    case 'alpine':
      return majorMinor ? `Alpine:v${majorMinor[1]}.${majorMinor[2]}` : undefined;
    case 'rocky':
      return major ? `Rocky Linux:${major}` : undefined;
    case 'almalinux':
      return major ? `AlmaLinux:${major}` : undefined;
    default:
      return undefined;
  }
}

const OS_KINDS: Record<string, InstalledPackage['kind'][]> = {
  debian: ['dpkg'],
  ubuntu: ['dpkg'],
  alpine: ['apk'],
  rocky: ['rpm'],
  almalinux: ['rpm'],
};

export function isOsPackage(kind: InstalledPackage['kind']): boolean {
  return kind === 'dpkg' || kind === 'apk' || kind === 'rpm';
}

/**
 * The ecosystem to match a package in. OS packages use the OS release when the OS is one this module names and
 * the package kind belongs to it; otherwise the cataloger's ecosystem is used as given.
 */
export function matchEcosystem(pkg: InstalledPackage, os: OsInfo | undefined): string | undefined {
  if (isOsPackage(pkg.kind) && os) {
    const kinds = OS_KINDS[os.id.trim().toLowerCase()];
    if (kinds?.includes(pkg.kind)) {
      const eco = osReleaseEcosystem(os);
      if (eco) return eco;
    }
  }
  const eco = pkg.ecosystem.trim();
  if (eco.length === 0) return undefined;
  // an OS ecosystem without a release ("Debian") cannot be matched: OSV advisories are per release
  if (isOsPackage(pkg.kind) && !eco.includes(':')) return undefined;
  return eco;
}
