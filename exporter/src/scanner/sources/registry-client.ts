// A client for the OCI Distribution API v2 on Node's fetch: manifests and blobs of one registry, with the
// WWW-Authenticate auth flow, manual redirects (blob storage usually lives on another host, which must never see the
// registry's Authorization header), digest verification while streaming, and timeouts on every request.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { SourceError } from './errors.js';
import { findCredential, type RegistryCredential } from './credentials.js';
import { basicAuth, fetchToken, parseChallenge, TokenCache, type Challenge } from './registry-auth.js';
import { DOCKER_HUB } from './reference.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES } from './manifest.js';
import { digestAlgorithm, digestOf, readBounded, VerifyingStream } from './verify-stream.js';
import { isIP } from 'node:net';

export interface RegistryClientOptions {
  /** Credentials to use; looked up by registry host. */
  credentials?: RegistryCredential[];
  /** Registries (host or host:port) spoken to over plain http. Loopback registries always may be. */
  insecureRegistries?: string[];
  /** Time allowed until response headers arrive. */
  requestTimeoutMs?: number;
  /** Time a blob download may stall without a single byte before it is aborted. */
  blobIdleTimeoutMs?: number;
  userAgent?: string;
  /** Shared across clients so that one scanner process reuses tokens; a private cache otherwise. */
  tokenCache?: TokenCache;
}

const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;

export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

/** Resets a timer on every chunk and aborts the download when the stream stalls. */
class IdleWatch extends Transform {
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number, private readonly onIdle: () => void) {
    super({ highWaterMark: 256 * 1024 });
    this.arm();
  }
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onIdle(), this.ms);
    this.timer.unref();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.arm();
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    clearTimeout(this.timer);
    done();
  }
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    cb(err);
  }
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  contentType: string | undefined;
}

export class RegistryClient {
  readonly registry: string;
  private readonly base: URL;
  private readonly credential: RegistryCredential | undefined;
  private readonly tokens: TokenCache;
  private readonly requestTimeoutMs: number;
  private readonly blobIdleTimeoutMs: number;
  private readonly userAgent: string;
  private readonly insecure: Set<string>;
  private challenge: Challenge | undefined;

  constructor(registry: string, private readonly options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.insecure = new Set((options.insecureRegistries ?? []).map((h) => h.toLowerCase()));
    const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
    const http = this.insecure.has(registry.toLowerCase()) || isLoopbackHost(registry);
    this.base = new URL(`${http ? 'http' : 'https'}://${host}/`);
    this.credential = findCredential(options.credentials ?? [], registry);
    this.tokens = options.tokenCache ?? new TokenCache();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.blobIdleTimeoutMs = options.blobIdleTimeoutMs ?? 60_000;
    this.userAgent = options.userAgent ?? 'vigil-scanner';
  }

  private allowHttp = (host: string): boolean => this.insecure.has(host.toLowerCase()) || isLoopbackHost(host);

  /** GET /v2/: tells whether this is a v2 registry and which auth scheme it wants. */
  async ping(): Promise<{ status: number; challenge?: Challenge }> {
    const res = await this.send(new URL('/v2/', this.base), { headers: {} });
    await res.body?.cancel();
    if (res.status !== 200 && res.status !== 401) {
      throw new SourceError('registry-error', `${this.registry} does not look like a v2 registry (GET /v2/ answered HTTP ${res.status})`);
    }
    const header = res.headers.get('www-authenticate');
    if (res.status === 401 && header) this.challenge = parseChallenge(header);
    return { status: res.status, ...(this.challenge ? { challenge: this.challenge } : {}) };
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `manifest ${this.registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const res = await this.authorized(repository, `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, { accept: MANIFEST_ACCEPT }, what);
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (length > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      throw new SourceError('manifest-too-large', `${what} is ${length} bytes; manifests over ${MAX_MANIFEST_BYTES} bytes are refused`);
    }
    const bytes = await readBounded(bodyOf(res), MAX_MANIFEST_BYTES, what, 'manifest-too-large');
    const algorithm = reference.startsWith('sha512:') ? 'sha512' : 'sha256';
    const digest = digestOf(bytes, algorithm);
    if (reference.includes(':') && reference !== digest) {
      throw new SourceError('digest-mismatch', `${what}: the registry returned content with digest ${digest}`);
    }
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed.startsWith(`${algorithm}:`) && claimed !== digest) {
      throw new SourceError('digest-mismatch', `${what}: Docker-Content-Digest ${claimed} does not match the content (${digest})`);
    }
    return { bytes, digest, contentType: res.headers.get('content-type') ?? undefined };
  }

  /** Opens a blob as a stream that fails unless its bytes hash to `digest` (and add up to `size`, when given). */
  async openBlob(repository: string, digest: string, size?: number): Promise<Readable> {
    digestAlgorithm(digest);
    const what = `blob ${this.registry}/${repository}@${digest}`;
    const controller = new AbortController();
    const res = await this.authorized(repository, `/v2/${repository}/blobs/${digest}`, { signal: controller.signal }, what);
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (size !== undefined && Number.isFinite(length) && length !== size) {
      await res.body?.cancel();
      throw new SourceError('size-mismatch', `${what}: server offers ${length} bytes, the manifest declares ${size}`);
    }
    const idle = new IdleWatch(this.blobIdleTimeoutMs, () => {
      controller.abort();
      idle.destroy(new SourceError('timeout', `${what}: no data for ${this.blobIdleTimeoutMs} ms`));
    });
    const verify = new VerifyingStream(digest, size, what);
    const body = bodyOf(res);
    body.on('error', (err) => verify.destroy(err instanceof SourceError ? err : new SourceError('network', `${what}: ${err.message}`, { cause: err })));
    idle.on('error', (err) => verify.destroy(err));
    verify.on('close', () => {
      if (!verify.readableEnded) body.destroy();
    });
    return body.pipe(idle).pipe(verify);
  }

  /** A small blob (an image config) read whole, verified, bounded. */
  async fetchBlob(repository: string, digest: string, size: number | undefined, max: number): Promise<Buffer> {
    if (size !== undefined && size > max) throw new SourceError('blob-too-large', `blob ${digest} declares ${size} bytes (limit ${max})`);
    return readBounded(await this.openBlob(repository, digest, size), max, `blob ${this.registry}/${repository}@${digest}`);
  }

  private async authHeaderFor(repository: string, challenge: Challenge | undefined): Promise<string | undefined> {
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return this.credential ? basicAuth(this.credential) : undefined;
    if (challenge.scheme === 'bearer') {
      const scope = `repository:${repository}:pull`;
      return `Bearer ${await fetchToken({ challenge, scope, credential: this.credential, timeoutMs: this.requestTimeoutMs, allowHttp: this.allowHttp }, this.tokens)}`;
    }
    throw new SourceError('unauthorized', `${this.registry} asks for unsupported auth scheme ${challenge.scheme}`);
  }

  /** A GET with auth: answer a 401 challenge once (token or Basic), then map failures to clear errors. */
  private async authorized(repository: string, path: string, init: { accept?: string; signal?: AbortSignal }, what: string): Promise<Response> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = {};
    if (init.accept) headers.accept = init.accept;
    let auth = await this.authHeaderFor(repository, this.challenge);
    let res = await this.send(url, { headers: auth ? { ...headers, authorization: auth } : headers, ...(init.signal ? { signal: init.signal } : {}) });
    if (res.status === 401) {
      const header = res.headers.get('www-authenticate');
      await res.body?.cancel();
      const challenge = header ? parseChallenge(header) : undefined;
      if (!challenge) throw new SourceError('unauthorized', `${what}: HTTP 401 without a usable WWW-Authenticate challenge`);
      this.challenge = challenge;
      const retry = await this.authHeaderFor(repository, challenge);
      if (!retry || retry === auth) {
        throw new SourceError('unauthorized', `${what}: ${this.registry} requires authentication${this.credential ? ' and refused the credentials' : ' and no credentials are configured for it'}`);
      }
      auth = retry;
      res = await this.send(url, { headers: { ...headers, authorization: auth }, ...(init.signal ? { signal: init.signal } : {}) });
    }
    if (res.ok) return res;
    const detail = await errorDetail(res);
    if (res.status === 401 || res.status === 403) throw new SourceError('unauthorized', `${what}: access denied (HTTP ${res.status}${detail})`);
    if (res.status === 404) throw new SourceError('not-found', `${what}: not found (HTTP 404${detail})`);
    if (res.status === 429) throw new SourceError('registry-error', `${what}: rate limited by ${this.registry} (HTTP 429${detail})`);
    throw new SourceError('registry-error', `${what}: HTTP ${res.status}${detail}`);
  }

  /** One request with redirects followed by hand: Authorization goes only to the registry's own host. */
  private async send(url: URL, init: { headers: Record<string, string>; signal?: AbortSignal }): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...init.headers };
      if (current.host !== this.base.host) delete headers.authorization;
      const timeout = AbortSignal.timeout(this.requestTimeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await fetch(current, { headers, redirect: 'manual', signal });
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'TimeoutError') throw new SourceError('timeout', `${current.origin}: no response within ${this.requestTimeoutMs} ms`, { cause: err });
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        throw new SourceError('network', `${current.origin}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`, { cause: err });
      }
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = res.headers.get('location');
      await res.body?.cancel();
      if (!location) throw new SourceError('registry-error', `${current.origin}: redirect without a Location`);
      const next = new URL(location, current);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && (current.protocol === 'http:' || this.allowHttp(next.host)))) {
        throw new SourceError('registry-error', `${current.origin}: refusing redirect to ${next.protocol}//${next.host}`);
      }
      current = next;
    }
    throw new SourceError('too-many-redirects', `${url.origin}${url.pathname}: more than ${MAX_REDIRECTS} redirects`);
  }
}

function bodyOf(res: Response): Readable {
  if (!res.body) return Readable.from([]);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const text = (await readBounded(bodyOf(res), MAX_ERROR_BODY, 'error body')).toString('utf8');
    const json = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const e = json.errors?.[0];
    return e ? `: ${[e.code, e.message].filter(Boolean).join(' ').slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
