// Container metadata from the local runtime when Vigil runs outside a cluster (or next to podman/docker on a
// node): the runtime's HTTP API on its unix socket when reachable, else its CLI. Bounded (timeouts, output size,
// concurrency) and never throwing: every outcome is a value the registry can act on.
import { execFile } from 'node:child_process';
import { parseDockerInspect, parsePodmanInspect, type RuntimeContainerInfo } from './inspect-parse.js';
import { ConcurrencyLimiter } from './limiter.js';
import { getJsonOverUnixSocket, UnixSocketError } from './unix-http.js';
import type { LabelLimits } from './bounded-labels.js';
import { isContainerId } from './cgroup-path.js';

export type InspectResult =
  | { kind: 'found'; info: RuntimeContainerInfo; via: 'socket' | 'cli' }
  | { kind: 'not-found' }
  /** Neither the socket nor the CLI can be used on this node: retrying will not help soon. */
  | { kind: 'unavailable'; reason: string }
  /** A transient failure (timeout, bad output, daemon error): retry with backoff. */
  | { kind: 'error'; reason: string };

export interface RuntimeInspector {
  readonly runtime: 'podman' | 'docker';
  inspect(containerId: string): Promise<InspectResult>;
  stats(): InspectorStats;
}

export interface InspectorStats {
  socketRequests: number;
  socketFailures: number;
  cliRuns: number;
  cliFailures: number;
  timeouts: number;
  found: number;
  notFound: number;
  unavailable: number;
  errors: number;
  badDocuments: number;
}

export interface LocalRuntimeOptions {
  /** Unix socket of the runtime's API; null disables the socket. */
  socketPath?: string | null;
  /** CLI binary; null disables the CLI. */
  binary?: string | null;
  timeoutMs?: number;
  concurrency?: number;
  /** After the socket refuses a connection, go straight to the CLI for this long. */
  socketRetryMs?: number;
  /** Environment for the CLI (e.g. DOCKER_HOST, CONTAINER_HOST). */
  env?: NodeJS.ProcessEnv;
  maxOutputBytes?: number;
  labelLimits?: LabelLimits;
  now?: () => number;
}

const SOCKET_UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'EPERM']);

interface ExecOutcome {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** The binary itself could not be started. */
  missing: boolean;
  timedOut: boolean;
}

abstract class LocalRuntimeInspector implements RuntimeInspector {
  abstract readonly runtime: 'podman' | 'docker';
  protected readonly socketPath: string | null;
  protected readonly binary: string | null;
  protected readonly timeoutMs: number;
  protected readonly labelLimits: LabelLimits | undefined;
  private readonly limiter: ConcurrencyLimiter;
  private readonly socketRetryMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly maxOutputBytes: number;
  private readonly now: () => number;
  private socketDownUntil = 0;
  private binaryMissing = false;
  protected readonly counters: InspectorStats = {
    socketRequests: 0, socketFailures: 0, cliRuns: 0, cliFailures: 0, timeouts: 0, found: 0, notFound: 0,
    unavailable: 0, errors: 0, badDocuments: 0,
  };

  constructor(defaults: { socketPath: string; binary: string }, opts: LocalRuntimeOptions) {
    this.socketPath = opts.socketPath === undefined ? defaults.socketPath : opts.socketPath;
    this.binary = opts.binary === undefined ? defaults.binary : opts.binary;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.limiter = new ConcurrencyLimiter(opts.concurrency ?? 4, 4096);
    this.socketRetryMs = opts.socketRetryMs ?? 30000;
    this.env = opts.env;
    this.maxOutputBytes = opts.maxOutputBytes ?? 8 * 1024 * 1024;
    this.labelLimits = opts.labelLimits;
    this.now = opts.now ?? Date.now;
  }

  stats(): InspectorStats {
    return { ...this.counters };
  }

  async inspect(containerId: string): Promise<InspectResult> {
    const id = containerId.toLowerCase();
    // Only ever pass a validated ID to a socket path or a command line.
    if (!isContainerId(id)) return this.count({ kind: 'error', reason: `not a container id: ${JSON.stringify(containerId.slice(0, 80))}` });
    try {
      return this.count(await this.limiter.run(() => this.inspectOnce(id)));
    } catch (err) {
      return this.count({ kind: 'error', reason: (err as Error).message });
    }
  }

  private async inspectOnce(id: string): Promise<InspectResult> {
    let socketTried = false;
    if (this.socketPath && this.now() >= this.socketDownUntil) {
      socketTried = true;
      const r = await this.viaSocket(this.socketPath, id);
      if (r !== 'unreachable') return r;
      this.socketDownUntil = this.now() + this.socketRetryMs;
    }
    if (this.binary && !this.binaryMissing) {
      const r = await this.viaCli(id);
      if (r !== 'missing') return r;
      this.binaryMissing = true;
    }
    const reasons = [
      this.socketPath ? `socket ${this.socketPath} ${socketTried ? 'unreachable' : 'recently unreachable'}` : 'no socket',
      this.binary ? `CLI ${this.binary} not found` : 'no CLI',
    ];
    return { kind: 'unavailable', reason: reasons.join(', ') };
  }

  protected abstract viaSocket(socketPath: string, id: string): Promise<InspectResult | 'unreachable'>;
  protected abstract viaCli(id: string): Promise<InspectResult | 'missing'>;

  /** GET over the socket: the parsed body for 200, 'not-found' for 404, 'unreachable' when nobody listens. */
  protected async socketGet(socketPath: string, path: string): Promise<{ body: unknown } | 'not-found' | 'unreachable' | InspectResult> {
    this.counters.socketRequests++;
    try {
      const res = await getJsonOverUnixSocket(socketPath, path, { timeoutMs: this.timeoutMs, maxBytes: this.maxOutputBytes });
      if (res.status === 200) return { body: res.body };
      if (res.status === 404) return 'not-found';
      this.counters.socketFailures++;
      return { kind: 'error', reason: `${path}: HTTP ${res.status}` };
    } catch (err) {
      this.counters.socketFailures++;
      const code = err instanceof UnixSocketError ? err.code : undefined;
      if (code !== undefined && SOCKET_UNREACHABLE.has(code)) return 'unreachable';
      if (code === 'ETIMEDOUT') this.counters.timeouts++;
      return { kind: 'error', reason: `${path}: ${(err as Error).message}` };
    }
  }

  protected exec(args: string[]): Promise<ExecOutcome> {
    const bin = this.binary as string;
    this.counters.cliRuns++;
    return new Promise((resolve) => {
      execFile(
        bin,
        args,
        {
          timeout: this.timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: this.maxOutputBytes,
          env: { ...(this.env ?? process.env), LC_ALL: 'C' },
          windowsHide: true,
        },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
          const missing = e?.code === 'ENOENT' || e?.code === 'EACCES';
          const timedOut = Boolean(e?.killed) && !missing;
          if (e) this.counters.cliFailures++;
          if (timedOut) this.counters.timeouts++;
          resolve({ ok: !e, stdout: String(stdout), stderr: String(stderr).slice(0, 2000), missing, timedOut });
        },
      );
    });
  }

  protected cliFailure(out: ExecOutcome, what: string): InspectResult | 'missing' {
    if (out.missing) return 'missing';
    if (/no such (container|object|image)/i.test(out.stderr)) return { kind: 'not-found' };
    // The docker CLI without a daemon: nothing to retry against until one appears.
    if (/cannot connect to the docker daemon/i.test(out.stderr)) {
      return { kind: 'unavailable', reason: out.stderr.trim().split('\n')[0] ?? 'no daemon' };
    }
    if (out.timedOut) return { kind: 'error', reason: `${what}: timed out after ${this.timeoutMs} ms` };
    return { kind: 'error', reason: `${what}: ${out.stderr.trim().split('\n')[0] ?? 'failed'}` };
  }

  protected parseJson(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  protected bad(what: string): InspectResult {
    this.counters.badDocuments++;
    return { kind: 'error', reason: `${what}: not a container inspect document` };
  }

  private count(r: InspectResult): InspectResult {
    switch (r.kind) {
      case 'found': this.counters.found++; break;
      case 'not-found': this.counters.notFound++; break;
      case 'unavailable': this.counters.unavailable++; break;
      case 'error': this.counters.errors++; break;
    }
    return r;
  }
}

export class PodmanInspector extends LocalRuntimeInspector {
  readonly runtime = 'podman' as const;

  constructor(opts: LocalRuntimeOptions = {}) {
    super({ socketPath: '/run/podman/podman.sock', binary: 'podman' }, opts);
  }

  protected async viaSocket(socketPath: string, id: string): Promise<InspectResult | 'unreachable'> {
    // Libpod's own endpoint: unlike the docker-compatible one it carries ImageName and ImageDigest.
    const r = await this.socketGet(socketPath, `/v4.0.0/libpod/containers/${id}/json`);
    if (r === 'unreachable') return r;
    if (r === 'not-found') return { kind: 'not-found' };
    if (!('body' in r)) return r;
    const info = parsePodmanInspect(r.body, this.labelLimits);
    return info ? { kind: 'found', info, via: 'socket' } : this.bad('podman API');
  }

  protected async viaCli(id: string): Promise<InspectResult | 'missing'> {
    const out = await this.exec(['container', 'inspect', id]);
    if (!out.ok) return this.cliFailure(out, 'podman container inspect');
    const info = parsePodmanInspect(this.parseJson(out.stdout), this.labelLimits);
    return info ? { kind: 'found', info, via: 'cli' } : this.bad('podman container inspect');
  }
}

export class DockerInspector extends LocalRuntimeInspector {
  readonly runtime = 'docker' as const;

  constructor(opts: LocalRuntimeOptions = {}) {
    super({ socketPath: '/var/run/docker.sock', binary: 'docker' }, opts);
  }

  protected async viaSocket(socketPath: string, id: string): Promise<InspectResult | 'unreachable'> {
    const r = await this.socketGet(socketPath, `/containers/${id}/json`);
    if (r === 'unreachable') return r;
    if (r === 'not-found') return { kind: 'not-found' };
    if (!('body' in r)) return r;
    const first = parseDockerInspect(r.body, undefined, this.labelLimits);
    if (!first) return this.bad('docker API');
    // The manifest digest lives on the image; a failure here only costs the digest.
    let image: unknown;
    if (first.imageId) {
      const ir = await this.socketGet(socketPath, `/images/${first.imageId}/json`);
      if (typeof ir === 'object' && 'body' in ir) image = ir.body;
    }
    const info = parseDockerInspect(r.body, image, this.labelLimits) ?? first;
    return { kind: 'found', info, via: 'socket' };
  }

  protected async viaCli(id: string): Promise<InspectResult | 'missing'> {
    const out = await this.exec(['container', 'inspect', id]);
    if (!out.ok) return this.cliFailure(out, 'docker container inspect');
    const doc = this.parseJson(out.stdout);
    const first = parseDockerInspect(doc, undefined, this.labelLimits);
    if (!first) return this.bad('docker container inspect');
    let image: unknown;
    if (first.imageId) {
      const img = await this.exec(['image', 'inspect', first.imageId]);
      if (img.ok) image = this.parseJson(img.stdout);
    }
    const info = parseDockerInspect(doc, image, this.labelLimits) ?? first;
    return { kind: 'found', info, via: 'cli' };
  }
}
