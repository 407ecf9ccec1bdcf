// The HTTP face of `vigil scanner`: /metrics, /healthz, /readyz and the JSON API under /api/v1 (bearer token,
// compared in constant time by http/auth.ts). The Grafana app reads it through its plugin proxy; every endpoint is
// documented with examples in docs/scanner.md.
import express, { type Request, type Response } from 'express';
import { requireBearer } from '../../http/auth.js';
import { toJsonReport } from '../report/index.js';
import { SEVERITIES } from '../policy/index.js';
import type { VulnDbMeta } from '../vulndb/index.js';
import type { ImageUse } from './image-inventory.js';
import type { ImageRecord, ScannerService } from './scanner-service.js';

export interface ScannerApiSources {
  service: ScannerService;
  metrics: () => Promise<{ contentType: string; body: string }>;
  ready: () => { ready: boolean; reason?: string };
  db: () => { meta: VulnDbMeta; path: string } | undefined;
  dbDir: string;
  scannerVersion: string;
  now?: () => Date;
}

const DIGEST_OR_KEY = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|ref:[\x21-\x7e]{1,4096})$/;

function verdict(record: ImageRecord): 'pass' | 'fail' | 'unknown' {
  const s = record.summary;
  if (!s) return 'unknown';
  return s.policies.some((p) => p.violated) ? 'fail' : 'pass';
}

/** One entry of GET /api/v1/images. */
export function imageListEntry(use: ImageUse, record: ImageRecord): Record<string, unknown> {
  const s = record.summary;
  const zero = Object.fromEntries(SEVERITIES.map((x) => [x, 0]));
  return {
    id: record.key,
    ref: use.refs[0] ?? use.reference,
    refs: use.refs,
    reference: use.reference,
    digest: use.digest ?? record.manifestDigest ?? null,
    manifest_digest: record.manifestDigest ?? null,
    index_digest: record.indexDigest ?? null,
    config_digest: record.configDigest ?? null,
    sources: use.sources,
    os: record.os ? { id: record.os.id, version_id: record.os.versionId, pretty_name: record.os.prettyName ?? null } : null,
    status: record.status,
    complete: record.completeness ? record.completeness.complete : null,
    incomplete_reasons: record.completeness?.reasons ?? [],
    severity: s ? s.severity : zero,
    fixable: s ? s.fixable : zero,
    findings: s?.findings ?? 0,
    suppressed: s?.suppressed ?? 0,
    packages: s?.packages ?? 0,
    policy: {
      verdict: verdict(record),
      evaluated: s?.policies.length ?? 0,
      violated: s ? s.policies.filter((p) => p.violated).map((p) => ({ id: p.id, title: p.title, severity: p.severity })) : [],
    },
    workloads: use.workloads.map((w) => ({ namespace: w.namespace, kind: w.kind, name: w.name, container: w.container, pods: w.pods })),
    workload_count: new Set(use.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`)).size,
    users: use.users,
    scanned_at: record.scannedAt ?? null,
    db_digest: record.dbDigest ?? null,
    scan_seconds: record.durationSeconds ?? null,
    error: record.lastError ?? null,
    attempts: record.attempts,
    next_retry_at: record.nextRetryAt ?? null,
  };
}

export function describeDbForApi(db: { meta: VulnDbMeta; path: string } | undefined, dir: string, now: Date): Record<string, unknown> {
  if (!db) return { loaded: false, dir, path: null };
  const m = db.meta;
  const newest = m.newestModified ?? m.builtAt;
  const age = now.getTime() - Date.parse(newest);
  return {
    loaded: true,
    dir,
    path: db.path,
    digest: m.digest,
    built_at: m.builtAt,
    newest_modified: m.newestModified ?? null,
    age_seconds: Number.isFinite(age) ? Math.max(0, Math.round(age / 1000)) : null,
    records: m.records,
    packages: m.packages,
    advisories: m.advisories,
    ecosystems: m.ecosystems,
    import: m.import,
  };
}

export function createScannerApp(src: ScannerApiSources, opts: { token: string }): express.Express {
  const now = src.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.get('/metrics', async (_req, res) => {
    try {
      const m = await src.metrics();
      res.set('Content-Type', m.contentType).send(m.body);
    } catch (err) {
      res.status(500).type('text/plain').send(`metrics failed: ${(err as Error).message}\n`);
    }
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const r = src.ready();
    res.status(r.ready ? 200 : 503).json(r);
  });

  const api = express.Router();
  api.use(requireBearer(opts.token));

  api.get('/images', (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const entries = src.service
      .list()
      .filter(({ record }) => status === undefined || record.status === status)
      .map(({ use, record }) => imageListEntry(use, record));
    res.json({ images: entries, count: entries.length, db: describeDbForApi(src.db(), src.dbDir, now()) });
  });

  const byId = (req: Request, res: Response): ReturnType<ScannerService['find']> => {
    const id = String(req.params.digest ?? '');
    if (!DIGEST_OR_KEY.test(id)) {
      res.status(400).json({ error: 'expected an image digest (sha256:<64 hex>) or an id from /api/v1/images' });
      return undefined;
    }
    const hit = src.service.find(id);
    if (!hit) res.status(404).json({ error: `no image ${id} is in use or configured` });
    return hit;
  };

  api.get('/images/:digest', (req, res) => {
    const hit = byId(req, res);
    if (!hit) return;
    const { record, use } = hit;
    if (!record.summary) {
      const failed = record.status === 'failed';
      res.status(failed ? 502 : 202).json({ status: record.status, error: record.lastError ?? null, next_retry_at: record.nextRetryAt ?? null, image: imageListEntry(use, record) });
      return;
    }
    const a = src.service.assessment(record.key);
    if (!a) {
      // Both caches let it go: scan again and tell the client to come back.
      src.service.rescan(record.key);
      res.status(202).json({ status: 'rescanning', image: imageListEntry(use, record) });
      return;
    }
    res.set('X-Vigil-Scan-Complete', a.completeness.complete ? 'true' : 'false');
    res.json(toJsonReport(a.result, a.policies, { now: now(), scannerVersion: src.scannerVersion, completeness: a.completeness }));
  });

  api.post('/images/:digest/rescan', (req, res) => {
    const hit = byId(req, res);
    if (!hit) return;
    const pull = req.query.pull === 'true' || req.query.pull === '1';
    src.service.rescan(hit.record.key, pull);
    res.status(202).json({ queued: 1, id: hit.record.key, pull });
  });

  api.post('/rescan', (_req, res) => {
    res.status(202).json({ queued: src.service.rescanAll() });
  });

  api.get('/db', (_req, res) => {
    res.json(describeDbForApi(src.db(), src.dbDir, now()));
  });

  api.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use('/api/v1', api);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
