// `vigil scanner` as a real subprocess against a REAL registry (docker-registry on loopback, a private repository
// behind token auth from the STAND-IN token server) and a STAND-IN kube-apiserver (kube-standin.ts: pods list+watch
// with real Pod shapes, ReplicaSets, Secrets). It must discover the pods' images (containers and init containers),
// pull the private one with the pod's imagePullSecret (and read no other secret), scan each digest once, expose
// promtool-clean metrics and the token-protected JSON API, re-match when the database is re-imported, and fold a
// second pod of the same digest into the same image.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonReportSchema } from '../../../src/scanner/report/index.js';
import { freePort, startRegistry, type RunningRegistry } from '../fixtures/registry.js';
import { startTokenServer, type TokenServer } from '../fixtures/token-server.js';
import { missingTools } from '../fixtures/tools.js';
import type { BuiltImage } from '../fixtures/oci-builder.js';
import { buildDebianApp, buildUnknownOsImage, newBashRecord, osvRecords, osvZip } from '../e2e/fixtures.js';
import { CLI, EXPORTER, pushImages, runVigil } from '../e2e/support.js';
import { ScannerKubeStandIn, scannerPod } from './kube-standin.js';

const skip = missingTools('docker-registry', 'skopeo', 'openssl', 'promtool');
const TOKEN = 'test-token-0123456789abcdef';
/** The scanner's log (stderr), shown when a wait times out. */
let stderr = '';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

type Entry = Record<string, any>;

describe('vigil scanner (subprocess, real registry, stand-in kube-apiserver)', { skip: skip ?? false }, () => {
  let work: string;
  let registry: RunningRegistry;
  let authed: RunningRegistry;
  let tokens: TokenServer;
  let kube: ScannerKubeStandIn;
  let app: BuiltImage;
  let noOs: BuiltImage;
  let child: ChildProcess;
  let base: string;
  const db = (): string => join(work, 'db');

  const api = async (path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
    return fetch(`${base}${path}`, { ...init, headers });
  };
  const images = async (): Promise<Entry[]> => ((await (await api('/api/v1/images')).json()) as { images: Entry[] }).images;
  const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
  const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-e2e-service-'));
    registry = await startRegistry();
    tokens = await startTokenServer();
    authed = await startRegistry({ storage: registry.storage, token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile } });
    app = await buildDebianApp();
    noOs = await buildUnknownOsImage();
    await pushImages(join(work, 'layout'), [
      { tag: 'app', image: app, to: [`${registry.host}/private/api:1.4.2`] },
      { tag: 'noos', image: noOs, to: [`${registry.host}/shop/migrate:1`] },
    ]);
    await writeFile(join(work, 'all.zip'), osvZip(osvRecords()));
    const imported = await runVigil(['db', 'import', join(work, 'all.zip'), '--db', db()]);
    assert.equal(imported.code, 0, imported.stderr);

    kube = new ScannerKubeStandIn();
    await kube.start();
    kube.addDockerSecret('shop', 'regcred', authed.host, 'alice', 'wonderland');
    kube.addDockerSecret('shop', 'unrelated', authed.host, 'mallory', 'x');
    kube.addDockerSecret('tools', 'regcred', authed.host, 'bob', 'y');
    kube.core.replicaSets.set('shop/api-7d9c8b6f5d', { metadata: { name: 'api-7d9c8b6f5d', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'd-1', controller: true }] } });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await writeFile(join(work, 'token'), `${TOKEN}\n`);
    const config = join(work, 'scanner.yaml');
    await writeFile(
      config,
      [
        'http:',
        `  listen: 127.0.0.1:${port}`,
        `  tokenFile: ${join(work, 'token')}`,
        'db:',
        `  dir: ${db()}`,
        '  pollIntervalMs: 300',
        'discovery:',
        '  kubernetes: "on"',
        `  apiServer: ${kube.url}`,
        'scan:',
        '  concurrency: 2',
        '  retryInitialMs: 300',
        '  retryMaxMs: 1000',
        '',
      ].join('\n'),
    );
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'scanner', '--config', config], {
      cwd: EXPORTER,
      env: { ...process.env, VIGIL_DB_DIR: '', NO_COLOR: '1', HOME: work },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    await waitFor('the scanner to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`vigil scanner exited ${child.exitCode}: ${stderr}`);
      return (await fetch(`${base}/readyz`)).status === 200 ? true : undefined;
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await kube?.stop();
    await authed?.stop();
    await registry?.stop();
    await tokens?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('discovers pod images (init containers too), pulls the private one with its pull secret, scans each once', async () => {
    kube.core.add(
      scannerPod({
        name: 'api-7d9c8b6f5d-x2x9k', uid: 'aaaaaaaa-0000-4000-8000-000000000001', namespace: 'shop', image: `${authed.host}/private/api:1.4.2`,
        digest: app.manifest.digest, replicaSet: 'api-7d9c8b6f5d', hash: '7d9c8b6f5d', pullSecrets: ['regcred'], containerId: 'a'.repeat(64),
        init: { image: `${registry.host}/shop/migrate:1`, digest: noOs.manifest.digest },
      }),
    );
    const list = await waitFor('both images scanned', async () => {
      const l = await images();
      return l.length === 2 && l.every((e) => e.status === 'scanned') ? l : undefined;
    });
    const appEntry = list.find((e) => e.digest === app.manifest.digest)!;
    assert.ok(appEntry, JSON.stringify(list));
    assert.equal(appEntry.ref, `${authed.host}/private/api:1.4.2`);
    assert.deepEqual(appEntry.severity, { CRITICAL: 0, HIGH: 5, MEDIUM: 2, LOW: 3, UNKNOWN: 0, NONE: 0 });
    assert.deepEqual(appEntry.fixable, { CRITICAL: 0, HIGH: 5, MEDIUM: 2, LOW: 0, UNKNOWN: 0, NONE: 0 });
    assert.deepEqual(appEntry.workloads, [{ namespace: 'shop', kind: 'Deployment', name: 'api', container: 'api', pods: 1 }]);
    assert.equal(appEntry.policy.verdict, 'fail');
    assert.deepEqual(appEntry.policy.violated.map((p: Entry) => p.id).sort(), ['image-reference', 'non-root-user', 'secret-env', 'vulnerabilities']);
    assert.equal(appEntry.complete, true);
    assert.match(appEntry.scanned_at, /^\d{4}-\d\d-\d\dT/);
    const init = list.find((e) => e.digest === noOs.manifest.digest)!;
    assert.deepEqual(init.workloads, [{ namespace: 'shop', kind: 'Deployment', name: 'api', container: 'migrate', pods: 1 }]);
    assert.equal(init.complete, false, 'no OS in the init container image: incomplete, never clean');
    assert.match(init.incomplete_reasons[0], /OS could not be identified/);
    // the pod's secret was read; no other secret ever
    assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.scope === 'repository:private/api:pull' && r.granted));
    const secretReads = kube.requests.filter((r) => r.includes('/secrets/'));
    assert.deepEqual([...new Set(secretReads)], ['GET /api/v1/namespaces/shop/secrets/regcred']);
    const m = await metrics();
    assert.equal(sample(m, 'vigil_image_scans_total', { result: 'success' }), 1);
    assert.equal(sample(m, 'vigil_image_scans_total', { result: 'incomplete' }), 1);
    assert.equal(sample(m, 'vigil_image_scan_duration_seconds_count', { mode: 'pull' }), 2);
    // the two images share their app layer blob: the per-layer cache is in use (whether the second scan hit it
    // depends on the order the two concurrent scans ran in; test/scanner/service/layer-cache.test.ts pins that)
    const hits = sample(m, 'vigil_scanner_cache_lookups_total', { cache: 'layers', result: 'hit' }) ?? -1;
    const misses = sample(m, 'vigil_scanner_cache_lookups_total', { cache: 'layers', result: 'miss' }) ?? -1;
    assert.equal(hits + misses, 3, `layer lookups: ${hits} hits, ${misses} misses`);
    assert.ok((sample(m, 'vigil_scanner_cache_entries', { cache: 'layers' }) ?? 0) >= 2);
    assert.equal(sample(m, 'vigil_scanner_cache_evictions_total', { cache: 'layers' }), 0);
  });

  test('API: token required, the JSON report of one image, the database', async () => {
    assert.equal((await api('/api/v1/images', { token: null })).status, 401);
    assert.equal((await api('/api/v1/images', { token: 'wrong' })).status, 401);
    const r = await api(`/api/v1/images/${app.manifest.digest}`);
    assert.equal(r.status, 200);
    const report = jsonReportSchema.parse(await r.json());
    assert.equal(report.image.digest, app.manifest.digest);
    assert.equal(report.complete, true);
    assert.equal(r.headers.get('x-vigil-scan-complete'), 'true');
    const initReport = await api(`/api/v1/images/${noOs.manifest.digest}`);
    assert.equal(initReport.headers.get('x-vigil-scan-complete'), 'false');
    const incomplete = jsonReportSchema.parse(await initReport.json());
    assert.equal(incomplete.complete, false);
    assert.match(incomplete.incomplete_reasons[0] ?? '', /OS could not be identified/);
    assert.equal(report.findings.length, 10);
    assert.deepEqual(report.findings.find((f) => f.id === 'DEBIAN-CVE-2099-1001' && f.package === 'libssl3')?.aliases, ['DSA-9001-1', 'DSA-9002-1']);
    assert.equal(report.remediation[0]?.fixedVersion, '3.0.14-1~deb12u1');
    assert.equal((await api('/api/v1/images/sha256:' + '0'.repeat(64))).status, 404);
    assert.equal((await api('/api/v1/images/not-a-digest')).status, 400);
    const dbInfo = (await (await api('/api/v1/db')).json()) as Entry;
    assert.equal(dbInfo.loaded, true);
    assert.equal(dbInfo.records, 9);
    assert.match(dbInfo.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  test('metrics: promtool-clean, per image, per workload and per policy, bounded labels', async () => {
    const m = await metrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    const image = `${authed.host}/private/api:1.4.2`;
    assert.equal(sample(m, 'vigil_image_vulnerabilities', { image, digest: app.manifest.digest, severity: 'HIGH', fixable: 'true' }), 5);
    assert.equal(sample(m, 'vigil_image_vulnerabilities', { image, severity: 'LOW', fixable: 'false' }), 3);
    assert.equal(sample(m, 'vigil_workload_vulnerabilities', { namespace: 'shop', workload_kind: 'Deployment', workload: 'api', container: 'api', severity: 'MEDIUM', fixable: 'true' }), 2);
    assert.equal(sample(m, 'vigil_image_policy_violations', { image, policy: 'secret-env', severity: 'CRITICAL' }), 1);
    assert.equal(sample(m, 'vigil_image_policy_violations', { image, policy: 'os-identified' }), 0);
    assert.equal(sample(m, 'vigil_vulndb_records', {}), 9);
    assert.ok((sample(m, 'vigil_vulndb_age_seconds', {}) ?? -1) > 0);
    assert.equal(sample(m, 'vigil_images_in_use', {}), 2);
    // no per-CVE or per-package series
    assert.equal(/CVE-2099|libssl3/.test(m), false);
  });

  test('a second pod of the same digest joins the image: no new scan, the workload counts two pods', async () => {
    kube.core.add(
      scannerPod({
        name: 'api-7d9c8b6f5d-q8w4z', uid: 'aaaaaaaa-0000-4000-8000-000000000002', namespace: 'shop', image: `${authed.host}/private/api:1.4.2`,
        digest: app.manifest.digest, replicaSet: 'api-7d9c8b6f5d', hash: '7d9c8b6f5d', pullSecrets: ['regcred'], containerId: 'c'.repeat(64),
      }),
    );
    const entry = await waitFor('two pods on the image', async () => {
      const e = (await images()).find((x) => x.digest === app.manifest.digest);
      return e?.workloads[0]?.pods === 2 ? e : undefined;
    });
    assert.equal(entry.users, 2);
    const m = await metrics();
    assert.equal(sample(m, 'vigil_image_scan_duration_seconds_count', { mode: 'pull' }), 2, 'nothing was pulled again');
    assert.equal(sample(m, 'vigil_images_in_use', {}), 2);
  });

  test('re-importing the database with a new record re-matches every image without pulling', async () => {
    const before = (await images()).find((e) => e.digest === app.manifest.digest)!;
    await writeFile(join(work, 'all2.zip'), osvZip(osvRecords([newBashRecord()])));
    const imported = await runVigil(['db', 'import', join(work, 'all2.zip'), '--db', db()]);
    assert.equal(imported.code, 0, imported.stderr);
    const after = await waitFor('the re-match', async () => {
      const e = (await images()).find((x) => x.digest === app.manifest.digest);
      return e && e.db_digest !== before.db_digest && e.status === 'scanned' ? e : undefined;
    });
    assert.equal(after.severity.HIGH, 6, 'the new bash advisory');
    const report = jsonReportSchema.parse(await (await api(`/api/v1/images/${app.manifest.digest}`)).json());
    assert.ok(report.findings.some((f) => f.id === 'DEBIAN-CVE-2099-1010' && f.package === 'bash' && f.installedVersion === '5.2.15-2+b2'));
    assert.equal(report.db.digest, after.db_digest);
    const m = await metrics();
    assert.equal(sample(m, 'vigil_image_scan_duration_seconds_count', { mode: 'pull' }), 2);
    assert.ok((sample(m, 'vigil_image_scan_duration_seconds_count', { mode: 'rematch' }) ?? 0) >= 2);
    assert.equal(sample(m, 'vigil_vulndb_records', {}), 10);
  });

  test('rescan endpoints queue work; deleted pods take their images (and series) away', async () => {
    const one = await api(`/api/v1/images/${app.manifest.digest}/rescan?pull=true`, { method: 'POST' });
    assert.equal(one.status, 202);
    assert.deepEqual(await one.json(), { queued: 1, id: app.manifest.digest, pull: true });
    await waitFor('the forced pull', async () => {
      const m = await metrics();
      return sample(m, 'vigil_image_scan_duration_seconds_count', { mode: 'pull' }) === 3 ? true : undefined;
    });
    const all = await api('/api/v1/rescan', { method: 'POST' });
    assert.equal(all.status, 202);
    assert.deepEqual(await all.json(), { queued: 2 });
    assert.equal((await api('/api/v1/rescan', { method: 'POST', token: null })).status, 401);

    for (const name of ['api-7d9c8b6f5d-x2x9k', 'api-7d9c8b6f5d-q8w4z']) kube.core.delete({ metadata: { namespace: 'shop', name } });
    await waitFor('no images in use', async () => ((await images()).length === 0 ? true : undefined));
    const m = await metrics();
    assert.equal(sample(m, 'vigil_images_in_use', {}), 0);
    assert.equal(sample(m, 'vigil_image_vulnerabilities', {}), undefined);
    assert.equal(child.exitCode, null, `the scanner is still running: ${stderr}`);
  });
});
