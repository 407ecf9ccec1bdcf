// A default CgroupDirLocator: finds a container's freezer-capable cgroup directories from a member pid's
// /proc/<pid>/cgroup when one is known, else by a bounded search of the freezer (v1) and unified (v2) hierarchies
// for a directory named after the container. The composition root may pass its own locator instead (e.g. one fed by
// the container registry); the responder vets whatever it is given either way.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupDir, detectCgroupLayout, type CgroupLayout, type CgroupMount } from '../cgroups/mounts.js';
import { isContainerCgroupName, isContainerId } from './container-cgroup.js';
import { procCgroupLines, validPid } from './proc-facts.js';
import type { CgroupDirLocator, ContainerCgroupDirs } from './types.js';

export interface CgroupLocatorOptions {
  layout?: CgroupLayout;
  /** directories looked at per hierarchy in one search */
  maxDirs?: number;
  maxDepth?: number;
  /** containers remembered */
  cacheSize?: number;
}

/** The prefix of a cgroup path up to (and including) the container's own segment. */
function containerPrefix(path: string, id: string): string | undefined {
  const segs = path.split('/');
  for (let i = segs.length - 1; i > 0; i--) {
    if (isContainerCgroupName(segs[i]!, id)) return segs.slice(0, i + 1).join('/');
  }
  return undefined;
}

async function search(mount: CgroupMount, id: string, maxDirs: number, maxDepth: number): Promise<string | undefined> {
  let level = [mount.mountPoint];
  let seen = 0;
  for (let depth = 0; depth < maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        if (isContainerCgroupName(e.name, id)) return join(dir, e.name);
        if (++seen > maxDirs) return undefined;
        next.push(join(dir, e.name));
      }
    }
    level = next;
  }
  return undefined;
}

export function createCgroupLocator(opts: CgroupLocatorOptions = {}): CgroupDirLocator {
  const layout = opts.layout ?? detectCgroupLayout();
  const maxDirs = opts.maxDirs ?? 20_000;
  const maxDepth = opts.maxDepth ?? 10;
  const cacheSize = opts.cacheSize ?? 256;
  const cache = new Map<string, ContainerCgroupDirs>();
  const freezerMount = layout.v1.get('freezer');
  const unified = layout.unified;

  const remember = (id: string, dirs: ContainerCgroupDirs): ContainerCgroupDirs => {
    cache.delete(id);
    cache.set(id, dirs);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return dirs;
  };

  return async (containerId, hint) => {
    if (!isContainerId(containerId)) return undefined;
    const cached = cache.get(containerId);
    if (cached) return cached;
    const dirs: ContainerCgroupDirs = {};
    if (hint?.pid !== undefined && validPid(hint.pid)) {
      for (const line of (await procCgroupLines(hint.pid)) ?? []) {
        const prefix = containerPrefix(line.path, containerId);
        if (prefix === undefined) continue;
        if (line.controllers.length === 0 && unified) dirs.v2 ??= cgroupDir(unified, prefix);
        if (line.controllers.includes('freezer') && freezerMount) dirs.v1Freezer ??= cgroupDir(freezerMount, prefix);
      }
    }
    if (dirs.v1Freezer === undefined && freezerMount) {
      const found = await search(freezerMount, containerId, maxDirs, maxDepth);
      if (found) dirs.v1Freezer = found;
    }
    if (dirs.v2 === undefined && unified) {
      const found = await search(unified, containerId, maxDirs, maxDepth);
      if (found) dirs.v2 = found;
    }
    if (dirs.v1Freezer === undefined && dirs.v2 === undefined) return undefined;
    return remember(containerId, dirs);
  };
}
