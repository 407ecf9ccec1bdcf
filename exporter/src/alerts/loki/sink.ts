// The Loki sink: alerts and flight-recorder activity go into the on-disk spool first, then out to Loki in
// batches (at most batchMaxWaitMs of waiting, batchMaxEntries entries or batchMaxBytes, whichever comes first),
// one batch in flight at a time, in spool order. A batch is retried with backoff until Loki takes it (2xx) or
// refuses it for good (4xx other than 408/429); only then does the spool forget it. A Loki outage therefore
// costs disk, not alerts, until the spool's bound — past it the oldest entries go, and each one is counted.

import { performance } from 'node:perf_hooks';
import type { Alert } from '../types.js';
import { Spool, type SpoolDropReason, type SpoolItem } from '../spool/spool.js';
import { retryDelayMs } from './backoff.js';
import type { LokiConfig } from './config.js';
import { activityEntry, alertEntry, isNsTimestamp, type ActivityRecord, type ActivityScope, type LokiEntry } from './entries.js';
import { streamLabels, type StreamLabels } from './labels.js';
import { LogLimiter, type SinkLogger } from './log-limiter.js';
import { buildPushBody, encodePayload, StreamClock } from './push-body.js';
import { LokiPushClient, type RetryClass } from './push-client.js';

export const LOKI_DROP_REASONS = ['spool_full', 'rejected', 'too_large', 'invalid', 'spool_error', 'corrupt', 'closed'] as const;
export type LokiDropReason = (typeof LOKI_DROP_REASONS)[number];
export const LOKI_RETRY_CLASSES = ['network', 'timeout', 'http_429', 'http_5xx', 'http_408', 'credentials'] as const satisfies readonly RetryClass[];
/** Streams counted in stats; "unknown" is a spool record too damaged to tell. */
export const LOKI_STAT_STREAMS = ['alert', 'activity', 'unknown'] as const;
export type LokiStatStream = (typeof LOKI_STAT_STREAMS)[number];

type PerStream = Record<LokiStatStream, number>;

export interface LokiSinkStats {
  /** Entries Loki acknowledged (2xx). */
  sent: PerStream;
  /** Entries written to the spool. */
  spooled: PerStream;
  /** Entries that will never reach Loki, by reason and stream. */
  dropped: Record<LokiDropReason, PerStream>;
  /** Push attempts that failed and were retried, in all and by class. */
  retried: number;
  retriedBy: Record<RetryClass, number>;
  /** Batches Loki acknowledged / refused for good. */
  batches: number;
  rejectedBatches: number;
  /** Entries whose Loki timestamp was raised to keep their stream ordered (strictOrdering). */
  reordered: number;
  /** Entries read back from the spool's disk (replay after a restart, or catching up after a backlog). */
  replayed: number;
  spoolBytes: number;
  spoolMaxBytes: number;
  /** Entries not yet acknowledged or dropped. */
  spoolEntries: number;
  /** Entries and bytes held in memory (the window over the spool). */
  windowEntries: number;
  windowBytes: number;
  spoolWriteErrors: number;
  fsyncErrors: number;
  /** Unix ms of the last acknowledged batch / the last failed or refused push; 0 when none yet. */
  lastSuccessTs: number;
  lastErrorTs: number;
  /** The last failure, for humans (no secrets); empty when none yet. */
  lastError: string;
}

export interface LokiSinkOptions {
  /** The parsed `loki:` section (LokiConfigSchema). */
  config: LokiConfig;
  /** Value of the `node` label (the node config's node.name). */
  node: string;
  logger?: SinkLogger;
  /** Goes into the User-Agent. */
  version?: string;
}

function perStream(): PerStream {
  return { alert: 0, activity: 0, unknown: 0 };
}

function statStream(kind: string): LokiStatStream {
  return kind === 'alert' || kind === 'activity' ? kind : 'unknown';
}

const MiB = 1024 * 1024;

export class LokiSink {
  private readonly cfg: LokiConfig;
  private readonly spool: Spool;
  private readonly client: LokiPushClient;
  private readonly limiter: LogLimiter;
  private readonly clock: StreamClock | undefined;
  private readonly counters = {
    sent: perStream(),
    spooled: perStream(),
    dropped: Object.fromEntries(LOKI_DROP_REASONS.map((r) => [r, perStream()])) as Record<LokiDropReason, PerStream>,
    retried: 0,
    retriedBy: Object.fromEntries(LOKI_RETRY_CLASSES.map((c) => [c, 0])) as Record<RetryClass, number>,
    batches: 0,
    rejectedBatches: 0,
    reordered: 0,
    lastSuccessTs: 0,
    lastErrorTs: 0,
    lastError: '',
  };
  private closing = false;
  /** Past the close deadline: abandon the batch in flight (it stays in the spool). */
  private stopped = false;
  private flushing = 0;
  /** performance.now() of the oldest alert waiting for a batch (undefined: none). */
  private alertSince: number | undefined;
  private wake: (() => void) | undefined;
  private abort: AbortController | undefined;
  private readonly flushWaiters: { target: number; resolve: (done: boolean) => void }[] = [];
  private readonly loop: Promise<void>;
  private closed: Promise<void> | undefined;

  constructor(private readonly opts: LokiSinkOptions) {
    const cfg = opts.config;
    if (cfg.url === '') throw new Error('loki: no url configured (an empty url means the sink is off; do not create it)');
    this.cfg = cfg;
    this.limiter = new LogLimiter(opts.logger);
    this.clock = cfg.strictOrdering ? new StreamClock() : undefined;
    this.client = new LokiPushClient({
      url: cfg.url,
      tenant: cfg.tenant,
      username: cfg.username,
      password: cfg.password,
      passwordFile: cfg.passwordFile,
      bearerToken: cfg.bearerToken,
      bearerTokenFile: cfg.bearerTokenFile,
      caFile: cfg.caFile,
      gzip: cfg.gzip,
      timeoutMs: cfg.timeoutMs,
      userAgent: `vigil/${opts.version ?? 'dev'}`,
    });
    this.spool = Spool.open({
      dir: cfg.spoolDir,
      maxBytes: cfg.spoolMaxBytes,
      maxRecordBytes: Math.floor(cfg.spoolMaxBytes / 4),
      // Two full batches in memory, so the next is ready while one is in flight; small batches still get 4 MiB.
      windowMaxBytes: Math.min(cfg.spoolMaxBytes, Math.max(4 * MiB, 2 * cfg.batchMaxBytes)),
      windowMaxEntries: Math.max(1000, 2 * cfg.batchMaxEntries),
      fsyncIntervalMs: cfg.fsyncIntervalMs,
      urgentKinds: ['alert'],
      onDrop: (kind, reason, count) => this.dropped(kind, reason, count),
      onWarn: (message, err) => opts.logger?.warn({ err: err instanceof Error ? err.message : err, dir: cfg.spoolDir }, message),
    });
    this.loop = this.run();
  }

  // ---- producers ----

  /** Queues an alert. False when it was dropped (and counted). */
  pushAlert(alert: Alert): boolean {
    let entry: LokiEntry | undefined;
    try {
      if (typeof alert !== 'object' || alert === null || typeof alert.rule !== 'string' || typeof alert.output !== 'string') throw new TypeError('not an alert');
      entry = alertEntry(alert, this.cfg.maxLineBytes);
    } catch {
      // Not an alert, or not serialisable (a cycle, a BigInt): a bug upstream, counted rather than thrown.
      return this.refuse('alert', 'invalid');
    }
    if (!entry) return this.refuse('alert', 'too_large');
    return this.push(entry);
  }

  /**
   * Queues one activity record of a capture (`scope` gives the capture's container and pod when the record does
   * not carry them). False when activity is off in the config, or the record was dropped (and counted).
   */
  pushActivity<R extends ActivityRecord>(captureId: string, record: R, scope?: ActivityScope): boolean {
    if (!this.cfg.activity) return false;
    if (typeof captureId !== 'string' || captureId === '' || typeof record !== 'object' || record === null) return this.refuse('activity', 'invalid');
    let entry: LokiEntry | undefined;
    try {
      entry = activityEntry(captureId, record, scope, this.cfg.maxLineBytes);
    } catch {
      return this.refuse('activity', 'invalid');
    }
    if (!entry) return this.refuse('activity', 'too_large');
    return this.push(entry);
  }

  /** Queues any entry. job and node default from the configuration; `stream` always comes from entry.stream. */
  push(entry: LokiEntry): boolean {
    if (typeof entry !== 'object' || entry === null) return this.refuse('unknown', 'invalid');
    const kind = entry.stream;
    if (kind !== 'alert' && kind !== 'activity') return this.refuse('unknown', 'invalid');
    if (this.closing) return this.refuse(kind, 'closed');
    if (typeof entry.line !== 'string' || typeof entry.tsNs !== 'string' || !isNsTimestamp(entry.tsNs)) return this.refuse(kind, 'invalid');
    if (Buffer.byteLength(entry.line) > this.cfg.maxLineBytes) return this.refuse(kind, 'too_large');
    const given: StreamLabels = typeof entry.labels === 'object' && entry.labels !== null ? entry.labels : {};
    const labels: StreamLabels = streamLabels({
      ...given,
      job: given.job || this.cfg.job,
      node: this.opts.node || given.node,
      stream: kind,
    });
    let result: ReturnType<Spool['append']>;
    try {
      result = this.spool.append(kind, encodePayload(labels, entry.tsNs, entry.line));
    } catch (err) {
      if (err instanceof RangeError) return this.refuse(kind, 'too_large');
      throw err;
    }
    if (result === 'dropped') return false;
    if (result === 'spooled') this.counters.spooled[kind]++;
    if (kind === 'alert' && this.alertSince === undefined) {
      this.alertSince = performance.now();
      this.wake?.();
    } else {
      this.nudge();
    }
    return true;
  }

  // ---- control ----

  /**
   * Resolves true once every entry queued before the call has been acknowledged, refused or dropped; false
   * when that takes longer than `timeoutMs`. Batches go out at once while a flush waits.
   */
  flush(timeoutMs = 30_000): Promise<boolean> {
    const target = this.spool.newestOrdinal();
    if (this.spool.frontOrdinal() > target) return Promise.resolve(true);
    this.flushing++;
    return new Promise<boolean>((resolve) => {
      const waiter = {
        target,
        resolve: (done: boolean) => {
          clearTimeout(timer);
          this.flushing--;
          resolve(done);
        },
      };
      const timer = setTimeout(() => {
        const i = this.flushWaiters.indexOf(waiter);
        if (i >= 0) this.flushWaiters.splice(i, 1);
        waiter.resolve(false);
      }, timeoutMs);
      this.flushWaiters.push(waiter);
      this.wake?.();
    });
  }

  /**
   * Stops taking entries, keeps pushing for at most closeTimeoutMs, then closes the spool. Whatever Loki has
   * not acknowledged by then stays in the spool and goes out after the next start.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.closed = (async () => {
      const deadline = setTimeout(() => {
        this.stopped = true;
        this.abort?.abort();
        this.wake?.();
      }, this.cfg.closeTimeoutMs);
      this.wake?.();
      await this.loop;
      clearTimeout(deadline);
      await this.spool.close();
      this.client.close();
      for (const w of this.flushWaiters.splice(0)) w.resolve(this.spool.frontOrdinal() > w.target);
    })();
    return this.closed;
  }

  stats(): LokiSinkStats {
    const s = this.spool.stats();
    const c = this.counters;
    return {
      sent: { ...c.sent },
      spooled: { ...c.spooled },
      dropped: Object.fromEntries(LOKI_DROP_REASONS.map((r) => [r, { ...c.dropped[r] }])) as Record<LokiDropReason, PerStream>,
      retried: c.retried,
      retriedBy: { ...c.retriedBy },
      batches: c.batches,
      rejectedBatches: c.rejectedBatches,
      reordered: c.reordered,
      replayed: s.replayed,
      spoolBytes: s.diskBytes,
      spoolMaxBytes: this.cfg.spoolMaxBytes,
      spoolEntries: s.pendingEntries,
      windowEntries: s.windowEntries,
      windowBytes: s.windowBytes,
      spoolWriteErrors: s.writeErrors,
      fsyncErrors: s.fsyncErrors,
      lastSuccessTs: c.lastSuccessTs,
      lastErrorTs: c.lastErrorTs,
      lastError: c.lastError,
    };
  }

  /** Where pushes go (for start-up logs). */
  get pushUrl(): string {
    return this.client.pushUrl;
  }

  // ---- internals ----

  private refuse(kind: LokiStatStream, reason: LokiDropReason): false {
    this.dropped(kind, reason, 1);
    return false;
  }

  private dropped(kind: string, reason: SpoolDropReason | LokiDropReason, count: number): void {
    const stream = statStream(kind);
    this.counters.dropped[reason][stream] += count;
    this.limiter.warn(`drop:${reason}`, { reason, stream, count }, 'Loki sink dropped entries');
    this.checkFlushWaiters();
  }

  /** Wakes the sender when a batch became due because of a push. */
  private nudge(): void {
    if (!this.wake) return;
    const w = this.spool.waiting();
    if (w.entries === 1 || w.entries >= this.cfg.batchMaxEntries || w.bytes >= this.cfg.batchMaxBytes) this.wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
      // The sink alone never keeps the process alive: the composition root owns its lifetime.
      timer?.unref();
      this.wake = done;
    });
  }

  private checkFlushWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const front = this.spool.frontOrdinal();
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const w = this.flushWaiters[i]!;
      if (front > w.target) {
        this.flushWaiters.splice(i, 1);
        w.resolve(true);
      }
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      try {
        const batch = await this.nextBatch();
        if (!batch) return;
        await this.deliver(batch);
      } catch (err) {
        // A bug or an exhausted resource; keep the sink alive and its entries in the spool.
        this.spool.release();
        this.noteError(`internal: ${(err as Error).message}`);
        this.opts.logger?.error({ err: (err as Error).message }, 'Loki sink: unexpected error; retrying in 1 s');
        if (this.stopped) return;
        await this.sleep(1000);
      }
    }
  }

  private async nextBatch(): Promise<SpoolItem[] | undefined> {
    for (;;) {
      if (this.stopped) return undefined;
      const w = this.spool.waiting();
      if (w.entries > 0) {
        const now = performance.now();
        const wait = Math.min(
          this.cfg.batchMaxWaitMs - (now - (w.oldestQueuedAt ?? 0)),
          this.alertSince === undefined ? Infinity : this.cfg.alertMaxWaitMs - (now - this.alertSince),
        );
        const due = w.onDisk || w.entries >= this.cfg.batchMaxEntries || w.bytes >= this.cfg.batchMaxBytes
          || wait <= 0 || this.flushing > 0 || this.closing;
        if (due) {
          const batch = this.spool.take(this.cfg.batchMaxEntries, this.cfg.batchMaxBytes);
          // Alerts left behind (the batch was full) go with the next batch, which is due at once or soon.
          this.alertSince = this.spool.waiting().entries > 0 && this.alertSince !== undefined ? now : undefined;
          return batch;
        }
        await this.sleep(wait);
      } else {
        if (this.closing) return undefined;
        await this.sleep(Infinity);
      }
    }
  }

  private async deliver(items: SpoolItem[]): Promise<void> {
    const body = buildPushBody(items.map((i) => ({ kind: i.kind, payload: i.payload, untrusted: i.queuedAt === 0 })), this.clock);
    for (const [kind, n] of body.invalid) this.dropped(kind, 'corrupt', n);
    this.counters.reordered += body.reordered;
    let entries = 0;
    for (const n of body.counts.values()) entries += n;
    if (entries === 0) {
      this.spool.commit(items.length);
      this.checkFlushWaiters();
      return;
    }
    const encoded = await this.client.encode(body.json);
    for (let attempt = 0; ; attempt++) {
      this.abort = new AbortController();
      const outcome = await this.client.push(encoded, this.abort.signal);
      this.abort = undefined;
      if (outcome.kind === 'ok') {
        this.spool.commit(items.length);
        for (const [kind, n] of body.counts) this.counters.sent[statStream(kind)] += n;
        this.counters.batches++;
        this.counters.lastSuccessTs = Date.now();
        if (attempt > 0) this.opts.logger?.info({ attempts: attempt + 1 }, 'Loki push succeeded again');
        this.limiter.clear('retry');
        this.checkFlushWaiters();
        return;
      }
      if (outcome.kind === 'rejected') {
        // Loki keeps the valid entries of a push it answers 400 (it reports the others): "rejected" may overcount.
        this.spool.commit(items.length);
        this.counters.rejectedBatches++;
        for (const [kind, n] of body.counts) this.counters.dropped.rejected[statStream(kind)] += n;
        this.noteError(outcome.reason);
        this.limiter.warn('rejected', { status: outcome.status, reason: outcome.reason, entries }, 'Loki refused a batch; its entries are dropped');
        this.checkFlushWaiters();
        return;
      }
      this.noteError(outcome.reason);
      if (this.stopped) {
        this.spool.release();
        return;
      }
      this.counters.retried++;
      this.counters.retriedBy[outcome.cls]++;
      const delay = retryDelayMs(attempt, { minMs: this.cfg.backoffMinMs, maxMs: this.cfg.backoffMaxMs, retryAfterMaxMs: this.cfg.retryAfterMaxMs }, outcome.retryAfterMs);
      this.limiter.warn('retry', { cls: outcome.cls, reason: outcome.reason, attempt: attempt + 1, retryInMs: delay, url: this.client.pushUrl }, 'Loki push failed; retrying');
      await this.sleepOrStop(delay);
      if (this.stopped) {
        this.spool.release();
        return;
      }
    }
  }

  /** A backoff wait that close() may cut short. */
  private async sleepOrStop(ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (!this.stopped) {
      const left = until - performance.now();
      if (left <= 0) return;
      await this.sleep(left);
    }
  }

  private noteError(reason: string): void {
    this.counters.lastError = reason;
    this.counters.lastErrorTs = Date.now();
  }
}
