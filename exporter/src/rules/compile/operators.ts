// Comparison operators by field type, as libsinsp defines them: which operator a type accepts, how a constant
// is parsed for it, and the test itself. Tests are built once per check and are plain closures.

import type { FieldType, Scalar } from '../fields/table.js';
import { cachedIp, compileGlob, compilePathPrefixes, inNet, parseNet, unsafeRegexReason, type IpNet } from './matchers.js';

export type Test = (v: Scalar) => boolean;
export type DynTest = (v: Scalar, r: Scalar) => boolean;

const STRING_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'pmatch', 'in', 'intersects', 'exists', 'regex']);
const NUMBER_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', 'in', 'intersects', 'exists']);
const BOOL_OPS = new Set(['=', '!=', 'in', 'intersects', 'exists']);
const IP_OPS = new Set(['=', '!=', 'in', 'intersects', 'exists']);

export function operatorAllowed(type: FieldType, op: string): boolean {
  switch (type) {
    case 'string': return STRING_OPS.has(op);
    case 'number': case 'port': case 'abstime': case 'reltime': return NUMBER_OPS.has(op);
    case 'bool': return BOOL_OPS.has(op);
    case 'ip': case 'ipnet': return IP_OPS.has(op);
  }
}

export const isListOp = (op: string): boolean => op === 'in' || op === 'intersects' || op === 'pmatch';

/** A constant parsed for a field type, or an error message. */
export function parseConstant(type: FieldType, op: string, text: string, field: string): unknown {
  switch (type) {
    case 'string':
      if (op === 'bcontains' || op === 'bstartswith') {
        if (!/^([0-9a-fA-F]{2})+$/.test(text)) return new Error(`'${text}' is not a hex byte string (e.g. 2f62696e for "/bin"), as ${op} needs`);
        return Buffer.from(text, 'hex');
      }
      return text;
    case 'number': case 'abstime': case 'reltime': case 'port': {
      let n: number;
      if (/^[+-]?\d+$/.test(text)) n = Number(text);
      else if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text, 16);
      else return new Error(`'${text}' is not a number, as ${field} needs`);
      if (!Number.isSafeInteger(n)) return new Error(`'${text}' is out of range for ${field}`);
      if (type === 'port' && (n < 0 || n > 65535)) return new Error(`'${text}' is not a port number (0-65535)`);
      return n;
    }
    case 'bool':
      if (text === 'true') return true;
      if (text === 'false') return false;
      return new Error(`'${text}' is not a boolean (true or false), as ${field} needs`);
    case 'ip': case 'ipnet': {
      const net = parseNet(text);
      if (!net) return new Error(`'${text}' is not an IP address${type === 'ipnet' ? ' or network (10.0.0.0/8)' : ''}`);
      return net;
    }
  }
}

function ipMatches(v: Scalar, nets: readonly IpNet[]): boolean {
  if (typeof v !== 'string') return false;
  const ip = cachedIp(v);
  if (!ip) return false;
  for (const n of nets) if (inNet(ip, n)) return true;
  return false;
}

// icontains checks often look at the same value many times in a row (proc.cmdline in several rules): keep the
// last lower-cased string.
let lastIn = '';
let lastOut = '';
function lower(v: string): string {
  if (v !== lastIn) {
    lastIn = v;
    lastOut = v.toLowerCase();
  }
  return lastOut;
}

const hasBytes = (v: string, b: Buffer): boolean => Buffer.from(v, 'utf8').includes(b);
const startsBytes = (v: string, b: Buffer): boolean => {
  const buf = Buffer.from(v, 'utf8');
  return buf.length >= b.length && buf.subarray(0, b.length).equals(b);
};

/** The test for a check against constants (one constant, or a list for in/intersects/pmatch). */
export function constantTest(type: FieldType, op: string, consts: readonly unknown[]): Test | Error {
  const c0 = consts[0];
  if (type === 'ip' || type === 'ipnet') {
    const nets = consts as IpNet[];
    if (op === '!=') return (v) => !ipMatches(v, nets);
    return (v) => ipMatches(v, nets);
  }
  if (isListOp(op) && op !== 'pmatch') {
    if (consts.length === 0) return () => false;
    if (consts.length === 1) return (v) => v === c0;
    const set = new Set(consts as Scalar[]);
    return (v) => set.has(v);
  }
  switch (op) {
    case '=': return (v) => v === c0;
    case '!=': return (v) => v !== c0;
  }
  if (type === 'number' || type === 'port' || type === 'abstime' || type === 'reltime') {
    const n = c0 as number;
    switch (op) {
      case '<': return (v) => (v as number) < n;
      case '<=': return (v) => (v as number) <= n;
      case '>': return (v) => (v as number) > n;
      case '>=': return (v) => (v as number) >= n;
    }
  }
  if (type === 'string') {
    const s = c0 as string;
    switch (op) {
      case '<': return (v) => typeof v === 'string' && v < s;
      case '<=': return (v) => typeof v === 'string' && v <= s;
      case '>': return (v) => typeof v === 'string' && v > s;
      case '>=': return (v) => typeof v === 'string' && v >= s;
      case 'contains': return (v) => typeof v === 'string' && v.includes(s);
      case 'icontains': {
        const l = s.toLowerCase();
        return (v) => typeof v === 'string' && lower(v).includes(l);
      }
      case 'startswith': return (v) => typeof v === 'string' && v.startsWith(s);
      case 'endswith': return (v) => typeof v === 'string' && v.endsWith(s);
      case 'bcontains': return (v) => typeof v === 'string' && hasBytes(v, c0 as Buffer);
      case 'bstartswith': return (v) => typeof v === 'string' && startsBytes(v, c0 as Buffer);
      case 'glob': {
        const g = compileGlob(s);
        return (v) => typeof v === 'string' && g(v);
      }
      case 'iglob': {
        const g = compileGlob(s, true);
        return (v) => typeof v === 'string' && g(v);
      }
      case 'pmatch': {
        const m = compilePathPrefixes(consts as string[]);
        return (v) => typeof v === 'string' && m(v);
      }
      case 'regex': {
        const why = unsafeRegexReason(s);
        if (why) return new Error(`regex '${s}' is refused: ${why}`);
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${s})$`);
        } catch (err) {
          return new Error(`invalid regex '${s}': ${(err as Error).message}`);
        }
        return (v) => typeof v === 'string' && re.test(v);
      }
    }
  }
  return new Error(`operator '${op}' is not supported for ${type} fields`);
}

/** The test for a check whose right side is another field, val(field). */
export function dynamicTest(type: FieldType, op: string): DynTest | Error {
  switch (op) {
    case '=': case 'in': case 'intersects': return (v, r) => v === r;
    case '!=': return (v, r) => v !== r;
    case '<': return (v, r) => v < r;
    case '<=': return (v, r) => v <= r;
    case '>': return (v, r) => v > r;
    case '>=': return (v, r) => v >= r;
  }
  if (type !== 'string') return new Error(`operator '${op}' is not supported for ${type} fields`);
  switch (op) {
    case 'contains': return (v, r) => (v as string).includes(r as string);
    case 'icontains': return (v, r) => (v as string).toLowerCase().includes((r as string).toLowerCase());
    case 'startswith': return (v, r) => (v as string).startsWith(r as string);
    case 'endswith': return (v, r) => (v as string).endsWith(r as string);
    case 'glob': return (v, r) => compileGlob(r as string)(v as string);
    case 'iglob': return (v, r) => compileGlob(r as string, true)(v as string);
    case 'pmatch': return (v, r) => compilePathPrefixes([r as string])(v as string);
    default: return new Error(`operator '${op}' cannot compare with another field (val())`);
  }
}

// ---- transformers ------------------------------------------------------------------------------------------

export function transformType(fn: string, input: FieldType): FieldType | undefined {
  if (input !== 'string') return undefined;
  return fn === 'len' ? 'number' : 'string';
}

export function applyTransform(fn: string, v: Scalar): Scalar | undefined {
  if (typeof v !== 'string') return undefined;
  switch (fn) {
    case 'tolower': return v.toLowerCase();
    case 'toupper': return v.toUpperCase();
    case 'len': return v.length;
    case 'basename': {
      const i = v.lastIndexOf('/');
      return i >= 0 ? v.slice(i + 1) : v;
    }
    case 'b64': {
      // Falco decodes; text that is not valid base64 has no value.
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 === 1) return undefined;
      return Buffer.from(v, 'base64').toString('utf8');
    }
    default: return undefined;
  }
}
