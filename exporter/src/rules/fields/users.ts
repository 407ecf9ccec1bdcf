// uid/gid -> names for user.name and group.name. Vigil cannot read a container's /etc/passwd from an event, so
// names come from the host's files for host processes; inside containers uid 0 is "root" and any other id is
// shown as its number. Files are read once, bounded in size, and parsed defensively.

import { readFileSync, statSync } from 'node:fs';

export interface UserDirectory {
  userName(uid: number, host: boolean): string;
  groupName(gid: number, host: boolean): string;
  homeDir(uid: number, host: boolean): string | undefined;
  shell(uid: number, host: boolean): string | undefined;
}

interface Account {
  name: string;
  home?: string;
  shell?: string;
}

const MAX_FILE = 4 * 1024 * 1024;

function readSmall(path: string): string {
  try {
    if (statSync(path).size > MAX_FILE) return '';
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Parses passwd(5)/group(5) text: name:x:id:... lines; malformed lines are skipped. */
export function parseIdFile(text: string, kind: 'passwd' | 'group'): Map<number, Account> {
  const out = new Map<number, Account>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const name = f[0];
    const id = Number(f[2]);
    if (!name || !/^\d+$/.test(f[2] ?? '') || !Number.isSafeInteger(id) || out.has(id)) continue;
    out.set(id, kind === 'passwd' ? { name, home: f[5], shell: f[6] } : { name });
  }
  return out;
}

export class StaticUserDirectory implements UserDirectory {
  constructor(
    private readonly users: Map<number, Account>,
    private readonly groups: Map<number, Account>,
  ) {}

  userName(uid: number, host: boolean): string {
    if (uid === 0) return 'root';
    return (host ? this.users.get(uid)?.name : undefined) ?? String(uid);
  }

  groupName(gid: number, host: boolean): string {
    if (gid === 0) return 'root';
    return (host ? this.groups.get(gid)?.name : undefined) ?? String(gid);
  }

  homeDir(uid: number, host: boolean): string | undefined {
    if (uid === 0 && !host) return '/root';
    return host ? this.users.get(uid)?.home : undefined;
  }

  shell(uid: number, host: boolean): string | undefined {
    return host ? this.users.get(uid)?.shell : undefined;
  }
}

/** The host's /etc/passwd and /etc/group (or other files, for tests). */
export function hostUserDirectory(passwd = '/etc/passwd', group = '/etc/group'): UserDirectory {
  return new StaticUserDirectory(parseIdFile(readSmall(passwd), 'passwd'), parseIdFile(readSmall(group), 'group'));
}
