// The scanner service's core: images in use (the inventory) -> a deduplicating queue -> catalogue (cached per image,
// its layers cached per blob digest so that images on a shared base read only their own layers) -> assessment against the current database (cached, recomputed when the database changes) -> records that the
// metrics and the API read. Discovery, HTTP and configuration files are wired around it by main.ts.
import { LayerError } from '../layers/errors.js';
import type { CachedLayer, LayerCache } from '../layers/read-layers.js';
import { assessImage, catalogImage, type Assessment, type CatalogedImage, type Completeness, type PolicyInputs } from '../pipeline/index.js';
import { SEVERITIES } from '../policy/index.js';
import { SourceError } from '../sources/errors.js';
import type { RegistryCredential } from '../sources/credentials.js';
import type { Platform } from '../sources/image-handle.js';
import { TokenCache } from '../sources/registry-auth.js';
import type { OsInfo, Severity } from '../types.js';
import type { VulnDb } from '../vulndb/index.js';
import { BoundedCache } from './bounded-cache.js';
import type { ImageInventory, ImageUse } from './image-inventory.js';
import { ScanQueue, type ScanQueueStats } from './scan-queue.js';

export type ImageStatus = 'pending' | 'scanning' | 'scanned' | 'failed';

export interface ImageSummary {
  /** Unsuppressed findings per severity */
  severity: Record<Severity, number>;
  /** Unsuppressed findings with a fixed version, per severity */
  fixable: Record<Severity, number>;
  findings: number;
  suppressed: number;
  packages: number;
  policies: { id: string; title: string; severity: Severity; violated: boolean }[];
}

export interface ImageRecord {
  key: string;
  status: ImageStatus;
  /** Consecutive failures */
  attempts: number;
  lastError?: { code: string; message: string; at: string };
  nextRetryAt?: string;
  /** The next scan re-pulls even when a catalogue is cached (a tag may have moved, or a user asked) */
  forcePull: boolean;
  scannedAt?: string;
  catalogedAt?: string;
  dbDigest?: string;
  durationSeconds?: number;
  manifestDigest?: string;
  indexDigest?: string;
  configDigest?: string;
  normalizedReference?: string;
  /** The reference the last assessment's policies judged (see displayReference) */
  judgedReference?: string;
  os?: OsInfo;
  summary?: ImageSummary;
  completeness?: Completeness;
}

export type ScanResultKind = 'success' | 'incomplete' | 'failed';

export interface ScanObserver {
  scanned(mode: 'pull' | 'rematch', seconds: number, result: ScanResultKind, errorCode?: string): void;
}

export interface ScannerServiceOptions {
  inventory: ImageInventory;
  /** The current database, or undefined while there is none */
  db: () => VulnDb | undefined;
  policy: () => PolicyInputs;
  /** Credentials for one image: docker config plus the pull secrets its pods name */
  credentials: (use: ImageUse) => Promise<RegistryCredential[]>;
  platform?: Platform;
  insecureRegistries?: string[];
  tempDir?: string;
  concurrency?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** maxLayerBytes 0 turns the per-layer cache off. */
  cache?: { maxImages?: number; maxBytes?: number; maxReportBytes?: number; maxLayers?: number; maxLayerBytes?: number };
  observer?: ScanObserver;
  /** Replace the catalogue step (tests of the service logic without a registry) */
  catalog?: typeof catalogImage;
  now?: () => Date;
}

function zeroCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function summarize(a: Assessment): ImageSummary {
  const severity = zeroCounts();
  const fixable = zeroCounts();
  let suppressed = 0;
  for (const f of a.result.findings) {
    if (f.suppressed) {
      suppressed++;
      continue;
    }
    severity[f.severity]++;
    if (f.fixedVersion && f.fixedVersion.trim() !== '') fixable[f.severity]++;
  }
  return {
    severity,
    fixable,
    findings: a.result.findings.length,
    suppressed,
    packages: a.result.image.packages.length,
    policies: a.policies.map((p) => ({ id: p.id, title: p.title, severity: p.severity, violated: p.violated })),
  };
}

function assessmentBytes(a: Assessment): number {
  let n = 4096;
  for (const f of a.result.findings) n += 600 + (f.summary?.length ?? 0) * 2 + f.references.reduce((s, r) => s + r.length * 2, 0) + f.ratings.length * 150;
  for (const p of a.policies) n += 200 + p.details.reduce((s, d) => s + d.length * 2, 0);
  return n;
}

/**
 * The reference policies judge: one a workload wrote without a digest when there is one (if any workload runs the
 * image unpinned, the image-reference policy must say so), else the first.
 */
export function displayReference(use: ImageUse): string {
  return use.refs.find((r) => !r.includes('@')) ?? use.refs[0] ?? use.reference;
}

function errorCode(err: unknown): string {
  if (err instanceof SourceError || err instanceof LayerError) return err.code;
  return 'internal';
}

export interface CacheStats {
  entries: number;
  bytes: number;
  evictions: number;
}

export interface ScannerCacheStats {
  catalogs: CacheStats;
  reports: CacheStats;
  /** hits and misses count lookups of layers that have a cache key; all zero when the layer cache is off */
  layers: CacheStats & { hits: number; misses: number };
}

/** The per-layer cache: a BoundedCache that counts its lookups. */
class CountingLayerCache implements LayerCache {
  hits = 0;
  misses = 0;
  constructor(readonly store: BoundedCache<string, CachedLayer>) {}
  get(key: string): CachedLayer | undefined {
    const hit = this.store.get(key);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }
  set(key: string, value: CachedLayer, bytes: number): void {
    this.store.set(key, value, bytes);
  }
}

export class ScannerService {
  private readonly records = new Map<string, ImageRecord>();
  /** manifest / index / config digests -> record key */
  private readonly aliases = new Map<string, string>();
  private readonly catalogs: BoundedCache<string, CatalogedImage>;
  private readonly reports: BoundedCache<string, Assessment>;
  private readonly layers: CountingLayerCache | undefined;
  private readonly queue: ScanQueue<string>;
  private readonly tokens = new TokenCache();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private readonly now: () => Date;
  private stopped = false;

  constructor(private readonly opts: ScannerServiceOptions) {
    this.now = opts.now ?? (() => new Date());
    this.catalogs = new BoundedCache(opts.cache?.maxImages ?? 1024, opts.cache?.maxBytes ?? 256 * 1024 * 1024);
    this.reports = new BoundedCache(opts.cache?.maxImages ?? 1024, opts.cache?.maxReportBytes ?? 128 * 1024 * 1024);
    const layerBytes = opts.cache?.maxLayerBytes ?? 128 * 1024 * 1024;
    if (layerBytes > 0) this.layers = new CountingLayerCache(new BoundedCache(opts.cache?.maxLayers ?? 2048, layerBytes));
    this.queue = new ScanQueue((key) => this.scan(key), opts.concurrency ?? 2);
    this.unsubscribe = opts.inventory.onChange((c) => {
      for (const key of c.added) this.track(key);
      for (const key of c.changed) {
        this.track(key);
        // A workload now names the image differently (a pod pinned by tag joined): judge the new reference.
        const r = this.records.get(key);
        const use = this.opts.inventory.get(key);
        if (r?.judgedReference !== undefined && use && displayReference(use) !== r.judgedReference) this.queue.enqueue(key);
      }
      for (const key of c.removed) this.untrack(key);
    });
    for (const key of opts.inventory.keys()) this.track(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.queue.stop();
  }

  /** Resolves when no scan is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  queueStats(): ScanQueueStats {
    return this.queue.stats();
  }

  cacheStats(): ScannerCacheStats {
    const l = this.layers;
    return {
      catalogs: { entries: this.catalogs.size, bytes: this.catalogs.bytes, evictions: this.catalogs.evictions },
      reports: { entries: this.reports.size, bytes: this.reports.bytes, evictions: this.reports.evictions },
      layers: { entries: l?.store.size ?? 0, bytes: l?.store.bytes ?? 0, evictions: l?.store.evictions ?? 0, hits: l?.hits ?? 0, misses: l?.misses ?? 0 },
    };
  }

  /** Records of the images in use, in inventory order. */
  list(): { use: ImageUse; record: ImageRecord }[] {
    const out: { use: ImageUse; record: ImageRecord }[] = [];
    for (const key of this.opts.inventory.keys()) {
      const use = this.opts.inventory.get(key);
      const record = this.records.get(key);
      if (use && record) out.push({ use, record });
    }
    return out;
  }

  /** By key, or by any digest the image is known under (manifest, index, config). */
  find(id: string): { use: ImageUse; record: ImageRecord } | undefined {
    const key = this.records.has(id) ? id : this.aliases.get(id);
    if (key === undefined) return undefined;
    const use = this.opts.inventory.get(key);
    const record = this.records.get(key);
    return use && record ? { use, record } : undefined;
  }

  /**
   * The full assessment for the API: from the cache, else recomputed from the cached catalogue against the current
   * database (synchronous, milliseconds). Undefined when neither is available (the image must be scanned again).
   */
  assessment(key: string): Assessment | undefined {
    const db = this.opts.db();
    const cached = this.reports.get(key);
    if (cached && (!db || cached.dbDigest === db.meta.digest)) return cached;
    const cataloged = this.catalogs.get(key);
    if (!cataloged || !db) return undefined;
    const a = this.assess(cataloged, db, this.opts.inventory.get(key));
    this.reports.set(key, a, assessmentBytes(a));
    return a;
  }

  /** Queues one image again; `pull` re-reads it from its source even when its catalogue is cached. */
  rescan(key: string, pull = false): boolean {
    const record = this.records.get(key);
    if (!record) return false;
    if (pull) record.forcePull = true;
    this.clearRetry(key);
    this.queue.enqueue(key, true);
    return true;
  }

  /** Queues every image: digests are re-matched from their catalogues, tag references are pulled again. */
  rescanAll(): number {
    let n = 0;
    for (const key of this.records.keys()) {
      const use = this.opts.inventory.get(key);
      if (use?.byTag) this.records.get(key)!.forcePull = true;
      this.clearRetry(key);
      if (this.queue.enqueue(key) !== 'refused') n++;
    }
    return n;
  }

  /** The database changed: every image is assessed again (from its catalogue when cached, without pulling). */
  databaseChanged(): void {
    for (const key of this.records.keys()) {
      this.clearRetry(key);
      this.queue.enqueue(key);
    }
  }

  /** Tag references may point at new images: pull them again. */
  refreshTags(): void {
    for (const key of this.records.keys()) {
      if (this.opts.inventory.get(key)?.byTag) {
        this.records.get(key)!.forcePull = true;
        this.queue.enqueue(key);
      }
    }
  }

  private track(key: string): void {
    if (this.stopped || this.records.has(key)) return;
    this.records.set(key, { key, status: 'pending', attempts: 0, forcePull: false });
    this.queue.enqueue(key);
  }

  private untrack(key: string): void {
    const r = this.records.get(key);
    this.records.delete(key);
    this.queue.remove(key);
    this.clearRetry(key);
    this.reports.delete(key);
    if (r) for (const d of [r.manifestDigest, r.indexDigest, r.configDigest]) if (d && this.aliases.get(d) === key) this.aliases.delete(d);
    // The catalogue stays cached (bounded): the image often comes back (a rollout, a restarted pod).
  }

  private clearRetry(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    const r = this.records.get(key);
    if (r) delete r.nextRetryAt;
  }

  private assess(cataloged: CatalogedImage, db: VulnDb, use: ImageUse | undefined): Assessment {
    const inputs = this.opts.policy();
    // Policies judge the reference workloads use, which may have changed since the catalogue was made.
    const reference = use ? displayReference(use) : cataloged.image.reference;
    const current = reference === cataloged.image.reference ? cataloged : { ...cataloged, image: { ...cataloged.image, reference } };
    return assessImage(current, {
      db,
      ...(inputs.policy ? { policy: inputs.policy } : {}),
      ignore: inputs.ignore,
      vex: inputs.vex,
      now: this.now(),
    });
  }

  private async scan(key: string): Promise<void> {
    const record = this.records.get(key);
    const use = this.opts.inventory.get(key);
    if (!record || !use || this.stopped) return;
    if (!this.opts.db()) {
      // Nothing to match against yet; databaseChanged() queues it once an import lands.
      record.lastError = { code: 'no-database', message: 'no vulnerability database yet: run "vigil db import"', at: this.now().toISOString() };
      return;
    }
    const started = process.hrtime.bigint();
    let cataloged = record.forcePull ? undefined : this.catalogs.get(key);
    const mode: 'pull' | 'rematch' = cataloged ? 'rematch' : 'pull';
    const previousStatus = record.status;
    if (record.status !== 'scanned') record.status = 'scanning';
    try {
      if (!cataloged) {
        const credentials = await this.opts.credentials(use);
        cataloged = await (this.opts.catalog ?? catalogImage)({
          reference: use.reference,
          displayReference: displayReference(use),
          credentials,
          tokenCache: this.tokens,
          ...(this.layers ? { layerCache: this.layers } : {}),
          ...(this.opts.platform ? { platform: this.opts.platform } : {}),
          ...(this.opts.insecureRegistries?.length ? { insecureRegistries: this.opts.insecureRegistries } : {}),
          ...(this.opts.tempDir ? { tempDir: this.opts.tempDir } : {}),
        });
        this.catalogs.set(key, cataloged, cataloged.approxBytes);
        record.forcePull = false;
      }
      const db = this.opts.db();
      if (!db) throw new Error('the vulnerability database went away during the scan');
      const a = this.assess(cataloged, db, this.opts.inventory.get(key) ?? use);
      if (!this.records.has(key)) return; // the image stopped being used while it was pulled
      this.reports.set(key, a, assessmentBytes(a));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A tag may now point elsewhere: the old digests no longer name this image.
      for (const d of [record.manifestDigest, record.indexDigest, record.configDigest]) if (d && this.aliases.get(d) === key) this.aliases.delete(d);
      Object.assign(record, {
        status: 'scanned',
        attempts: 0,
        scannedAt: a.result.scannedAt ?? this.now().toISOString(),
        catalogedAt: cataloged.catalogedAt,
        dbDigest: a.dbDigest,
        durationSeconds: seconds,
        normalizedReference: cataloged.normalizedReference,
        judgedReference: a.result.image.reference,
        summary: summarize(a),
        completeness: a.completeness,
        configDigest: cataloged.configDigest,
      } satisfies Partial<ImageRecord>);
      delete record.lastError;
      if (cataloged.image.digest) record.manifestDigest = cataloged.image.digest;
      else delete record.manifestDigest;
      if (cataloged.indexDigest) record.indexDigest = cataloged.indexDigest;
      else delete record.indexDigest;
      if (cataloged.image.os) record.os = cataloged.image.os;
      else delete record.os;
      for (const d of [record.manifestDigest, record.indexDigest, record.configDigest]) if (d && d !== key) this.aliases.set(d, key);
      this.opts.observer?.scanned(mode, seconds, a.completeness.complete ? 'success' : 'incomplete');
    } catch (err) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const code = errorCode(err);
      this.opts.observer?.scanned(mode, seconds, 'failed', code);
      if (!this.records.has(key)) return;
      record.attempts++;
      record.lastError = { code, message: (err as Error).message.slice(0, 1000), at: this.now().toISOString() };
      // A result from an earlier scan stays valid (its digest has not changed); only a first scan is "failed".
      record.status = previousStatus === 'scanned' ? 'scanned' : 'failed';
      this.scheduleRetry(key, record);
    }
  }

  private scheduleRetry(key: string, record: ImageRecord): void {
    if (this.stopped) return;
    const initial = this.opts.retryInitialMs ?? 30_000;
    const max = this.opts.retryMaxMs ?? 3_600_000;
    const base = Math.min(max, initial * 2 ** Math.min(30, record.attempts - 1));
    // Jitter keeps many images failing on one registry from retrying in lockstep.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    record.nextRetryAt = new Date(this.now().getTime() + delay).toISOString();
    const t = setTimeout(() => {
      this.timers.delete(key);
      delete record.nextRetryAt;
      if (this.records.get(key) === record) this.queue.enqueue(key);
    }, delay);
    t.unref();
    this.timers.set(key, t);
  }
}
