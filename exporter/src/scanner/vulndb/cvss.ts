// CVSS base scores from vectors. v3.0/v3.1 and v2 use the official base-score formulas (FIRST's specification
// documents). v4.0 vectors are validated and kept, but not scored: v4.0 scoring needs the specification's
// macro-vector lookup table, which Vigil does not carry; its score is reported as unknown.
import type { Severity } from '../types.js';

export interface CvssResult {
  version: '2.0' | '3.0' | '3.1' | '4.0';
  vector: string;
  /** undefined when the vector is invalid or (v4.0) not scored */
  score: number | undefined;
  /** set when the vector could not be read */
  error?: string;
}

/** Qualitative band of a base score: 0 NONE, 0.1-3.9 LOW, 4.0-6.9 MEDIUM, 7.0-8.9 HIGH, 9.0-10 CRITICAL. */
export function severityBand(score: number | undefined): Severity {
  if (score === undefined || !Number.isFinite(score)) return 'UNKNOWN';
  if (score <= 0) return 'NONE';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

function metrics(parts: string[], allowed: Record<string, readonly string[]>): Map<string, string> | string {
  const seen = new Map<string, string>();
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon <= 0) return `malformed metric ${JSON.stringify(part)}`;
    const key = part.slice(0, colon);
    const value = part.slice(colon + 1);
    if (seen.has(key)) return `metric ${key} repeated`;
    const values = allowed[key];
    if (values && !values.includes(value)) return `bad value ${key}:${value}`;
    seen.set(key, value);
  }
  return seen;
}

// v3.1 specification, Appendix A: round up to one decimal, robust against floating-point noise.
function roundup(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

const V3_BASE: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
};

function cvss3(vector: string, version: '3.0' | '3.1', body: string[]): CvssResult {
  const m = metrics(body, V3_BASE);
  if (typeof m === 'string') return { version, vector, score: undefined, error: m };
  for (const k of Object.keys(V3_BASE)) if (!m.has(k)) return { version, vector, score: undefined, error: `missing ${k}` };
  const g = (k: string): string => m.get(k) ?? '';
  const changed = g('S') === 'C';
  const av = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 }[g('AV') as 'N'] ?? 0;
  const ac = { L: 0.77, H: 0.44 }[g('AC') as 'L'] ?? 0;
  const pr = (changed ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 })[g('PR') as 'N'] ?? 0;
  const ui = { N: 0.85, R: 0.62 }[g('UI') as 'N'] ?? 0;
  const cia = (k: string): number => ({ H: 0.56, L: 0.22, N: 0 })[g(k) as 'H'] ?? 0;
  const iss = 1 - (1 - cia('C')) * (1 - cia('I')) * (1 - cia('A'));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  let score: number;
  if (impact <= 0) score = 0;
  else if (changed) score = roundup(Math.min(1.08 * (impact + exploitability), 10));
  else score = roundup(Math.min(impact + exploitability, 10));
  return { version, vector, score };
}

const V2_BASE: Record<string, readonly string[]> = {
  AV: ['L', 'A', 'N'],
  AC: ['H', 'M', 'L'],
  Au: ['M', 'S', 'N'],
  C: ['N', 'P', 'C'],
  I: ['N', 'P', 'C'],
  A: ['N', 'P', 'C'],
};

function cvss2(vector: string, body: string[]): CvssResult {
  const m = metrics(body, V2_BASE);
  if (typeof m === 'string') return { version: '2.0', vector, score: undefined, error: m };
  for (const k of Object.keys(V2_BASE)) if (!m.has(k)) return { version: '2.0', vector, score: undefined, error: `missing ${k}` };
  const g = (k: string): string => m.get(k) ?? '';
  const av = { L: 0.395, A: 0.646, N: 1.0 }[g('AV') as 'L'] ?? 0;
  const ac = { H: 0.35, M: 0.61, L: 0.71 }[g('AC') as 'H'] ?? 0;
  const au = { M: 0.45, S: 0.56, N: 0.704 }[g('Au') as 'M'] ?? 0;
  const cia = (k: string): number => ({ N: 0, P: 0.275, C: 0.66 })[g(k) as 'N'] ?? 0;
  const impact = 10.41 * (1 - (1 - cia('C')) * (1 - cia('I')) * (1 - cia('A')));
  const exploitability = 20 * av * ac * au;
  const f = impact === 0 ? 0 : 1.176;
  const raw = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  return { version: '2.0', vector, score: Math.max(0, Math.round(raw * 10 + 1e-9) / 10) };
}

const V4_BASE: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
};

function cvss4(vector: string, body: string[]): CvssResult {
  const m = metrics(body, V4_BASE);
  if (typeof m === 'string') return { version: '4.0', vector, score: undefined, error: m };
  for (const k of Object.keys(V4_BASE)) if (!m.has(k)) return { version: '4.0', vector, score: undefined, error: `missing ${k}` };
  return { version: '4.0', vector, score: undefined };
}

/** Reads a CVSS vector of the given OSV severity type (CVSS_V2, CVSS_V3, CVSS_V4) and computes its base score. */
export function scoreCvss(type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4', vector: string): CvssResult {
  const v = vector.trim();
  const parts = v.replace(/^\(|\)$/g, '').split('/');
  const head = parts[0] ?? '';
  if (type === 'CVSS_V3') {
    if (head !== 'CVSS:3.0' && head !== 'CVSS:3.1') return { version: '3.1', vector: v, score: undefined, error: 'not a CVSS v3 vector' };
    return cvss3(v, head === 'CVSS:3.0' ? '3.0' : '3.1', parts.slice(1));
  }
  if (type === 'CVSS_V4') {
    if (head !== 'CVSS:4.0') return { version: '4.0', vector: v, score: undefined, error: 'not a CVSS v4 vector' };
    return cvss4(v, parts.slice(1));
  }
  return cvss2(v, head === 'CVSS:2.0' ? parts.slice(1) : parts);
}
