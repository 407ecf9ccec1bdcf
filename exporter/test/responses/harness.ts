// Shared by the response tests: the real loader under the real supervisor, with EXIT events and loader LOG lines
// collected, plus small waits. Nothing here stands in for the parts under test.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SensorSupervisor } from '../../src/sensor/supervisor.js';

export const repo = resolve(import.meta.dirname, '../../..');
export const loaderPath = resolve(repo, 'bpf/build/vigil-loader');

export function buildBpf(): void {
  execFileSync('make', ['-s', '-C', resolve(repo, 'bpf')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The loader running for real, with what it says kept for the assertions. */
export class LiveLoader {
  readonly sup: SensorSupervisor;
  /** pid -> terminating signal of its EXIT event */
  readonly exits = new Map<number, number>();
  readonly logs: string[] = [];
  private readonly logListeners: ((text: string) => void)[] = [];

  constructor() {
    // EXIT (1 << 3) only: nothing else is needed, and a busy machine would otherwise flood the test with events
    this.sup = new SensorSupervisor({
      loaderPath,
      ringbufBytes: 1 << 20,
      intervalMs: 60_000,
      filterCommands: () => ['events 0x8', `ignore-tgid ${process.pid}`],
      restartMaxMs: 1000,
    });
    this.sup.on('event', (e) => {
      if (e.type === 'exit') this.exits.set(e.proc.pid, e.exit.signal);
    });
    this.sup.on('log', (l) => {
      this.logs.push(l.text);
      if (this.logs.length > 10_000) this.logs.shift();
      for (const f of this.logListeners) f(l.text);
    });
  }

  onLog(f: (text: string) => void): void {
    this.logListeners.push(f);
  }

  async start(): Promise<void> {
    const ready = new Promise<void>((res, rej) => {
      this.sup.once('hello', () => res());
      this.sup.once('fatal', (m) => rej(new Error(m)));
    });
    this.sup.start();
    await ready;
    // the filter commands are sent right after HELLO; this round trip makes sure they were applied
    await this.sup.command('snapshot');
  }

  /** A control line; resolves with the reply whether it is ok or error. */
  async raw(line: string): Promise<string> {
    try {
      return await this.sup.command(line);
    } catch (err) {
      return (err as Error).message;
    }
  }

  waitLog(what: string, match: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    return waitUntil(what, () => this.logs.find(match), timeoutMs);
  }

  waitExit(pid: number, timeoutMs = 5000): Promise<number> {
    return waitUntil(`EXIT of pid ${pid}`, () => this.exits.get(pid), timeoutMs);
  }

  stop(): Promise<void> {
    return this.sup.stop();
  }
}

export function startTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

export function processState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

export function containerPid(id: string): number {
  const out = execFileSync('podman', ['inspect', '--format', '{{.State.Pid}}', id], { encoding: 'utf8' }).trim();
  const pid = Number(out);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`container ${id} has no running pid (${out})`);
  return pid;
}

export function containerExit(id: string): { status: string; exitCode: number } {
  const out = spawnSync('podman', ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id], { encoding: 'utf8' }).stdout.trim();
  const [status = '', code = 'NaN'] = out.split(' ');
  return { status, exitCode: Number(code) };
}
