// One long-running server of the live stack (vigil node, vigil scanner, Prometheus) as a child process: its log
// is kept (bounded) so a failed start can say why, the address it announces on its log is awaited with a
// deadline, and stopping is SIGTERM, then SIGKILL after a grace period, and waits for the exit.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

const LOG_LINES = 300;

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines of its stdout and stderr. */
  log(): string[];
  /** null while it runs. */
  exitCode(): number | null | 'signal';
  /** Resolves with the first log line `match` returns a value for; rejects when the process exits first or on timeout. */
  waitForLine<T>(what: string, match: (line: string) => T | undefined, timeoutMs: number): Promise<T>;
  stop(graceMs?: number): Promise<void>;
}

export function startServiceProcess(name: string, command: string, args: string[], opts: SpawnOptions): ServiceProcess {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let code: number | null | 'signal' = null;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (c) => {
      code = c ?? 'signal';
      resolve();
    });
    child.on('error', (e) => {
      spawnError = e;
      lines.push(`${name}: ${e.message}`);
      code = code ?? 'signal';
      resolve();
    });
  });
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > LOG_LINES) lines.shift();
    for (const l of listeners) l(line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);

  const describeExit = (): string => `${name} exited (${spawnError ? spawnError.message : String(code)}) before it was ready; its last log lines:\n${lines.slice(-40).join('\n')}`;

  return {
    name,
    child,
    log: () => [...lines],
    exitCode: () => code,
    waitForLine<T>(what: string, match: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
      for (const l of lines) {
        const v = match(l);
        if (v !== undefined) return Promise.resolve(v);
      }
      return new Promise<T>((resolve, reject) => {
        const done = (): void => {
          listeners.delete(listener);
          clearTimeout(timer);
        };
        const listener = (line: string): void => {
          const v = match(line);
          if (v !== undefined) {
            done();
            resolve(v);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no ${what} within ${timeoutMs / 1000} s; its last log lines:\n${lines.slice(-40).join('\n')}`));
        }, timeoutMs);
        listeners.add(listener);
        void exited.then(() => {
          if (!listeners.has(listener)) return;
          done();
          reject(new Error(describeExit()));
        });
      });
    },
    async stop(graceMs = 20_000) {
      if (code !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
