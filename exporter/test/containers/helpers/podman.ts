// Real podman containers for tests: a busybox image imported from a tiny rootfs, containers run with runc (crun
// does not work with this machine's hybrid cgroups), removed in cleanup.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_IMAGE = 'localhost/vigil-containers-test:1';

/**
 * Why container tests cannot run here, or undefined when they can. Under CI=true a missing prerequisite is a
 * failure, not a skip: CI must exercise the real path.
 */
export async function podmanUnavailable(): Promise<string | undefined> {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = 'needs root (podman with runc and cgroup access)';
  else if (!existsSync('/usr/bin/podman')) reason = 'podman is not installed (apt-get install -y podman runc busybox-static)';
  else if (!existsSync('/usr/sbin/runc') && !existsSync('/usr/bin/runc')) reason = 'runc is not installed';
  else if (!existsSync('/bin/busybox')) reason = 'busybox-static is not installed';
  if (reason && process.env['CI'] === 'true') throw new Error(`container test prerequisites missing under CI=true: ${reason}`);
  return reason;
}

export async function ensureTestImage(): Promise<string> {
  try {
    await run('podman', ['image', 'exists', TEST_IMAGE]);
    return TEST_IMAGE;
  } catch {
    // build below
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rootfs-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
    for (const a of ['sh', 'sleep', 'cat', 'head', 'tr', 'true']) symlinkSync('busybox', join(dir, 'bin', a));
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const imp = spawn('podman', ['import', '-q', '-', TEST_IMAGE], { stdio: ['pipe', 'ignore', 'inherit'] });
      tar.stdout.pipe(imp.stdin);
      imp.on('error', reject);
      imp.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`podman import exited ${code}`))));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return TEST_IMAGE;
}

export interface RunningContainer {
  id: string;
  pid: number;
  /** The container's cgroup path from /proc/<pid>/cgroup ("0::" line). */
  cgroupPath: string;
}

export async function runContainer(cmd: string[], opts: { labels?: Record<string, string>; extra?: string[] } = {}): Promise<RunningContainer> {
  const labels = Object.entries(opts.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const { stdout } = await run('podman', [
    '--runtime', 'runc', 'run', '-d', '--network', 'none',
    '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
    ...labels, ...(opts.extra ?? []), TEST_IMAGE, ...cmd,
  ], { timeout: 60_000 });
  const id = stdout.trim().split('\n').pop() ?? '';
  const { stdout: pidText } = await run('podman', ['inspect', '-f', '{{.State.Pid}}', id]);
  const pid = Number(pidText.trim());
  const { readFileSync } = await import('node:fs');
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return { id, pid, cgroupPath: (line ?? '0::/').slice(3) };
}

export async function removeContainer(id: string): Promise<void> {
  await run('podman', ['rm', '-f', '-t', '0', id], { timeout: 60_000 }).catch(() => undefined);
}

/** `podman system service` on a private socket, so the API path can be tested without touching the system one. */
export async function startPodmanService(socketPath: string): Promise<ChildProcess> {
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!existsSync(socketPath)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('podman system service did not create its socket');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
