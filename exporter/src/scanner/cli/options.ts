// Parsing and defaults for the scanner's command-line options. Bad values become commander's
// InvalidArgumentError, which prints one line and exits with status 2.
import { InvalidArgumentError } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import type { Platform } from '../sources/image-handle.js';
import type { Severity } from '../types.js';
import { parseSeverity } from '../policy/severity.js';
import { REPORT_FORMATS, type ReportFormat } from '../pipeline/formats.js';

export const DEFAULT_DB_DIR = '/var/lib/vigil/db';

/** --db, else $VIGIL_DB_DIR, else /var/lib/vigil/db */
export function dbDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = flag ?? (env.VIGIL_DB_DIR && env.VIGIL_DB_DIR.trim() !== '' ? env.VIGIL_DB_DIR : DEFAULT_DB_DIR);
  return isAbsolute(dir) ? dir : resolve(dir);
}

const PLATFORM_PART = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** "linux/arm64/v8" -> {os, architecture, variant} */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PLATFORM_PART.test(p))) {
    throw new InvalidArgumentError('expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8');
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function parseSeverityOption(text: string): Severity {
  try {
    return parseSeverity(text);
  } catch {
    throw new InvalidArgumentError('expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN, NONE');
  }
}

export function parseFormat(text: string): ReportFormat {
  const f = text.trim().toLowerCase();
  if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new InvalidArgumentError(`expected one of ${REPORT_FORMATS.join(', ')}`);
  return f as ReportFormat;
}

/** For options that may be given more than once. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
