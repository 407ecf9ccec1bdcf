// The browser tests' harness: Debian Chromium driven by playwright-core, a page recorder that keeps every response
// (headers and body) the page received and its console errors, and screenshots under test-artifacts/plugin/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const REPO = resolve(import.meta.dirname, '../../..');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'plugin');
const PLUGIN_DIR = resolve(import.meta.dirname, '../..');

/** Why the browser tests cannot run here (undefined: they can). Under CI=true a missing browser is an error. */
export function browserSkipReason(): string | undefined {
  const why = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install -y chromium)` : interFontMissing();
  if (!why) return undefined;
  if (process.env.CI === 'true') throw new Error(`CI=true requires the browser tests to run, but: ${why}`);
  return why;
}

/**
 * Grafana serves its UI font, Inter, and @grafana/ui sizes uPlot's axes by measuring tick labels in 'Inter'. Without
 * the font the canvas measures in the default serif but draws in the sans-serif fallback, so axis labels (the
 * Inspect CPU axis) come out clipped: a stand-in artifact, not the plugin's. The system font stands in for Grafana's.
 */
function interFontMissing(): string | undefined {
  const r = spawnSync('fc-match', ['--format=%{family}', 'Inter'], { encoding: 'utf8' });
  if (r.status === 0 && /\bInter\b/.test(r.stdout)) return undefined;
  return "Grafana's UI font Inter is not installed (apt-get install -y fonts-inter)";
}

/** Builds plugin/dist with the production webpack config when module.js is missing. */
export function ensurePluginBuild(): void {
  if (existsSync(join(PLUGIN_DIR, 'dist', 'module.js'))) return;
  const r = spawnSync('npx', ['webpack', '-c', './.config/webpack/webpack.config.ts', '--env', 'production'], { cwd: PLUGIN_DIR, encoding: 'utf8', timeout: 540_000 });
  if (r.status !== 0) throw new Error(`building the plugin failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface Recorded {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RecordedPage {
  page: Page;
  responses: Recorded[];
  consoleErrors: string[];
  /** Resolves once every response seen so far has been read. */
  settle(): Promise<void>;
}

export async function recordedPage(browser: Browser, viewport = { width: 1600, height: 1200 }): Promise<RecordedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const responses: Recorded[] = [];
  const consoleErrors: string[] = [];
  const pending: Promise<void>[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('response', (r: Response) => {
    pending.push(
      (async () => {
        let body = '';
        try {
          body = (await r.body()).toString('utf8');
        } catch {
          // redirects and aborted loads have no body
        }
        responses.push({ url: r.url(), status: r.status(), headers: await r.allHeaders(), body });
      })()
    );
  });
  return {
    page,
    responses,
    consoleErrors,
    settle: async () => {
      await Promise.all(pending);
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
