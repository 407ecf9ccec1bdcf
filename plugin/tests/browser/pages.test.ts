// The plugin's pages in Debian Chromium, over the Grafana stand-in (tests/grafana-standin), with live data: a real
// vigil node (real BPF) and vigil scanner, a real Prometheus scraping them, and the Loki stand-in receiving the
// node's alert and activity pushes (exporter/test/support/live-stack.ts). The plugin is its production build
// (plugin/dist, built first when missing). Each page's values are compared with what Prometheus, the scanner and
// Loki hold, queried here directly. Screenshots: test-artifacts/plugin/<page>.png.
//
// Run: cd plugin && node --import tsx --test --test-concurrency=1 tests/browser/*.test.ts   (as root: the live
// stack loads BPF programs and runs podman containers)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { liveStackSkipReason, startLiveStack, type LiveStack } from '../../../exporter/test/support/live-stack.js';
import { testIds } from '../../src/components/testIds.js';
import { startGrafanaStandIn, type GrafanaStandIn } from '../grafana-standin/server.js';
import { browserSkipReason, ensurePluginBuild, launchBrowser, recordedPage, screenshot, type RecordedPage } from './harness.js';

const APP = '/a/vigil-security-app';
const skip = liveStackSkipReason() ?? browserSkipReason();

let stack: LiveStack;
let grafana: GrafanaStandIn;
let browser: Browser;
/** Every page opened, so the secrecy test can read all that reached the browser. */
const opened: RecordedPage[] = [];

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

async function open(path: string): Promise<RecordedPage> {
  const rec = await recordedPage(browser);
  opened.push(rec);
  await rec.page.goto(`${grafana.url}${path}`);
  await rec.page.waitForFunction(() => (window as unknown as { vigilStandInReady?: boolean; vigilStandInError?: string }).vigilStandInReady || (window as unknown as { vigilStandInError?: string }).vigilStandInError, undefined, { timeout: 30_000 });
  const err = await rec.page.evaluate(() => (window as unknown as { vigilStandInError?: string }).vigilStandInError);
  assert.equal(err, undefined, `the stand-in failed to load the plugin: ${err}`);
  return rec;
}

/** Console errors other than icons the npm @grafana/ui lacks (Grafana's build adds them) and the favicon. */
async function realErrors(rec: RecordedPage): Promise<string[]> {
  await rec.settle();
  const missingIcon = rec.responses.filter((r) => r.status === 404 && r.url.includes('/public/build/img/icons/')).length;
  let skipped = 0;
  const failedUrls = rec.responses.filter((r) => r.status >= 400 && !r.url.includes('/public/build/img/icons/')).map((r) => `${r.status} ${r.url}`);
  return rec.consoleErrors.map((e) => (e.startsWith('Failed to load resource') && failedUrls.length > 0 ? `${e} [${failedUrls.join(', ')}]` : e)).filter((e) => {
    if (e.startsWith('Failed to load resource: the server responded with a status of 404') && skipped < missingIcon) {
      skipped++;
      return false;
    }
    return true;
  });
}

async function panelText(page: Page, title: string): Promise<string> {
  // Scenes renders a panel as a section labelled by its title (PanelChrome).
  const panel = page.locator('section').filter({ has: page.getByRole('heading', { name: title, exact: true }) }).first();
  await panel.waitFor({ timeout: 20_000 });
  return panel.innerText();
}

async function waitForPanelValue(page: Page, title: string, re: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await panelText(page, title);
    if (re.test(text)) return text;
    await page.waitForTimeout(250);
  }
  assert.fail(`panel "${title}" never showed ${re}: ${JSON.stringify(text)}`);
}

/** Reads until `ok` holds or 15 s pass; returns the last value read (the caller asserts on it). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    v = await read();
  }
  return v;
}

async function promScalar(expr: string): Promise<number> {
  const d = await stack.query(expr);
  assert.equal(d.resultType, 'vector', expr);
  const v = d.result[0]?.value[1];
  assert.ok(v !== undefined, `no sample for ${expr}`);
  return Number(v);
}

async function scannerGet<T>(path: string): Promise<T> {
  const r = await fetch(`${stack.scannerUrl}${path}`, { headers: { Authorization: `Bearer ${stack.scannerToken}` } });
  assert.equal(r.status, 200, path);
  return (await r.json()) as T;
}

describe('plugin pages in Chromium (Grafana stand-in, live stack)', { skip, timeout: 600_000 }, () => {
  before(async () => {
    ensurePluginBuild();
    stack = await startLiveStack();
    // The app's LogQL (regex matchers, line filters, | json, metric queries) needs the evaluating mode.
    stack.loki.logql = true;
    grafana = await startGrafanaStandIn({
      prometheusUrl: stack.prometheusUrl,
      lokiUrl: stack.lokiUrl,
      jsonData: { prometheusUid: 'vigil-prometheus', lokiUid: 'vigil-loki', scannerUrl: stack.scannerUrl, isScannerTokenSet: true },
      secureJsonData: { scannerToken: stack.scannerToken },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await grafana?.stop();
    await stack?.stop();
  });

  test('overview: stats, hot spots, top rules and scanner panels show what Prometheus holds', async () => {
    const rec = await open(`${APP}/overview?from=now-15m&to=now`);
    const { page } = rec;
    await byTestId(page, testIds.overview.container).waitFor({ timeout: 30_000 });
    const nodes = await promScalar('count(max by (instance) (vigil_build_info))');
    const containers = await promScalar('count(vigil_container_info)');
    assert.match(await waitForPanelValue(page, 'Nodes', new RegExp(`\\b${nodes}\\b`)), new RegExp(`\\b${nodes}\\b`));
    await waitForPanelValue(page, 'Containers', new RegExp(`\\b${containers}\\b`));
    const app = stack.triggerWorkload;
    // Hot spots name the live containers; top rules name the rules the trigger workload fires.
    await waitForPanelValue(page, 'CPU hot spots', new RegExp(app.container));
    const rules = (await stack.query(`sum by (rule) (vigil_alerts_total{container="${app.container}"})`));
    assert.equal(rules.resultType, 'vector');
    const ruleNames = rules.result.map((s) => s.metric.rule!).filter(Boolean);
    assert.ok(ruleNames.length > 0);
    const top = await waitForPanelValue(page, 'Top rules', new RegExp(ruleNames[0]!.slice(0, 12).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    for (const r of ruleNames.slice(0, 3)) assert.ok(top.includes(r.slice(0, 12)), `Top rules shows ${r}: ${top}`);
    // Scanner-derived panels: the CRITICAL findings count equals the scanner's own total.
    const images = await scannerGet<{ images: { ref: string; severity: Record<string, number> }[] }>('/api/v1/images');
    const critical = images.images.reduce((n, i) => n + (i.severity.CRITICAL ?? 0), 0);
    await waitForPanelValue(page, 'Findings and fixable findings', new RegExp(`CRITICAL all\\s*\\n?\\s*${critical}\\b`));
    await screenshot(page, 'overview');
    assert.deepEqual(await realErrors(rec), []);
  });

  test('runtime events: the timeline holds the Loki alerts; filters and the time range live in the URL', async () => {
    const rec = await open(`${APP}/runtime-events?from=now-30m&to=now`);
    const { page } = rec;
    const table = page.getByRole('table', { name: 'Alerts' });
    await table.waitFor({ timeout: 30_000 });
    await byTestId(page, testIds.runtimeEvents.row).first().waitFor({ timeout: 30_000 });
    const since = BigInt(Date.now() - 30 * 60_000) * 1_000_000n;
    const rowcount = Number(await table.getAttribute('aria-rowcount')) - 1;
    const held = stack.loki.select({ stream: 'alert' }).filter((e) => BigInt(e.tsNs) >= since).length;
    // Pushes keep arriving; the page read Loki a moment before this count.
    assert.ok(rowcount > 0 && rowcount <= held && rowcount >= Math.min(held, 5000) - 50, `rows ${rowcount}, Loki holds ${held}`);
    const firstRow = await byTestId(page, testIds.runtimeEvents.row).first().innerText();
    const lokiRules = new Set(stack.loki.select({ stream: 'alert' }).map((e) => e.labels.rule));
    assert.ok([...lokiRules].some((r) => r && firstRow.includes(r)), `first row names a rule Loki holds: ${firstRow}`);
    assert.ok(firstRow.includes(stack.triggerWorkload.container));
    await screenshot(page, 'runtime-events');

    // A rule filter in the URL narrows the rows to that rule, and survives a reload.
    const rule = stack.triggerWorkload.rules[0]!;
    await page.goto(`${grafana.url}${APP}/runtime-events?from=now-30m&to=now&var-rule=${encodeURIComponent(rule)}`);
    await byTestId(page, testIds.runtimeEvents.row).first().waitFor({ timeout: 30_000 });
    const filtered = await eventually(() => byTestId(page, testIds.runtimeEvents.row).allInnerTexts(), (rows) => rows.length > 0 && rows.every((t) => t.includes(rule)));
    assert.ok(filtered.length > 0 && filtered.every((t) => t.includes(rule)), `every row is ${rule}: ${filtered.slice(0, 3).join(' | ')}`);
    await page.reload();
    await byTestId(page, testIds.runtimeEvents.row).first().waitFor({ timeout: 30_000 });
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('var-rule'), rule);
    assert.equal(u.searchParams.get('from'), 'now-30m');
    const reloaded = await eventually(() => byTestId(page, testIds.runtimeEvents.row).allInnerTexts(), (rows) => rows.length > 0 && rows.every((t) => t.includes(rule)));
    assert.ok(reloaded.length > 0 && reloaded.every((t) => t.includes(rule)), `after reload every row is ${rule}`);

    // Free text filter: typed, applied on Enter, written to the URL; the back button restores the unfiltered view.
    const text = byTestId(page, testIds.runtimeEvents.textFilter);
    await text.fill('/etc/shadow');
    await text.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('var-text') === '/etc/shadow', { timeout: 10_000 });
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('var-text') === null || url.searchParams.get('var-text') === '', { timeout: 10_000 });
    assert.equal(new URL(page.url()).searchParams.get('var-rule'), rule);

    // Each alert links to its container (Container inspect with the var-* selection).
    const link = byTestId(page, testIds.runtimeEvents.row).first().getByRole('link', { name: stack.triggerWorkload.container });
    await link.click();
    await page.waitForURL((url) => url.pathname === `${APP}/inspect` && url.searchParams.get('var-container') === stack.triggerWorkload.container, { timeout: 10_000 });
    assert.deepEqual(await realErrors(rec), []);
  });

  test('image scans: the list matches the scanner; the image page shows its findings', async () => {
    const rec = await open(`${APP}/image-scans`);
    const { page } = rec;
    await byTestId(page, testIds.imageScans.table).waitFor({ timeout: 30_000 });
    const api = await scannerGet<{ images: { id: string; ref: string; severity: Record<string, number>; fixable: Record<string, number>; policy: { verdict: string } }[] }>('/api/v1/images');
    const tableText = await byTestId(page, testIds.imageScans.table).innerText();
    for (const img of api.images) assert.ok(tableText.includes(img.ref), `${img.ref} listed`);
    const vulnerable = api.images.find((i) => i.ref === stack.images.vulnerable);
    assert.ok(vulnerable, 'the scanner reports the vulnerable image');
    const row = page.getByRole('row').filter({ hasText: vulnerable.ref });
    const rowText = await row.innerText();
    for (const [sev, n] of Object.entries(vulnerable.severity)) if (n > 0) assert.match(rowText, new RegExp(`${sev[0]}\\s*${n}\\b`), `${sev} ${n} in ${rowText}`);
    assert.match(rowText, new RegExp(vulnerable.policy.verdict));
    await screenshot(page, 'image-scans');

    await row.getByRole('link', { name: vulnerable.ref }).click();
    await page.waitForURL((url) => url.pathname === `${APP}/image-scans/${encodeURIComponent(vulnerable.ref)}`, { timeout: 10_000 });
    await byTestId(page, testIds.imageScans.findings).waitFor({ timeout: 30_000 });
    const report = await scannerGet<{ findings: { id: string; package: string; installedVersion: string }[] }>(`/api/v1/images/${encodeURIComponent(vulnerable.id)}`);
    const findings = await byTestId(page, testIds.imageScans.findings).innerText();
    for (const f of report.findings) assert.ok(findings.includes(f.id), `finding ${f.id} shown`);
    await screenshot(page, 'image');
    await page.goBack();
    await byTestId(page, testIds.imageScans.table).waitFor({ timeout: 10_000 });
    assert.equal(new URL(page.url()).pathname, `${APP}/image-scans`);
    assert.deepEqual(await realErrors(rec), []);
  });

  test('container inspect: metadata, its alerts and captured activity for the live container', async () => {
    const app = stack.triggerWorkload;
    const rec = await open(`${APP}/inspect?var-namespace=&var-pod=&var-container=${encodeURIComponent(app.container)}&var-node=${encodeURIComponent(stack.nodeName)}&from=now-30m&to=now`);
    const { page } = rec;
    const meta = byTestId(page, testIds.inspect.metadata);
    await meta.waitFor({ timeout: 30_000 });
    const info = await stack.query(`vigil_container_info{container="${app.container}"}`);
    assert.equal(info.resultType, 'vector');
    const image = info.result[0]?.metric.image;
    assert.ok(image);
    await page.waitForFunction(([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.includes(want) ?? false, [testIds.inspect.metadata, image] as const, { timeout: 20_000 });
    // Its alerts: every row is this container's; its capture's activity is listed.
    const rows = byTestId(page, testIds.runtimeEvents.row);
    await rows.first().waitFor({ timeout: 30_000 });
    const ruleSet = new Set(app.rules);
    for (const t of (await rows.allInnerTexts()).slice(0, 20)) assert.ok([...ruleSet].some((r) => t.includes(r)), t);
    await byTestId(page, testIds.inspect.activity).waitFor({ timeout: 30_000 });
    await byTestId(page, testIds.inspect.entry).first().waitFor({ timeout: 30_000 });
    const activity = stack.loki.select({ stream: 'activity', container: app.container });
    const names = new Set(activity.map((e) => (JSON.parse(e.line) as { name?: string }).name).filter(Boolean));
    const shown = await byTestId(page, testIds.inspect.entries).innerText();
    assert.ok([...names].some((n) => shown.includes(n!)), `an activity process name (${[...names].slice(0, 5).join(', ')}) is shown`);
    await screenshot(page, 'inspect');
    assert.deepEqual(await realErrors(rec), []);
  });

  test('config page: the stored settings are shown, the token only as "configured"; saving goes to the settings API', async () => {
    const rec = await open('/plugins/vigil-security-app');
    const { page } = rec;
    await byTestId(page, testIds.appConfig.container).waitFor({ timeout: 30_000 });
    assert.equal(await byTestId(page, testIds.appConfig.scannerUrl).inputValue(), stack.scannerUrl);
    const tokenField = byTestId(page, testIds.appConfig.scannerToken);
    assert.equal(await tokenField.inputValue(), 'configured');
    assert.ok(await tokenField.isDisabled());
    await screenshot(page, 'config');
    const posted = page.waitForRequest((r) => r.url().endsWith('/api/plugins/vigil-security-app/settings') && r.method() === 'POST');
    await byTestId(page, testIds.appConfig.submit).click();
    const body = JSON.parse((await posted).postData() ?? '{}') as { jsonData?: Record<string, unknown>; secureJsonData?: unknown };
    assert.equal(body.jsonData?.scannerUrl, stack.scannerUrl);
    assert.equal(body.secureJsonData, undefined, 'a kept token is not sent again');
    assert.equal(grafana.settings.secureJsonData.scannerToken, stack.scannerToken);
    assert.deepEqual(await realErrors(rec), []);
  });

  test('links between pages and the back button', async () => {
    const rec = await open(`${APP}/overview?from=now-1h&to=now`);
    const { page } = rec;
    await byTestId(page, testIds.overview.links).waitFor({ timeout: 30_000 });
    await byTestId(page, testIds.overview.links).getByRole('link', { name: 'Runtime events' }).click();
    await page.waitForURL((u) => u.pathname === `${APP}/runtime-events`, { timeout: 10_000 });
    assert.equal(new URL(page.url()).searchParams.get('from'), 'now-1h', 'the time range goes along');
    await page.getByRole('table', { name: 'Alerts' }).waitFor({ timeout: 30_000 });
    await page.goBack();
    await page.waitForURL((u) => u.pathname === `${APP}/overview`, { timeout: 10_000 });
    await byTestId(page, testIds.overview.container).waitFor({ timeout: 10_000 });
    assert.deepEqual(await realErrors(rec), []);
  });

  test('the scanner token never reaches the browser (responses, headers, DOM, storage)', async () => {
    assert.ok(opened.length >= 5, 'runs after the page tests');
    const token = stack.scannerToken;
    let scanned = 0;
    for (const rec of opened) {
      await rec.settle();
      for (const r of rec.responses) {
        scanned++;
        assert.ok(!r.body.includes(token), `response body of ${r.url}`);
        assert.ok(!JSON.stringify(r.headers).includes(token), `response headers of ${r.url}`);
      }
      if (!rec.page.isClosed()) {
        const dom = await rec.page.content();
        assert.ok(!dom.includes(token), `DOM of ${rec.page.url()}`);
        const storage = await rec.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
        assert.ok(!storage.includes(token));
      }
    }
    assert.ok(scanned > 50, `scanned ${scanned} responses`);
    // And the proxy did carry it: scanner API calls went through the plugin route.
    assert.ok(grafana.requests.some((r) => r.path.startsWith('/api/plugin-proxy/vigil-security-app/scanner/api/v1/') && r.status === 200));
    for (const rec of opened) await rec.page.context().close();
  });
});
