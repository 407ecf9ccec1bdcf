// /proc/<pid>/cgroup: "hierarchy-ID:controller-list:cgroup-path" per line. Line "0::PATH" is the v2 hierarchy;
// v1 lines name their controllers ("4:memory:/x", "2:cpu,cpuacct:/x", "1:name=systemd:/x"). Pure.

export interface ProcCgroup {
  /** Path in the v2 hierarchy (the "0::" line), when present. */
  unified?: string;
  /** v1 paths by controller ("memory", "cpu", "name=systemd", ...). */
  v1: Map<string, string>;
}

const MAX_LINES = 64;

export function parseProcCgroup(text: string): ProcCgroup {
  const out: ProcCgroup = { v1: new Map() };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && i < MAX_LINES; i++) {
    const line = lines[i] ?? '';
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    // The path may itself contain ':', so split only on the first two.
    const hierarchy = line.slice(0, a);
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (!path.startsWith('/')) continue;
    if (hierarchy === '0' && controllers === '') {
      out.unified = path;
      continue;
    }
    for (const c of controllers.split(',')) if (c !== '') out.v1.set(c, path);
  }
  return out;
}

/** v1 controllers whose path best names the container, in order of preference. */
const V1_PREFERENCE = ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'name=systemd', 'devices', 'freezer'];

/**
 * The one path that attributes the process: the v2 path when the node has a unified hierarchy, else the first
 * v1 controller path in a fixed preference order (all controllers agree for container runtimes).
 */
export function attributionPath(pc: ProcCgroup, hasUnified: boolean): string | undefined {
  if (hasUnified && pc.unified !== undefined) return pc.unified;
  for (const c of V1_PREFERENCE) {
    const p = pc.v1.get(c);
    if (p !== undefined) return p;
  }
  const first = pc.v1.values().next();
  return first.done ? pc.unified : first.value;
}

/**
 * Every distinct path of the process, best first: the v2 path, then the v1 paths in preference order. On hybrid
 * nodes whose kubelet uses the cgroupfs driver the v2 path is systemd's unit (e.g. containerd.service) while the
 * v1 controllers hold the container, so callers try them in this order until one names a container.
 */
export function candidatePaths(pc: ProcCgroup): string[] {
  const out: string[] = [];
  if (pc.unified !== undefined) out.push(pc.unified);
  for (const c of V1_PREFERENCE) {
    const p = pc.v1.get(c);
    if (p !== undefined && !out.includes(p)) out.push(p);
  }
  for (const p of pc.v1.values()) if (!out.includes(p)) out.push(p);
  return out;
}
