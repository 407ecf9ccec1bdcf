import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import list from './testdata/images-list.json';
import report from './testdata/image-report.json';
import { ImageListScene } from './ImageListScene';
import { ImageDetailScene } from './ImageDetailScene';
import { imageScansScene } from './imageScansPage';
import { installScannerBackend } from '../../test-utils/scannerBackend';
import { testIds } from '../../components/testIds';
import { settingsFromJsonData } from '../../services/settings';

const BASE = '/api/plugin-proxy/vigil-security-app/scanner';
const configured = settingsFromJsonData({ scannerUrl: 'http://vigil-scanner:9712' });
const API_ID = 'sha256:6b577c35ceb160b0c0d0722bc95b058b7ca2cbf30c3d5ea312a8eaaac7794fea';

function imageRows(): string[] {
  const table = screen.getByTestId(testIds.imageScans.table);
  return within(table)
    .getAllByRole('link')
    .map((a) => a.textContent ?? '');
}

describe('Image scans list', () => {
  it('renders the images in risk order, counts malformed entries and links each image page', async () => {
    const backend = installScannerBackend({ [`${BASE}/api/v1/images`]: { status: 200, body: list } });
    const scene = new ImageListScene({ settings: configured });
    render(<MemoryRouter><scene.Component model={scene} /></MemoryRouter>);
    await waitFor(() => expect(screen.getByTestId(testIds.imageScans.table)).toBeInTheDocument());
    expect(backend.requests).toEqual([`${BASE}/api/v1/images`]);
    expect(imageRows()).toEqual([
      'ghcr.io/acme/worker:0.9',
      'registry.example.com/shop/api:1.4.2',
      'registry.example.com/shop/static:2.0',
      'registry.example.com/private/secret:1',
    ]);
    expect(screen.getByTestId(testIds.imageScans.malformed)).toHaveTextContent('2 malformed image entries were skipped');
    expect(screen.getByRole('link', { name: 'registry.example.com/shop/api:1.4.2' })).toHaveAttribute(
      'href',
      '/a/vigil-security-app/image-scans/registry.example.com%2Fshop%2Fapi%3A1.4.2'
    );
    // severity badges of shop/api: 5 high, 2 medium, 3 low
    expect(screen.getAllByLabelText('5 high').length).toBeGreaterThan(0);
    expect(screen.getByText('failed: unauthorized')).toBeInTheDocument();
  });

  it('filters by text and by failing policy, and keeps the filter in the URL state', async () => {
    installScannerBackend({ [`${BASE}/api/v1/images`]: { status: 200, body: list } });
    const scene = new ImageListScene({ settings: configured });
    render(<MemoryRouter><scene.Component model={scene} /></MemoryRouter>);
    await waitFor(() => expect(screen.getByTestId(testIds.imageScans.table)).toBeInTheDocument());
    const user = userEvent.setup();
    await user.type(screen.getByTestId(testIds.imageScans.search), 'shop/');
    expect(imageRows()).toEqual(['registry.example.com/shop/api:1.4.2', 'registry.example.com/shop/static:2.0']);
    await user.click(screen.getByRole('switch', { name: /Policy failing/ }));
    expect(imageRows()).toEqual(['registry.example.com/shop/api:1.4.2']);
    expect(scene.getUrlState()).toEqual({ q: 'shop/', severity: undefined, fixable: undefined, policy: 'fail' });
    scene.updateFromUrl({ q: '', severity: 'CRITICAL', fixable: 'true', policy: undefined });
    await waitFor(() => expect(imageRows()).toEqual(['ghcr.io/acme/worker:0.9']));
  });

  it('shows the onboarding with the HTTP error when the scanner refuses', async () => {
    installScannerBackend({ [`${BASE}/api/v1/images`]: { status: 401, body: { error: 'unauthorized' } } });
    const scene = new ImageListScene({ settings: configured });
    render(<MemoryRouter><scene.Component model={scene} /></MemoryRouter>);
    const onboarding = await screen.findByTestId(testIds.onboarding.container);
    expect(onboarding).toHaveAttribute('data-onboarding-kind', 'scanner-unreachable');
    expect(onboarding).toHaveTextContent('HTTP 401 Unauthorized: unauthorized');
    expect(screen.getByTestId(testIds.onboarding.configLink)).toHaveAttribute('href', '/plugins/vigil-security-app');
  });

  it('shows the onboarding without any request when no scanner is configured', async () => {
    const backend = installScannerBackend({});
    const settings = settingsFromJsonData({});
    for (const body of [new ImageListScene({ settings }), new ImageDetailScene({ settings, imageRef: 'nginx:1' })]) {
      const scene = imageScansScene(settings, body);
      const { unmount } = render(<MemoryRouter><scene.Component model={scene} /></MemoryRouter>);
      // The first render of the page's scenes takes > 1 s (findBy's default) beside another jest worker on 2 vCPUs.
      expect(await screen.findByTestId(testIds.onboarding.container, {}, { timeout: 5000 })).toHaveAttribute('data-onboarding-kind', 'scanner-not-configured');
      expect(screen.queryByTestId(testIds.imageScans.container)).not.toBeInTheDocument();
      expect(screen.queryByTestId(testIds.imageScans.image)).not.toBeInTheDocument();
      unmount();
    }
    expect(backend.requests).toEqual([]);
  });
});

describe('Image page', () => {
  it('looks the reference up, then shows its findings, remediation, policies, packages and layers', async () => {
    const backend = installScannerBackend({
      [`${BASE}/api/v1/images`]: { status: 200, body: list },
      [`${BASE}/api/v1/images/${encodeURIComponent(API_ID)}`]: { status: 200, body: report },
    });
    const scene = new ImageDetailScene({ settings: configured, imageRef: 'registry.example.com/shop/api:1.4.2' });
    render(<MemoryRouter><scene.Component model={scene} /></MemoryRouter>);
    const findings = await screen.findByTestId(testIds.imageScans.findings);
    expect(backend.requests).toEqual([`${BASE}/api/v1/images`, `${BASE}/api/v1/images/sha256%3A${API_ID.slice(7)}`]);
    expect(findings).toHaveTextContent('Findings (10)');
    expect(within(screen.getByTestId(testIds.imageScans.imageLinks)).getByRole('link', { name: 'Vulnerabilities dashboard' })).toHaveAttribute('href', '/d/vigil-vulnerabilities');
    const advisory = within(findings).getByRole('link', { name: 'GHSA-2099-expr-0001' });
    expect(advisory).toHaveAttribute('href', 'https://osv.dev/vulnerability/GHSA-2099-expr-0001');
    const row = advisory.closest('tr')!;
    expect(row).toHaveTextContent('express');
    expect(row).toHaveTextContent('4.17.1');
    expect(row).toHaveTextContent('4.17.3');
    expect(row).toHaveTextContent('HIGH');
    expect(within(findings).getByText('suppressed')).toBeInTheDocument();

    const remediation = screen.getByTestId(testIds.imageScans.remediation);
    const items = within(remediation).getAllByRole('listitem').map((li) => li.textContent);
    expect(items[0]).toContain('upgrade openssl 3.0.11-1~deb12u2 → 3.0.14-1~deb12u1 fixes 2 (2 high)');
    expect(items[0]).toContain('replaces libssl3, openssl');
    expect(remediation).toHaveTextContent('2 active findings have no fix yet.');

    const policies = screen.getByTestId(testIds.imageScans.policies);
    expect(policies).toHaveTextContent('Policies: 2 of 3 violated');
    expect(policies).toHaveTextContent('secret-env');
    expect(policies).not.toHaveTextContent('os-end-of-life');
    expect(screen.getByTestId(testIds.imageScans.packages)).toHaveTextContent('Packages (10)');
    expect(screen.getByTestId(testIds.imageScans.layers)).toHaveTextContent('29.0 MB');
    expect(screen.getByText(/Run by: shop\/Deployment api/)).toBeInTheDocument();
  });

  it('shows a failed scan with its error code and a missing image as an error, never crashing', async () => {
    const failedId = 'ref:registry.example.com/private/secret:1';
    installScannerBackend({
      [`${BASE}/api/v1/images`]: { status: 200, body: list },
      [`${BASE}/api/v1/images/${encodeURIComponent(failedId)}`]: {
        status: 502,
        body: { status: 'failed', error: { code: 'unauthorized', message: 'registry answered 401', at: null }, next_retry_at: '2026-12-04T00:38:27.000Z', image: list.images[3] },
      },
    });
    const failed = new ImageDetailScene({ settings: configured, imageRef: failedId });
    const { unmount } = render(<MemoryRouter><failed.Component model={failed} /></MemoryRouter>);
    expect(await screen.findByText('The scan failed: unauthorized')).toBeInTheDocument();
    expect(screen.getByText(/registry answered 401/)).toBeInTheDocument();
    unmount();

    const missing = new ImageDetailScene({ settings: configured, imageRef: 'nope:1' });
    render(<MemoryRouter><missing.Component model={missing} /></MemoryRouter>);
    expect(await screen.findByTestId(testIds.imageScans.error)).toHaveTextContent('no image nope:1 is in use');
  });
});
