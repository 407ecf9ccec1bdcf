// Bearer-token check for /api/*. Both sides are hashed first so the comparison is constant-time and does
// not leak the token's length; the token itself never appears in a log line or a response.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

/** Express middleware: a no-op when no token is configured. */
export function requireBearer(token: string) {
  const expected = token;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) return next();
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m && tokenMatches(expected, m[1]!)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="vigil"').status(401).json({ error: 'unauthorized' });
  };
}
