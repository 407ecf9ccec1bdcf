// Starts the C loader, feeds its stdout through the frame reader and decoder, restarts it with backoff when
// it dies, and sends it control commands. It knows nothing of rules or containers: whatever filters the
// composition root wants arrive as plain command lines through `filterCommands`.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { decodeRecord, type Clock, type MalformedReason } from '../events/decoder.js';
import { FrameReader } from '../events/frames.js';
import type { CgroupCounters, EventType, LoaderHello, LoaderLog, TypeStats, VigilEvent } from '../events/types.js';

/** The loader exits with this code when a prerequisite (BTF, bpf(), privileges) is missing: no restart helps. */
export const LOADER_EXIT_PREREQUISITE = 3;
/** Bad command-line arguments: restarting with the same ones cannot help either. */
export const LOADER_EXIT_USAGE = 2;

export interface SupervisorOptions {
  loaderPath: string;
  ringbufBytes: number;
  intervalMs: number;
  /** Control lines sent after every HELLO, so a restarted loader gets the same filters. */
  filterCommands: () => string[];
  restartMinMs?: number;
  restartMaxMs?: number;
  /** A loader that ran at least this long before dying resets the backoff. */
  healthyAfterMs?: number;
}

export interface SensorEvents {
  event: [VigilEvent];
  counters: [CgroupCounters[]];
  stats: [TypeStats[]];
  hello: [LoaderHello];
  log: [LoaderLog];
  /** A prerequisite is missing; the message is the loader's one-line reason. */
  fatal: [string];
  exit: [{ code: number | null; signal: NodeJS.Signals | null; restartInMs: number | undefined }];
}

export interface SensorStats {
  up: boolean;
  restarts: number;
  framesReceived: number;
  bytesReceived: number;
  eventsReceived: Partial<Record<EventType, number>>;
  eventsDecoded: Partial<Record<EventType, number>>;
  malformed: Partial<Record<MalformedReason | 'desync', number>>;
  hello: LoaderHello | undefined;
  lastStderr: string;
}

interface PendingCommand {
  line: string;
  resolve: (reply: string) => void;
  reject: (err: Error) => void;
}

const TYPE_NAMES: Record<number, EventType> = {
  1: 'exec', 2: 'fork', 3: 'exit', 4: 'open', 5: 'connect', 6: 'accept', 7: 'setid', 8: 'ptrace', 9: 'mount', 10: 'module',
};

export class SensorSupervisor extends EventEmitter<SensorEvents> {
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private clock: Clock = { realtimeOffsetMs: Date.now() - performance.now() };
  private commands: PendingCommand[] = [];
  private exited: Promise<void> = Promise.resolve();
  readonly stats: SensorStats = {
    up: false,
    restarts: 0,
    framesReceived: 0,
    bytesReceived: 0,
    eventsReceived: {},
    eventsDecoded: {},
    malformed: {},
    hello: undefined,
    lastStderr: '',
  };

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.backoffMs = opts.restartMinMs ?? 500;
  }

  start(): void {
    this.stopping = false;
    this.spawnLoader();
  }

  private spawnLoader(): void {
    const args = ['--ringbuf-bytes', String(this.opts.ringbufBytes), '--interval-ms', String(this.opts.intervalMs)];
    const child = spawn(this.opts.loaderPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    const reader = new FrameReader(
      (buf, start, end) => this.onFrame(buf, start, end),
      (length) => {
        this.count(this.stats.malformed, 'desync');
        this.emit('log', { level: 'error', text: `loader stream lost framing (length ${length}); restarting the loader` });
        child.kill('SIGKILL');
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      this.stats.bytesReceived += chunk.length;
      reader.push(chunk);
    });
    let stderrTail = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-4096);
      for (const line of text.split('\n')) if (line.trim()) this.emit('log', { level: 'warn', text: line.trim() });
    });
    // A write to a dead loader's stdin raises EPIPE; the exit handler below deals with the death.
    child.stdin!.on('error', () => undefined);
    child.on('error', (err) => {
      this.emit('log', { level: 'error', text: `cannot start loader ${this.opts.loaderPath}: ${err.message}` });
    });
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.stats.up = false;
        this.child = undefined;
        this.failPendingCommands(new Error('loader exited'));
        const lines = stderrTail.trim().split('\n').filter(Boolean);
        this.stats.lastStderr = lines[lines.length - 1] ?? '';
        resolve();
        if (this.stopping) {
          this.emit('exit', { code, signal, restartInMs: undefined });
          return;
        }
        if (code === LOADER_EXIT_PREREQUISITE || code === LOADER_EXIT_USAGE) {
          this.emit('exit', { code, signal, restartInMs: undefined });
          this.emit('fatal', this.stats.lastStderr || 'vigil-loader: a prerequisite is missing');
          return;
        }
        if (Date.now() - this.startedAt >= (this.opts.healthyAfterMs ?? 30_000)) this.backoffMs = this.opts.restartMinMs ?? 500;
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.opts.restartMaxMs ?? 30_000);
        this.stats.restarts++;
        this.emit('exit', { code, signal, restartInMs: delay });
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          if (!this.stopping) this.spawnLoader();
        }, delay);
      });
    });
  }

  private count<K extends string>(map: Partial<Record<K, number>>, key: K): void {
    map[key] = (map[key] ?? 0) + 1;
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    this.stats.framesReceived++;
    const typeId = end - start >= 20 ? buf.readUInt32LE(start + 16) : 0;
    const typeName = TYPE_NAMES[typeId];
    if (typeName) this.count(this.stats.eventsReceived, typeName);
    const r = decodeRecord(buf, start, end, this.clock);
    switch (r.kind) {
      case 'event':
        this.count(this.stats.eventsDecoded, r.event.type);
        this.emit('event', r.event);
        break;
      case 'counters':
        this.emit('counters', r.counters);
        break;
      case 'stats':
        this.emit('stats', r.stats);
        break;
      case 'hello':
        this.onHello(r.hello);
        break;
      case 'log':
        this.onLog(r.log);
        break;
      case 'malformed':
        this.count(this.stats.malformed, r.reason);
        break;
    }
  }

  private onHello(hello: LoaderHello): void {
    this.clock = { realtimeOffsetMs: hello.realtime_offset_ns / 1e6 };
    this.stats.hello = hello;
    this.stats.up = true;
    this.emit('hello', hello);
    for (const line of this.opts.filterCommands()) {
      this.command(line).catch((err: Error) => this.emit('log', { level: 'error', text: `loader rejected "${line}": ${err.message}` }));
    }
  }

  private onLog(log: LoaderLog): void {
    const head = this.commands[0];
    const isReply = head !== undefined && (log.text === `ok ${head.line}` || log.text.startsWith(`error ${head.line}`));
    if (isReply) {
      this.commands.shift();
      if (log.text.startsWith('ok ')) head.resolve(log.text);
      else head.reject(new Error(log.text));
      return;
    }
    this.emit('log', log);
  }

  /** Sends one control line; resolves with the loader's "ok" reply, rejects with its "error" reply. */
  command(line: string): Promise<string> {
    if (/[\n\r]/.test(line) || line.length > 4000) return Promise.reject(new Error('invalid control line'));
    const child = this.child;
    if (!child || !child.stdin || child.stdin.destroyed) return Promise.reject(new Error('loader not running'));
    if (this.commands.length >= 1024) return Promise.reject(new Error('too many loader commands waiting for a reply'));
    return new Promise((resolve, reject) => {
      // A loader that stops answering without dying must not pile up commands forever.
      const timer = setTimeout(() => {
        const i = this.commands.indexOf(entry);
        if (i >= 0) this.commands.splice(i, 1);
        reject(new Error(`the loader did not answer "${line}" within 10 s`));
      }, 10_000);
      timer.unref();
      const entry: PendingCommand = {
        line,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.commands.push(entry);
      child.stdin!.write(`${line}\n`);
    });
  }

  /** Re-sends the filter commands (after the composition root changed what it needs). */
  async refreshFilters(): Promise<void> {
    if (!this.stats.up) return;
    for (const line of this.opts.filterCommands()) await this.command(line);
  }

  private failPendingCommands(err: Error): void {
    const pending = this.commands;
    this.commands = [];
    for (const c of pending) c.reject(err);
  }

  /** Asks the loader to detach and exit; kills it if it does not within the grace period. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) return;
    child.stdin?.end('quit\n');
    const timer = setTimeout(() => child.kill('SIGTERM'), graceMs);
    const hard = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
    await this.exited;
    clearTimeout(timer);
    clearTimeout(hard);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}
