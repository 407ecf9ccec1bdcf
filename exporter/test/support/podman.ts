// Builds a tiny real image from busybox-static with `podman import` and runs containers from it with the
// flags that work on these machines (runc; crun fails on hybrid cgroups).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APPLETS = ['sh', 'cat', 'sleep', 'nc', 'ls', 'echo', 'head', 'tr', 'true', 'id', 'wget', 'cp', 'chmod', 'rm', 'touch', 'dd'];

export const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export function ensureBusyboxImage(ref: string): string {
  const have = spawnSync('podman', ['image', 'exists', ref]);
  if (have.status === 0) return ref;
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  const root = mkdtempSync(join(tmpdir(), 'vigil-rootfs-'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(busybox, join(root, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = spawnSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
    execFileSync('podman', ['import', '-', ref], { input: tar.stdout, stdio: ['pipe', 'ignore', 'inherit'] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return ref;
}

/** Starts a detached container and returns its full id. */
export function runDetached(image: string, name: string, args: string[], extra: string[] = []): string {
  spawnSync('podman', ['rm', '-f', name], { stdio: 'ignore' });
  const out = execFileSync('podman', ['run', '-d', '--name', name, ...PODMAN_RUN_FLAGS, ...extra, image, ...args], { encoding: 'utf8' });
  return out.trim().split('\n').pop()!.trim();
}

export function removeContainer(name: string): void {
  spawnSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
}
