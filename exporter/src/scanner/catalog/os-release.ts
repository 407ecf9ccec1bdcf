// Identifies the image's operating system. os-release first (etc/ then usr/lib/, following the symlink that usually
// joins them), then the distribution's own release files. When nothing identifies it the result is undefined and the
// caller must report "OS unknown": an image we could not identify is never reported as clean.
import type { OsInfo } from '../types.js';
import type { CaptureRule } from '../layers/read-layers.js';
import type { MergedFs } from '../layers/merged-fs.js';
import { textOf } from './cataloger.js';

const RELEASE_FILES = [
  'etc/os-release',
  'usr/lib/os-release',
  'etc/debian_version',
  'etc/alpine-release',
  'etc/apk/repositories',
  'etc/redhat-release',
  'etc/centos-release',
  'etc/rocky-release',
  'etc/almalinux-release',
  'etc/fedora-release',
  'etc/system-release',
];

export const osReleaseCapture: CaptureRule = {
  name: 'os-release',
  match: (path) => RELEASE_FILES.includes(path),
  maxFileBytes: 64 * 1024,
};

/** Debian codenames, for releases whose os-release has no VERSION_ID (testing, sid) or only debian_version text. */
const DEBIAN_CODENAMES: Record<string, string> = {
  jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14', duke: '15',
};

/** Parses os-release syntax: KEY=value with optional single or double quotes and backslash escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) {
      const quote = value[0];
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    }
    out[m[1]!] = value;
  }
  return out;
}

function fromOsRelease(text: string, source: string): OsInfo | undefined {
  const f = parseOsRelease(text);
  const id = f.ID?.toLowerCase();
  if (!id) return undefined;
  const info: OsInfo = { id, versionId: f.VERSION_ID ?? '', source };
  if (f.VERSION_CODENAME) info.codename = f.VERSION_CODENAME;
  if (f.PRETTY_NAME) info.prettyName = f.PRETTY_NAME;
  // Ubuntu says LTS in VERSION ("22.04.4 LTS (Jammy Jellyfish)"); kept in prettyName for the ecosystem mapping.
  if (f.VERSION && /\bLTS\b/.test(f.VERSION) && !(info.prettyName ?? '').includes('LTS')) info.prettyName = `${info.prettyName ?? id} ${f.VERSION}`;
  return info;
}

function debianVersionFrom(text: string): { versionId: string; codename?: string } {
  const t = text.trim();
  const numeric = /^(\d+)(\.\d+)*/.exec(t);
  if (numeric) return { versionId: t };
  const codename = t.split('/')[0]!;
  const mapped = DEBIAN_CODENAMES[codename];
  return mapped ? { versionId: mapped, codename } : { versionId: '', codename };
}

function fromRedhatRelease(text: string, source: string): OsInfo | undefined {
  const line = text.split('\n')[0]!.trim();
  const m = /^(.*?)\s+release\s+(\d+(?:\.\d+)*)/i.exec(line);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  const id = name.includes('red hat') ? 'rhel'
    : name.includes('centos') ? 'centos'
    : name.includes('rocky') ? 'rocky'
    : name.includes('alma') ? 'almalinux'
    : name.includes('fedora') ? 'fedora'
    : name.includes('amazon') ? 'amzn'
    : name.includes('oracle') ? 'ol'
    : name.replace(/\s+linux$/, '').replace(/\s+/g, '');
  return { id, versionId: m[2]!, prettyName: line, source };
}

function alpineFromRepositories(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /\/alpine\/v(\d+\.\d+)\//.exec(line.trim());
    if (m) return m[1];
  }
  return undefined;
}

export function detectOs(fs: MergedFs): OsInfo | undefined {
  const read = (path: string): string | undefined => {
    const c = fs.readFile(path);
    return c === undefined ? undefined : textOf(c);
  };
  let info: OsInfo | undefined;
  for (const path of ['etc/os-release', 'usr/lib/os-release']) {
    const text = read(path);
    if (text !== undefined) info = fromOsRelease(text, path);
    if (info) break;
  }
  const debian = read('etc/debian_version');
  const alpine = read('etc/alpine-release');
  // Fill a missing VERSION_ID from the distribution's own file: without it no advisories would match at all.
  if (info && info.versionId === '') {
    if (info.id === 'debian') {
      const d = debian !== undefined ? debianVersionFrom(debian) : info.codename ? { versionId: DEBIAN_CODENAMES[info.codename] ?? '' } : undefined;
      if (d?.versionId) info.versionId = d.versionId;
    } else if (info.id === 'alpine') {
      const v = alpine?.trim() || alpineFromRepositories(read('etc/apk/repositories') ?? '');
      if (v) info.versionId = v;
    }
  }
  if (info) return info;
  if (debian !== undefined) {
    const d = debianVersionFrom(debian);
    if (d.versionId || d.codename) return { id: 'debian', versionId: d.versionId, ...(d.codename ? { codename: d.codename } : {}), source: 'etc/debian_version' };
  }
  if (alpine !== undefined && /^\d+\.\d+/.test(alpine.trim())) return { id: 'alpine', versionId: alpine.trim(), source: 'etc/alpine-release' };
  const repos = read('etc/apk/repositories');
  const fromRepos = repos !== undefined ? alpineFromRepositories(repos) : undefined;
  if (fromRepos) return { id: 'alpine', versionId: fromRepos, source: 'etc/apk/repositories' };
  for (const path of ['etc/redhat-release', 'etc/rocky-release', 'etc/almalinux-release', 'etc/centos-release', 'etc/fedora-release', 'etc/system-release']) {
    const text = read(path);
    const r = text !== undefined ? fromRedhatRelease(text, path) : undefined;
    if (r) return r;
  }
  return undefined;
}
