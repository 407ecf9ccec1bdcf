// String and address matching used by the comparison operators. No regular expression is built from rule text
// except for the regex operator, whose patterns are checked first: JavaScript has no RE2, so patterns whose
// matching time could explode on hostile input (nested or alternated repetition, backreferences, lookaround)
// are refused at load time instead of stalling the node at run time.

import { isIPv4, isIPv6 } from 'node:net';

/** fnmatch(3) without FNM_PATHNAME, like Falco's glob: '*' and '?' also match '/'. Linear-time matcher. */
export function compileGlob(pattern: string, ignoreCase = false): (s: string) => boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  type Tok = { k: 'lit'; c: string } | { k: 'any' } | { k: 'star' } | { k: 'set'; neg: boolean; test: (c: string) => boolean };
  const toks: Tok[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (toks[toks.length - 1]?.k !== 'star') toks.push({ k: 'star' });
    } else if (c === '?') toks.push({ k: 'any' });
    else if (c === '\\' && i + 1 < p.length) toks.push({ k: 'lit', c: p[++i]! });
    else if (c === '[') {
      let j = i + 1;
      const neg = p[j] === '!' || p[j] === '^';
      if (neg) j++;
      const ranges: [string, string][] = [];
      let first = true;
      while (j < p.length && (p[j] !== ']' || first)) {
        first = false;
        const lo = p[j]!;
        if (p[j + 1] === '-' && j + 2 < p.length && p[j + 2] !== ']') {
          ranges.push([lo, p[j + 2]!]);
          j += 3;
        } else {
          ranges.push([lo, lo]);
          j++;
        }
      }
      if (j >= p.length) toks.push({ k: 'lit', c: '[' }); // no closing bracket: a literal '['
      else {
        toks.push({ k: 'set', neg, test: (ch) => ranges.some(([a, b]) => ch >= a && ch <= b) });
        i = j;
      }
    } else toks.push({ k: 'lit', c });
  }
  const one = (t: Tok, ch: string): boolean =>
    t.k === 'any' ? true : t.k === 'lit' ? t.c === ch : t.k === 'set' ? t.test(ch) !== t.neg : false;
  return (input: string): boolean => {
    const s = ignoreCase ? input.toLowerCase() : input;
    // Classic wildcard matching with one backtrack point (the last star): O(len(s) * len(pattern)).
    let si = 0;
    let ti = 0;
    let starT = -1;
    let starS = 0;
    while (si < s.length) {
      const t = toks[ti];
      if (t && t.k !== 'star' && one(t, s[si]!)) {
        si++;
        ti++;
      } else if (t && t.k === 'star') {
        starT = ti++;
        starS = si;
      } else if (starT >= 0) {
        ti = starT + 1;
        si = ++starS;
      } else return false;
    }
    while (toks[ti]?.k === 'star') ti++;
    return ti === toks.length;
  };
}

/** Falco's pmatch: the path equals one of the prefixes or lies below it, compared by whole path components. */
export function compilePathPrefixes(prefixes: readonly string[]): (s: string) => boolean {
  const norm = prefixes.map((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p));
  if (norm.includes('/')) return (s) => s.startsWith('/');
  const exact = new Set(norm);
  return (s: string): boolean => {
    if (exact.has(s)) return true;
    // Walk up the path one component at a time: cost is the number of components, not of prefixes.
    let end = s.lastIndexOf('/');
    while (end > 0) {
      if (exact.has(s.slice(0, end))) return true;
      end = s.lastIndexOf('/', end - 1);
    }
    return false;
  };
}

/** Why a regex is refused, or undefined when it is safe to run on hostile input. */
export function unsafeRegexReason(src: string): string | undefined {
  if (/\\[1-9]|\\k</.test(src)) return 'backreferences are not supported (RE2 has none, and they can take exponential time)';
  if (/\(\?<?[=!]/.test(src)) return 'lookaround is not supported (RE2 has none)';
  // Track, per group, whether it contains repetition or alternation; a repeated group of that kind is refused.
  const stack: { rep: boolean; alt: boolean }[] = [{ rep: false, alt: false }];
  let lastGroup: { rep: boolean; alt: boolean } | undefined;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      lastGroup = undefined;
      continue;
    }
    if (c === '[') {
      // Skip a character class.
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') {
        if (src[i] === '\\') i++;
        i++;
      }
      lastGroup = undefined;
      continue;
    }
    if (c === '(') {
      stack.push({ rep: false, alt: false });
      lastGroup = undefined;
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      if (!g || stack.length === 0) return 'unbalanced parentheses';
      lastGroup = g;
      const parent = stack[stack.length - 1]!;
      parent.rep ||= g.rep;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1]!.alt = true;
      lastGroup = undefined;
      continue;
    }
    const unbounded = c === '*' || c === '+' || (c === '{' && /^\{\d*,\}/.test(src.slice(i)));
    const bounded = c === '?' || (c === '{' && /^\{\d+(,\d+)?\}/.test(src.slice(i)));
    if (unbounded || bounded) {
      if (lastGroup && (lastGroup.rep || lastGroup.alt) && (unbounded || lastGroup.rep)) {
        return 'a repeated group that itself repeats or alternates (like (a+)+ or (a|b)*) can take exponential time in JavaScript; rewrite it without nesting';
      }
      if (unbounded) stack[stack.length - 1]!.rep = true;
      if (c === '{') i = src.indexOf('}', i);
      lastGroup = undefined;
      continue;
    }
    lastGroup = undefined;
  }
  if (stack.length !== 1) return 'unbalanced parentheses';
  return undefined;
}

export type IpAddr = { v6: false; n: number } | { v6: true; n: bigint };
export interface IpNet {
  v6: boolean;
  base: bigint;
  bits: number;
  /** IPv4 only: network and mask as unsigned 32-bit numbers, so a check needs no BigInt. */
  base4: number;
  mask4: number;
}

function v4(s: string): number | undefined {
  if (!isIPv4(s)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = s.split('.').map(Number);
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function v6(s: string): bigint | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const n = v4(tail[1]!)!;
    text = `${text.slice(0, tail.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...new Array<string>(8 - h.length - r.length).fill('0'), ...r];
  let out = 0n;
  for (const g of groups) out = (out << 16n) | BigInt(parseInt(g || '0', 16));
  return out;
}

export function parseIp(s: string): IpAddr | undefined {
  const a = v4(s);
  if (a !== undefined) return { v6: false, n: a };
  const b = v6(s);
  if (b === undefined) return undefined;
  // IPv4-mapped addresses (::ffff:1.2.3.4) compare as the IPv4 address they carry.
  if (b >> 32n === 0xffffn) return { v6: false, n: Number(b & 0xffffffffn) };
  return { v6: true, n: b };
}

/** "10.0.0.0/8", "fd00::/8", or a plain address (a /32 or /128). */
export function parseNet(s: string): IpNet | undefined {
  const slash = s.indexOf('/');
  const addr = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.v6 ? 128 : 32;
  let bits = max;
  if (slash >= 0) {
    const t = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(t)) return undefined;
    bits = Number(t);
    if (bits > max) return undefined;
  }
  const n = addr.v6 ? addr.n : BigInt(addr.n);
  const shift = BigInt(max - bits);
  const mask4 = addr.v6 || bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base4 = addr.v6 ? 0 : ((addr.n & mask4) >>> 0);
  return { v6: addr.v6, base: (n >> shift) << shift, bits, base4, mask4 };
}

export function inNet(ip: IpAddr, net: IpNet): boolean {
  if (ip.v6 !== net.v6) return false;
  if (!ip.v6) return ((ip.n & net.mask4) >>> 0) === net.base4;
  const shift = BigInt(128 - net.bits);
  return (ip.n >> shift) << shift === net.base;
}

export function sameIp(a: IpAddr, b: IpAddr): boolean {
  return a.v6 === b.v6 && a.n === b.n;
}

// Event addresses repeat a lot (the same peers, the same pod IPs): parse each text once.
const ipCache = new Map<string, IpAddr | null>();
export function cachedIp(s: string): IpAddr | undefined {
  let r = ipCache.get(s);
  if (r === undefined) {
    r = parseIp(s) ?? null;
    if (ipCache.size >= 8192) ipCache.clear();
    ipCache.set(s, r);
  }
  return r ?? undefined;
}
