// Test support: a BackendSrv with Grafana's own behaviour for fetch() — an Observable of a FetchResponse for 2xx,
// an error of FetchError shape otherwise — answering from a table of URL → (status, JSON body). It stands for
// Grafana's plugin proxy in front of the scanner; the code under test (api/scannerClient, the scenes) runs unchanged.
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchError, type FetchResponse } from '@grafana/runtime';
import { Observable } from 'rxjs';

export interface Answer {
  status: number;
  body: unknown;
}

export function installScannerBackend(answers: Record<string, Answer>): { requests: string[] } {
  const requests: string[] = [];
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      requests.push(options.url);
      const answer = answers[options.url] ?? { status: 404, body: { error: 'not found' } };
      // Grafana's backendSrv answers asynchronously; so does this.
      const timer = setTimeout(() => {
        // Like a real response: the body went through JSON.
        const data = JSON.parse(JSON.stringify(answer.body)) as T;
        const statusText = answer.status === 200 ? 'OK' : answer.status === 202 ? 'Accepted' : answer.status === 401 ? 'Unauthorized' : answer.status === 502 ? 'Bad Gateway' : '';
        if (answer.status >= 200 && answer.status < 300) {
          subscriber.next({ data, status: answer.status, statusText, ok: true, headers: new Headers(), redirected: false, type: 'basic', url: options.url, config: options });
          subscriber.complete();
        } else {
          const err: FetchError = { status: answer.status, statusText, data, config: options };
          subscriber.error(err);
        }
      }, 0);
      return () => clearTimeout(timer);
    });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return { requests };
}
