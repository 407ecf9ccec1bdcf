// Where the cgroup hierarchies are mounted on this node, read from /proc/self/mountinfo and confirmed with statfs.
// Nodes come in three shapes: pure v2 (/sys/fs/cgroup is cgroup2fs), pure v1 (one mount per controller) and hybrid
// (v1 controllers plus an empty-of-controllers v2 hierarchy at /sys/fs/cgroup/unified). Guessing from paths goes
// wrong on every distribution that mounts differently, so the mount table decides.
import { readFileSync, statfsSync } from 'node:fs';

export const CGROUP2_SUPER_MAGIC = 0x63677270;
export const CGROUP_SUPER_MAGIC = 0x27e0eb;

/** v1 controllers the kernel knows; anything else in a v1 mount's super options is a mount flag. */
const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event',
  'hugetlb', 'pids', 'rdma', 'misc',
]);

export interface CgroupMount {
  /** Where the hierarchy is mounted in this mount namespace, e.g. /sys/fs/cgroup/unified. */
  mountPoint: string;
  /** Which cgroup of the hierarchy sits at mountPoint ("/" unless bind-mounted from a sub-tree or namespaced). */
  root: string;
  fsType: 'cgroup2' | 'cgroup';
  /** v1 only: the controllers bound to this hierarchy (cpu, cpuacct, ..., or name=systemd). */
  controllers: string[];
}

export type CgroupMode = 'v2' | 'v1' | 'hybrid' | 'none';

export interface CgroupLayout {
  mode: CgroupMode;
  /** The cgroup v2 hierarchy (the one whose directory inodes are the ids BPF reports), when mounted. */
  unified?: CgroupMount;
  /** v1 hierarchies by controller name (a "cpu,cpuacct" mount appears under both names; name=systemd too). */
  v1: Map<string, CgroupMount>;
}

export interface MountinfoEntry {
  mountId: number;
  parentId: number;
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Parse /proc/<pid>/mountinfo. Lines that do not have the documented shape are skipped and counted in `bad`
 * rather than failing the whole table.
 */
export function parseMountinfo(text: string): { entries: MountinfoEntry[]; bad: number } {
  const entries: MountinfoEntry[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (fields.length < 10 || sep < 6 || sep + 3 > fields.length) {
      bad++;
      continue;
    }
    const mountId = Number(fields[0]);
    const parentId = Number(fields[1]);
    if (!Number.isInteger(mountId) || !Number.isInteger(parentId)) {
      bad++;
      continue;
    }
    entries.push({
      mountId,
      parentId,
      root: unescapeMountinfo(fields[3] ?? ''),
      mountPoint: unescapeMountinfo(fields[4] ?? ''),
      fsType: fields[sep + 1] ?? '',
      source: unescapeMountinfo(fields[sep + 2] ?? ''),
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return { entries, bad };
}

/** Checks that a path really is a cgroup filesystem of the given kind (statfs f_type). */
export type FsTypeCheck = (mountPoint: string, fsType: 'cgroup2' | 'cgroup') => boolean;

export function statfsCheck(mountPoint: string, fsType: 'cgroup2' | 'cgroup'): boolean {
  try {
    const type = statfsSync(mountPoint).type;
    return type === (fsType === 'cgroup2' ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC);
  } catch {
    return false;
  }
}

/** A mount of the whole hierarchy beats a bind mount of a sub-tree; otherwise the first one listed wins. */
function better(current: CgroupMount | undefined, candidate: CgroupMount): boolean {
  if (!current) return true;
  return current.root !== '/' && candidate.root === '/';
}

/**
 * Build the layout from mountinfo text. `check` confirms each candidate mount (statfs in production; tests of
 * recorded mount tables pass `() => true`). Mounts that fail the check are ignored and counted in `rejected`.
 */
export function cgroupLayoutFromMountinfo(
  text: string,
  check: FsTypeCheck = statfsCheck,
): CgroupLayout & { rejected: number; badLines: number } {
  const { entries, bad } = parseMountinfo(text);
  let unified: CgroupMount | undefined;
  const v1 = new Map<string, CgroupMount>();
  let rejected = 0;
  for (const e of entries) {
    if (e.fsType !== 'cgroup2' && e.fsType !== 'cgroup') continue;
    if (!check(e.mountPoint, e.fsType)) {
      rejected++;
      continue;
    }
    if (e.fsType === 'cgroup2') {
      const m: CgroupMount = { mountPoint: e.mountPoint, root: e.root, fsType: 'cgroup2', controllers: [] };
      if (better(unified, m)) unified = m;
      continue;
    }
    const controllers = e.superOptions.filter((o) => V1_CONTROLLERS.has(o) || /^name=[\w.-]+$/.test(o));
    if (controllers.length === 0) continue;
    const m: CgroupMount = { mountPoint: e.mountPoint, root: e.root, fsType: 'cgroup', controllers };
    for (const c of controllers) if (better(v1.get(c), m)) v1.set(c, m);
  }
  const hasV1Controllers = [...v1.keys()].some((k) => !k.startsWith('name='));
  const mode: CgroupMode = unified ? (hasV1Controllers ? 'hybrid' : 'v2') : v1.size > 0 ? 'v1' : 'none';
  const layout: CgroupLayout & { rejected: number; badLines: number } = { mode, v1, rejected, badLines: bad };
  if (unified) layout.unified = unified;
  return layout;
}

/** Detect this process's cgroup layout (reads /proc/self/mountinfo; statfs-verifies every cgroup mount). */
export function detectCgroupLayout(mountinfoPath = '/proc/self/mountinfo', check: FsTypeCheck = statfsCheck): CgroupLayout {
  let text = '';
  try {
    text = readFileSync(mountinfoPath, 'utf8');
  } catch {
    return { mode: 'none', v1: new Map() };
  }
  const { mode, unified, v1 } = cgroupLayoutFromMountinfo(text, check);
  return unified ? { mode, unified, v1 } : { mode, v1 };
}

/**
 * Turn a cgroup path (as /proc/<pid>/cgroup prints it, e.g. /kubepods.slice/x.scope) into a directory under a
 * mount. Returns undefined for paths that are malformed, try to climb out with "..", or lie outside the part of
 * the hierarchy this mount shows.
 */
export function cgroupDir(mount: CgroupMount, cgroupPath: string): string | undefined {
  const path = normalizeCgroupPath(cgroupPath);
  if (path === undefined) return undefined;
  let rel = path;
  if (mount.root !== '/') {
    const root = mount.root.replace(/\/+$/, '');
    if (path === root) rel = '/';
    else if (path.startsWith(root + '/')) rel = path.slice(root.length);
    else return undefined;
  }
  const base = mount.mountPoint.replace(/\/+$/, '');
  return rel === '/' ? base || '/' : base + rel;
}

export const MAX_CGROUP_PATH = 4096;

/** Canonical form "/a/b" ("/" for the root); undefined for anything that is not a plain absolute cgroup path. */
export function normalizeCgroupPath(p: string): string | undefined {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_CGROUP_PATH || p[0] !== '/' || p.includes('\0')) {
    return undefined;
  }
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return undefined;
  return '/' + parts.join('/');
}
