// One real `vigil node` (real loader, real BPF programs, the default rules) as a subprocess, the way an
// operator runs it: token-protected API on a free loopback port, journal in a temporary directory. Events it
// prints for containers are kept per container id (bounded), so a test can tell when a container's
// processes have all been seen to exit; alerts are read back through GET /api/v1/alerts.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Alert } from '../../src/alerts/types.js';
import type { VigilEvent } from '../../src/events/types.js';
import { until } from '../support/wait.js';

const exporterDir = resolve(import.meta.dirname, '../..');
const MAX_EVENTS_PER_CONTAINER = 5000;
const MAX_CONTAINERS = 2000;

export interface LiveNode {
  base: string;
  /** Events of one container seen so far (oldest first). */
  events(containerId: string): readonly VigilEvent[];
  /** Alerts for one container ("host" for host processes), of one rule or of all, from the API. */
  alerts(containerId: string, rule?: string): Promise<Alert[]>;
  metrics(): Promise<string>;
  /** Lines the node wrote on stderr (its log), last 200. */
  log(): string[];
  stop(): Promise<number | null>;
}

export async function startLiveNode(): Promise<LiveNode> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-live-node-'));
  const token = `rules-live-${process.pid}-${Date.now()}`;
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  const node: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'journal'), '--token-file', join(dir, 'token')],
    { cwd: exporterDir, env: { ...process.env, VIGIL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let exitCode: number | null = null;
  const exited = new Promise<void>((r) => node.on('exit', (code) => ((exitCode = code), r())));

  const byContainer = new Map<string, VigilEvent[]>();
  createInterface({ input: node.stdout! }).on('line', (line) => {
    // Host events are the bulk of the stream and no test here looks at them: skip them before parsing.
    if (line.includes('"id":"host"') || !line.includes('"container":')) return;
    let ev: VigilEvent & { rule?: string };
    try {
      ev = JSON.parse(line) as VigilEvent & { rule?: string };
    } catch {
      return;
    }
    const id = ev.container?.id;
    if (!id || id === 'host' || ev.rule !== undefined) return;
    let list = byContainer.get(id);
    if (!list) {
      if (byContainer.size >= MAX_CONTAINERS) return;
      byContainer.set(id, (list = []));
    }
    if (list.length < MAX_EVENTS_PER_CONTAINER) list.push(ev);
  });

  const logLines: string[] = [];
  const serving = new Promise<string>((resolveAddr, reject) => {
    createInterface({ input: node.stderr! }).on('line', (line) => {
      logLines.push(line);
      if (logLines.length > 200) logLines.shift();
      if (line.includes('vigil node serving')) resolveAddr((JSON.parse(line) as { listen: string }).listen);
      if (line.startsWith('vigil:')) reject(new Error(line));
    });
    node.on('exit', (code) => reject(new Error(`vigil node exited (${code}) before serving:\n${logLines.join('\n')}`)));
  });
  const base = `http://${await serving}`;
  await until('vigil node ready', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 120_000, 250);
  const headers = { authorization: `Bearer ${token}` };

  return {
    base,
    events: (id) => byContainer.get(id) ?? [],
    async alerts(id, rule) {
      const q = new URLSearchParams({ container: id, ...(rule !== undefined ? { rule } : {}) });
      const r = await fetch(`${base}/api/v1/alerts?${q}`, { headers });
      if (r.status !== 200) throw new Error(`GET /api/v1/alerts: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { alerts: Alert[] }).alerts;
    },
    async metrics() {
      return (await fetch(`${base}/metrics`)).text();
    },
    log: () => [...logLines],
    async stop() {
      if (exitCode === null) {
        node.kill('SIGTERM');
        const timer = setTimeout(() => node.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      return exitCode;
    },
  };
}
