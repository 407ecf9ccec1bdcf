// One push request to Loki and what its answer means for the batch: delivered, retry later (429, 5xx, 408,
// network errors, timeouts, unreadable credentials), or refused for good (any other non-2xx status). Secrets
// read from files are re-read for every push (rotated tokens work) and never appear in a reason.

import { readFile } from 'node:fs/promises';
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/** Bounded error classes: they become a metric label. */
export type RetryClass = 'network' | 'timeout' | 'http_429' | 'http_5xx' | 'http_408' | 'credentials';

export type PushOutcome =
  | { kind: 'ok'; status: number }
  | { kind: 'retry'; cls: RetryClass; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'rejected'; status: number; reason: string };

export interface PushClientOptions {
  url: string;
  tenant: string;
  username: string;
  password: string;
  passwordFile: string;
  bearerToken: string;
  bearerTokenFile: string;
  caFile: string;
  gzip: boolean;
  timeoutMs: number;
  userAgent: string;
}

const MAX_SECRET_FILE = 64 * 1024;
const MAX_REASON = 512;

/** Retry-After as delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (v === '' || !/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** A short, printable, single-line excerpt of a server's answer for logs. */
function excerpt(text: string): string {
  // eslint-disable-next-line no-control-regex
  const s = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return s.length > MAX_REASON ? `${s.slice(0, MAX_REASON)}…` : s;
}

async function readSecret(path: string, what: string): Promise<string> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_SECRET_FILE) throw new Error(`${what} is larger than 64 KiB`);
    text = buf.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${what} ${path}: ${code ?? (err as Error).message}`);
  }
  // Files written by `echo` or Kubernetes secrets end with a newline that is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

export class LokiPushClient {
  private readonly endpoint: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  constructor(private readonly opts: PushClientOptions) {
    const base = opts.url.replace(/\/+$/, '');
    this.endpoint = new URL(`${base}/loki/api/v1/push`);
    this.https = this.endpoint.protocol === 'https:';
    this.agent = this.https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 2, ...(opts.caFile ? { ca: readFileSync(opts.caFile) } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  }

  get pushUrl(): string {
    return this.endpoint.toString();
  }

  private async authorization(): Promise<string | undefined> {
    const o = this.opts;
    if (o.bearerToken !== '' || o.bearerTokenFile !== '') {
      const token = o.bearerToken !== '' ? o.bearerToken : await readSecret(o.bearerTokenFile, 'bearerTokenFile');
      if (token === '' || /[\r\n]/.test(token)) throw new Error('the bearer token is empty or spans lines');
      return `Bearer ${token}`;
    }
    if (o.username !== '') {
      const password = o.password !== '' ? o.password : await readSecret(o.passwordFile, 'passwordFile');
      return `Basic ${Buffer.from(`${o.username}:${password}`, 'utf8').toString('base64')}`;
    }
    return undefined;
  }

  /** Compresses (when configured) once per batch; retries reuse the result. */
  async encode(json: string): Promise<Buffer> {
    const raw = Buffer.from(json, 'utf8');
    return this.opts.gzip ? gzip(raw, { level: 6 }) : raw;
  }

  async push(body: Buffer, signal?: AbortSignal): Promise<PushOutcome> {
    let auth: string | undefined;
    try {
      auth = await this.authorization();
    } catch (err) {
      return { kind: 'retry', cls: 'credentials', reason: (err as Error).message };
    }
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      'User-Agent': this.opts.userAgent,
    };
    if (this.opts.gzip) headers['Content-Encoding'] = 'gzip';
    if (this.opts.tenant !== '') headers['X-Scope-OrgID'] = this.opts.tenant;
    if (auth !== undefined) headers['Authorization'] = auth;

    return new Promise<PushOutcome>((resolve) => {
      let settled = false;
      const finish = (o: PushOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const send = this.https ? httpsRequest : httpRequest;
      const req = send(this.endpoint, { method: 'POST', headers, agent: this.agent }, (res) => {
        this.readAnswer(res).then(finish, (err: Error) => finish({ kind: 'retry', cls: 'network', reason: `reading the answer: ${err.message}` }));
      });
      const timer = setTimeout(() => {
        finish({ kind: 'retry', cls: 'timeout', reason: `no answer within ${this.opts.timeoutMs} ms` });
        req.destroy();
      }, this.opts.timeoutMs);
      const onAbort = () => {
        finish({ kind: 'retry', cls: 'network', reason: 'aborted (sink closing)' });
        req.destroy();
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish({ kind: 'retry', cls: 'network', reason: err.code ? `${err.code}: ${err.message}` : err.message });
      });
      req.end(body);
    });
  }

  private async readAnswer(res: IncomingMessage): Promise<PushOutcome> {
    const status = res.statusCode ?? 0;
    // Keep at most a few KiB of the answer for the reason; drain the rest so the connection can be reused.
    const chunks: Buffer[] = [];
    let kept = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (kept < 4096) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    }
    if (status >= 200 && status < 300) return { kind: 'ok', status };
    const text = excerpt(Buffer.concat(chunks).subarray(0, 4096).toString('utf8'));
    const reason = `HTTP ${status}${text ? `: ${text}` : ''}`;
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    if (status === 429) return { kind: 'retry', cls: 'http_429', status, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status >= 500) return { kind: 'retry', cls: 'http_5xx', status, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status === 408) return { kind: 'retry', cls: 'http_408', status, reason };
    return { kind: 'rejected', status, reason };
  }

  close(): void {
    this.agent.destroy();
  }
}
