// Runs one podman container to completion (foreground, like a person or a pod would), optionally with a
// terminal (`script` gives podman a pty, so `podman run -it` really allocates one in the container), and
// hands back its full id and exit code. A small gate keeps only a few podman runs going at once: the machine
// is shared and podman serializes on its own locks anyway.
//
// A container does its thing only once the node attributes its events to it. Vigil learns a new cgroup id
// by walking the cgroup tree (at most every 500 ms, on a miss) and holds unattributed events about 1 s, so a
// container that has come and gone before that walk is filed under "host" in full (seen here under load with
// sub-second containers; reported to the containers owner). The rule tests are about rules, so they wait
// for attribution instead of racing it: the container polls for a "go" file the test creates once the node
// shows events of that container id.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PODMAN_RUN_FLAGS } from '../support/podman.js';
import { until } from '../support/wait.js';
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
const GO_DIR = '/vigil-go';
const ATTRIBUTION_WAIT_MS = 120_000;

/**
 * `sh -c 'until [ -e /vigil-go/go ]; do sleep 0.2; done; exec "$@"'`: the waiting shell then becomes the
 * command, so the command keeps conmon as its parent and its argv. The program is named by absolute path
 * because busybox's shell runs an applet named without a slash through /proc/self/exe, whose exec the kernel
 * names "exe".
 */
function gated(args: string[]): string[] {
  const [prog, ...rest] = args;
  if (prog === undefined) throw new Error('a container needs a command');
  const path = prog.includes('/') ? prog : prog === 'vigil-attack' ? ATTACK_IN_IMAGE : `/bin/${prog}`;
  return ['/bin/sh', '-c', `until [ -e ${GO_DIR}/go ]; do sleep 0.2; done; exec "$@"`, 'vigil-gate', path, ...rest];
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function exec(cmd: string, args: string[], timeoutMs: number): { done: Promise<{ code: number | null; output: string }>; kill(): void } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
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
  return { done, kill: () => child.kill('SIGKILL') };
}

export interface RunHooks {
  /** Called once podman has named the container (before its command runs). */
  created(id: string): void;
  /** Whether the node files the container's events under its id yet; only then is the command let go. */
  attributed(id: string): boolean;
}

export async function runToCompletion(image: string, name: string, spec: ContainerSpec, hooks: RunHooks, timeoutMs = 240_000): Promise<Finished> {
  return gate.run(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-live-run-'));
    // Readable for a container running as a non-root user too (--user), or it would wait forever.
    chmodSync(dir, 0o755);
    try {
      const cidfile = join(dir, 'cid');
      const attach = spec.terminal === 'container' ? ['-it'] : spec.terminal === 'client-only' ? ['-i'] : [];
      const podmanArgs = ['run', ...attach, '--name', name, '--cidfile', cidfile, '-v', `${dir}:${GO_DIR}:ro`, ...PODMAN_RUN_FLAGS, ...(spec.flags ?? []), image, ...gated(spec.args)];
      const run = spec.terminal
        ? exec('script', ['-qec', ['podman', ...podmanArgs].map(quote).join(' '), '/dev/null'], timeoutMs)
        : exec('podman', podmanArgs, timeoutMs);
      let exited: { code: number | null; output: string } | undefined;
      void run.done.then((r) => (exited = r));
      let id = '';
      try {
        id = await until(`podman to create ${name}`, () => {
          if (exited) throw new Error(`podman did not start ${name} (exit ${exited.code}): ${exited.output}`);
          const text = existsSync(cidfile) ? readFileSync(cidfile, 'utf8').trim() : '';
          return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
        }, ATTRIBUTION_WAIT_MS, 100);
        hooks.created(id);
        await until(`the node to attribute events to ${name} (${id.slice(0, 12)})`, () => {
          if (exited) throw new Error(`${name} exited before it was let go (exit ${exited.code}): ${exited.output}`);
          return hooks.attributed(id) ? true : undefined;
        }, ATTRIBUTION_WAIT_MS, 100);
      } catch (e) {
        run.kill();
        throw e;
      }
      writeFileSync(join(dir, 'go'), '');
      const r = await run.done;
      return { id, name, code: r.code, output: r.output };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export async function removeContainers(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await exec('podman', ['rm', '-f', '-t', '0', ...names], 120_000).done;
}
