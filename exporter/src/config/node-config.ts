// Configuration of `vigil node`: embedded defaults, then a YAML file, then VIGIL_* environment variables,
// then command-line flags. Every layer is validated by one zod schema; errors name file:line:column (for the
// file) or the variable/flag that was wrong.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { EVENT_TYPES } from '../events/types.js';
import { LokiConfigSchema } from '../alerts/loki/config.js';
import { envKeysOf, loadLayered, type LayeredSources } from './layered.js';

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
        ringbufBytes: z
          .number()
          .int()
          .min(65536)
          .max(256 * 1024 * 1024)
          .refine((n) => (n & (n - 1)) === 0, 'the kernel ring buffer size must be a power of two (e.g. 4194304)')
          .default(4 * 1024 * 1024),
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
        recentEvents: z.number().int().min(100).max(1_000_000).default(5_000),
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
        recent: z.number().int().min(100).max(1_000_000).default(2_000),
        /** Print alerts on stdout too (one JSON line each, Falco's shape plus Vigil's keys). */
        stdout: z.boolean().default(true),
        /** At most one "kernel event drop" alert per this interval; it carries everything lost meanwhile. */
        dropAlertIntervalMs: z.number().int().min(1000).default(60_000),
      })
      .strict()
      .prefault({}),
    /** Responses (docs/responses.md): only rules that opt in with x-vigil-actions ever act. */
    responses: z
      .object({
        /** Report what would be done, do nothing. */
        dryRun: z.boolean().default(false),
        perMinute: z.number().int().min(1).max(10_000).default(30),
        burst: z.number().int().min(1).max(10_000).default(10),
        /** Act on host processes too (off: only processes in containers). */
        allowHost: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Alerts and capture activity to Loki (docs/loki.md); an empty url keeps everything local. */
    loki: LokiConfigSchema.prefault({}),
    recorder: z
      .object({
        enabled: z.boolean().default(true),
        /** Activity kept before and after an alert in its capture. */
        beforeMs: z.number().int().min(0).max(300_000).default(10_000),
        afterMs: z.number().int().min(0).max(300_000).default(5_000),
        /** Bounds of the per-container activity rings. */
        maxEntriesPerContainer: z.number().int().min(16).max(1_000_000).default(4096),
        maxTotalBytes: z.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
        maxAgeMs: z.number().int().min(1000).default(300_000),
        includeHost: z.boolean().default(true),
        /** Finished captures are kept as JSON files here (empty: memory only). */
        dir: z.string().default('/var/lib/vigil/captures'),
        maxFiles: z.number().int().min(1).default(1000),
      })
      .strict()
      .prefault({}),
    log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).strict().prefault({}),
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeConfigSchema>;

export class ConfigError extends Error {}

const ENV_KEYS = envKeysOf(NodeConfigSchema, 'VIGIL');

export function envVariableNames(): string[] {
  return [...ENV_KEYS.keys()].sort();
}

export type LoadOptions = LayeredSources;

export function loadNodeConfig(opts: LoadOptions = {}): NodeConfig {
  const cfg = loadLayered(NodeConfigSchema, ENV_KEYS, opts, (m) => new ConfigError(m));
  if (cfg.http.tokenFile) {
    try {
      cfg.http.token = readFileSync(cfg.http.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`http.tokenFile ${cfg.http.tokenFile}: cannot read: ${(err as Error).message}`);
    }
    // An empty file must not quietly mean "no authentication".
    if (cfg.http.token === '') throw new ConfigError(`http.tokenFile ${cfg.http.tokenFile}: the file is empty; put the bearer token in it`);
  }
  return cfg;
}
