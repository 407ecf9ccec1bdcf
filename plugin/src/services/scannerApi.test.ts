// Fixtures: testdata/images-list.json is the docs/scanner.md list example plus three more images and two malformed
// entries; testdata/image-report.json validates against the scanner's own zod schema (exporter jsonReportSchema).
import list from '../pages/ImageScans/testdata/images-list.json';
import report from '../pages/ImageScans/testdata/image-report.json';
import {
  advisoryUrl,
  compareByRisk,
  describeHttpError,
  EMPTY_FILTER,
  filterImages,
  findImage,
  isScannerId,
  parseImageList,
  parseImageReport,
  parseImageReportAnswer,
  ScannerResponseError,
} from './scannerApi';

describe('parseImageList', () => {
  const parsed = parseImageList(list);

  it('keeps the valid entries and counts the malformed ones', () => {
    expect(parsed.images.map((i) => i.ref)).toEqual([
      'registry.example.com/shop/api:1.4.2',
      'registry.example.com/shop/static:2.0',
      'ghcr.io/acme/worker:0.9',
      'registry.example.com/private/secret:1',
    ]);
    expect(parsed.malformed).toBe(2);
    expect(parsed.db?.loaded).toBe(true);
  });

  it('maps the documented keys', () => {
    const api = parsed.images[0]!;
    expect(api.severity).toEqual({ CRITICAL: 0, HIGH: 5, MEDIUM: 2, LOW: 3, UNKNOWN: 0, NONE: 0 });
    expect(api.fixable.LOW).toBe(0);
    expect(api.policy.verdict).toBe('fail');
    expect(api.policy.violated.map((p) => p.id)).toEqual(['vulnerabilities', 'non-root-user', 'image-reference', 'secret-env']);
    expect(api.workloads).toEqual([{ namespace: 'shop', kind: 'Deployment', name: 'api', container: 'api', pods: 2 }]);
    expect(api.osName).toBe('Debian GNU/Linux 12 (bookworm)');
    const failed = parsed.images[3]!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 'unauthorized', message: 'registry.example.com answered 401 for private/secret', at: '2026-12-03T23:38:27.000Z' });
  });

  it('tolerates missing optional keys with defaults', () => {
    const minimal = parseImageList({ images: [{ id: 'sha256:' + 'a'.repeat(64), ref: 'x:1' }] });
    const e = minimal.images[0]!;
    expect(e.severity.CRITICAL).toBe(0);
    expect(e.policy).toEqual({ verdict: 'unknown', evaluated: 0, violated: [] });
    expect(e.refs).toEqual(['x:1']);
    expect(e.workloads).toEqual([]);
    expect(e.complete).toBeNull();
    expect(minimal.db).toBeNull();
  });

  it('rejects hostile numbers and unknown enum values', () => {
    const e = parseImageList({
      images: [{ id: 'k', ref: 'r', severity: { CRITICAL: -5, HIGH: 'lots', MEDIUM: 1e400, LOW: 2.7 }, status: 'exploded', policy: { verdict: 'maybe' } }],
    }).images[0]!;
    expect(e.severity).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 2, UNKNOWN: 0, NONE: 0 });
    expect(e.status).toBe('pending');
    expect(e.policy.verdict).toBe('unknown');
  });

  it('throws a clear error when the answer is not a list at all', () => {
    expect(() => parseImageList({ error: 'unauthorized' })).toThrow(ScannerResponseError);
    expect(() => parseImageList('<html>')).toThrow(/without an "images" list/);
  });
});

describe('filterImages and compareByRisk', () => {
  const images = parseImageList(list).images;
  const refs = (xs: typeof images) => xs.map((i) => i.ref);

  it('filters by text over reference and workloads', () => {
    expect(refs(filterImages(images, { ...EMPTY_FILTER, text: 'NIGHTLY' }))).toEqual(['ghcr.io/acme/worker:0.9']);
    expect(refs(filterImages(images, { ...EMPTY_FILTER, text: 'shop/' }))).toEqual(['registry.example.com/shop/api:1.4.2', 'registry.example.com/shop/static:2.0']);
  });

  it('filters by severity, fixable and policy', () => {
    expect(refs(filterImages(images, { ...EMPTY_FILTER, severities: ['CRITICAL'] }))).toEqual(['ghcr.io/acme/worker:0.9']);
    expect(refs(filterImages(images, { ...EMPTY_FILTER, fixableOnly: true }))).toEqual(['registry.example.com/shop/api:1.4.2', 'ghcr.io/acme/worker:0.9']);
    // LOW findings exist in static:2.0, but none is fixable.
    expect(refs(filterImages(images, { ...EMPTY_FILTER, severities: ['LOW'], fixableOnly: true }))).toEqual([]);
    expect(refs(filterImages(images, { ...EMPTY_FILTER, policyFailingOnly: true }))).toEqual(['registry.example.com/shop/api:1.4.2', 'ghcr.io/acme/worker:0.9']);
  });

  it('orders by risk: criticals first', () => {
    expect(refs([...images].sort(compareByRisk))).toEqual([
      'ghcr.io/acme/worker:0.9',
      'registry.example.com/shop/api:1.4.2',
      'registry.example.com/shop/static:2.0',
      'registry.example.com/private/secret:1',
    ]);
  });

  it('finds an image by reference, id or digest', () => {
    expect(findImage(images, 'ghcr.io/acme/worker:0.9')?.id).toBe('sha256:' + '2'.repeat(64));
    expect(findImage(images, 'sha256:' + '1'.repeat(64))?.ref).toBe('registry.example.com/shop/static:2.0');
    expect(findImage(images, 'nope')).toBeUndefined();
    expect(isScannerId('ref:registry.example.com/private/secret:1')).toBe(true);
    expect(isScannerId('registry.example.com/shop/api:1.4.2')).toBe(false);
  });
});

describe('parseImageReport', () => {
  it('reads findings, packages, layers, policies and the scanner remediation', () => {
    const r = parseImageReport(report);
    expect(r.complete).toBe(true);
    expect(r.findings).toHaveLength(10);
    expect(r.findings.find((f) => f.id === 'DEBIAN-CVE-2099-1007')?.suppressedBy).toBe('ignore:vigil-ignore.yaml:2');
    expect(r.findings.find((f) => f.id === 'DEBIAN-CVE-2099-1004')?.fixedVersion).toBeNull();
    expect(r.packages).toHaveLength(10);
    expect(r.image.layers.map((l) => l.size)).toEqual([29000000, 1200000]);
    expect(r.policies.filter((p) => p.violated).map((p) => p.id)).toEqual(['vulnerabilities', 'secret-env']);
    expect(r.remediation[0]).toMatchObject({ package: 'openssl', fixedVersion: '3.0.14-1~deb12u1', fixes: 2 });
    expect(r.malformed).toEqual({ findings: 0, packages: 0, layers: 0, policies: 0, remediation: 0 });
  });

  it('skips and counts malformed findings; an unknown severity is kept as UNKNOWN', () => {
    const r = parseImageReport({
      image: { reference: 'x' },
      findings: [{ id: 'A', package: 'p', installedVersion: '1', severity: 'SEVERE' }, { id: 'B' }, null],
    });
    expect(r.findings.map((f) => [f.id, f.severity, f.status])).toEqual([['A', 'UNKNOWN', 'affected']]);
    expect(r.malformed.findings).toBe(2);
    // No `complete: true`: not clean.
    expect(r.complete).toBe(false);
  });

  it('interprets 202 and 502 answers', () => {
    expect(parseImageReportAnswer(202, { status: 'scanning', image: list.images[0] })).toMatchObject({ kind: 'pending', status: 'scanning' });
    const failed = parseImageReportAnswer(502, { status: 'failed', error: { code: 'network', message: 'down', at: null }, next_retry_at: '2026-01-01T00:00:00Z' });
    expect(failed).toMatchObject({ kind: 'failed', error: { code: 'network' }, nextRetryAt: '2026-01-01T00:00:00Z', image: null });
    expect(() => parseImageReportAnswer(200, { nothing: true })).toThrow(ScannerResponseError);
  });
});

describe('helpers', () => {
  it('describes HTTP errors with the scanner error text, bounded', () => {
    expect(describeHttpError(401, { error: 'unauthorized' }, 'Unauthorized')).toBe('HTTP 401 Unauthorized: unauthorized');
    expect(describeHttpError(500, 'x'.repeat(10))).toBe('HTTP 500');
    expect(describeHttpError(400, { error: 'e'.repeat(1000) }).length).toBeLessThan(320);
  });

  it('links advisories to their first http reference, else osv.dev', () => {
    expect(advisoryUrl({ id: 'X', references: ['mailto:a', 'https://example.com/x'] })).toBe('https://example.com/x');
    expect(advisoryUrl({ id: 'GHSA-1/2', references: [] })).toBe('https://osv.dev/vulnerability/GHSA-1%2F2');
    // References come from OSV data and the scanner: hostile schemes never become a link target.
    const hostile = ['javascript:alert(1)', 'JavaScript://%0aalert(1)', ' https://looks.fine', 'data:text/html,<b>', 'vbscript:x'];
    expect(advisoryUrl({ id: 'CVE-1', references: hostile })).toBe('https://osv.dev/vulnerability/CVE-1');
  });
});
