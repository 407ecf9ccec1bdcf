// @grafana/plugin-e2e: the app's configuration page in a real Grafana (see pages.spec.ts for the setup).
import { expect, test } from '@grafana/plugin-e2e';
import { testIds } from '../../src/components/testIds';

test('the config page saves the settings through Grafana\'s plugin settings API', async ({ gotoAppConfigPage, page }) => {
  const configPage = await gotoAppConfigPage({ pluginId: 'vigil-security-app' });
  await expect(page.getByTestId(testIds.appConfig.container)).toBeVisible();
  const url = page.getByTestId(testIds.appConfig.scannerUrl);
  await url.fill('http://vigil-scanner:9712');
  const saved = configPage.waitForSettingsResponse();
  await page.getByTestId(testIds.appConfig.submit).click();
  await expect(saved).toBeOK();
});

test('a stored token shows as configured, never as its value', async ({ gotoAppConfigPage, page }) => {
  await gotoAppConfigPage({ pluginId: 'vigil-security-app' });
  const token = page.getByTestId(testIds.appConfig.scannerToken);
  await expect(token).toHaveValue('configured');
  await expect(token).toBeDisabled();
});
