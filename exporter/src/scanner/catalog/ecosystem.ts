// OSV ecosystem names and package URLs. OSV keys distro advisories by release ("Debian:12", "Ubuntu:22.04:LTS",
// "Alpine:v3.19"), so a wrong name here means silently missing every advisory: the mapping is kept in one place.
import { PackageURL } from 'packageurl-js';
import type { OsInfo, PackageKind } from '../types.js';

function major(versionId: string): string {
  return /^(\d+)/.exec(versionId)?.[1] ?? versionId;
}

function majorMinor(versionId: string): string {
  return /^(\d+\.\d+)/.exec(versionId)?.[1] ?? versionId;
}

/** Ubuntu LTS releases are the even years' April releases; os-release also says "LTS" in VERSION. */
function isUbuntuLts(os: OsInfo): boolean {
  if ((os.prettyName ?? '').includes('LTS')) return true;
  const m = /^(\d+)\.04$/.exec(majorMinor(os.versionId));
  return m !== null && Number(m[1]) % 2 === 0;
}

/**
 * The OSV ecosystem of the OS packages. Without a release only the family is returned ("Debian"): it matches no
 * OSV record, and the caller reports the OS as not fully identified rather than the image as clean.
 */
export function osEcosystem(os: OsInfo | undefined, kind: PackageKind): string {
  const family = kind === 'apk' ? 'Alpine' : kind === 'rpm' ? 'Red Hat' : 'Debian';
  if (!os) return family;
  const v = os.versionId;
  switch (os.id) {
    case 'debian':
      return v ? `Debian:${major(v)}` : 'Debian';
    case 'ubuntu':
      return v ? `Ubuntu:${majorMinor(v)}${isUbuntuLts(os) ? ':LTS' : ''}` : 'Ubuntu';
    case 'alpine':
      return v ? `Alpine:v${majorMinor(v)}` : 'Alpine';
    case 'rocky':
      return v ? `Rocky Linux:${major(v)}` : 'Rocky Linux';
    case 'almalinux':
      return v ? `AlmaLinux:${major(v)}` : 'AlmaLinux';
    case 'rhel':
      return v ? `Red Hat:enterprise_linux:${major(v)}` : 'Red Hat';
    case 'mageia':
      return v ? `Mageia:${v}` : 'Mageia';
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    default:
      return v ? `${os.id}:${v}` : os.id;
  }
}

const PURL_TYPE: Record<PackageKind, string> = {
  dpkg: 'deb', apk: 'apk', rpm: 'rpm', npm: 'npm', pypi: 'pypi', go: 'golang', maven: 'maven',
};

/** purl for an OS package: pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12 */
export function osPurl(kind: 'dpkg' | 'apk' | 'rpm', os: OsInfo | undefined, name: string, version: string, extra: { arch?: string; epoch?: string; upstream?: string } = {}): string {
  const namespace = os?.id ?? (kind === 'dpkg' ? 'debian' : kind === 'apk' ? 'alpine' : 'redhat');
  const qualifiers: Record<string, string> = {};
  if (extra.arch) qualifiers.arch = extra.arch;
  if (extra.epoch) qualifiers.epoch = extra.epoch;
  if (extra.upstream) qualifiers.upstream = extra.upstream;
  if (os?.versionId) qualifiers.distro = `${os.id}-${os.versionId}`;
  return new PackageURL(PURL_TYPE[kind], namespace, name, version, Object.keys(qualifiers).length ? qualifiers : undefined, undefined).toString();
}

/** purl for a language package; `name` may carry a namespace (npm scope, Go module path, Maven group). */
export function languagePurl(kind: 'npm' | 'pypi' | 'go' | 'maven', name: string, version: string): string {
  let namespace: string | undefined;
  let short = name;
  if (kind === 'npm' && name.startsWith('@') && name.includes('/')) [namespace, short] = splitOnce(name, '/');
  else if (kind === 'go' && name.includes('/')) {
    const i = name.lastIndexOf('/');
    namespace = name.slice(0, i);
    short = name.slice(i + 1);
  } else if (kind === 'maven') [namespace, short] = splitOnce(name, ':');
  return new PackageURL(PURL_TYPE[kind], namespace, short, version, undefined, undefined).toString();
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? ['', s] : [s.slice(0, i), s.slice(i + 1)];
}
