// A STAND-IN for Grafana Loki. Loki cannot be installed on these machines (Debian's package named "loki" is an
// unrelated genetics tool; no other network), so tests talk to this small server on 127.0.0.1, which speaks the
// documented HTTP API for what Vigil uses and checks every push strictly:
//
//  POST /loki/api/v1/push        Content-Type: application/json (parameters allowed), Content-Encoding: none,
//                                gzip or deflate; body {"streams":[{"stream":{name:value,...},"values":[["<ns>",
//                                "<line>"(, {structured metadata})],...]},...]} and nothing else. Label names match
//                                [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__"; at most 15 labels, names <=
//                                1024 bytes, values <= 2048 bytes; timestamps are strings of decimal digits that
//                                fit an int64. Stricter than Loki where Vigil's contract is: an empty label value
//                                (Loki silently drops the label) and an empty `values` array are deviations too.
//                                Structural errors reject the whole push with 400; per-entry errors (line longer
//                                than 256 KiB, older than the reject-old-samples age, more than 10 min in the
//                                future, out of order) reject those entries and keep the others, with 400 — as
//                                Loki's distributor and ingesters do. Success is 204 No Content.
//                                Ordering: 'strict' (a tenant with unordered_writes: false: no entry older than
//                                the newest one accepted on its stream) or 'unordered' (Loki's default since 2.4:
//                                no entry older than the newest minus max_chunk_age/2 = 1 h). An entry equal to one
//                                already held (same stream, timestamp and line) is ignored, as Loki does.
//  GET  /loki/api/v1/query_range query=<exact-match stream selector {a="b",c="d"}>, start, end (ns, s, float s or
//                                RFC 3339; start inclusive, end exclusive; default the last hour), limit (default
//                                100), direction (backward by default | forward) -> {"status":"success","data":
//                                {"resultType":"streams","result":[{"stream":{...},"values":[["<ns>","<line>"]]}],
//                                "stats":{...}}}. Line filters, parsers and metric queries are not supported (400)
//                                unless `logql` is set (below).
//  With `logql = true` (what the Grafana stand-in and the plugin's browser tests use), query_range and
//  GET /loki/api/v1/query (instant, `time`) evaluate the LogQL subset of loki-logql.ts: stream selectors with
//  = != =~ !~, line filters, `| json`, label filters, and count_over_time/rate/bytes_* with sum/count/min/max/avg
//  by/without. Metric queries answer {"resultType":"matrix","result":[{"metric":{...},"values":[[<s>,"<v>"]]}]}
//  (instant: "vector" with "value"); `step` is a duration ("15s") or float seconds, default
//  max(1 s, (end - start) / 250) as in Loki. What it cannot evaluate is a 400 with Loki's error text.
//  GET  /ready
//
// Multi-tenancy as with auth_enabled: true when `multiTenant` is set (X-Scope-OrgID required, 401 "no org id"
// without it; entries are kept per tenant), else every request is tenant "fake". `auth` plays the reverse proxy
// that real deployments put in front of Loki (basic or bearer; 401 on a mismatch).
//
// Failure modes for tests: down('refuse') closes the listener (connection refused), down('reset') accepts and
// destroys every connection; failNext(n, status, retryAfter) answers the next n pushes with that status; delayMs
// holds each push that long before answering (entries of a push whose client gave up are still accepted, like a
// distributor that already forwarded them).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { evalMetric, evaluationPoints, labelKey, parseDurationNs, parseLogQL, QueryError, runPipeline, selectorMatches, type LogQuery, type ParsedQuery } from './loki-logql.js';

export interface StandInEntry {
  tenant: string;
  labels: Record<string, string>;
  tsNs: string;
  line: string;
}

export interface PushLog {
  status: number;
  tenant: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** Bytes on the wire. */
  bodyBytes: number;
  /** Entries in the push and entries newly accepted from it. */
  entries: number;
  accepted: number;
  error?: string;
}

export type StandInAuth = { basic: { username: string; password: string } } | { bearer: string };

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NS_RE = /^\d{1,19}$/;
const MAX_INT64 = 9223372036854775807n;
const MAX_BODY = 64 * 1024 * 1024;
const MAX_LINE = 256 * 1024;
const HOUR_NS = 3_600_000_000_000n;

class BadPush extends Error {}

interface StreamState {
  labels: Record<string, string>;
  newest: bigint;
  seen: Set<string>;
}

function streamKey(tenant: string, labels: Record<string, string>): string {
  return `${tenant}\u0000${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}`;
}

/** Loki's time parameters: integer ns (or s when <= 10 digits), float seconds, or RFC 3339. */
export function parseLokiTime(value: string | null, fallbackNs: bigint): bigint {
  if (value === null || value === '') return fallbackNs;
  if (value.includes('.') && /^\d+\.\d*$/.test(value)) {
    const [s, f = ''] = value.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(f.slice(0, 9).padEnd(9, '0'));
  }
  if (/^\d+$/.test(value)) return value.length <= 10 ? BigInt(value) * 1_000_000_000n : BigInt(value);
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) throw new BadPush(`cannot parse "${value}" to a valid timestamp`);
  return BigInt(Date.parse(`${m[1]}${m[3]}`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** {a="b", c="d"}: exact-match matchers only; Go-style "..." or `...` values. */
export function parseSelector(query: string): [string, string][] {
  const s = query.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) throw new BadPush('this stand-in supports only a stream selector {name="value",...} (no pipelines or metric queries)');
  const body = s.slice(1, -1);
  const out: [string, string][] = [];
  let i = 0;
  const ws = () => {
    while (i < body.length && /\s/.test(body[i]!)) i++;
  };
  ws();
  while (i < body.length) {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(body.slice(i))?.[0];
    if (!name) throw new BadPush(`parse error at ${i + 1}: expected a label name`);
    i += name.length;
    ws();
    if (body[i] !== '=' || body[i + 1] === '~') throw new BadPush(`parse error at ${i + 1}: this stand-in supports only exact-match (=) matchers`);
    i++;
    ws();
    const q = body[i];
    let value = '';
    if (q === '`') {
      const end = body.indexOf('`', i + 1);
      if (end < 0) throw new BadPush('parse error: unterminated raw string');
      value = body.slice(i + 1, end);
      i = end + 1;
    } else if (q === '"') {
      let j = i + 1;
      for (; j < body.length && body[j] !== '"'; j++) if (body[j] === '\\') j++;
      if (j >= body.length) throw new BadPush('parse error: unterminated string');
      try {
        value = JSON.parse(body.slice(i, j + 1)) as string;
      } catch {
        throw new BadPush('parse error: invalid escape in a string');
      }
      i = j + 1;
    } else {
      throw new BadPush(`parse error at ${i + 1}: expected a quoted value`);
    }
    out.push([name, value]);
    ws();
    if (i < body.length) {
      if (body[i] !== ',') throw new BadPush(`parse error at ${i + 1}: expected "," or "}"`);
      i++;
      ws();
    }
  }
  if (!out.some(([, v]) => v !== '')) {
    throw new BadPush('queries require at least one regexp or equality matcher that does not have an empty-compatible value');
  }
  return out;
}

export class LokiStandIn {
  /** Every entry accepted, in arrival order. */
  readonly entries: StandInEntry[] = [];
  readonly pushes: PushLog[] = [];
  /** Each deviation from the documented format or ordering, as the 400 said it. */
  readonly violations: string[] = [];
  /** Entries ignored because an identical one was already held. */
  duplicates = 0;
  ordering: 'strict' | 'unordered' = 'strict';
  multiTenant = false;
  auth: StandInAuth | undefined;
  delayMs = 0;
  /** Loki's reject_old_samples_max_age (default 1 week) and creation_grace_period (10 min). */
  rejectOlderThanMs = 7 * 24 * 3_600_000;
  creationGraceMs = 10 * 60_000;
  /** Evaluate LogQL (loki-logql.ts) instead of exact-match selectors only. */
  logql = false;
  /** Loki's max_entries_limit_per_query (default 5000). */
  maxEntriesLimitPerQuery = 5000;
  url = '';

  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private mode: 'up' | 'reset' | 'refuse' = 'up';
  private failing: { remaining: number; status: number; retryAfter: string | undefined } | undefined;
  private readonly streams = new Map<string, StreamState>();
  private readonly waiters: { until: () => boolean; resolve: () => void }[] = [];

  async start(port = 0): Promise<string> {
    await this.listen(port);
    this.url = `http://127.0.0.1:${this.port}`;
    return this.url;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      if (this.mode === 'reset') s.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** refuse: nothing listens (ECONNREFUSED); reset: connections are accepted and destroyed at once. */
  async down(how: 'refuse' | 'reset' = 'refuse'): Promise<void> {
    this.mode = how;
    for (const s of this.sockets) s.destroy();
    if (how === 'refuse' && this.server) {
      const s = this.server;
      this.server = undefined;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  async up(): Promise<void> {
    this.mode = 'up';
    if (!this.server) await this.listen(this.port);
  }

  /** The next `count` pushes get `status` (with Retry-After when given) and change nothing. */
  failNext(count: number, status: number, retryAfter?: string): void {
    this.failing = { remaining: count, status, retryAfter };
  }

  async stop(): Promise<void> {
    await this.down('refuse');
  }

  /** Resolves when `until()` holds after a push (or at once), or rejects after timeoutMs. */
  waitFor(until: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (until()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w = {
        until,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`stand-in: condition not met within ${timeoutMs} ms (${this.entries.length} entries held)`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Accepted entries whose labels include all of `match`. */
  select(match: Record<string, string>, tenant?: string): StandInEntry[] {
    return this.entries.filter((e) => (tenant === undefined || e.tenant === tenant) && Object.entries(match).every(([k, v]) => (e.labels[k] ?? '') === v));
  }

  private notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.until()) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.mode !== 'up') {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://standin');
    try {
      if (req.method === 'POST' && url.pathname === '/loki/api/v1/push') return await this.push(req, res);
      if (req.method === 'GET' && url.pathname === '/loki/api/v1/query_range') return this.logql ? this.logqlQuery(req, url, res, 'range') : await this.queryRange(req, url, res);
      if (req.method === 'GET' && url.pathname === '/loki/api/v1/query' && this.logql) return this.logqlQuery(req, url, res, 'instant');
      if (req.method === 'GET' && url.pathname === '/ready') return this.answer(res, 200, 'ready\n');
      return this.answer(res, 404, '404 page not found\n');
    } catch (err) {
      if (!res.headersSent) this.answer(res, 500, `stand-in error: ${(err as Error).message}\n`);
    }
  }

  private answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': body.startsWith('{') ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  }

  /** The reverse proxy's check, then Loki's tenant rule; returns the tenant or undefined after answering 401. */
  private gate(req: IncomingMessage, res: ServerResponse): string | undefined {
    if (this.auth) {
      const want = 'bearer' in this.auth
        ? `Bearer ${this.auth.bearer}`
        : `Basic ${Buffer.from(`${this.auth.basic.username}:${this.auth.basic.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        this.answer(res, 401, 'unauthorized\n', { 'WWW-Authenticate': 'bearer' in this.auth ? 'Bearer' : 'Basic realm="loki"' });
        return undefined;
      }
    }
    const org = req.headers['x-scope-orgid'];
    if (!this.multiTenant) return 'fake';
    if (typeof org !== 'string' || org === '') {
      this.answer(res, 401, 'no org id\n');
      return undefined;
    }
    return org;
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_BODY) throw new BadPush('request body too large');
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  private async push(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const log: PushLog = {
      status: 0,
      tenant: req.headers['x-scope-orgid'] as string | undefined,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      bodyBytes: 0,
      entries: 0,
      accepted: 0,
    };
    this.pushes.push(log);
    let raw: Buffer;
    try {
      raw = await this.readBody(req);
    } catch (err) {
      log.status = err instanceof BadPush ? 413 : 400;
      log.error = (err as Error).message;
      return this.answer(res, log.status, `${log.error}\n`);
    }
    log.bodyBytes = raw.length;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const tenant = this.gate(req, res);
    if (tenant === undefined) {
      log.status = 401;
      return;
    }
    if (this.failing && this.failing.remaining > 0) {
      this.failing.remaining--;
      log.status = this.failing.status;
      log.error = 'told to fail';
      return this.answer(res, this.failing.status, `stand-in told to answer ${this.failing.status}\n`, this.failing.retryAfter ? { 'Retry-After': this.failing.retryAfter } : {});
    }
    let streams: { labels: Record<string, string>; values: { ts: string; line: string }[] }[];
    try {
      streams = this.parsePush(req, raw);
    } catch (err) {
      log.status = 400;
      log.error = (err as Error).message;
      this.violations.push(log.error);
      return this.answer(res, 400, `${log.error}\n`);
    }
    const problems: string[] = [];
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const oldest = nowNs - BigInt(this.rejectOlderThanMs) * 1_000_000n;
    const newestAllowed = nowNs + BigInt(this.creationGraceMs) * 1_000_000n;
    for (const s of streams) {
      const key = streamKey(tenant, s.labels);
      let st = this.streams.get(key);
      if (!st) this.streams.set(key, (st = { labels: s.labels, newest: -1n, seen: new Set() }));
      for (const v of s.values) {
        log.entries++;
        const ts = BigInt(v.ts);
        const where = `for stream: ${JSON.stringify(s.labels)}`;
        if (Buffer.byteLength(v.line) > MAX_LINE) {
          problems.push(`Max entry size '${MAX_LINE}' bytes exceeded ${where}`);
          continue;
        }
        if (ts < oldest) {
          problems.push(`entry with timestamp ${v.ts} ignored, reason: 'entry too far behind' (older than the reject-old-samples age) ${where}`);
          continue;
        }
        if (ts > newestAllowed) {
          problems.push(`entry with timestamp ${v.ts} ignored, reason: 'entry too far in the future' ${where}`);
          continue;
        }
        const id = `${v.ts}\u0000${v.line}`;
        if (st.seen.has(id)) {
          this.duplicates++;
          continue;
        }
        const floor = this.ordering === 'strict' ? st.newest : st.newest - HOUR_NS;
        if (ts < floor) {
          problems.push(`entry with timestamp ${v.ts} ignored, reason: 'entry out of order' (newest on the stream is ${st.newest}) ${where}`);
          continue;
        }
        st.seen.add(id);
        if (ts > st.newest) st.newest = ts;
        this.entries.push({ tenant, labels: s.labels, tsNs: v.ts, line: v.line });
        log.accepted++;
      }
    }
    this.notify();
    if (problems.length > 0) {
      log.status = 400;
      log.error = problems.join('\n');
      this.violations.push(...problems);
      return this.answer(res, 400, `${problems.join('\n')}\ntotal ignored: ${problems.length} out of ${log.entries}\n`);
    }
    log.status = 204;
    res.writeHead(204);
    res.end();
  }

  private parsePush(req: IncomingMessage, raw: Buffer): { labels: Record<string, string>; values: { ts: string; line: string }[] }[] {
    const ct = req.headers['content-type'];
    if (typeof ct !== 'string' || ct.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
      throw new BadPush(`Content-Type must be application/json for a JSON push, got ${JSON.stringify(ct)}`);
    }
    const enc = (req.headers['content-encoding'] ?? '').toString().trim().toLowerCase();
    let text: string;
    try {
      if (enc === '') text = raw.toString('utf8');
      else if (enc === 'gzip') text = gunzipSync(raw, { maxOutputLength: MAX_BODY }).toString('utf8');
      else if (enc === 'deflate') text = inflateSync(raw, { maxOutputLength: MAX_BODY }).toString('utf8');
      else throw new BadPush(`Content-Encoding "${enc}" not supported`);
    } catch (err) {
      if (err instanceof BadPush) throw err;
      throw new BadPush(`cannot decode the ${enc} body: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new BadPush(`invalid JSON: ${(err as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BadPush('the body must be a JSON object');
    const keys = Object.keys(doc);
    if (keys.length !== 1 || keys[0] !== 'streams') throw new BadPush(`the body must have exactly one key, "streams"; got ${JSON.stringify(keys)}`);
    const streams = (doc as { streams: unknown }).streams;
    if (!Array.isArray(streams) || streams.length === 0) throw new BadPush('"streams" must be a non-empty array');
    return streams.map((s, i) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new BadPush(`streams[${i}] must be an object`);
      const sk = Object.keys(s).sort();
      if (sk.length !== 2 || sk[0] !== 'stream' || sk[1] !== 'values') throw new BadPush(`streams[${i}] must have exactly "stream" and "values"; got ${JSON.stringify(sk)}`);
      const { stream, values } = s as { stream: unknown; values: unknown };
      if (typeof stream !== 'object' || stream === null || Array.isArray(stream)) throw new BadPush(`streams[${i}].stream must be an object of labels`);
      const labels: Record<string, string> = {};
      const names = Object.keys(stream);
      if (names.length === 0) throw new BadPush(`streams[${i}]: error at least one label pair is required per stream`);
      if (names.length > 15) throw new BadPush(`streams[${i}] has ${names.length} labels, more than the limit of 15`);
      for (const name of names) {
        const value = (stream as Record<string, unknown>)[name];
        if (!LABEL_NAME_RE.test(name)) throw new BadPush(`streams[${i}]: invalid label name ${JSON.stringify(name)}`);
        if (name.startsWith('__')) throw new BadPush(`streams[${i}]: label name ${JSON.stringify(name)} is reserved`);
        if (Buffer.byteLength(name) > 1024) throw new BadPush(`streams[${i}]: label name too long`);
        if (typeof value !== 'string') throw new BadPush(`streams[${i}]: label ${name} must have a string value`);
        if (value === '') throw new BadPush(`streams[${i}]: label ${name} has an empty value (omit it instead)`);
        if (Buffer.byteLength(value) > 2048) throw new BadPush(`streams[${i}]: label ${name} value longer than 2048 bytes`);
        labels[name] = value;
      }
      if (!Array.isArray(values) || values.length === 0) throw new BadPush(`streams[${i}].values must be a non-empty array`);
      return {
        labels,
        values: values.map((v, j) => {
          const at = `streams[${i}].values[${j}]`;
          if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3)) throw new BadPush(`${at} must be ["<ns>", "<line>"] (optionally with a metadata object)`);
          const [ts, line, meta] = v as unknown[];
          if (typeof ts !== 'string' || !NS_RE.test(ts) || BigInt(ts) > MAX_INT64) throw new BadPush(`${at}[0] must be a string of decimal digits (unix epoch ns), got ${JSON.stringify(ts)}`);
          if (typeof line !== 'string') throw new BadPush(`${at}[1] must be a string`);
          if (v.length === 3) {
            if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Object.values(meta).every((x) => typeof x === 'string')) {
              throw new BadPush(`${at}[2] must be an object of strings (structured metadata)`);
            }
          }
          return { ts, line };
        }),
      };
    });
  }

  private async queryRange(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const tenant = this.gate(req, res);
    if (tenant === undefined) return;
    let matchers: [string, string][];
    let start: bigint;
    let end: bigint;
    let limit: number;
    let direction: 'backward' | 'forward';
    try {
      const q = url.searchParams.get('query');
      if (!q) throw new BadPush('query parameter is required');
      matchers = parseSelector(q);
      const now = BigInt(Date.now()) * 1_000_000n;
      start = parseLokiTime(url.searchParams.get('start'), now - HOUR_NS);
      end = parseLokiTime(url.searchParams.get('end'), now);
      if (end < start) throw new BadPush('end timestamp must not be before start time');
      const l = url.searchParams.get('limit');
      limit = l === null || l === '' ? 100 : Number(l);
      if (!Number.isInteger(limit) || limit <= 0) throw new BadPush('limit must be a positive value');
      if (limit > 5000) throw new BadPush('max entries limit per query exceeded, limit > max_entries_limit_per_query (5000)');
      const d = (url.searchParams.get('direction') ?? 'backward').toLowerCase();
      if (d !== 'backward' && d !== 'forward') throw new BadPush(`invalid direction '${d}'`);
      direction = d;
    } catch (err) {
      return this.answer(res, 400, `${(err as Error).message}\n`);
    }
    const picked = this.entries
      .filter((e) => e.tenant === tenant && matchers.every(([k, v]) => (e.labels[k] ?? '') === v))
      .filter((e) => {
        const ts = BigInt(e.tsNs);
        return ts >= start && ts < end;
      })
      .map((e, i) => ({ e, i, ts: BigInt(e.tsNs) }))
      .sort((a, b) => (a.ts === b.ts ? a.i - b.i : a.ts < b.ts ? -1 : 1));
    if (direction === 'backward') picked.reverse();
    const limited = picked.slice(0, limit);
    const byStream = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
    for (const { e } of limited) {
      const key = streamKey(tenant, e.labels);
      let s = byStream.get(key);
      if (!s) byStream.set(key, (s = { stream: e.labels, values: [] }));
      s.values.push([e.tsNs, e.line]);
    }
    const result = [...byStream.values()];
    const bytes = limited.reduce((n, { e }) => n + Buffer.byteLength(e.line), 0);
    this.answer(res, 200, JSON.stringify({
      status: 'success',
      data: {
        resultType: 'streams',
        result,
        stats: { summary: { totalEntriesReturned: limited.length, totalLinesProcessed: picked.length, totalBytesProcessed: bytes } },
      },
    }));
  }

  /** query_range / query with the LogQL subset (see the header). */
  private logqlQuery(req: IncomingMessage, url: URL, res: ServerResponse, kind: 'range' | 'instant'): void {
    const tenant = this.gate(req, res);
    if (tenant === undefined) return;
    let parsed: ParsedQuery;
    let start: bigint;
    let end: bigint;
    let limit: number;
    let direction: 'backward' | 'forward';
    let stepNs: bigint;
    try {
      const q = url.searchParams.get('query');
      if (!q) throw new BadPush('query parameter is required');
      parsed = parseLogQL(q);
      const now = BigInt(Date.now()) * 1_000_000n;
      if (kind === 'instant') {
        end = parseLokiTime(url.searchParams.get('time'), now);
        start = end;
      } else {
        start = parseLokiTime(url.searchParams.get('start'), now - HOUR_NS);
        end = parseLokiTime(url.searchParams.get('end'), now);
      }
      if (end < start) throw new BadPush('end timestamp must not be before start time');
      const l = url.searchParams.get('limit');
      limit = l === null || l === '' ? 100 : Number(l);
      if (!Number.isInteger(limit) || limit <= 0) throw new BadPush('limit must be a positive value');
      if (limit > this.maxEntriesLimitPerQuery) throw new BadPush(`max entries limit per query exceeded, limit > max_entries_limit_per_query (${limit} > ${this.maxEntriesLimitPerQuery})`);
      const d = (url.searchParams.get('direction') ?? 'backward').toLowerCase();
      if (d !== 'backward' && d !== 'forward') throw new BadPush(`invalid direction '${d}'`);
      direction = d;
      const step = url.searchParams.get('step');
      if (step === null || step === '') {
        const autoS = (end - start) / 250_000_000_000n;
        stepNs = (autoS > 1n ? autoS : 1n) * 1_000_000_000n;
      } else if (/^\d+(\.\d+)?$/.test(step)) {
        stepNs = BigInt(Math.round(Number(step) * 1e9));
      } else {
        stepNs = parseDurationNs(step);
      }
    } catch (err) {
      if (err instanceof QueryError || err instanceof BadPush) return this.answer(res, 400, `${err.message}\n`);
      throw err;
    }
    const mine = this.entries.filter((e) => e.tenant === tenant);
    if (parsed.kind !== 'log') {
      let points: bigint[];
      try {
        points = kind === 'instant' ? [end] : evaluationPoints(start, end, stepNs);
      } catch (err) {
        return this.answer(res, 400, `${(err as Error).message}\n`);
      }
      const series = evalMetric(parsed, mine, points);
      const result = kind === 'instant'
        ? series.map((s) => ({ metric: s.metric, value: s.values[s.values.length - 1]! }))
        : series;
      return this.answer(res, 200, JSON.stringify({
        status: 'success',
        data: { resultType: kind === 'instant' ? 'vector' : 'matrix', result, stats: { summary: { totalLinesProcessed: mine.length } } },
      }));
    }
    this.answer(res, 200, JSON.stringify(this.logResult(parsed, mine, start, end, limit, direction)));
  }

  private logResult(q: LogQuery, entries: readonly StandInEntry[], start: bigint, end: bigint, limit: number, direction: 'backward' | 'forward'): unknown {
    const picked: { ts: bigint; i: number; e: StandInEntry; labels: Record<string, string> }[] = [];
    let processed = 0;
    entries.forEach((e, i) => {
      const ts = BigInt(e.tsNs);
      if (ts < start || ts >= end || !selectorMatches(q.selector, e.labels)) return;
      processed++;
      const labels = runPipeline(q, e.labels, e.line);
      if (labels) picked.push({ ts, i, e, labels });
    });
    picked.sort((a, b) => (a.ts === b.ts ? a.i - b.i : a.ts < b.ts ? -1 : 1));
    if (direction === 'backward') picked.reverse();
    const limited = picked.slice(0, limit);
    const byStream = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
    let bytes = 0;
    for (const p of limited) {
      const key = labelKey(p.labels);
      let s = byStream.get(key);
      if (!s) byStream.set(key, (s = { stream: p.labels, values: [] }));
      s.values.push([p.e.tsNs, p.e.line]);
      bytes += Buffer.byteLength(p.e.line);
    }
    return {
      status: 'success',
      data: {
        resultType: 'streams',
        result: [...byStream.values()],
        stats: { summary: { totalEntriesReturned: limited.length, totalLinesProcessed: processed, totalBytesProcessed: bytes } },
      },
    };
  }
}
