// The `loki:` section of the node configuration. An empty url turns the sink off. docs/loki.md lists every key.

import { z } from 'zod';

const MiB = 1024 * 1024;

/** Loki's tenant ids: at most 150 of these characters (and not "." or ".."). */
const TENANT_RE = /^[a-zA-Z0-9!\-_.*'()]{1,150}$/;
const LABEL_VALUE_RE = /^[^\u0000-\u001f]{1,128}$/;

export const LokiConfigSchema = z
  .object({
    /** Base URL of Loki (http or https, optionally with a path prefix); pushes go to {url}/loki/api/v1/push. Empty: off. */
    url: z.string().default(''),
    /** Sent as X-Scope-OrgID; empty: no header (single-tenant Loki). */
    tenant: z.string().default(''),
    /** Basic auth user; the password comes from `password` or, preferably, `passwordFile`. */
    username: z.string().default(''),
    password: z.string().default(''),
    passwordFile: z.string().default(''),
    /** Bearer token, inline or (preferably) from a file re-read for every push, so rotated tokens are picked up. */
    bearerToken: z.string().default(''),
    bearerTokenFile: z.string().default(''),
    /** PEM bundle of the CAs that sign Loki's certificate (https only); empty: the system's. */
    caFile: z.string().default(''),
    /** Compress pushes with gzip (Content-Encoding: gzip). */
    gzip: z.boolean().default(true),
    /** Value of the `job` stream label. */
    job: z.string().regex(LABEL_VALUE_RE, 'a short printable label value').default('vigil'),
    /** Send the flight recorder's activity lines as well as alerts. */
    activity: z.boolean().default(true),
    batchMaxEntries: z.number().int().min(1).max(100_000).default(1000),
    batchMaxBytes: z.number().int().min(1024).max(16 * MiB).default(MiB),
    /** Longest an entry waits for its batch to fill before it is sent anyway. */
    batchMaxWaitMs: z.number().int().min(1).max(60_000).default(1000),
    /** Shorter wait once an alert is in the batch: alerts reach Loki within this (plus the push) when Loki is up. */
    alertMaxWaitMs: z.number().int().min(1).max(60_000).default(200),
    /** Deadline of one push request, connect to response. */
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    /** Retry delays: exponential from backoffMinMs, capped at backoffMaxMs, with full jitter. */
    backoffMinMs: z.number().int().min(1).max(600_000).default(500),
    backoffMaxMs: z.number().int().min(1).max(3_600_000).default(30_000),
    /** Retry-After beyond this is shortened to it (a hostile or broken server cannot park the sink for days). */
    retryAfterMaxMs: z.number().int().min(1).max(3_600_000).default(300_000),
    spoolDir: z.string().min(1).default('/var/lib/vigil/loki-spool'),
    /** Bound of the on-disk spool; past it the oldest entries are dropped (and counted). */
    spoolMaxBytes: z.number().int().min(MiB).max(1024 * 1024 * MiB).default(256 * MiB),
    /** Activity entries are fdatasync'ed within this interval; alerts as soon as they are written. */
    fsyncIntervalMs: z.number().int().min(0).max(60_000).default(1000),
    /** Longest line sent (Loki's default max_line_size is 256 KB); longer alerts lose their `event` copy first. */
    maxLineBytes: z.number().int().min(4096).max(16 * MiB).default(256_000),
    /**
     * For a Loki tenant with unordered_writes: false. Never send an entry older than the last one sent on its
     * stream: such an entry gets the stream's last timestamp (its line keeps the true time).
     */
    strictOrdering: z.boolean().default(false),
    /** On shutdown, keep pushing for at most this long; what is left stays in the spool for the next start. */
    closeTimeoutMs: z.number().int().min(0).max(60_000).default(5000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.url !== '') {
      let u: URL | undefined;
      try {
        u = new URL(c.url);
      } catch {
        issue('url', 'not a URL');
      }
      if (u) {
        if (u.protocol !== 'http:' && u.protocol !== 'https:') issue('url', 'must be http:// or https://');
        if (u.username !== '' || u.password !== '') issue('url', 'put credentials in username/passwordFile, not in the URL');
        if (u.search !== '' || u.hash !== '') issue('url', 'must not have a query or fragment');
        if (u.protocol === 'http:' && c.caFile !== '') issue('caFile', 'only meaningful with an https url');
      }
    }
    if (c.tenant !== '' && (!TENANT_RE.test(c.tenant) || c.tenant === '.' || c.tenant === '..')) {
      issue('tenant', "Loki tenant ids are 1-150 characters of a-z A-Z 0-9 ! - _ . * ' ( )");
    }
    const basic = c.password !== '' || c.passwordFile !== '';
    const bearer = c.bearerToken !== '' || c.bearerTokenFile !== '';
    if (c.password !== '' && c.passwordFile !== '') issue('password', 'set password or passwordFile, not both');
    if (c.bearerToken !== '' && c.bearerTokenFile !== '') issue('bearerToken', 'set bearerToken or bearerTokenFile, not both');
    if (basic && bearer) issue('bearerToken', 'choose basic auth or a bearer token, not both');
    if (basic && c.username === '') issue('username', 'basic auth needs a username');
    if (c.username !== '' && !basic) issue('password', 'username is set but neither password nor passwordFile');
    if (c.username.includes(':')) issue('username', 'a basic-auth username cannot contain ":"');
    if (c.backoffMinMs > c.backoffMaxMs) issue('backoffMinMs', 'must not exceed backoffMaxMs');
    if (c.maxLineBytes > c.spoolMaxBytes / 8) issue('maxLineBytes', 'must be at most spoolMaxBytes / 8');
    if (c.maxLineBytes > c.batchMaxBytes) issue('maxLineBytes', 'must not exceed batchMaxBytes');
  });

export type LokiConfig = z.infer<typeof LokiConfigSchema>;
export type LokiConfigInput = z.input<typeof LokiConfigSchema>;
