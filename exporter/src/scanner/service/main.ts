// Composition root of `vigil scanner`: configuration -> database watcher, policy files, discovery (Kubernetes or the
// local runtime, plus configured images) -> ScannerService -> metrics and the HTTP API.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { kubeConfigFor } from '../../containers/kubernetes-pods.js';
import { listen } from '../../http/node-server.js';
import { loadPolicyInputs, type PolicyInputs } from '../pipeline/index.js';
import { loadDockerConfig, type RegistryCredential } from '../sources/credentials.js';
import { parseReference } from '../sources/reference.js';
import type { Platform } from '../sources/image-handle.js';
import { createScannerApp } from './api.js';
import type { ScannerConfig } from './config.js';
import { DbWatcher } from './db-watcher.js';
import { KubernetesImageDiscovery } from './discovery/kubernetes-images.js';
import { LocalRuntimeDiscovery } from './discovery/local-runtime-images.js';
import { PullSecretReader } from './discovery/pull-secrets.js';
import { ImageInventory, type Contribution } from './image-inventory.js';
import { createScannerMetrics } from './metrics.js';
import { ScannerService, type ScanObserver } from './scanner-service.js';

export interface RunningScanner {
  /** host:port the HTTP server listens on */
  address: string;
  service: ScannerService;
  inventory: ImageInventory;
  stop(): Promise<void>;
}

export interface RunScannerOptions {
  version: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

function platformOf(text: string): Platform {
  const [os, architecture, variant] = text.split('/') as [string, string, string | undefined];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** The configured extra images, as inventory contributions of the owner "config". */
export function configuredImages(refs: readonly string[]): { contributions: Contribution[]; errors: string[] } {
  const contributions: Contribution[] = [];
  const errors: string[] = [];
  for (const text of refs) {
    try {
      const ref = parseReference(text);
      const digest = ref.transport === 'registry' ? ref.digest : undefined;
      contributions.push({
        key: digest ?? `ref:${ref.normalized}`,
        reference: ref.normalized,
        displayRef: text,
        ...(digest ? { digest } : {}),
        source: 'config',
      });
    } catch (err) {
      errors.push(`images: ${JSON.stringify(text.slice(0, 200))}: ${(err as Error).message}`);
    }
  }
  return { contributions, errors };
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export async function runScanner(cfg: ScannerConfig, opts: RunScannerOptions): Promise<RunningScanner> {
  const env = opts.env ?? process.env;
  const log = opts.logger ?? pino({ level: cfg.log.level, base: { component: 'vigil-scanner' } }, pino.destination(2));
  if (!cfg.http.token) log.warn('no API token configured (http.tokenFile): /api/v1 is open to anyone who can reach it');

  // Policy files are read once: a broken one stops the start (better than scanning with a policy missing).
  const policy: PolicyInputs = await loadPolicyInputs({
    ...(cfg.scan.policyFile ? { policyFile: cfg.scan.policyFile } : {}),
    ...(cfg.scan.ignoreFile ? { ignoreFile: cfg.scan.ignoreFile } : {}),
    vexFiles: cfg.scan.vexFiles,
  });
  for (const w of policy.warnings) log.warn(w);
  const dockerCredentials: RegistryCredential[] = cfg.scan.dockerConfig ? await loadDockerConfig(cfg.scan.dockerConfig) : await loadDockerConfig().catch(() => []);

  const inventory = new ImageInventory(cfg.limits.maxImages);
  let service: ScannerService | undefined;
  const dbErrors = { n: 0 };
  const db = new DbWatcher({
    dir: cfg.db.dir,
    pollIntervalMs: cfg.db.pollIntervalMs,
    onChange: (next, previous) => {
      log.info({ digest: next.meta.digest, records: next.meta.records, path: next.path }, previous ? 'vulnerability database changed: re-matching every image' : 'vulnerability database loaded');
      service?.databaseChanged();
    },
    onError: (message) => {
      dbErrors.n++;
      log.error({ err: message }, 'cannot open the vulnerability database');
    },
  });
  await db.start();
  if (!db.current()) log.warn({ dir: cfg.db.dir }, 'no vulnerability database yet: images wait until "vigil db import" writes one');

  // Discovery: Kubernetes when in a cluster (or told so), else the local runtime.
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  const useKubernetes = cfg.discovery.kubernetes === 'on' || (cfg.discovery.kubernetes === 'auto' && (inCluster || cfg.discovery.kubeconfig !== '' || cfg.discovery.apiServer !== ''));
  let kube: KubernetesImageDiscovery | undefined;
  let secrets: PullSecretReader | undefined;
  let runtime: LocalRuntimeDiscovery | undefined;
  if (useKubernetes) {
    const token = cfg.discovery.apiTokenFile ? readFileSync(cfg.discovery.apiTokenFile, 'utf8').trim() : undefined;
    const kc = kubeConfigFor({
      inCluster,
      ...(cfg.discovery.kubeconfig ? { kubeconfigPath: cfg.discovery.kubeconfig } : {}),
      ...(cfg.discovery.apiServer ? { server: cfg.discovery.apiServer } : {}),
      ...(token ? { token } : {}),
    });
    kube = new KubernetesImageDiscovery({ kubeConfig: kc, inventory, maxPods: cfg.discovery.maxPods });
    if (cfg.discovery.pullSecrets) secrets = new PullSecretReader(kc.makeApiClient(CoreV1Api));
  } else if (cfg.discovery.runtime !== 'off') {
    const which = cfg.discovery.runtime === 'auto' ? (commandExists('podman') ? 'podman' : commandExists('docker') ? 'docker' : undefined) : cfg.discovery.runtime;
    if (which) runtime = new LocalRuntimeDiscovery({ runtime: which, inventory, intervalMs: cfg.discovery.runtimeIntervalMs, localImages: cfg.discovery.localImages });
    else log.warn('no Kubernetes and no podman or docker CLI: only configured images are scanned');
  }
  const extra = configuredImages(cfg.images);
  for (const e of extra.errors) log.warn(e);

  const observer: ScanObserver = { scanned: (...a) => metrics.scanned(...a) };
  service = new ScannerService({
    inventory,
    db: () => db.current(),
    policy: () => policy,
    credentials: async (use) => [...(secrets && use.pullSecrets.length > 0 ? await secrets.credentials(use.pullSecrets) : []), ...dockerCredentials],
    platform: platformOf(cfg.scan.platform),
    insecureRegistries: cfg.scan.insecureRegistries,
    ...(cfg.scan.tempDir ? { tempDir: cfg.scan.tempDir } : {}),
    concurrency: cfg.scan.concurrency,
    retryInitialMs: cfg.scan.retryInitialMs,
    retryMaxMs: cfg.scan.retryMaxMs,
    cache: {
      maxImages: cfg.cache.maxImages,
      maxBytes: cfg.cache.maxBytes,
      maxReportBytes: cfg.cache.maxReportBytes,
      maxLayers: cfg.cache.maxLayers,
      maxLayerBytes: cfg.cache.maxLayerBytes,
    },
    observer,
  });
  const metrics = createScannerMetrics({
    service,
    db: () => db.current()?.meta,
    maxWorkloadSeries: cfg.limits.maxWorkloadSeries,
    errors: () => ({
      kubernetes: kube?.stats().informerErrors ?? 0,
      runtime: runtime?.stats().failures ?? 0,
      'pull-secrets': secrets ? (({ notFound, forbidden, wrongType, malformed, errors }) => notFound + forbidden + wrongType + malformed + errors)(secrets.stats()) : 0,
      db: dbErrors.n,
    }),
    imagesDropped: () => inventory.dropped,
    build: { version: opts.version },
  });

  inventory.set('config', extra.contributions);
  const discoveryStarted = kube ? kube.start() : runtime ? runtime.start() : Promise.resolve();
  const refresh = setInterval(() => service?.refreshTags(), cfg.scan.refreshIntervalMs);
  refresh.unref();

  const app = createScannerApp(
    {
      service,
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
      ready: () => {
        if (!db.current()) return { ready: false, reason: `no vulnerability database in ${cfg.db.dir}` };
        if (kube && !kube.synced) return { ready: false, reason: 'the pod list has not been read yet' };
        if (runtime && !runtime.synced) return { ready: false, reason: 'the local runtime has not been polled yet' };
        return { ready: true };
      },
      db: () => {
        const d = db.current();
        return d ? { meta: d.meta, path: d.path } : undefined;
      },
      dbDir: cfg.db.dir,
      scannerVersion: opts.version,
    },
    { token: cfg.http.token },
  );
  let server: Server;
  try {
    server = await listen(app, cfg.http.listen);
  } catch (err) {
    clearInterval(refresh);
    await service.stop();
    await kube?.stop();
    runtime?.stop();
    db.stop();
    throw err;
  }
  const addr = server.address();
  const address = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : cfg.http.listen;
  log.info({ listen: address, kubernetes: Boolean(kube), runtime: runtime ? cfg.discovery.runtime : 'off', images: extra.contributions.length }, 'vigil scanner started');
  void discoveryStarted.then(() => log.info({ images: inventory.size }, 'discovery synced'));

  return {
    address,
    service,
    inventory,
    async stop() {
      clearInterval(refresh);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await kube?.stop();
      runtime?.stop();
      await service!.stop();
      db.stop();
    },
  };
}
