// The Distribution auth flow: a request answered 401 carries a WWW-Authenticate challenge. "Basic" means send the
// credentials; "Bearer realm=...,service=...,scope=..." means fetch a token from the realm (with the credentials, if
// any, as Basic auth) and retry with it. Tokens are cached per realm, service and scope until shortly before expiry.
import { readBounded } from './verify-stream.js';
import { SourceError } from './errors.js';
import type { RegistryCredential } from './credentials.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"` (RFC 7235). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    if (p[0] === '') break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

export function basicAuth(cred: RegistryCredential): string | undefined {
  if (cred.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password ?? ''}`).toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const MAX_TOKEN_RESPONSE = 1024 * 1024;

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  set(key: string, token: string, lifetimeSeconds: number): void {
    // Renew a little early so that a token never expires between the check and the request.
    const margin = Math.min(10, lifetimeSeconds / 4);
    this.tokens.set(key, { token, expiresAt: this.now() + (lifetimeSeconds - margin) * 1000 });
  }

  get size(): number {
    return this.tokens.size;
  }
}

export interface TokenRequest {
  challenge: Challenge;
  scope: string;
  credential: RegistryCredential | undefined;
  timeoutMs: number;
  /** Refuse to send credentials to a realm over plain http unless the realm host is allowed to be insecure. */
  allowHttp: (host: string) => boolean;
}

export async function fetchToken(req: TokenRequest, cache: TokenCache): Promise<string> {
  const realm = req.challenge.params.realm;
  if (!realm) throw new SourceError('unauthorized', 'registry sent a Bearer challenge without a realm');
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new SourceError('unauthorized', `registry sent an invalid token realm ${JSON.stringify(realm)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && req.allowHttp(url.host))) {
    throw new SourceError('unauthorized', `token realm ${url.origin} is not https; refusing to use it`);
  }
  const service = req.challenge.params.service;
  const key = `${url.origin}${url.pathname}|${service ?? ''}|${req.scope}|${req.credential?.username ?? ''}`;
  const cached = cache.get(key);
  if (cached) return cached;
  if (service) url.searchParams.set('service', service);
  url.searchParams.set('scope', req.scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  let method = 'GET';
  let body: string | undefined;
  if (req.credential?.identityToken) {
    // docker's OAuth2 refresh-token grant for registries that issued an identity token at login.
    method = 'POST';
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: req.credential.identityToken, scope: req.scope, client_id: 'vigil' });
    if (service) form.set('service', service);
    body = form.toString();
  } else if (req.credential) {
    const auth = basicAuth(req.credential);
    if (auth) headers.authorization = auth;
  }
  let res: Response;
  try {
    // A POST carries the refresh token in its body: a redirect must never replay it to another place.
    res = await fetch(url, { method, headers, ...(body ? { body } : {}), redirect: method === 'POST' ? 'error' : 'follow', signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    throw new SourceError(timeout ? 'timeout' : 'network', `token request to ${url.origin} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.status === 401 || res.status === 403) {
    throw new SourceError('unauthorized', `token server ${url.origin} refused the ${req.credential ? 'credentials' : 'anonymous request'} for ${req.scope} (HTTP ${res.status})`);
  }
  if (!res.ok) throw new SourceError('registry-error', `token server ${url.origin} answered HTTP ${res.status}`);
  // Read at most MAX_TOKEN_RESPONSE bytes: a hostile realm could otherwise stream gigabytes into memory.
  let text: string;
  try {
    text = res.body ? (await readBounded(res.body as unknown as AsyncIterable<Uint8Array>, MAX_TOKEN_RESPONSE, `token response from ${url.origin}`)).toString('utf8') : '';
  } catch (err) {
    if (err instanceof SourceError) throw new SourceError('registry-error', `token response from ${url.origin} is too large or broken: ${err.message}`, { cause: err });
    throw err;
  }
  let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    throw new SourceError('registry-error', `token response from ${url.origin} is not JSON`);
  }
  const token = typeof json.token === 'string' ? json.token : typeof json.access_token === 'string' ? json.access_token : undefined;
  if (!token) throw new SourceError('registry-error', `token response from ${url.origin} holds no token`);
  // The spec's default lifetime is 60 seconds when expires_in is absent.
  const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? Math.min(json.expires_in, 86400) : 60;
  cache.set(key, token, lifetime);
  return token;
}
