// Folds floods of identical alerts. The first alert of a kind passes at once; identical ones inside the window
// are counted, not sent, and when the window closes one summary alert carries the count. Nothing is lost: the
// summary says how many were folded, and a full key table lets alerts through rather than dropping them.

import type { Alert, OutputFieldValue } from './types.js';

/** Fields that differ between otherwise identical alerts (ids, times, ephemeral ports). */
const VOLATILE_FIELDS = new Set([
  'evt.time', 'evt.time.iso8601', 'evt.num', 'evt.rawtime', 'proc.pid', 'proc.ppid', 'proc.vpid', 'proc.tid', 'thread.tid', 'thread.vtid',
  'proc.apid', 'fd.num', 'fd.sport', 'fd.lport', 'fd.cport', 'evt.res', 'evt.rawres', 'proc.start_ts',
]);

export function dedupKey(alert: Alert): string {
  const fields = Object.entries(alert.output_fields)
    .filter(([k]) => !VOLATILE_FIELDS.has(k) && !k.startsWith('proc.apid['))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]: [string, OutputFieldValue]) => `${k}=${String(v)}`);
  return `${alert.rule}\u0000${alert.container?.id ?? 'host'}\u0000${fields.join('\u0000')}`;
}

interface Window {
  first: Alert;
  last: Alert;
  folded: number;
  closesAt: number;
}

export interface DedupOptions {
  windowMs: number;
  maxKeys: number;
  now?: () => number;
}

export class AlertDeduplicator {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;
  readonly stats = { passed: 0, folded: 0, summaries: 0, keyTableFull: 0 };

  constructor(
    private readonly opts: DedupOptions,
    private readonly emit: (alert: Alert) => void,
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  push(alert: Alert): void {
    if (this.opts.windowMs <= 0) {
      this.stats.passed++;
      this.emit(alert);
      return;
    }
    const key = dedupKey(alert);
    const w = this.windows.get(key);
    if (w) {
      w.folded++;
      w.last = alert;
      this.stats.folded++;
      return;
    }
    if (this.windows.size >= this.opts.maxKeys) {
      this.stats.keyTableFull++;
    } else {
      this.windows.set(key, { first: alert, last: alert, folded: 0, closesAt: this.now() + this.opts.windowMs });
      this.arm();
    }
    this.stats.passed++;
    this.emit(alert);
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(100, Math.min(1000, this.opts.windowMs / 4)));
    this.timer.unref();
  }

  /** Closes windows whose time is up; a window that folded alerts sends one summary. */
  sweep(all = false): void {
    const now = this.now();
    for (const [key, w] of this.windows) {
      if (!all && w.closesAt > now) continue;
      this.windows.delete(key);
      if (w.folded > 0) {
        this.stats.summaries++;
        const seconds = Math.round(this.opts.windowMs / 1000);
        this.emit({
          ...w.last,
          count: w.folded,
          output: `${w.last.output} (repeated ${w.folded} more time${w.folded === 1 ? '' : 's'} within ${seconds}s of ${w.first.uuid})`,
        });
      }
    }
    if (this.windows.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** At shutdown: send every pending summary. */
  flush(): void {
    this.sweep(true);
  }
}
