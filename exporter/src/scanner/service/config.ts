// Configuration of `vigil scanner`: embedded defaults, then a YAML file, then VIGIL_SCANNER_* environment
// variables, then command-line flags, all validated by one zod schema. Errors name file:line:column (for the
// file, through config/yaml-source.ts), the variable, or the flag that was wrong.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envKeysOf, loadLayered, type LayeredSources } from '../../config/layered.js';

const listen = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]*):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:9712');
const platform = z.string().regex(/^[a-z0-9._-]{1,32}\/[a-z0-9._-]{1,32}(\/[a-z0-9._-]{1,32})?$/, 'expected os/arch[/variant], e.g. linux/amd64');
const MiB = 1024 * 1024;

export const ScannerConfigSchema = z
  .strictObject({
    http: z
      .strictObject({
        listen: listen.default('0.0.0.0:9712'),
        /** Bearer token for /api/*; empty means none is required. Prefer tokenFile. */
        token: z.string().default(''),
        tokenFile: z.string().default(''),
      })
      .prefault({}),
    db: z
      .strictObject({
        dir: z.string().min(1).default('/var/lib/vigil/db'),
        /** How often the DB's `current` generation is checked (a filesystem watch also notices imports at once). */
        pollIntervalMs: z.number().int().min(200).max(3_600_000).default(10_000),
      })
      .prefault({}),
    discovery: z
      .strictObject({
        /** auto: when running in a cluster (KUBERNETES_SERVICE_HOST) or given a kubeconfig / apiServer */
        kubernetes: z.enum(['auto', 'on', 'off']).default('auto'),
        kubeconfig: z.string().default(''),
        /** An API server URL (with an optional token file) instead of a kubeconfig */
        apiServer: z.string().default(''),
        apiTokenFile: z.string().default(''),
        /** Read the kubernetes.io/dockerconfigjson secrets that pods name in imagePullSecrets (only those). */
        pullSecrets: z.boolean().default(true),
        maxPods: z.number().int().min(1).max(1_000_000).default(50_000),
        /** Outside a cluster: the local container runtime */
        runtime: z.enum(['auto', 'podman', 'docker', 'off']).default('auto'),
        runtimeIntervalMs: z.number().int().min(1000).max(3_600_000).default(30_000),
        /** running: images of running containers; all: every image in the local store */
        localImages: z.enum(['running', 'all']).default('running'),
      })
      .prefault({}),
    /** Images to scan although nothing runs them (registry references in any form `vigil scan` accepts). */
    images: z.array(z.string().min(1).max(4096)).max(10_000).default([]),
    scan: z
      .strictObject({
        concurrency: z.number().int().min(1).max(32).default(2),
        platform: platform.default('linux/amd64'),
        insecureRegistries: z.array(z.string().min(1).max(255)).max(1000).default([]),
        /** A docker config.json with registry credentials (in addition to pull secrets) */
        dockerConfig: z.string().default(''),
        policyFile: z.string().default(''),
        ignoreFile: z.string().default(''),
        vexFiles: z.array(z.string().min(1)).max(1000).default([]),
        retryInitialMs: z.number().int().min(100).default(30_000),
        retryMaxMs: z.number().int().min(100).default(3_600_000),
        /** Images referenced by tag (configured images, pods without a digest) are pulled again this often. */
        refreshIntervalMs: z.number().int().min(60_000).default(6 * 3_600_000),
        tempDir: z.string().default(''),
      })
      .prefault({}),
    cache: z
      .strictObject({
        /** Catalogued images (packages per digest) kept so a DB change re-matches without pulling */
        maxImages: z.number().int().min(1).max(100_000).default(1024),
        maxBytes: z.number().int().min(MiB).default(256 * MiB),
        /** Full assessments (findings) kept for the API; evicted ones are recomputed from the catalogue */
        maxReportBytes: z.number().int().min(MiB).default(128 * MiB),
        /** Layers kept (per blob digest) so that images on a shared base read only their own layers; 0 bytes turns it off */
        maxLayers: z.number().int().min(1).max(1_000_000).default(2048),
        maxLayerBytes: z
          .number()
          .int()
          .refine((n) => n === 0 || n >= MiB, `must be 0 (off) or at least ${MiB} (1 MiB)`)
          .default(128 * MiB),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Images tracked at once (in use plus configured); more are counted and ignored */
        maxImages: z.number().int().min(1).max(100_000).default(5000),
        /** Series of vigil_workload_vulnerabilities; more are counted in vigil_scanner_series_dropped_total */
        maxWorkloadSeries: z.number().int().min(12).max(1_000_000).default(60_000),
      })
      .prefault({}),
    log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
  });

export type ScannerConfig = z.infer<typeof ScannerConfigSchema>;

export class ScannerConfigError extends Error {
  override readonly name = 'ScannerConfigError';
}

/** VIGIL_SCANNER_SCAN_CONCURRENCY -> scan.concurrency, for every leaf of the schema. */
const ENV_KEYS = envKeysOf(ScannerConfigSchema, 'VIGIL_SCANNER');

export function scannerEnvVariableNames(): string[] {
  return [...ENV_KEYS.keys()].sort();
}

export type LoadScannerConfigOptions = LayeredSources;

export function loadScannerConfig(opts: LoadScannerConfigOptions = {}): ScannerConfig {
  const cfg = loadLayered(ScannerConfigSchema, ENV_KEYS, opts, (m) => new ScannerConfigError(m));
  if (cfg.http.tokenFile) {
    try {
      cfg.http.token = readFileSync(cfg.http.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ScannerConfigError(`http.tokenFile ${cfg.http.tokenFile}: cannot read: ${(err as Error).message}`);
    }
  }
  if (cfg.scan.retryMaxMs < cfg.scan.retryInitialMs) throw new ScannerConfigError('scan.retryMaxMs: must not be below scan.retryInitialMs');
  return cfg;
}
