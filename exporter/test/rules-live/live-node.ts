// One real `vigil node` (real loader, real BPF programs, the default rules) as a subprocess, the way an
// operator runs it: token-protected API on a free loopback port, journal in a temporary directory.
//
// The machine is shared with benchmarks that open files hundreds of thousands of times a second, so this
// node is set up to see its containers through that: only what the rules need leaves the kernel (no extra
// open prefixes: the rules are under test, not the default prefix list, and a storm of /etc/hostname opens
// then stays in the kernel), and each container is followed through its own server-side filtered streams
// (/api/v1/events/stream and /api/v1/alerts/stream with ?container=<id>), not by reading every event of the
// host from stdout, where a slow reader loses lines.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Alert } from '../../src/alerts/types.js';
import type { VigilEvent } from '../../src/events/types.js';
import { until } from '../support/wait.js';

const exporterDir = resolve(import.meta.dirname, '../..');
const MAX_ITEMS_PER_STREAM = 5000;
const BACKLOG_MS = 5 * 60_000;

export interface LiveNode {
  base: string;
  /** Starts following one container's events and alerts (with what the node still holds of its past). */
  follow(containerId: string): void;
  /** Events of a followed container so far (oldest first). */
  events(containerId: string): readonly VigilEvent[];
  /** Alerts of a followed container so far, as they were streamed. */
  streamedAlerts(containerId: string): readonly Alert[];
  /** GET /api/v1/alerts for one container ("host" for host processes), of one rule or of all. */
  alerts(containerId: string, rule?: string): Promise<Alert[]>;
  metrics(): Promise<string>;
  /** Lines the node wrote on stderr (its log), last 200. */
  log(): string[];
  stop(): Promise<number | null>;
}

/** Reads an NDJSON HTTP stream into `items` until aborted (bounded; heartbeats are blank lines). */
async function readStream<T>(url: string, headers: Record<string, string>, signal: AbortSignal, items: T[]): Promise<void> {
  const res = await fetch(url, { headers, signal });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line !== '' && items.length < MAX_ITEMS_PER_STREAM) items.push(JSON.parse(line) as T);
    }
  }
}

export async function startLiveNode(): Promise<LiveNode> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-live-node-'));
  const token = `rules-live-${process.pid}-${Date.now()}`;
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'config.yaml'), 'sensor:\n  openPrefixes: []\n');
  const node: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'node', '-c', join(dir, 'config.yaml'), '--no-stdout', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'journal'), '--token-file', join(dir, 'token')],
    { cwd: exporterDir, env: { ...process.env, VIGIL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exitCode: number | null = null;
  const exited = new Promise<void>((r) => node.on('exit', (code) => ((exitCode = code), r())));

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

  const stopStreams = new AbortController();
  const followed = new Map<string, { events: VigilEvent[]; alerts: Alert[] }>();
  const streamErrors: string[] = [];
  const open = <T>(path: string, id: string, items: T[]): void => {
    const q = new URLSearchParams({ container: id, since: String(Date.now() - BACKLOG_MS) });
    readStream(`${base}${path}?${q}`, headers, stopStreams.signal, items).catch((e: Error) => {
      if (!stopStreams.signal.aborted) streamErrors.push(`${path} ${id.slice(0, 12)}: ${e.message}`);
    });
  };

  return {
    base,
    follow(id) {
      if (followed.has(id)) return;
      const f = { events: [] as VigilEvent[], alerts: [] as Alert[] };
      followed.set(id, f);
      open('/api/v1/events/stream', id, f.events);
      open('/api/v1/alerts/stream', id, f.alerts);
    },
    events(id) {
      if (streamErrors.length > 0) throw new Error(`a stream from the node failed: ${streamErrors.join('; ')}`);
      return followed.get(id)?.events ?? [];
    },
    streamedAlerts(id) {
      if (streamErrors.length > 0) throw new Error(`a stream from the node failed: ${streamErrors.join('; ')}`);
      return followed.get(id)?.alerts ?? [];
    },
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
      stopStreams.abort();
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
