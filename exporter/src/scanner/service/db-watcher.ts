// Keeps the scanner on the newest vulnerability database. `vigil db import` swaps <dir>/current atomically; this
// notices (a filesystem watch on the directory for speed, a poll of the link for certainty), opens the new
// generation and hands it over. Assessments are synchronous, so the old handle can be closed right after the swap.
import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { openVulnDb, type VulnDb } from '../vulndb/index.js';

export interface DbWatcherOptions {
  dir: string;
  pollIntervalMs?: number;
  onChange: (db: VulnDb, previous: VulnDb | undefined) => void;
  onError?: (message: string) => void;
}

export interface DbWatcherStats {
  loads: number;
  failures: number;
  lastError?: string;
}

export class DbWatcher {
  private db: VulnDb | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = true;
  private readonly counters: DbWatcherStats = { loads: 0, failures: 0 };

  constructor(private readonly opts: DbWatcherOptions) {}

  current(): VulnDb | undefined {
    return this.db;
  }

  stats(): DbWatcherStats {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.check();
    this.armWatch();
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.armWatch();
        void this.check().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.opts.pollIntervalMs ?? 10_000);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /** Opens the current generation when it differs from the one in use. Never throws. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (this.stopped) return;
    let target: string;
    try {
      target = await realpath(join(this.opts.dir, 'current'));
    } catch {
      return; // no database yet; the scanner reports "waiting for a database"
    }
    if (this.db && this.db.path === target) return;
    let next: VulnDb;
    try {
      next = openVulnDb(this.opts.dir);
    } catch (err) {
      this.counters.failures++;
      this.counters.lastError = (err as Error).message;
      this.opts.onError?.((err as Error).message);
      return;
    }
    if (this.stopped) {
      next.close();
      return;
    }
    const previous = this.db;
    this.db = next;
    this.counters.loads++;
    try {
      this.opts.onChange(next, previous);
    } finally {
      previous?.close();
    }
  }

  /** The directory may not exist at start; the watch is (re)armed once it does. */
  private armWatch(): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(this.opts.dir, { persistent: false }, () => {
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.check(), 200);
        this.debounce.unref();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }
}
