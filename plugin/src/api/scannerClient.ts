// The scanner's API through Grafana's plugin proxy route (plugin.json `routes`, path `scanner`): Grafana adds the
// bearer token server-side, so the browser never holds it. Answers are validated by services/scannerApi.ts.
// The one scanner client of the app: the Image scans pages and the Inspect page's image verdict both use it.
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { SCANNER_PROXY_BASE } from '../constants';
import { describeHttpError, parseImageList, parseImageReportAnswer } from '../services/scannerApi';
import type { ImageList, ImageReportAnswer } from '../services/scannerTypes';

/** A failed call: `status` 0 means no HTTP answer (network, proxy route missing). */
export class ScannerRequestError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'ScannerRequestError';
  }
}

async function get(path: string): Promise<{ status: number; data: unknown }> {
  try {
    const res = await lastValueFrom(
      getBackendSrv().fetch<unknown>({ url: `${SCANNER_PROXY_BASE}${path}`, method: 'GET', showErrorAlert: false, showSuccessAlert: false })
    );
    return { status: res.status, data: res.data };
  } catch (err) {
    if (isFetchError(err)) {
      // 502 from GET /images/:id is an answer ("scan failed"), not a transport error.
      if (err.status === 502 && path.startsWith('/api/v1/images/') && isRecord(err.data) && err.data.status === 'failed') {
        return { status: 502, data: err.data };
      }
      throw new ScannerRequestError(describeHttpError(err.status ?? 0, err.data, err.statusText), err.status ?? 0);
    }
    throw new ScannerRequestError(err instanceof Error ? err.message : String(err), 0);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** GET /api/v1/images */
export async function fetchImageList(): Promise<ImageList> {
  const { data } = await get('/api/v1/images');
  return parseImageList(data);
}

/** GET /api/v1/images/:id — `id` is a list entry's id or a digest (URL-encoded here). */
export async function fetchImageReport(id: string): Promise<ImageReportAnswer> {
  const { status, data } = await get(`/api/v1/images/${encodeURIComponent(id)}`);
  return parseImageReportAnswer(status, data);
}
