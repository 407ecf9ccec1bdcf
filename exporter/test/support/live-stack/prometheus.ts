// A real Prometheus (Debian's `prometheus` package) for the live stack: a temporary config scraping vigil node
// (job vigil-node) and vigil scanner (job vigil-scanner) every second, storage in the stack's temp dir, the web
// API on a free loopback port. Ready means /-/ready answers 200.

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { until } from '../wait.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  /** Bearer token for the scrape, when its /metrics wants one. */
  bearerToken?: string;
}

export interface RunningPrometheus {
  url: string;
  process: ServiceProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function prometheusConfig(targets: ScrapeTarget[]): string {
  const jobs = targets.map((t) => [
    `  - job_name: ${JSON.stringify(t.job)}`,
    '    scrape_interval: 1s',
    '    scrape_timeout: 1s',
    ...(t.bearerToken ? ['    authorization:', '      type: Bearer', `      credentials: ${JSON.stringify(t.bearerToken)}`] : []),
    '    static_configs:',
    `      - targets: [${JSON.stringify(t.target)}]`,
  ].join('\n'));
  return ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:', ...jobs, ''].join('\n');
}

export async function startPrometheus(dir: string, targets: ScrapeTarget[], opts: { bin?: string; timeoutMs?: number } = {}): Promise<RunningPrometheus> {
  const bin = opts.bin ?? PROMETHEUS_BIN;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(targets));
  // The port is chosen, released and then taken by Prometheus: another process may grab it in between, so a
  // bind failure is retried with a new port.
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const proc = startServiceProcess('prometheus', bin, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ], { cwd: dir });
    const url = `http://127.0.0.1:${port}`;
    try {
      await until('Prometheus /-/ready', async () => {
        if (proc.exitCode() !== null) throw new Error(`prometheus exited (${String(proc.exitCode())}):\n${proc.log().slice(-20).join('\n')}`);
        try {
          return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      }, timeoutMs, 200);
      return { url, process: proc };
    } catch (e) {
      lastError = e as Error;
      await proc.stop(2000);
      if (!proc.log().some((l) => l.includes('address already in use'))) break;
    }
  }
  throw lastError ?? new Error('prometheus did not start');
}
