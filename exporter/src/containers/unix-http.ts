// GET a JSON document from an HTTP API on a unix socket (podman's and docker's APIs), with a timeout and a bound
// on the response size. A runtime socket is as untrusted as any other input.
import { request } from 'node:http';

export interface UnixJsonResult {
  status: number;
  body: unknown;
}

export class UnixSocketError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'UnixSocketError';
  }
}

export function getJsonOverUnixSocket(
  socketPath: string,
  path: string,
  opts: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<UnixJsonResult> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'localhost', accept: 'application/json' } });
    const timer = setTimeout(() => req.destroy(new UnixSocketError(`timeout after ${timeoutMs} ms`, 'ETIMEDOUT')), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err instanceof UnixSocketError ? err : new UnixSocketError(err.message, err.code));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let len = 0;
      res.on('data', (c: Buffer) => {
        len += c.length;
        if (len > maxBytes) {
          req.destroy(new UnixSocketError(`response larger than ${maxBytes} bytes`, 'E2BIG'));
          return;
        }
        chunks.push(c);
      });
      res.on('error', () => undefined); // surfaces through req's error
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          reject(new UnixSocketError(`invalid JSON from ${path} (status ${res.statusCode})`, 'EBADJSON'));
          return;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.end();
  });
}
