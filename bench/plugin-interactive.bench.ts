// Time to interactive of the Grafana app's two heaviest pages in headless Chromium (Debian's, via playwright-core),
// on the production plugin build loaded by the Grafana stand-in (plugin/tests/grafana-standin):
//   - Runtime events with 10,000 alerts in Loki (the Loki stand-in, LogQL mode; maxAlerts 10000),
//   - Container inspect with a 5,000-entry flight-recorder capture of the inspected container,
// both synthetic but in the docs/loki.md line shapes (bench/plugin/synthetic.ts), and a real Prometheus scraping a
// synthetic vigil node /metrics for the container metadata.
// Measured, per run, in the page's own clock (performance.now(), 0 = navigation start):
//   rows:        the page shows its data (events: the table has all 10,000 rows and the first is rendered;
//                inspect: the activity strip covers all 5,000 entries and the first entry row is rendered);
//   interactive: an interaction started right after that is answered (events: a text filter typed + Enter and
//                the filtered rows shown; inspect: a brush dragged over 30% of the strip and "Selected … of 5000"
//                shown). TTI = interactive.
// Runs alternate events / inspect (interleaved), each in a fresh browser context (cold page, warm HTTP server);
// one warm-up run of each is not counted. Prints every run and the medians; target <= 1000 ms each.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LokiStandIn } from '../exporter/test/support/loki-standin.js';
import { startPrometheus } from '../exporter/test/support/live-stack/prometheus.js';
import { startGrafanaStandIn } from '../plugin/tests/grafana-standin/server.js';
import { ensurePluginBuild, launchBrowser } from '../plugin/tests/browser/harness.js';
import { testIds } from '../plugin/src/components/testIds.js';
import { alerts, capture, containers, metricsText, pushAll } from './plugin/synthetic.js';

// The functions passed to page.waitForFunction/evaluate run in the page; the exporter's tsconfig (which checks
// bench/) has no DOM lib, so the little of the DOM they use is declared here.
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const document: { querySelector(sel: string): PageElement | null; querySelectorAll(sel: string): ArrayLike<PageElement> & Iterable<PageElement> };
declare const window: { vigilClickAt?: number; addEventListener(type: string, fn: () => void, opts: { capture: boolean; once: boolean }): void };

const RUNS = Number(process.env.VIGIL_BENCH_RUNS ?? 7);
const ALERTS = 10_000;
const ENTRIES = 5_000;
const TARGET_MS = 1000;
const NODE = 'bench-node';
const APP = '/a/vigil-security-app';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

ensurePluginBuild();
const dir = mkdtempSync(join(tmpdir(), 'vigil-plugin-bench-'));
const cs = containers(8);
const inspected = cs[0]!;
const now = Date.now();
const captureId = 'cap-bench-0001';
const startedS = Math.floor(now / 1000) - 3 * 3600;

const metrics = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
  res.end(metricsText(cs, NODE, startedS));
});
await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', () => r()));
const prom = await startPrometheus(dir, [{ job: 'vigil-node', target: `127.0.0.1:${(metrics.address() as AddressInfo).port}` }]);

const loki = new LokiStandIn();
loki.logql = true;
loki.ordering = 'unordered';
// The app asks for maxAlerts lines; a Loki for this setting needs max_entries_limit_per_query >= it.
loki.maxEntriesLimitPerQuery = ALERTS;
await loki.start();
const alertEntries = alerts(ALERTS, now - 50 * 60_000, now - 60_000, cs, NODE, { container: inspected, captureId });
const captureFrom = now - 8 * 60_000;
const captureTo = now - 6 * 60_000;
const captureEntries = capture(ENTRIES, captureFrom, captureTo, inspected, NODE, captureId);
await pushAll(loki.url, [...alertEntries, ...captureEntries]);

// Wait for one scrape, so the inspect page finds the container's metadata.
for (let i = 0; i < 100; i++) {
  const r = (await (await fetch(`${prom.url}/api/v1/query?query=vigil_container_info`)).json()) as { data: { result: unknown[] } };
  if (r.data.result.length === cs.length) break;
  await new Promise((r2) => setTimeout(r2, 200));
}

const grafana = await startGrafanaStandIn({ prometheusUrl: prom.url, lokiUrl: loki.url, jsonData: { maxAlerts: ALERTS } });
const browser = await launchBrowser();

const FILTER_TEXT = 'cat /etc/shadow';
const expectedFiltered = alertEntries.filter((e) => e.line.toLowerCase().includes(FILTER_TEXT)).length;
const sel = (id: string) => `[data-testid="${id}"]`;

interface Run {
  /** page clock (ms) the measurement starts at: 0 (navigation start) cold, the link click in-app */
  start: number;
  rows: number;
  interactive: number;
  /** when the host began importing the plugin (its own boot is done) */
  pluginStart: number;
  /** the largest data answer had arrived */
  dataAt: number;
  /** slowest /api/ds/query answer of the run (stand-ins' server time) */
  server: number;
}

type Mode = 'in-app' | 'cold';
type Page = import('playwright-core').Page;

/** Records, in the page, when the next click happened (capture phase: before the app handles it). */
async function armClickClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.vigilClickAt = undefined;
    window.addEventListener('click', () => (window.vigilClickAt = performance.now()), { capture: true, once: true });
  });
}

async function clickAt(page: Page): Promise<number> {
  const t = await page.evaluate(() => window.vigilClickAt);
  if (typeof t !== 'number') throw new Error('the link click was not seen');
  return t;
}

/** The alerts table shows all `n` rows and its first row is rendered; resolves to the page clock at that frame. */
async function alertRowsShown(page: Page, n: number | undefined): Promise<number> {
  return (await (await page.waitForFunction(
    ([rowSel, want]) => {
      const t = document.querySelector('[role="table"][aria-label="Alerts"]');
      const count = Number(t?.getAttribute('aria-rowcount')) - 1;
      return t && (want === undefined ? count > 0 : count === want) && document.querySelector(rowSel) ? performance.now() : false;
    },
    [sel(testIds.runtimeEvents.row), n] as const,
    { polling: 'raf', timeout: 15_000 }
  )).jsonValue()) as number;
}

async function eventsRun(mode: Mode): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const seen = watch(page);
  let before = grafana.requests.length;
  try {
    let start = 0;
    if (mode === 'cold') {
      await page.goto(`${grafana.url}${APP}/runtime-events?from=now-1h&to=now`, { waitUntil: 'commit' });
    } else {
      // Grafana is up and the user is on another page of the app: the Overview, settled.
      await page.goto(`${grafana.url}${APP}/overview?from=now-1h&to=now`);
      const link = page.locator(sel(testIds.overview.links)).getByRole('link', { name: 'Runtime events' });
      await link.waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle');
      await armClickClock(page);
      before = grafana.requests.length;
      await link.click();
      start = await clickAt(page);
    }
    const rows = await alertRowsShown(page, ALERTS);
    const input = page.locator(sel(testIds.runtimeEvents.textFilter));
    await input.fill(FILTER_TEXT);
    await input.press('Enter');
    const interactive = (await (await page.waitForFunction(
      ([rowSel, n]) => {
        const t = document.querySelector('[role="table"][aria-label="Alerts"]');
        const count = Number(t?.getAttribute('aria-rowcount')) - 1;
        return count > 0 && count < n && document.querySelector(rowSel) ? performance.now() : false;
      },
      [sel(testIds.runtimeEvents.row), ALERTS] as const,
      { polling: 'raf', timeout: 15_000 }
    )).jsonValue()) as number;
    const shown = Number(await page.locator('[role="table"][aria-label="Alerts"]').getAttribute('aria-rowcount')) - 1;
    if (shown !== expectedFiltered) console.log(`  note: the text filter shows ${shown} rows, ${expectedFiltered} lines contain "${FILTER_TEXT}"`);
    return { start, rows, interactive, pluginStart: await pluginStart(page), dataAt: await bigAnswerAt(page), server: serverMs(before) };
  } catch (e) {
    throw new Error(`${(e as Error).message.split('\n')[0]} (${await diagnose(page, seen)})`);
  } finally {
    await context.close();
  }
}

/** performance.now() at which the host started importing the plugin's module.js (after its own boot). */
async function pluginStart(page: import('playwright-core').Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName('standin:plugin-import')[0]?.startTime ?? NaN);
}

/** When the largest /api/ds/query answer (the 10k-line or 5k-entry one) had fully arrived, page clock. */
async function bigAnswerAt(page: import('playwright-core').Page): Promise<number> {
  return page.evaluate(() => {
    const rs = (performance.getEntriesByType('resource') as unknown as { name: string; responseEnd: number; encodedBodySize: number }[]).filter((r) => r.name.includes('/api/ds/query'));
    rs.sort((a, b) => b.encodedBodySize - a.encodedBodySize);
    return rs[0]?.responseEnd ?? NaN;
  });
}

/** Server time of the data source queries since `from` (index into the stand-in's request log). */
function serverMs(from: number): number {
  return grafana.requests.slice(from).filter((r) => r.path === '/api/ds/query').reduce((m, r) => Math.max(m, r.ms), 0);
}

/**
 * What the page asked the stand-in and got, for a run that did not finish. Only error bodies are read: reading a
 * 14 MB answer back over the DevTools protocol (Network.getResponseBody) costs the 2-CPU machine ~100 ms of CPU in
 * the middle of the measured window — the bench's own diagnostics slowed the page it measured.
 */
function watch(page: import('playwright-core').Page): string[] {
  const out: string[] = [];
  page.on('response', (r) => {
    if (!r.url().includes('/api/')) return;
    const head = `${r.status()} ${new URL(r.url()).pathname}`;
    if (r.ok()) {
      out.push(`${head} ${r.headers()['content-length'] ?? '?'} bytes`);
      return;
    }
    void r.text().then((t) => {
      let detail = '';
      try {
        const d = JSON.parse(t) as { results?: Record<string, { error?: string }> };
        detail = Object.entries(d.results ?? {}).map(([k, v]) => `${k}:${v.error ?? 'ok'}`).join(',');
      } catch {
        detail = t.slice(0, 80);
      }
      out.push(`${head} ${detail}`);
    }).catch(() => undefined);
  });
  page.on('pageerror', (e) => out.push(`pageerror ${e.message}`));
  return out;
}

async function diagnose(page: import('playwright-core').Page, seen: string[]): Promise<string> {
  const rowcount = await page.locator('[role="table"][aria-label="Alerts"]').first().getAttribute('aria-rowcount', { timeout: 500 }).catch(() => 'none');
  const strip = await page.locator(sel(testIds.inspect.strip)).first().getAttribute('aria-label', { timeout: 500 }).catch(() => 'none');
  return `alerts aria-rowcount ${rowcount}; strip "${strip}"; requests: ${seen.slice(-8).join(' | ')}`;
}

async function inspectRun(mode: Mode): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const seen = watch(page);
  let before = grafana.requests.length;
  try {
    let start = 0;
    if (mode === 'cold') {
      const q = new URLSearchParams({ 'var-namespace': inspected.namespace, 'var-pod': inspected.pod, 'var-container': inspected.container, 'var-node': NODE, capture: captureId, from: 'now-1h', to: 'now' });
      await page.goto(`${grafana.url}${APP}/inspect?${q}`, { waitUntil: 'commit' });
    } else {
      // From the container's alerts during the capture (Runtime events), the alert's own Capture link.
      const q = new URLSearchParams({ 'var-namespace': inspected.namespace, 'var-pod': inspected.pod, from: String(captureFrom), to: String(captureTo) });
      await page.goto(`${grafana.url}${APP}/runtime-events?${q}`);
      await alertRowsShown(page, undefined);
      await page.waitForLoadState('networkidle');
      const link = page.locator(sel(testIds.runtimeEvents.row)).first().getByRole('link', { name: 'Capture' });
      await armClickClock(page);
      before = grafana.requests.length;
      await link.click();
      start = await clickAt(page);
    }
    const rows = (await (await page.waitForFunction(
      ([stripSel, entrySel, n]) => {
        const strip = document.querySelector(stripSel);
        return strip?.getAttribute('aria-label')?.includes(`${n} entries`) && document.querySelector(entrySel) ? performance.now() : false;
      },
      [sel(testIds.inspect.strip), sel(testIds.inspect.entry), ENTRIES] as const,
      { polling: 'raf', timeout: 15_000 }
    )).jsonValue()) as number;
    // The strip is below the fold (picker, metadata, charts and alerts come first): scrolled to, as a user would.
    await page.locator(sel(testIds.inspect.strip)).scrollIntoViewIfNeeded();
    const box = await page.locator(sel(testIds.inspect.strip)).boundingBox();
    if (!box) throw new Error('the activity strip has no box');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.1, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, y, { steps: 4 });
    await page.mouse.up();
    const interactive = (await (await page.waitForFunction(
      (n) => [...document.querySelectorAll('[aria-live="polite"]')].some((e) => /Selected .* of \d+ entries/.test(e.textContent ?? '') && e.textContent!.includes(`of ${n} entries`)) ? performance.now() : false,
      ENTRIES,
      { polling: 'raf', timeout: 15_000 }
    )).jsonValue()) as number;
    return { start, rows, interactive, pluginStart: await pluginStart(page), dataAt: await bigAnswerAt(page), server: serverMs(before) };
  } catch (e) {
    throw new Error(`${(e as Error).message.split('\n')[0]} (${await diagnose(page, seen)})`);
  } finally {
    await context.close();
  }
}

const MODES: Mode[] = ['in-app', 'cold'];
const PAGES = { events: eventsRun, inspect: inspectRun } as const;
type PageName = keyof typeof PAGES;
const results: Record<Mode, Record<PageName, Run[]>> = { 'in-app': { events: [], inspect: [] }, cold: { events: [], inspect: [] } };
let failed = false;
console.log(`plugin interactive bench: ${ALERTS} alerts and a ${ENTRIES}-entry capture in the Loki stand-in; ${RUNS} interleaved runs per page and mode after 1 warm-up each`);
console.log('  in-app: Grafana already loaded on another app page, time from the click on the app\'s link (primary figure)');
console.log('  cold:   a fresh page load, time from navigation start (the stand-in\'s own boot included)');
for (let i = 0; i <= RUNS; i++) {
  for (const mode of MODES) {
    for (const name of Object.keys(PAGES) as PageName[]) {
      const label = `${i === 0 ? 'warm-up' : `run ${i}`} ${mode.padEnd(6)} ${name.padEnd(7)}`;
      try {
        const r = await PAGES[name](mode);
        if (i > 0) results[mode][name].push(r);
        const rel = (t: number) => (t - r.start).toFixed(0).padStart(5);
        const pluginPart = mode === 'cold' ? `; plugin import began at ${r.pluginStart.toFixed(0)} ms (plugin's part ${(r.interactive - r.pluginStart).toFixed(0)} ms)` : '';
        console.log(`  ${label} rows ${rel(r.rows)} ms, interactive ${rel(r.interactive)} ms${pluginPart}; data arrived at ${rel(r.dataAt)} ms (slowest ds query ${r.server} ms server time), rows rendered ${(r.rows - r.dataAt).toFixed(0)} ms after`);
      } catch (e) {
        failed = true;
        console.log(`  ${label} FAILED: ${(e as Error).message}`);
      }
    }
  }
}
for (const mode of MODES) {
  for (const name of Object.keys(PAGES) as PageName[]) {
    const xs = results[mode][name];
    if (xs.length === 0) {
      console.log(`${mode} ${name}: no successful run`);
      continue;
    }
    const tti = median(xs.map((x) => x.interactive - x.start));
    const rows = median(xs.map((x) => x.rows - x.start));
    const from = mode === 'cold' ? 'navigation start' : 'the link click';
    const extra = mode === 'cold' ? `, ${median(xs.map((x) => x.interactive - x.pluginStart)).toFixed(0)} ms from the plugin's module import` : '';
    console.log(`${mode} ${name}: median rows ${rows.toFixed(0)} ms, median time to interactive ${tti.toFixed(0)} ms from ${from} (target <= ${TARGET_MS} ms: ${tti <= TARGET_MS ? 'met' : 'MISSED'})${extra}, over ${xs.length} runs`);
  }
}
await browser.close();
await grafana.stop();
await loki.stop();
await prom.process.stop();
await new Promise<void>((r) => metrics.close(() => r()));
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
