// Prometheus metrics of `vigil scanner`. Gauges are rebuilt from the service's records at every scrape, so an
// image that is no longer used disappears with its series. Cardinality is bounded: one series per image x severity
// x fixable (images are bounded by limits.maxImages), workload series are capped by limits.maxWorkloadSeries (the
// excess is counted), and no family has a per-CVE or per-package label. See docs/metrics.md.
import { Counter, Gauge, Histogram, collectDefaultMetrics, Registry } from 'prom-client';
import { DeltaTracker } from '../../metrics/monotonic.js';
import { SEVERITIES } from '../policy/index.js';
import type { VulnDbMeta } from '../vulndb/index.js';
import type { ScanObserver, ScanResultKind, ScannerService } from './scanner-service.js';

export interface ScannerMetricSources {
  service: ScannerService;
  db: () => VulnDbMeta | undefined;
  maxWorkloadSeries: number;
  /** Cumulative counters of the discovery sources, by source ("kubernetes", "runtime", "pull-secrets", "db") */
  errors: () => Record<string, number>;
  imagesDropped: () => number;
  build: { version: string };
  now?: () => number;
}

export interface ScannerMetrics extends ScanObserver {
  registry: Registry;
}

const FIXABLE = ['true', 'false'] as const;
const CACHES = ['catalogs', 'reports', 'layers'] as const;

export function createScannerMetrics(src: ScannerMetricSources): ScannerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  // prom-client names these gauges *_total, which Prometheus conventions (and promtool) reserve for counters.
  for (const name of ['vigil_nodejs_active_handles_total', 'vigil_nodejs_active_requests_total', 'vigil_nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const now = src.now ?? Date.now;
  /** The images in use that have an assessment, with the labels every per-image family uses. */
  const summarized = function* () {
    for (const { use, record } of src.service.list()) {
      if (!record.summary) continue;
      yield { use, summary: record.summary, image: use.refs[0] ?? use.reference, digest: use.digest ?? record.manifestDigest ?? '' };
    }
  };

  new Gauge({
    name: 'vigil_image_vulnerabilities',
    help: 'Unsuppressed vulnerabilities in an image in use, by severity and whether a fixed version exists.',
    labelNames: ['image', 'digest', 'severity', 'fixable'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { image, digest, summary: s } of summarized()) {
        for (const severity of SEVERITIES) {
          const fixable = s.fixable[severity];
          this.set({ image, digest, severity, fixable: 'true' }, fixable);
          this.set({ image, digest, severity, fixable: 'false' }, s.severity[severity] - fixable);
        }
      }
    },
  });

  let seriesDropped = 0;
  new Gauge({
    name: 'vigil_workload_vulnerabilities',
    help: 'Unsuppressed vulnerabilities in the image a workload container runs, by severity and fixability.',
    labelNames: ['namespace', 'workload_kind', 'workload', 'container', 'image', 'severity', 'fixable'],
    registers: [registry],
    collect() {
      this.reset();
      let series = 0;
      for (const { use, image, summary: s } of summarized()) {
        for (const w of use.workloads) {
          if (series + SEVERITIES.length * FIXABLE.length > src.maxWorkloadSeries) {
            seriesDropped += SEVERITIES.length * FIXABLE.length;
            continue;
          }
          series += SEVERITIES.length * FIXABLE.length;
          const base = { namespace: w.namespace, workload_kind: w.kind, workload: w.name, container: w.container, image };
          for (const severity of SEVERITIES) {
            const fixable = s.fixable[severity];
            this.set({ ...base, severity, fixable: 'true' }, fixable);
            this.set({ ...base, severity, fixable: 'false' }, s.severity[severity] - fixable);
          }
        }
      }
    },
  });

  new Gauge({
    name: 'vigil_image_policy_violations',
    help: '1 when an image in use violates the policy, 0 when it passes (every evaluated policy has a series).',
    labelNames: ['image', 'digest', 'policy', 'severity'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { image, digest, summary: s } of summarized()) {
        for (const p of s.policies) this.set({ image, digest, policy: p.id, severity: p.severity }, p.violated ? 1 : 0);
      }
    },
  });

  const duration = new Histogram({
    name: 'vigil_image_scan_duration_seconds',
    help: 'Time to scan an image: mode="pull" reads it from its source and catalogues it, mode="rematch" only matches a cached catalogue.',
    labelNames: ['mode'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const scans = new Counter({
    name: 'vigil_image_scans_total',
    help: 'Image scans by result: success, incomplete (e.g. OS not identified) or failed.',
    labelNames: ['result'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'vigil_image_scan_failures_total',
    help: 'Failed image scans by error code (not-found, unauthorized, network, timeout, layer-corrupt, ...).',
    labelNames: ['code'],
    registers: [registry],
  });
  for (const result of ['success', 'incomplete', 'failed'] as ScanResultKind[]) scans.inc({ result }, 0);

  new Gauge({
    name: 'vigil_vulndb_age_seconds',
    help: 'Age of the vulnerability data: now minus the newest record modification time in the database.',
    registers: [registry],
    collect() {
      this.reset();
      const meta = src.db();
      const t = meta ? Date.parse(meta.newestModified ?? meta.builtAt) : NaN;
      if (Number.isFinite(t)) this.set(Math.max(0, (now() - t) / 1000));
    },
  });
  new Gauge({
    name: 'vigil_vulndb_records',
    help: 'Records (advisories) in the vulnerability database in use.',
    registers: [registry],
    collect() {
      this.reset();
      const meta = src.db();
      if (meta) this.set(meta.records);
    },
  });
  new Gauge({
    name: 'vigil_images_in_use',
    help: 'Distinct images (by digest, else by reference) in use or configured.',
    registers: [registry],
    collect() {
      this.set(src.service.list().length);
    },
  });
  new Gauge({
    name: 'vigil_scanner_images',
    help: 'Tracked images by scan status (pending, scanning, scanned, failed).',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      const counts: Record<string, number> = { pending: 0, scanning: 0, scanned: 0, failed: 0 };
      for (const { record } of src.service.list()) counts[record.status] = (counts[record.status] ?? 0) + 1;
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'vigil_scanner_queue_length',
    help: 'Scans waiting in the queue.',
    registers: [registry],
    collect() {
      this.set(src.service.queueStats().queued);
    },
  });
  new Gauge({
    name: 'vigil_scanner_scans_running',
    help: 'Scans running now (at most scan.concurrency).',
    registers: [registry],
    collect() {
      this.set(src.service.queueStats().running);
    },
  });
  new Gauge({
    name: 'vigil_scanner_cache_entries',
    help: 'Entries in the scanner caches: catalogs (packages per image), reports (findings per image), layers (what was kept of each layer blob).',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      const c = src.service.cacheStats();
      for (const cache of CACHES) this.set({ cache }, c[cache].entries);
    },
  });
  new Gauge({
    name: 'vigil_scanner_cache_bytes',
    help: 'Estimated memory held by the scanner caches.',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      const c = src.service.cacheStats();
      for (const cache of CACHES) this.set({ cache }, c[cache].bytes);
    },
  });
  const evictionDeltas = new DeltaTracker();
  new Counter({
    name: 'vigil_scanner_cache_evictions_total',
    help: 'Entries the scanner caches let go to stay within their entry and byte bounds.',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      const c = src.service.cacheStats();
      for (const cache of CACHES) {
        const d = evictionDeltas.delta(cache, c[cache].evictions);
        this.inc({ cache }, d > 0 ? d : 0);
      }
    },
  });
  const lookupDeltas = new DeltaTracker();
  new Counter({
    name: 'vigil_scanner_cache_lookups_total',
    help: 'Lookups in the per-layer cache: a hit is a layer blob that was not downloaded and read again.',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      const l = src.service.cacheStats().layers;
      for (const [result, n] of [['hit', l.hits], ['miss', l.misses]] as const) {
        const d = lookupDeltas.delta(result, n);
        this.inc({ cache: 'layers', result }, d > 0 ? d : 0);
      }
    },
  });
  const errorDeltas = new DeltaTracker();
  new Counter({
    name: 'vigil_scanner_errors_total',
    help: 'Errors of the scanner around scans, by source: kubernetes (informer), runtime (CLI polls), pull-secrets, db (loading a database).',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const [source, n] of Object.entries(src.errors())) {
        const d = errorDeltas.delta(source, n);
        this.inc({ source }, d > 0 ? d : 0);
      }
    },
  });
  const droppedDeltas = new DeltaTracker();
  new Counter({
    name: 'vigil_scanner_dropped_total',
    help: 'What the bounds left out: images beyond limits.maxImages, workload series beyond limits.maxWorkloadSeries.',
    labelNames: ['what'],
    registers: [registry],
    collect() {
      const d1 = droppedDeltas.delta('images', src.imagesDropped());
      this.inc({ what: 'images' }, d1 > 0 ? d1 : 0);
      const d2 = droppedDeltas.delta('workload_series', seriesDropped);
      this.inc({ what: 'workload_series' }, d2 > 0 ? d2 : 0);
    },
  });
  new Gauge({
    name: 'vigil_scanner_build_info',
    help: 'Build of the scanner (value 1).',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
    collect() {
      this.set({ version: src.build.version, nodejs: process.version }, 1);
    },
  });

  return {
    registry,
    scanned(mode, seconds, result, code) {
      duration.observe({ mode }, seconds);
      scans.inc({ result });
      if (result === 'failed') failures.inc({ code: code ?? 'internal' });
    },
  };
}
