// A lock held across processes on this machine. The live rule tests use machine-wide things that two runs
// cannot share (the peer addresses and their routes, the Kubernetes API address the rules list), and the
// whole suite may run while someone runs this file alone: runs take turns instead of failing each other.
// The lock file names its owner's pid and start time; a lock whose owner is gone is taken over.

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat, counted after the command name (which may contain spaces and parentheses).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerAlive(text: string): boolean {
  const [pid, start] = text.trim().split(' ');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && start !== undefined && startTime(n) === start;
}

export interface MachineLock {
  release(): void;
}

export async function acquireMachineLock(path: string, timeoutMs: number, onWait?: (owner: string) => void): Promise<MachineLock> {
  const me = `${process.pid} ${startTime(process.pid) ?? '?'}\n`;
  const deadline = Date.now() + timeoutMs;
  let told = false;
  let emptySince: number | undefined;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, me);
      closeSync(fd);
      return {
        release: () => {
          try {
            if (readFileSync(path, 'utf8') === me) rmSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = '';
    try {
      owner = readFileSync(path, 'utf8');
    } catch {
      continue; // released between our open and read
    }
    // An empty file is a lock being written right now, or one whose writer died in that instant.
    emptySince = owner === '' ? (emptySince ?? Date.now()) : undefined;
    if ((owner !== '' && !ownerAlive(owner)) || (emptySince !== undefined && Date.now() - emptySince > 10_000)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${path} is still held by pid ${owner.trim()} after ${timeoutMs / 1000} s`);
    if (!told) onWait?.(owner.trim());
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}
