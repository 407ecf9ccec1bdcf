// @grafana/plugin-e2e specs: the app in a REAL Grafana (docker compose at the repository root: grafana 13.1 with
// plugin/dist mounted and provisioning/grafana applied; vigil node, scanner, Prometheus and Loki beside it).
// Not run on the build machines (no Docker engine, no Grafana there); the same pages are covered there by
// tests/browser over the Grafana stand-in. How to run: plugin/tests/README.md.
import { expect, test } from '@grafana/plugin-e2e';
import { testIds } from '../../src/components/testIds';

const PLUGIN_ID = 'vigil-security-app';

test('overview shows its panels with data from the provisioned Prometheus', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: PLUGIN_ID, path: '/overview' });
  await expect(page.getByTestId(testIds.overview.container)).toBeVisible();
  for (const title of ['Nodes', 'Containers', 'Alerts by priority', 'Top rules', 'Policy violations']) {
    await expect(page.getByRole('heading', { name: title, exact: true })).toBeVisible();
  }
  await expect(page.getByTestId(testIds.onboarding.container)).toHaveCount(0);
});

test('runtime events lists alerts from Loki and keeps filters in the URL', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: PLUGIN_ID, path: '/runtime-events' });
  const table = page.getByRole('table', { name: 'Alerts' });
  await expect(table).toBeVisible();
  await expect(page.getByTestId(testIds.runtimeEvents.row).first()).toBeVisible({ timeout: 30_000 });
  await page.getByTestId(testIds.runtimeEvents.textFilter).fill('/etc');
  await page.getByTestId(testIds.runtimeEvents.textFilter).press('Enter');
  await expect(page).toHaveURL(/var-text=%2Fetc/);
  await page.reload();
  await expect(page.getByTestId(testIds.runtimeEvents.textFilter)).toHaveValue('/etc');
});

test('image scans lists the scanner\'s images through the plugin proxy route; an image page opens', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: PLUGIN_ID, path: '/image-scans' });
  await expect(page.getByTestId(testIds.imageScans.table)).toBeVisible({ timeout: 30_000 });
  const first = page.getByTestId(testIds.imageScans.table).getByRole('link').first();
  await first.click();
  await expect(page.getByTestId(testIds.imageScans.findings)).toBeVisible({ timeout: 30_000 });
});

test('container inspect opens from the container picker', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: PLUGIN_ID, path: '/inspect' });
  await expect(page.getByTestId(testIds.inspect.container)).toBeVisible();
  await expect(page.getByTestId(testIds.inspect.picker)).toBeVisible();
});

test('the scanner token is never sent to the browser', async ({ gotoAppPage, page }) => {
  const token = process.env.VIGIL_SCANNER_TOKEN;
  test.skip(!token, 'VIGIL_SCANNER_TOKEN (the token provisioned into Grafana) is not set');
  const bodies: string[] = [];
  page.on('response', async (r) => {
    try {
      bodies.push(await r.text());
    } catch {
      // bodiless
    }
  });
  await gotoAppPage({ pluginId: PLUGIN_ID, path: '/image-scans' });
  await expect(page.getByTestId(testIds.imageScans.table)).toBeVisible({ timeout: 30_000 });
  expect(bodies.some((b) => b.includes(token!))).toBe(false);
  expect(await page.content()).not.toContain(token!);
});
