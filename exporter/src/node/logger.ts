// Logs go to stderr as JSON (pino), keeping stdout for the event stream.

import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { component: 'vigil-node' }, redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'password', '*.password', 'bearerToken', '*.bearerToken', 'loki.password', 'loki.bearerToken'], censor: '[redacted]' } }, pino.destination(2));
}

export type { Logger };
