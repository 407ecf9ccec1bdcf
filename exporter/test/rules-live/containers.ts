// Runs one podman container to completion (foreground, like a person or a pod would), optionally with a
// terminal (`script` gives podman a pty, so `podman run -it` really allocates one in the container), and
// hands back its full id and exit code. A small gate keeps only a few podman runs going at once: the machine
// is shared and podman serializes on its own locks anyway.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PODMAN_RUN_FLAGS } from '../support/podman.js';
import { ATTACK_IN_IMAGE } from './image.js';

export interface ContainerSpec {
  /** The container's command (argv). */
  args: string[];
  /** Extra `podman run` flags (--user, --privileged, -v ...). */
  flags?: string[];
  /**
   * Run podman under a pseudo terminal: 'container' passes it on (`podman run -it`, the shell gets a tty),
   * 'client-only' does not (`podman run -i`: same launch, no tty inside).
   */
  terminal?: 'container' | 'client-only';
}

export interface Finished {
  id: string;
  name: string;
  code: number | null;
  output: string;
}

class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

const gate = new Gate(4);

/**
 * Every container waits this long before it does its thing. Vigil learns a new cgroup id by walking the
 * cgroup tree (at most every 500 ms, on a miss) and holds unattributed events for about 1 s: a container
 * that has come and gone before that walk is filed under "host" in full (seen here under load with
 * sub-second containers). That limitation is reported to the containers owner; the rule tests are about
 * rules, so they do not race it.
 */
export const SETTLE_SECONDS = 1.5;

/**
 * The command runs through `sh -c 'sleep N && exec "$@"'`: the same process then becomes the command, so its
 * parent is still conmon and its argv is unchanged. The program is named by absolute path because busybox's
 * shell runs an applet named without a slash through /proc/self/exe, whose exec the kernel names "exe".
 */
function settled(args: string[]): string[] {
  const [prog, ...rest] = args;
  if (prog === undefined) throw new Error('a container needs a command');
  const path = prog.includes('/') ? prog : prog === 'vigil-attack' ? ATTACK_IN_IMAGE : `/bin/${prog}`;
  return ['/bin/sh', '-c', `sleep ${SETTLE_SECONDS} && exec "$@"`, 'vigil-settle', path, ...rest];
}
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function exec(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer): void => {
      if (output.length < 64 * 1024) output += d.toString();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function runToCompletion(image: string, name: string, spec: ContainerSpec, timeoutMs = 180_000): Promise<Finished> {
  return gate.run(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-live-cid-'));
    try {
      const cidfile = join(dir, 'cid');
      const attach = spec.terminal === 'container' ? ['-it'] : spec.terminal === 'client-only' ? ['-i'] : [];
      const podmanArgs = ['run', ...attach, '--name', name, '--cidfile', cidfile, ...PODMAN_RUN_FLAGS, ...(spec.flags ?? []), image, ...settled(spec.args)];
      const r = spec.terminal
        ? await exec('script', ['-qec', ['podman', ...podmanArgs].map(quote).join(' '), '/dev/null'], timeoutMs)
        : await exec('podman', podmanArgs, timeoutMs);
      let id = '';
      try {
        id = readFileSync(cidfile, 'utf8').trim();
      } catch {
        throw new Error(`podman did not create ${name} (exit ${r.code}): ${r.output}`);
      }
      if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`podman wrote a strange container id for ${name}: ${id}`);
      return { id, name, code: r.code, output: r.output };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export async function removeContainers(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await exec('podman', ['rm', '-f', '-t', '0', ...names], 120_000);
}
