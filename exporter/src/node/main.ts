// Composition root of `vigil node`: wires sensor, containers, process table, enrichment, metrics, journal,
// stdout and the HTTP server. The parts don't import each other; data is handed along here.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { NodeConfig } from '../config/node-config.js';
import { ABI_VERSION } from '../events/layout.js';
import type { CgroupCounters, TypeStats, VigilEvent } from '../events/types.js';
import { alertMatches, createNodeApp, eventMatches, listen } from '../http/node-server.js';
import { Journal } from '../journal/journal.js';
import { RecentRing } from '../journal/recent.js';
import { ContainerMetrics, type CgroupResourceSample } from '../metrics/container-metrics.js';
import { registerRecorderMetrics } from '../metrics/recorder-metrics.js';
import { registerSelfMetrics } from '../metrics/self-metrics.js';
import { AlertMetrics } from '../alerts/alert-metrics.js';
import { DropAlerter, responseAlert } from '../alerts/self-alerts.js';
import type { Alert } from '../alerts/types.js';
import { LokiSink, registerLokiMetrics } from '../alerts/loki/index.js';
import { activityLines, FlightRecorder, triggerFromAlert } from '../recorder/index.js';
import { createCgroupLocator, parseResponseActions, Responder, type ResponseAction } from '../responses/index.js';
import { RuleEngine } from '../rules/engine.js';
import { loadRulesFiles } from '../rules/load.js';
import { SensorSupervisor } from '../sensor/supervisor.js';
import { NodeContainers } from './containers-adapter.js';
import { Enricher } from './enrich.js';
import { filterCommands, mergeKernelNeeds } from './filters.js';
import { createLogger } from './logger.js';
import { SecurityPipeline } from './security.js';
import { NdjsonSink } from './stdout-sink.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

export function version(): string {
  try {
    return (JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function defaultRulesFiles(): string[] {
  return [resolve(repoRoot, 'exporter/rules/vigil_rules.yaml')];
}

export class RulesError extends Error {}

export function defaultLoaderPath(): string {
  return process.env.VIGIL_LOADER ?? resolve(repoRoot, 'bpf/build/vigil-loader');
}

export interface RunningNode {
  stop(): Promise<void>;
  address: string;
}

/** Checks what can be checked before the loader starts, so the user gets one clear line. */
export function prerequisiteProblem(loaderPath: string): string | undefined {
  if (!existsSync(loaderPath)) return `the BPF loader is not built at ${loaderPath} (run: npm run build)`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'no BTF at /sys/kernel/btf/vmlinux: the kernel was built without CONFIG_DEBUG_INFO_BTF';
  if (process.getuid && process.getuid() !== 0) return 'vigil node needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN) to load eBPF programs';
  return undefined;
}

export async function runNode(cfg: NodeConfig, onFatal: (msg: string) => void): Promise<RunningNode> {
  const log = createLogger(cfg.log.level);
  const loaderPath = cfg.sensor.loaderPath || defaultLoaderPath();
  const problem = prerequisiteProblem(loaderPath);
  if (problem) throw new Error(problem);

  const ruleActions = new Map<string, ResponseAction[]>();
  const rulesFiles = cfg.rules.files.length > 0 ? cfg.rules.files : defaultRulesFiles();
  let engine: RuleEngine | undefined;
  if (cfg.rules.enabled) {
    const loaded = loadRulesFiles(rulesFiles);
    if (!loaded.ok) {
      throw new RulesError(loaded.errors.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
    }
    for (const w of loaded.warnings) log.warn({ file: w.file, line: w.line, column: w.column }, w.message);
    for (const rule of loaded.ruleset.rules) {
      const parsed = parseResponseActions(rule.extensions['x-vigil-actions']);
      if (!parsed.ok) throw new RulesError(`${rule.pos.file}:${rule.pos.line}:${rule.pos.column}: rule "${rule.name}": ${parsed.error}`);
      if (parsed.actions.length > 0) ruleActions.set(rule.name, parsed.actions);
    }
    if (ruleActions.size > 0) log.info({ rules: [...ruleActions.keys()], dryRun: cfg.responses.dryRun }, 'rules with responses');
    engine = new RuleEngine(loaded.ruleset, {
      hostname: cfg.node.name,
      processLookup: (pid) => {
        const p = containers.procs.get(pid);
        return p ? { exe: p.exe, args: p.args, cwd: p.cwd, ppid: p.ppid, ...(p.tty !== undefined ? { tty: p.tty } : {}), ...(p.loginuid !== undefined ? { loginuid: p.loginuid } : {}) } : undefined;
      },
    });
    log.info({ files: rulesFiles, rules: engine.activeRules.length }, 'rules loaded');
  }

  const registry = new Registry();
  registry.setDefaultLabels({});
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  // prom-client names these gauges *_total, which Prometheus conventions (and promtool) reserve for counters.
  for (const name of ['vigil_nodejs_active_handles_total', 'vigil_nodejs_active_requests_total', 'vigil_nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const containerMetrics = new ContainerMetrics(registry);

  const recent = new RecentRing<VigilEvent>(cfg.api.recentEvents);
  const journal = cfg.journal.enabled
    ? new Journal({ dir: cfg.journal.dir, segmentBytes: cfg.journal.segmentBytes, maxBytes: cfg.journal.maxBytes, maxAgeMs: cfg.journal.maxAgeHours * 3_600_000 })
    : undefined;
  const stdout = cfg.stdout.events ? new NdjsonSink(process.stdout) : undefined;
  const subscribers = new Set<(ev: VigilEvent) => void>();
  const alertSubscribers = new Set<(a: Alert) => void>();
  const drops = { subscriber: 0, internal: 0 };
  const recentAlerts = new RecentRing<Alert>(cfg.alerts.recent);
  const alertJournal = cfg.journal.enabled
    ? new Journal({ dir: `${cfg.journal.dir}/alerts`, segmentBytes: cfg.journal.segmentBytes, maxBytes: cfg.journal.maxBytes, maxAgeMs: cfg.journal.maxAgeHours * 3_600_000 })
    : undefined;
  const alertMetrics = new AlertMetrics(registry, cfg.node.name);
  const loki = cfg.loki.url ? new LokiSink({ config: cfg.loki, node: cfg.node.name, logger: log, version: version() }) : undefined;
  if (loki) {
    registerLokiMetrics(registry, loki);
    log.info({ url: cfg.loki.url, spool: cfg.loki.spoolDir }, 'alerts and activity go to Loki');
  }
  const recorder = cfg.recorder.enabled
    ? new FlightRecorder({
        beforeMs: cfg.recorder.beforeMs,
        afterMs: cfg.recorder.afterMs,
        maxEntriesPerContainer: cfg.recorder.maxEntriesPerContainer,
        maxTotalBytes: cfg.recorder.maxTotalBytes,
        maxAgeMs: cfg.recorder.maxAgeMs,
        includeHost: cfg.recorder.includeHost,
        ...(cfg.recorder.dir ? { persist: { dir: cfg.recorder.dir, maxFiles: cfg.recorder.maxFiles } } : {}),
        // A finished capture's entries become Loki "activity" lines carrying its id, for the timeline views.
        ...(loki
          ? {
              onComplete: (doc) => {
                const scope = { container: doc.container, ...(doc.k8s ? { k8s: doc.k8s } : {}) };
                for (const line of activityLines(doc)) loki.pushActivity(doc.id, line, scope);
              },
            }
          : {}),
      })
    : undefined;
  if (recorder) registerRecorderMetrics(registry, recorder);
  const deliverAlert = (a: Alert): void => {
    loki?.pushAlert(a);
    recentAlerts.push(a);
    const line = JSON.stringify(a);
    alertJournal?.appendLine(line);
    if (cfg.alerts.stdout) stdout?.writeLine(line);
    for (const s of alertSubscribers) s(a);
  };
  const security = engine
    ? new SecurityPipeline({
        engine,
        metrics: alertMetrics,
        dedupWindowMs: cfg.alerts.dedupWindowMs,
        deliver: deliverAlert,
        hooks: {
          // Every match gets its capture (overlapping alerts share one), before deduplication folds floods.
          onMatch: (alert) => {
            const id = recorder?.onAlert(triggerFromAlert(alert));
            if (id) alert.capture_id = id;
            const actions = ruleActions.get(alert.rule);
            if (actions && alert.event) {
              const ev = alert.event;
              void responder
                .respond(actions, { pid: ev.proc.pid, tid: ev.proc.tid, ...(ev.container && ev.container.id !== 'host' ? { containerId: ev.container.id } : {}), rule: alert.rule })
                .then((outcomes) => {
                  for (const o of outcomes) security?.raiseInternal(responseAlert(alert, o, cfg.node.name));
                });
            }
          },
        },
      })
    : undefined;
  const responder = new Responder({
    dryRun: cfg.responses.dryRun,
    rateLimit: { perMinute: cfg.responses.perMinute, burst: cfg.responses.burst },
    // Never Vigil itself: this process and whichever loader runs now (it changes on restarts).
    protect: { tgids: () => [process.pid, ...(sensor.pid ? [sensor.pid] : [])] },
    sendLoaderCommand: (line) => sensor.command(line),
    cgroupDirFor: createCgroupLocator(),
    allowHost: cfg.responses.allowHost,
  });
  const dropAlerter = new DropAlerter(cfg.node.name, cfg.alerts.dropAlertIntervalMs, (a) => (security ? security.raiseInternal(a) : deliverAlert(a)));

  const containers: NodeContainers = new NodeContainers({
    node: cfg.node.name,
    kubernetes: cfg.containers.kubernetes,
    kubeconfig: cfg.containers.kubeconfig,
    runtime: cfg.containers.runtime,
    log,
  });

  const deliver = (ev: VigilEvent): void => {
    ev.node = cfg.node.name;
    recent.push(ev);
    // Serialized once for every sink that writes lines (this runs for every event).
    if (journal || stdout) {
      const line = JSON.stringify(ev);
      journal?.appendLine(line);
      stdout?.writeLine(line);
    }
    for (const s of subscribers) s(ev);
    recorder?.record(ev);
    security?.onEvent(ev);
  };
  const enricher = new Enricher(
    { containerOf: (cg, pid, parentPid) => containers.view(cg, pid, parentPid), ancestorsOf: (pid, depth) => containers.ancestors(pid, depth) },
    { waitMs: cfg.containers.metadataWaitMs, maxHeld: 50_000, ancestorDepth: 4 },
    deliver,
  );
  containers.onChange(() => enricher.sweep());

  let kernelStats: TypeStats[] = [];
  const sensor: SensorSupervisor = new SensorSupervisor({
    loaderPath,
    ringbufBytes: cfg.sensor.ringbufBytes,
    intervalMs: cfg.sensor.intervalMs,
    filterCommands: (): string[] =>
      filterCommands({
        ...mergeKernelNeeds(
          { events: cfg.sensor.events, openMode: cfg.sensor.openMode, openPrefixes: cfg.sensor.openPrefixes, openWrites: cfg.sensor.openWrites },
          engine?.kernelNeeds(),
        ),
        openFailed: cfg.sensor.openFailed,
        captureEnv: cfg.sensor.captureEnv,
        emitThreads: cfg.sensor.emitThreads,
        wakeupBytes: cfg.sensor.wakeupBytes,
        // Vigil never watches itself: its own file and socket activity would feed back into the stream.
        ignoreTgids: [process.pid, ...(sensor.pid ? [sensor.pid] : [])],
      }),
  });
  sensor.on('event', (ev) => {
    // One bad event (or a bug in a sink) must not take the sensor down: count it and go on.
    try {
      containers.observe(ev);
      enricher.push(ev);
    } catch (err) {
      drops.internal++;
      if (drops.internal === 1 || drops.internal % 10_000 === 0) log.error({ err: (err as Error).message, count: drops.internal }, 'event pipeline failed on an event');
    }
  });
  const lastCounters = new Map<number, CgroupCounters>();
  const lastResources = new Map<string, CgroupResourceSample>();
  sensor.on('counters', (entries) => {
    const now = Date.now();
    lastCounters.clear();
    for (const c of entries) {
      lastCounters.set(c.cgroup_id, c);
      const labels = containers.labels(c.cgroup_id);
      if (labels) containerMetrics.addKernelCounters(`cg:${c.cgroup_id}`, labels, c, now);
    }
  });
  sensor.on('stats', (s) => {
    kernelStats = s;
    dropAlerter.observe(s);
  });
  sensor.on('hello', (h) => log.info({ hooks: h.info.hooks, ncpu: h.ncpu, abi: h.abi_version }, 'sensor loaded'));
  sensor.on('log', (l) => {
    responder.noteLoaderLog(l.text);
    log[l.level === 'debug' ? 'debug' : l.level]({ loader: true }, l.text);
  });
  sensor.on('exit', (e) => (e.code === 0 && e.restartInMs === undefined ? log.info(e, 'loader stopped') : log.warn(e, 'loader exited')));
  sensor.on('fatal', (msg) => onFatal(msg));

  registerSelfMetrics(registry, {
    sensor: () => sensor.stats,
    kernelStats: () => kernelStats,
    pipelineDrops: () => ({
      stdout: stdout?.dropped ?? 0,
      journal: journal?.stats.dropped ?? 0,
      subscriber: drops.subscriber,
      internal: drops.internal,
    }),
    journal: () => journal?.stats,
    containers: () => containers.countsByRuntime(),
    metadataErrors: () => {
      const st = containers.stats();
      const out: Record<string, number> = {};
      for (const [rt, r] of Object.entries(st.runtimes)) out[rt] = r.errors + r.timeouts + r.badDocuments;
      if (st.kubernetes) out.kubernetes = st.kubernetes.informerErrors + st.kubernetes.badObjects;
      return out;
    },
    cgroupFileErrors: () => {
      const c = containers.stats().cgroupStats;
      return { unreadable: c.filesUnreadable, parse: c.parseErrors, too_large: c.filesTooLarge, invalid_path: c.invalidPaths };
    },
    build: { version: version(), abi: ABI_VERSION },
  });

  await containers.start();
  if (recorder) log.info({ restored: await recorder.restore() }, 'flight recorder ready');
  sensor.start();
  const recorderTimer = recorder ? setInterval(() => recorder.sweep(), 1000) : undefined;
  recorderTimer?.unref();

  // Cgroup files are read on a timer, not per event: their values change slowly and reading is I/O.
  const statsTimer = setInterval(() => void sampleCgroups().catch((err: Error) => log.error({ err: err.message }, 'cgroup sampling failed')), cfg.containers.cgroupStatsIntervalMs);
  async function sampleCgroups(): Promise<void> {
    const now = Date.now();
    for (const c of containers.known()) {
      const sample = await containers.readResources(c);
      lastResources.set(c.id, sample);
      containerMetrics.addCgroupSample(`ct:${c.id}`, containers.containerLabels(c), sample, now);
      containerMetrics.setInfo(containers.infoLabels(c), now);
      containerMetrics.setStartTime(containers.containerLabels(c), c.startedAt, now);
    }
    for (const gone of containers.takeGone()) {
      containerMetrics.forgetSource(`ct:${gone}`);
      lastResources.delete(gone);
    }
    containerMetrics.expire(now - cfg.containers.goneRetentionMs);
    journal?.enforceRetention();
  }

  const app = createNodeApp(
    {
      metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      ready: () => (sensor.stats.up ? { ready: true } : { ready: false, reason: 'sensor not loaded yet' }),
      containers: () => containers.describe({ counters: lastCounters, resources: lastResources }),
      events: (q) => recent.query((ev) => eventMatches(ev, q), q.limit),
      subscribe: (l) => {
        subscribers.add(l);
        return () => subscribers.delete(l);
      },
      onSubscriberDrop: () => drops.subscriber++,
      alerts: (q) => recentAlerts.query((a) => alertMatches(a, q), q.limit),
      captures: (q) => recorder?.list(q) ?? [],
      sensor: () => ({
        up: sensor.stats.up,
        loader: sensor.stats.hello ? { abi: sensor.stats.hello.abi_version, ncpu: sensor.stats.hello.ncpu, ...sensor.stats.hello.info } : undefined,
        restarts: sensor.stats.restarts,
        received: sensor.stats.eventsReceived,
        decoded: sensor.stats.eventsDecoded,
        malformed: sensor.stats.malformed,
        kernel: kernelStats,
      }),
      capture: async (id) => (recorder ? recorder.get(id) : undefined),
      subscribeAlerts: (l) => {
        alertSubscribers.add(l);
        return () => alertSubscribers.delete(l);
      },
    },
    { listen: cfg.http.listen, token: cfg.http.token },
  );
  const server = await listen(app, cfg.http.listen);
  const addr = server.address();
  const address = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : cfg.http.listen;
  log.info({ listen: address, auth: cfg.http.token ? 'bearer' : 'none', journal: cfg.journal.enabled ? cfg.journal.dir : 'off' }, 'vigil node serving');

  return {
    address,
    async stop() {
      clearInterval(statsTimer);
      if (recorderTimer) clearInterval(recorderTimer);
      await sensor.stop();
      enricher.flush();
      security?.flush();
      containers.stop();
      // Stream clients never hang up on their own: close their connections, or close() would wait forever.
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      await journal?.close();
      await alertJournal?.close();
      await recorder?.close();
      await loki?.close();
    },
  };
}
