// Finds environment variables in an image config that look like they carry a secret. Anyone who can pull the image
// can read them, so they are worth a violation; but reports travel further than images (CI logs, Grafana), so
// the value itself is never returned: only the variable's name, why it was flagged, and a short fingerprint that
// lets two reports be compared ("same leaked password in both images?").
import { createHash } from 'node:crypto';
import { cleanText } from './text.js';

export interface SecretHit {
  /** Variable name, cleaned of control characters and cut to 128 characters. */
  name: string;
  /** Why it was flagged, e.g. "name contains PASSWORD", "value looks like an AWS access key id". */
  reasons: string[];
  /** "sha256:" + 8 hex digits of the value's SHA-256: enough to compare, far too short to recover the value. */
  fingerprint: string;
}

export interface SecretDetectOptions {
  /** Names never flagged (exact, case-insensitive), for known false positives. */
  allowNames?: readonly string[];
  /** Extra name fragments that mark a secret, matched as whole "_"-separated words (case-insensitive). */
  extraNameWords?: readonly string[];
}

/** Whole-word name fragments: DB_PASSWORD and PASSWORD_SALT match, BYPASS and TOKENIZERS_PARALLELISM do not. */
const NAME_WORDS = [
  'PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'APIKEY', 'API_KEY', 'ACCESS_KEY', 'ACCESSKEY',
  'PRIVATE_KEY', 'PRIVATEKEY', 'AUTH_KEY', 'CREDENTIAL', 'CREDENTIALS', 'CLIENT_SECRET', 'SECRET_KEY',
];

/** Names whose value is a pointer to a secret (Docker's *_FILE convention), not the secret. */
const POINTER_SUFFIX = /_(FILE|PATH|DIR|LOCATION|NAME|ENV|VAR|HEADER|TTL|EXPIRY|EXPIRES|TIMEOUT|LENGTH|ENABLED|REQUIRED|PROVIDER|URL)$/i;

const VALUE_PATTERNS: readonly { reason: string; re: RegExp }[] = [
  { reason: 'value contains a PEM private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { reason: 'value looks like an AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/ },
  { reason: 'value looks like a JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/ },
  { reason: 'value looks like a GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/ },
  { reason: 'value looks like a GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { reason: 'value looks like a Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { reason: 'value looks like a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { reason: 'value looks like a Stripe secret key', re: /\b[sr]k_live_[0-9A-Za-z]{16,}\b/ },
  { reason: 'value is a URL with an embedded password', re: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
];

/** Values that cannot be secrets even under a secret-looking name. */
function isHarmlessValue(value: string): boolean {
  const v = value.trim();
  if (v === '') return true;
  if (/^(true|false|yes|no|on|off|none|null|nil|disabled|enabled)$/i.test(v)) return true;
  if (/^\d{1,6}$/.test(v)) return true; // TTLs, lengths, ports
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v)) return true; // a reference to another variable
  if (/^\/[^\s]*$/.test(v)) return true; // an absolute path (Docker secrets mount)
  return false;
}

function nameReason(name: string, words: readonly string[]): string | undefined {
  const upper = name.toUpperCase();
  if (upper === 'AWS_SECRET_ACCESS_KEY') return 'name is AWS_SECRET_ACCESS_KEY';
  if (POINTER_SUFFIX.test(upper)) return undefined;
  const padded = `_${upper.replace(/[^A-Z0-9]+/g, '_')}_`;
  const word = words.find((w) => padded.includes(`_${w}_`));
  return word ? `name contains ${word}` : undefined;
}

export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8)}`;
}

/** Scans "NAME=value" strings. Entries without "=" are ignored (they are not valid Env entries). */
export function detectSecrets(env: readonly string[], options: SecretDetectOptions = {}): SecretHit[] {
  const allow = new Set((options.allowNames ?? []).map((n) => n.toUpperCase()));
  const words = [...NAME_WORDS, ...(options.extraNameWords ?? []).map((w) => w.toUpperCase().replace(/[^A-Z0-9]+/g, '_'))];
  const hits: SecretHit[] = [];
  for (const entry of env) {
    if (typeof entry !== 'string') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    // Cap what the regexes see: a megabyte-long value must not cost more than a short one.
    const value = entry.slice(eq + 1, eq + 1 + 65536);
    if (allow.has(name.toUpperCase())) continue;
    const reasons: string[] = [];
    const byName = nameReason(name, words);
    if (byName && !isHarmlessValue(value)) reasons.push(byName);
    for (const p of VALUE_PATTERNS) if (p.re.test(value)) reasons.push(p.reason);
    if (reasons.length > 0) hits.push({ name: cleanText(name, 128), reasons, fingerprint: fingerprint(entry.slice(eq + 1)) });
  }
  return hits;
}
