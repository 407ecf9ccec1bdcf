// Which cgroup directories a response may touch: only a container's own cgroup, named after its id, on a real
// cgroup filesystem. Never a root, a slice, a pod, a conmon scope or anything a caller merely claims is a container.

import { readdir, readFile, statfs, access } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC } from '../cgroups/mounts.js';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export function isContainerId(id: unknown): id is string {
  return typeof id === 'string' && CONTAINER_ID.test(id);
}

/**
 * Is `name` the cgroup directory name a runtime gives container `id`? libpod-<id>[.scope], docker-<id>.scope,
 * crio-<id>.scope, cri-containerd-<id>.scope, nerdctl-<id>.scope, or the bare id (cgroupfs drivers).
 * libpod-conmon-<id>.scope and crio-conmon-<id>.scope are runtime helpers, not the container.
 */
export function isContainerCgroupName(name: string, id: string): boolean {
  if (!isContainerId(id)) return false;
  const m = /^(?:(libpod|docker|crio|cri-containerd|nerdctl)-)?([0-9a-f]{64})(\.scope)?$/.exec(name);
  if (!m || m[2] !== id) return false;
  if (m[1] === undefined && m[3] !== undefined) return false; // "<id>.scope" is no runtime's name
  return true;
}

export type CgroupKind = 'v1Freezer' | 'v2';

/** Why `dir` may not be used for container `id`, or undefined when it may. */
export async function containerCgroupProblem(dir: unknown, id: string, kind: CgroupKind): Promise<string | undefined> {
  if (typeof dir !== 'string' || dir.length === 0 || dir.length > 4096 || dir.includes('\0')) return 'not a path';
  if (!dir.startsWith('/') || posix.normalize(dir) !== dir || dir.endsWith('/')) return `${dir} is not a normalized absolute path`;
  if (!isContainerCgroupName(basename(dir), id)) return `${dir} is not the cgroup of container ${id.slice(0, 12)}`;
  let fsType: number;
  try {
    fsType = (await statfs(dir)).type;
  } catch (err) {
    return `${dir}: ${(err as Error).message}`;
  }
  const want = kind === 'v2' ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC;
  if (fsType !== want) return `${dir} is not on a cgroup ${kind === 'v2' ? 'v2' : 'v1'} filesystem`;
  const control = kind === 'v2' ? 'cgroup.freeze' : 'freezer.state';
  try {
    await access(join(dir, control));
  } catch {
    return `${dir} has no ${control}`;
  }
  return undefined;
}

/**
 * The processes in `dir` and every cgroup below it. Bounded: more than `maxDirs` directories or `maxPids` pids
 * is reported as `tooLarge` rather than silently cut, because a protection check must see everything.
 */
export async function cgroupTreePids(dir: string, maxDirs = 1024, maxPids = 100_000): Promise<{ pids: Set<number>; tooLarge: boolean }> {
  const pids = new Set<number>();
  const queue = [dir];
  let seen = 0;
  while (queue.length > 0) {
    const d = queue.shift()!;
    if (++seen > maxDirs) return { pids, tooLarge: true };
    let text = '';
    try {
      text = await readFile(join(d, 'cgroup.procs'), 'utf8');
    } catch {
      continue; // removed while we walked: nothing left in it
    }
    for (const line of text.split('\n')) {
      const n = Number(line);
      if (line !== '' && Number.isInteger(n) && n > 0) pids.add(n);
    }
    if (pids.size > maxPids) return { pids, tooLarge: true };
    try {
      for (const e of await readdir(d, { withFileTypes: true })) if (e.isDirectory()) queue.push(join(d, e.name));
    } catch {
      continue;
    }
  }
  return { pids, tooLarge: false };
}
