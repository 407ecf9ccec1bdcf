// Configuration of `vigil node`: embedded defaults, then a YAML file, then VIGIL_* environment variables,
// then command-line flags. Every layer is validated by one zod schema; errors name file:line:column (for the
// file) or the variable/flag that was wrong.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { EVENT_TYPES } from '../events/types.js';
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js';

/**
 * Where opens are interesting by default: configuration, binaries, credentials, boot, kernel memory. Broad
 * /proc/ and /dev/ are left out on purpose: every `ps` and every /dev/null open would flood the stream.
 */
export const DEFAULT_OPEN_PREFIXES = [
  '/etc/', '/root/', '/home/', '/bin/', '/sbin/', '/usr/bin/', '/usr/sbin/', '/usr/local/bin/', '/boot/', '/lib/modules/',
  '/var/run/secrets/', '/run/secrets/', '/var/lib/kubelet/pods/', '/dev/mem', '/dev/kmem', '/dev/port', '/proc/kcore',
  '/proc/sysrq-trigger', '/var/log/',
];

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]*):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:9711');

export const NodeConfigSchema = z
  .object({
    node: z.object({ name: z.string().min(1).default(hostname()) }).strict().default({ name: hostname() }),
    http: z
      .object({
        listen: listen.default('0.0.0.0:9711'),
        /** Bearer token for /api/*; empty means no token is required. Prefer tokenFile. */
        token: z.string().default(''),
        tokenFile: z.string().default(''),
      })
      .strict()
      .default({ listen: '0.0.0.0:9711', token: '', tokenFile: '' }),
    sensor: z
      .object({
        loaderPath: z.string().default(''),
        ringbufBytes: z.number().int().min(65536).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
        intervalMs: z.number().int().min(100).max(60_000).default(1000),
        events: z.array(z.enum(EVENT_TYPES)).default([...EVENT_TYPES]),
        /** all: every open; prefixes: only below openPrefixes (plus writes/failures as set); none: counted only */
        openMode: z.enum(['all', 'prefixes', 'none']).default('prefixes'),
        openPrefixes: z.array(z.string().startsWith('/').max(255)).max(4096).default(DEFAULT_OPEN_PREFIXES),
        openWrites: z.boolean().default(false),
        openFailed: z.boolean().default(false),
        captureEnv: z.boolean().default(false),
        emitThreads: z.boolean().default(false),
        wakeupBytes: z.number().int().min(0).default(256 * 1024),
      })
      .strict()
      .prefault({}),
    stdout: z.object({ events: z.boolean().default(true) }).strict().prefault({}),
    journal: z
      .object({
        enabled: z.boolean().default(true),
        dir: z.string().default('/var/lib/vigil/journal'),
        maxBytes: z.number().int().min(1024 * 1024).default(256 * 1024 * 1024),
        segmentBytes: z.number().int().min(64 * 1024).default(16 * 1024 * 1024),
        maxAgeHours: z.number().positive().default(72),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** Recent events kept in memory for /api/v1/events. */
        recentEvents: z.number().int().min(100).max(1_000_000).default(20_000),
      })
      .strict()
      .prefault({}),
    containers: z
      .object({
        /** Hold a new container's events this long while its metadata arrives. */
        metadataWaitMs: z.number().int().min(0).max(10_000).default(1000),
        cgroupStatsIntervalMs: z.number().int().min(500).default(5000),
        /** Keep a gone container's series this long so the last samples are scraped. */
        goneRetentionMs: z.number().int().min(0).default(120_000),
        kubernetes: z.enum(['auto', 'on', 'off']).default('auto'),
        kubeconfig: z.string().default(''),
        runtime: z.enum(['auto', 'podman', 'docker', 'off']).default('auto'),
      })
      .strict()
      .prefault({}),
    rules: z
      .object({
        enabled: z.boolean().default(true),
        /** Falco-format rules files, loaded in order (later items override earlier ones). Empty: Vigil's default ruleset. */
        files: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        /** Identical alerts within this window fold into one summary with a count (0 turns it off). */
        dedupWindowMs: z.number().int().min(0).max(3_600_000).default(60_000),
        /** Alerts kept in memory for /api/v1/alerts. */
        recent: z.number().int().min(100).max(1_000_000).default(10_000),
        /** Print alerts on stdout too (one JSON line each, Falco's shape plus Vigil's keys). */
        stdout: z.boolean().default(true),
        /** At most one "kernel event drop" alert per this interval; it carries everything lost meanwhile. */
        dropAlertIntervalMs: z.number().int().min(1000).default(60_000),
      })
      .strict()
      .prefault({}),
    log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).strict().prefault({}),
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeConfigSchema>;

export class ConfigError extends Error {}

type Plain = { [k: string]: unknown };

function setPath(target: Plain, path: string[], value: unknown): void {
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
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b)
      ? deepMerge(b as Plain, v as Plain)
      : v;
  }
  return out;
}

/** VIGIL_SENSOR_OPEN_MODE=all -> sensor.openMode. Values are YAML scalars (numbers, booleans, [a, b] lists). */
const ENV_KEYS: Record<string, string[]> = {};
function registerEnvKeys(shape: Record<string, z.ZodType>, prefix: string[]): void {
  for (const [key, schema] of Object.entries(shape)) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) registerEnvKeys(inner.shape as Record<string, z.ZodType>, [...prefix, key]);
    else ENV_KEYS[`VIGIL_${[...prefix, key].map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`)).join('_').toUpperCase()}`] = [...prefix, key];
  }
}
function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.def.innerType as z.ZodType;
  return s;
}
registerEnvKeys(NodeConfigSchema.shape as Record<string, z.ZodType>, []);

export function envVariableNames(): string[] {
  return Object.keys(ENV_KEYS).sort();
}

function parseScalar(text: string): unknown {
  try {
    return parseYamlSource('env', text).doc.toJS();
  } catch {
    return text;
  }
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Already-dotted overrides from flags, e.g. {"http.listen": "127.0.0.1:9711"} */
  flags?: Record<string, unknown>;
}

export function loadNodeConfig(opts: LoadOptions = {}): NodeConfig {
  let merged: Plain = {};
  let src: YamlSource | undefined;
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${opts.file}: cannot read: ${(err as Error).message}`);
    }
    try {
      src = parseYamlSource(opts.file, text);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    const js: unknown = src.doc.toJS();
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) throw new ConfigError(`${opts.file}:1:1: the configuration must be a mapping`);
      merged = js as Plain;
    }
  }
  const fromFile = new Set<string>();
  const origin = new Map<string, string>();
  const env = opts.env ?? {};
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = env[name];
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
  void fromFile;
  const parsed = NodeConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((issue) => {
      const dotted = issue.path.join('.');
      const from = [...origin.entries()].find(([k]) => dotted === k || dotted.startsWith(`${k}.`))?.[1];
      const where = from ?? (src ? locate(src, issue.path) : 'configuration');
      return `${where}: ${dotted || '(root)'}: ${issue.message}`;
    });
    throw new ConfigError(msgs.join('\n'));
  }
  const cfg = parsed.data;
  if (cfg.http.tokenFile) {
    try {
      cfg.http.token = readFileSync(cfg.http.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`http.tokenFile ${cfg.http.tokenFile}: cannot read: ${(err as Error).message}`);
    }
  }
  return cfg;
}
