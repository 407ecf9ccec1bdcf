// setBackendSrv as Grafana's BackendSrv behaves for plugins (public/app/core/services/backend_srv.ts):
// fetch(options) returns an Observable of FetchResponse {data, status, statusText, ok, headers, url, type,
// redirected, config}; a non-2xx answer errors with a FetchError {status, statusText, data, config, isHandled};
// `data` of a JSON answer is parsed; params become a query string; `data` is sent as JSON.
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { Observable, lastValueFrom } from 'rxjs';

function buildUrl(options: BackendSrvRequest): string {
  const params = options.params as Record<string, unknown> | undefined;
  if (!params) return options.url;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) qs.append(k, String(x));
    else qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${options.url}${options.url.includes('?') ? '&' : '?'}${s}` : options.url;
}

export function fetchObservable<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable<FetchResponse<T>>((subscriber) => {
    const controller = new AbortController();
    const headers: Record<string, string> = { 'X-Grafana-Org-Id': '1', ...(options.headers as Record<string, string> | undefined) };
    let body: BodyInit | undefined;
    if (options.data !== undefined) {
      if (typeof options.data === 'string') body = options.data;
      else {
        body = JSON.stringify(options.data);
        headers['Content-Type'] ??= 'application/json';
      }
    }
    const url = buildUrl(options);
    fetch(url, { method: options.method ?? 'GET', headers, body, signal: controller.signal, credentials: 'same-origin' })
      .then(async (res) => {
        const text = await res.text();
        let data: unknown = text;
        if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
          try {
            data = JSON.parse(text);
          } catch {
            data = text;
          }
        }
        const response = { data: data as T, status: res.status, statusText: res.statusText, ok: res.ok, headers: res.headers, url: res.url, type: res.type, redirected: res.redirected, config: options };
        if (!res.ok) {
          const err: FetchError = { status: res.status, statusText: res.statusText, data, config: options, isHandled: false };
          if (typeof data === 'object' && data && 'message' in data) err.message = String((data as { message: unknown }).message);
          subscriber.error(err);
          return;
        }
        subscriber.next(response as FetchResponse<T>);
        subscriber.complete();
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        subscriber.error({ status: 0, statusText: (e as Error).message, data: { message: (e as Error).message }, config: options } satisfies FetchError);
      });
    return () => controller.abort();
  });
}

export function createBackendSrv(): BackendSrv {
  const request = async <T>(options: BackendSrvRequest): Promise<T> => (await lastValueFrom(fetchObservable<T>(options))).data;
  const srv = {
    fetch: fetchObservable,
    request,
    datasourceRequest: <T>(options: BackendSrvRequest) => lastValueFrom(fetchObservable<T>(options)),
    get: <T>(url: string, params?: object, requestId?: string, options?: Partial<BackendSrvRequest>) => request<T>({ ...options, url, params, requestId, method: 'GET' }),
    delete: <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) => request<T>({ ...options, url, data, method: 'DELETE' }),
    post: <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) => request<T>({ ...options, url, data, method: 'POST' }),
    patch: <T>(url: string, data: unknown, options?: Partial<BackendSrvRequest>) => request<T>({ ...options, url, data, method: 'PATCH' }),
    put: <T>(url: string, data: unknown, options?: Partial<BackendSrvRequest>) => request<T>({ ...options, url, data, method: 'PUT' }),
    resolveCancelerIfExists: () => undefined,
  };
  return srv as unknown as BackendSrv;
}
