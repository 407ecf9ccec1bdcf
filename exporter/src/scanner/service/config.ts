// Configuration of `vigil scanner`: embedded defaults, then a YAML file, then VIGIL_SCANNER_* environment
// variables, then command-line flags, all validated by one zod schema. Errors name file:line:column (for the
// file, through config/yaml-source.ts), the variable, or the flag that was wrong.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { locate, parseYamlSource, type YamlSource } from '../../config/yaml-source.js';

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

type Plain = { [k: string]: unknown };

function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {};
    at = at[key] as Plain;
  }
  at[path[path.length - 1]!] = value;
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b)
        ? deepMerge(b as Plain, v as Plain)
        : v;
  }
  return out;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.def.innerType as z.ZodType;
  return s;
}

/** VIGIL_SCANNER_SCAN_CONCURRENCY -> scan.concurrency, for every leaf of the schema. */
const ENV_KEYS = new Map<string, string[]>();
(function register(shape: Record<string, z.ZodType>, prefix: string[]): void {
  for (const [key, schema] of Object.entries(shape)) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) register(inner.shape as Record<string, z.ZodType>, [...prefix, key]);
    else ENV_KEYS.set(`VIGIL_SCANNER_${[...prefix, key].map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`)).join('_').toUpperCase()}`, [...prefix, key]);
  }
})(ScannerConfigSchema.shape as Record<string, z.ZodType>, []);

export function scannerEnvVariableNames(): string[] {
  return [...ENV_KEYS.keys()].sort();
}

/** Environment values are YAML scalars: numbers, booleans and [a, b] lists read as such. */
function parseScalar(text: string): unknown {
  try {
    return parseYamlSource('env', text).doc.toJS();
  } catch {
    return text;
  }
}

export interface LoadScannerConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Dotted overrides from flags, e.g. {"http.listen": "127.0.0.1:9712"} */
  flags?: Record<string, unknown>;
}

export function loadScannerConfig(opts: LoadScannerConfigOptions = {}): ScannerConfig {
  let merged: Plain = {};
  let src: YamlSource | undefined;
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ScannerConfigError(`${opts.file}: cannot read: ${(err as Error).message}`);
    }
    try {
      src = parseYamlSource(opts.file, text);
    } catch (err) {
      throw new ScannerConfigError((err as Error).message);
    }
    const js: unknown = src.doc.toJS({ maxAliasCount: 100 });
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) throw new ScannerConfigError(`${opts.file}:1:1: the configuration must be a mapping`);
      merged = js as Plain;
    }
  }
  const origin = new Map<string, string>();
  for (const [name, path] of ENV_KEYS) {
    const value = opts.env?.[name];
    if (value === undefined) continue;
    const over: Plain = {};
    setPath(over, path, parseScalar(value));
    merged = deepMerge(merged, over);
    origin.set(path.join('.'), `environment variable ${name}`);
  }
  for (const [dotted, value] of Object.entries(opts.flags ?? {})) {
    if (value === undefined) continue;
    const over: Plain = {};
    setPath(over, dotted.split('.'), value);
    merged = deepMerge(merged, over);
    origin.set(dotted, `flag for ${dotted}`);
  }
  const parsed = ScannerConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((issue) => {
      const dotted = issue.path.join('.');
      const from = [...origin.entries()].find(([k]) => dotted === k || dotted.startsWith(`${k}.`))?.[1];
      const where = from ?? (src ? locate(src, issue.path) : 'configuration');
      return `${where}: ${dotted || '(root)'}: ${issue.message}`;
    });
    throw new ScannerConfigError(msgs.join('\n'));
  }
  const cfg = parsed.data;
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
