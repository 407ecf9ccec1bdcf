// One live test stack, shared by the suites that need real data end to end (dashboard and alert-rule PromQL,
// the Grafana plugin's browser tests):
//
//   podman containers ──> vigil node (real loader, real BPF, default rules) ──push──> Loki STAND-IN
//        │                    │ /metrics                                            (Loki cannot be installed here)
//        └─ images ──> vigil scanner (podman discovery, offline OSV DB) ── /metrics ──> real Prometheus (1 s scrapes)
//
// startLiveStack() builds it, waits until the promised data exists (container series with a real container label,
// alerts, scan results, Loki alert and activity lines) and returns; stop() takes everything down again, also after
// a start that failed half way. Kernel suites take turns through the machine lock the live rule tests use: the
// stack holds it from start to stop, so one process must not start a second stack before stopping the first.
//
//   const skip = liveStackSkipReason();            // undefined, a reason, or (under CI=true) a throw
//   describe('…', { skip }, () => {
//     let stack: LiveStack;
//     before(async () => { stack = await startLiveStack(); }, { timeout: 20 * 60_000 }); // lock wait included
//     after(() => stack?.stop());
//     test('…', async () => { await stack.waitForSeries('sum by (rule) (rate(vigil_alerts_total[1m]))'); });
//   });

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireMachineLock, type MachineLock } from '../rules-live/machine-lock.js';
import { osvRecords, osvZip } from '../scanner/e2e/fixtures.js';
import { runVigil } from '../scanner/e2e/support.js';
import { LokiStandIn } from './loki-standin.js';
import { ensureBusyboxImage, removeContainer, runDetached } from './podman.js';
import { kernelTestSkipReason, podmanSkipReason } from './privileges.js';
import { until } from './wait.js';
import { descendants, type ProcId } from './live-stack/proc-tree.js';
import { PROMETHEUS_BIN, startPrometheus } from './live-stack/prometheus.js';
import { promQuery, seriesCount, type PromQueryData, type PromQueryOptions } from './live-stack/prom-query.js';
import { startServiceProcess, type ServiceProcess } from './live-stack/service-process.js';
import { ensureWorkloadImage, IDLE_LIMITS, IDLE_LOOP, WORKLOAD_LOOP, WORKLOAD_RULES } from './live-stack/workload-image.js';

export { promQuery, seriesCount, type PromQueryData, type PromQueryOptions } from './live-stack/prom-query.js';
export { stillRunning, type ProcId } from './live-stack/proc-tree.js';

const EXPORTER_DIR = resolve(import.meta.dirname, '../..');
/** The real OSV records (copied from /work/shared/testdata/osv-examples, with their attribution). */
const REAL_OSV_DIR = resolve(EXPORTER_DIR, 'test/scanner/match/fixtures/osv');
const LOCK_FILE = join(existsSync('/run/lock') ? '/run/lock' : tmpdir(), 'vigil-rules-live.lock');
const LOCK_WAIT_MS = 15 * 60_000;
const SERVE_TIMEOUT_MS = 90_000;
const DATA_TIMEOUT_MS = 90_000;
/** Podman label on every container a stack starts; its value is `vigil-live-<pid of the test process>`. */
export const LIVE_STACK_LABEL = 'vigil-live-stack';
/** Its owner as "<pid> <start time>", so containers of a run that was killed before stop() can be told apart. */
const OWNER_LABEL = 'vigil-live-stack-owner';

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Removes containers left by stacks whose test process died without stop() (killed, timed out). */
function removeOrphanedContainers(): void {
  const r = spawnSync('podman', ['ps', '-a', '--filter', `label=${OWNER_LABEL}`, '--format', `{{.Names}}\t{{index .Labels "${OWNER_LABEL}"}}`], { encoding: 'utf8' });
  if (r.status !== 0) return;
  for (const line of r.stdout.split('\n')) {
    const [name, owner] = line.split('\t');
    const [pid, start] = (owner ?? '').split(' ');
    if (!name || !pid) continue;
    if (processStart(Number(pid)) !== start) removeContainer(name);
  }
}

export interface LiveWorkload {
  namespace?: string;
  pod?: string;
  container: string;
  image: string;
  /** Full podman container id. */
  id: string;
  /** What it does: "triggers" fires default rules in a loop, "idle" fires none. */
  role: 'triggers' | 'idle';
  /** The default rules it fires, each every ~2 s (the node folds repeats into summaries within its dedup window). */
  rules: readonly string[];
}

export interface LiveStack {
  /** http://127.0.0.1:<port>, Prometheus (Debian package `prometheus`) scraping node + scanner every 1 s */
  prometheusUrl: string;
  /** vigil node HTTP base (metrics + /api/v1/*) */
  nodeUrl: string;
  /** bearer token of the node API */
  nodeToken: string;
  /** vigil scanner HTTP base (metrics + JSON API); '' when started with scanner: false */
  scannerUrl: string;
  scannerToken: string;
  /** the Loki stand-in (push + query_range), which the node's Loki sink pushes to */
  lokiUrl: string;
  loki: LokiStandIn;
  /** The node's name: the `node` label of its metrics and Loki streams. */
  nodeName: string;
  /** What it started (outside Kubernetes: no namespace and pod; `container` is the podman name). */
  workloads: LiveWorkload[];
  /** The workload that fires default rules (and whose image carries the known vulnerabilities). */
  triggerWorkload: LiveWorkload;
  /** Images the scanner is expected to report: the vulnerable workload image and the OS-less busybox one. */
  images: { vulnerable: string; noOs: string };
  /** ms from the call to startLiveStack until it returned (lock wait excluded). */
  startupMs: number;
  /** Temporary directory holding configs, journal, spool, captures, DB and TSDB (removed by stop). */
  dir: string;
  waitForSeries(promql: string, timeoutMs?: number): Promise<void>;
  /** promQuery against this stack's Prometheus. */
  query(expr: string, opts?: PromQueryOptions): Promise<PromQueryData>;
  /** Every process the stack runs right now: its servers, vigil node's loader, the containers' conmon and processes. */
  processes(): ProcId[];
  /** Stops everything, removes containers and temp dirs; idempotent. */
  stop(): Promise<void>;
}

export interface LiveStackOptions {
  /** Run vigil scanner too (default true). */
  scanner?: boolean;
  /** Return only once the promised series and Loki lines exist (default true). */
  waitForData?: boolean;
  /** The Prometheus binary (default /usr/bin/prometheus); the stack's own test points it elsewhere to prove a failed start cleans up. */
  prometheusBin?: string;
}

/** Why the stack cannot run here (undefined: it can). Under CI=true a missing prerequisite throws instead. */
export function liveStackSkipReason(): string | undefined {
  const reason = kernelTestSkipReason() ?? podmanSkipReason();
  if (reason) return reason;
  if (!existsSync(PROMETHEUS_BIN)) {
    const why = `${PROMETHEUS_BIN} is missing (apt-get install prometheus)`;
    if (process.env.CI === 'true') throw new Error(`CI=true requires this test to run, but: ${why}`);
    return why;
  }
  return undefined;
}

/** tracefs and bpffs, which the loader needs and which are not mounted at boot on these machines. */
function ensureKernelMounts(): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  const has = (type: string, at: string): boolean => mounts.some((m) => m[2] === type && m[1] === at);
  for (const [type, at] of [['tracefs', '/sys/kernel/tracing'], ['bpf', '/sys/fs/bpf']] as const) {
    if (has(type, at)) continue;
    const r = spawnSync('mount', ['-t', type, type, at], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot mount ${type} at ${at}: ${r.stderr.trim()}`);
  }
}

/** The environment for Vigil's own processes: nothing from the caller's VIGIL_* variables leaks into their config. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VIGIL_') && k !== 'DOCKER_CONFIG') env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

const logField = (line: string, msg: string, field: string): string | undefined => {
  if (!line.includes(msg)) return undefined;
  try {
    const v = (JSON.parse(line) as Record<string, unknown>)[field];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
};

async function waitHttp(what: string, url: string, proc: ServiceProcess, timeoutMs: number): Promise<void> {
  let last = '';
  try {
    await until(what, async () => {
      if (proc.exitCode() !== null) throw new Error(`${proc.name} exited (${String(proc.exitCode())}):\n${proc.log().slice(-40).join('\n')}`);
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
        last = `${r.status} ${(await r.text()).slice(0, 200)}`;
        return r.status === 200 ? true : undefined;
      } catch (e) {
        last = (e as Error).message;
        return undefined;
      }
    }, timeoutMs, 250);
  } catch (e) {
    if ((e as Error).message.startsWith('timed out')) throw new Error(`${(e as Error).message} (last answer: ${last}); ${proc.name}'s last log lines:\n${proc.log().slice(-40).join('\n')}`);
    throw e;
  }
}

function nodeConfig(dir: string, nodeName: string, lokiUrl: string): string {
  return [
    'node:',
    `  name: ${JSON.stringify(nodeName)}`,
    'http:',
    '  listen: 127.0.0.1:0',
    `  tokenFile: ${JSON.stringify(join(dir, 'node-token'))}`,
    'sensor:',
    // Only what the rules need leaves the kernel: the machine is shared with benchmarks that open files at
    // enormous rates, and the rules' own prefixes (/etc/ among them) are added by the node anyway.
    '  openPrefixes: []',
    'stdout:',
    '  events: false',
    'journal:',
    `  dir: ${JSON.stringify(join(dir, 'journal'))}`,
    'containers:',
    '  cgroupStatsIntervalMs: 1000',
    '  kubernetes: "off"',
    '  runtime: podman',
    'alerts:',
    '  stdout: false',
    'loki:',
    `  url: ${JSON.stringify(lokiUrl)}`,
    `  spoolDir: ${JSON.stringify(join(dir, 'loki-spool'))}`,
    '  batchMaxWaitMs: 250',
    'recorder:',
    '  beforeMs: 5000',
    // Short windows so a capture (and its activity lines) is complete a few seconds after the first alert.
    '  afterMs: 1000',
    `  dir: ${JSON.stringify(join(dir, 'captures'))}`,
    'log:',
    '  level: info',
    '',
  ].join('\n');
}

function scannerConfig(dir: string): string {
  return [
    'http:',
    '  listen: 127.0.0.1:0',
    `  tokenFile: ${JSON.stringify(join(dir, 'scanner-token'))}`,
    'db:',
    `  dir: ${JSON.stringify(join(dir, 'db'))}`,
    '  pollIntervalMs: 1000',
    'discovery:',
    '  kubernetes: "off"',
    '  runtime: podman',
    '  runtimeIntervalMs: 1000',
    'scan:',
    '  concurrency: 2',
    '  retryInitialMs: 1000',
    '  retryMaxMs: 10000',
    `  tempDir: ${JSON.stringify(join(dir, 'scanner-tmp'))}`,
    'log:',
    '  level: info',
    '',
  ].join('\n');
}

/** The offline vulnerability database: the scanner fixture records (modelled on real ones) plus the real records. */
async function importVulnDb(dir: string): Promise<void> {
  const zip = join(dir, 'osv-fixtures.zip');
  writeFileSync(zip, osvZip(osvRecords(), false));
  const r = await runVigil(['db', 'import', zip, REAL_OSV_DIR, '--db', join(dir, 'db')], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`vigil db import exited ${String(r.code)}: ${r.stderr.trim() || r.stdout.trim()}`);
}

export async function startLiveStack(opts: LiveStackOptions = {}): Promise<LiveStack> {
  const withScanner = opts.scanner !== false;
  const lock: MachineLock = await acquireMachineLock(LOCK_FILE, LOCK_WAIT_MS, (owner) => console.log(`# live stack: waiting for another kernel suite (pid ${owner}) to finish`));
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-live-stack-'));
  const services: ServiceProcess[] = [];
  const containerNames: string[] = [];
  const loki = new LokiStandIn();
  // Loki's default since 2.4 (unordered_writes): a capture's activity reaches back before its alert.
  loki.ordering = 'unordered';
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: string[] = [];
      const attempt = async (what: string, fn: () => unknown): Promise<void> => {
        try {
          await fn();
        } catch (e) {
          errors.push(`${what}: ${(e as Error).message}`);
        }
      };
      // Servers that read the others go first, so none of them logs the others' disappearance as an error.
      for (const s of [...services].reverse()) await attempt(`stopping ${s.name}`, () => s.stop());
      for (const name of containerNames) await attempt(`removing container ${name}`, () => removeContainer(name));
      await attempt('stopping the Loki stand-in', () => loki.stop());
      await attempt(`removing ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
      lock.release();
      if (errors.length > 0) throw new Error(`live stack: stop was incomplete:\n${errors.join('\n')}`);
    })();
    return stopping;
  };

  const step = async <T>(what: string, fn: () => Promise<T> | T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new Error(`live stack: ${what} failed: ${(e as Error).message}`, { cause: e });
    }
  };

  try {
    const nodeName = hostname();
    const nodeToken = `live-node-${process.pid}-${t0.toString(36)}`;
    const scannerToken = `live-scanner-${process.pid}-${t0.toString(36)}`;
    writeFileSync(join(dir, 'node-token'), nodeToken, { mode: 0o600 });
    writeFileSync(join(dir, 'scanner-token'), scannerToken, { mode: 0o600 });
    mkdirSync(join(dir, 'scanner-tmp'));
    await step('mounting tracefs/bpffs', () => ensureKernelMounts());
    removeOrphanedContainers();
    await step('starting the Loki stand-in', () => loki.start());

    // Independent preparations run side by side: images, the vulnerability database, the node's start-up.
    const images = step('building the workload images', async () => ({ vulnerable: await ensureWorkloadImage(), noOs: ensureBusyboxImage('localhost/vigil-live-busybox:1') }));
    const db = withScanner ? step('importing the OSV database', () => importVulnDb(dir)) : Promise.resolve();
    const nodeUrl = step('starting vigil node', async () => {
      writeFileSync(join(dir, 'node.yaml'), nodeConfig(dir, nodeName, loki.url));
      const node = startServiceProcess('vigil node', process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '-c', join(dir, 'node.yaml'), '--no-stdout'], { cwd: EXPORTER_DIR, env: cleanEnv() });
      services.push(node);
      const listen = await node.waitForLine('"vigil node serving" log line', (l) => logField(l, 'vigil node serving', 'listen'), SERVE_TIMEOUT_MS);
      const url = `http://${listen}`;
      await waitHttp('vigil node /readyz', `${url}/readyz`, node, SERVE_TIMEOUT_MS);
      return url;
    });
    // Settle all three before going on, so a failure of one never leaves another running unawaited.
    const [imagesR, dbR, nodeR] = await Promise.allSettled([images, db, nodeUrl]);
    for (const r of [imagesR, dbR, nodeR]) if (r.status === 'rejected') throw r.reason;
    const img = (imagesR as PromiseFulfilledResult<{ vulnerable: string; noOs: string }>).value;
    const node = (nodeR as PromiseFulfilledResult<string>).value;

    // The idle container has a CPU quota and a memory limit, so the limit families (absent when unlimited) exist.
    // Containers start once the node watches, so it sees them from their first exec.
    const workloads = await step('starting the podman containers', () => {
      const tag = `vigil-live-${process.pid}`;
      const run = (name: string, image: string, script: string, role: LiveWorkload['role'], rules: readonly string[], limits: string[] = []): LiveWorkload => {
        containerNames.push(name);
        const id = runDetached(image, name, ['sh', '-c', script], [...limits, '--network', 'none', '--label', `${LIVE_STACK_LABEL}=${tag}`, '--label', `${OWNER_LABEL}=${process.pid} ${processStart(process.pid) ?? '?'}`]);
        return { container: name, image, id, role, rules };
      };
      return [run(`${tag}-app`, img.vulnerable, WORKLOAD_LOOP, 'triggers', WORKLOAD_RULES), run(`${tag}-idle`, img.noOs, IDLE_LOOP, 'idle', [], IDLE_LIMITS)];
    });

    let scannerUrl = '';
    if (withScanner) {
      scannerUrl = await step('starting vigil scanner', async () => {
        writeFileSync(join(dir, 'scanner.yaml'), scannerConfig(dir));
        const scanner = startServiceProcess('vigil scanner', process.execPath, ['--import', 'tsx', 'src/cli.ts', 'scanner', '--config', join(dir, 'scanner.yaml')], { cwd: EXPORTER_DIR, env: cleanEnv({ HOME: dir }) });
        services.push(scanner);
        const listen = await scanner.waitForLine('"vigil scanner started" log line', (l) => logField(l, 'vigil scanner started', 'listen'), SERVE_TIMEOUT_MS);
        const url = `http://${listen}`;
        await waitHttp('vigil scanner /readyz', `${url}/readyz`, scanner, SERVE_TIMEOUT_MS);
        return url;
      });
    }

    const prom = await step('starting Prometheus', () => startPrometheus(dir, [
      { job: 'vigil-node', target: new URL(node).host },
      ...(withScanner ? [{ job: 'vigil-scanner', target: new URL(scannerUrl).host }] : []),
    ], { bin: opts.prometheusBin }));
    services.push(prom.process);

    const waitForSeries = async (promql: string, timeoutMs = 30_000): Promise<void> => {
      let last = 'no answer yet';
      try {
        await until(`a series for ${promql}`, async () => {
          try {
            const data = await promQuery(prom.url, promql);
            last = `${seriesCount(data)} series`;
            return seriesCount(data) > 0 ? true : undefined;
          } catch (e) {
            last = (e as Error).message;
            // A PromQL error does not go away by waiting.
            if (last.startsWith('Prometheus rejected')) throw e;
            return undefined;
          }
        }, timeoutMs, 500);
      } catch (e) {
        throw new Error(`${(e as Error).message} within ${timeoutMs / 1000} s (last: ${last})`);
      }
    };

    const [app] = workloads;
    const stack: LiveStack = {
      prometheusUrl: prom.url,
      nodeUrl: node,
      nodeToken,
      scannerUrl,
      scannerToken: withScanner ? scannerToken : '',
      lokiUrl: loki.url,
      loki,
      nodeName,
      workloads,
      triggerWorkload: app!,
      images: img,
      startupMs: 0,
      dir,
      waitForSeries,
      query: (expr, o) => promQuery(prom.url, expr, o),
      processes: () => descendants([...services.map((s) => s.child.pid ?? -1), ...conmonPids(workloads)]),
      stop,
    };

    if (opts.waitForData !== false) {
      const c = app!.container;
      const waits: Promise<void>[] = [
        step('waiting for container series', () => waitForSeries(`vigil_container_execs_total{job="vigil-node",container="${c}"} > 0`, DATA_TIMEOUT_MS)),
        step('waiting for alert series', () => waitForSeries(`vigil_alerts_total{job="vigil-node",container="${c}"} > 0`, DATA_TIMEOUT_MS)),
        step('waiting for Loki alert and activity lines', () => loki.waitFor(() => loki.select({ stream: 'alert', container: c }).length > 0 && loki.select({ stream: 'activity', container: c }).length > 0, DATA_TIMEOUT_MS)),
      ];
      if (withScanner) {
        waits.push(
          step('waiting for image vulnerability series', () => waitForSeries(`vigil_image_vulnerabilities{job="vigil-scanner",image="${img.vulnerable}"} > 0`, DATA_TIMEOUT_MS)),
          step('waiting for image policy violation series', () => waitForSeries(`vigil_image_policy_violations{job="vigil-scanner",image="${img.vulnerable}"} == 1`, DATA_TIMEOUT_MS)),
          step('waiting for workload vulnerability series', () => waitForSeries(`vigil_workload_vulnerabilities{job="vigil-scanner",workload="${c}"} > 0`, DATA_TIMEOUT_MS)),
        );
      }
      const settled = await Promise.allSettled(waits);
      const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) {
        const logs = services.map((s) => `--- ${s.name}, last lines:\n${s.log().slice(-15).join('\n')}`).join('\n');
        throw new Error(`${failed.map((f) => (f.reason as Error).message).join('\n')}\n${logs}`);
      }
    }
    stack.startupMs = Date.now() - t0;
    return stack;
  } catch (e) {
    try {
      await stop();
    } catch (cleanup) {
      throw new Error(`${(e as Error).message}\n(and cleaning up: ${(cleanup as Error).message})`, { cause: e });
    }
    throw e;
  }
}

/** conmon, podman's monitor of each container: not a child of ours (podman detaches it), but started for us. */
function conmonPids(workloads: readonly LiveWorkload[]): number[] {
  const out: number[] = [];
  for (const w of workloads) {
    try {
      const pid = Number(execFileSync('podman', ['inspect', '--format', '{{.State.ConmonPid}}', w.id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      if (Number.isInteger(pid) && pid > 0) out.push(pid);
    } catch {
      // gone already
    }
  }
  return out;
}
