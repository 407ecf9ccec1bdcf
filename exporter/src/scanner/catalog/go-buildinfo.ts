// Reads the build information the Go linker embeds in every binary (what `go version -m` prints): the toolchain
// version and the module graph. It sits in the .go.buildinfo section (or, when section headers are gone, at the
// start of the first writable segment), behind the 14-byte magic "\xff Go buildinf:", 16-byte aligned.
//  - Go >= 1.18 ("inline" flag 2): two varint-length-prefixed strings follow the 32-byte header.
//  - Go < 1.18: the header holds two pointers to Go string headers (data pointer, length) in the binary's memory
//    image, resolved here through the ELF program headers.
// Every offset comes from the file and is bounds-checked; failures return undefined, never throw past the reader.

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const SEARCH_WINDOW = 64 * 1024;
const MAX_STRING = 4 * 1024 * 1024;

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
}

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: Record<string, string>;
}

interface Segment {
  vaddr: bigint;
  offset: number;
  filesz: number;
  writable: boolean;
}

interface Elf {
  little: boolean;
  is64: boolean;
  segments: Segment[];
  sections: { name: string; addr: bigint; offset: number; size: number; nobits: boolean }[];
}

function readElf(buf: Buffer): Elf | undefined {
  if (buf.length < 0x34 || buf.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = buf[4] === 2;
  const little = buf[5] === 1;
  if ((buf[4] !== 1 && buf[4] !== 2) || (buf[5] !== 1 && buf[5] !== 2)) return undefined;
  if (is64 && buf.length < 0x40) return undefined;
  const u16 = (o: number): number => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number): bigint => (little ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const word = (o: number): bigint => (is64 ? u64(o) : BigInt(u32(o)));
  const num = (v: bigint): number => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));

  const phoff = num(word(is64 ? 0x20 : 0x1c));
  const shoff = num(word(is64 ? 0x28 : 0x20));
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);

  const segments: Segment[] = [];
  if (phentsize >= (is64 ? 0x38 : 0x20)) {
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * phentsize;
      if (at + phentsize > buf.length) break;
      if (u32(at) !== 1) continue; // PT_LOAD
      const flags = is64 ? u32(at + 4) : u32(at + 0x18);
      segments.push({
        offset: num(word(at + (is64 ? 8 : 4))),
        vaddr: word(at + (is64 ? 0x10 : 8)),
        filesz: num(word(at + (is64 ? 0x20 : 0x10))),
        writable: (flags & 2) !== 0,
      });
    }
  }
  const sections: Elf['sections'] = [];
  if (shoff > 0 && shentsize >= (is64 ? 0x40 : 0x28) && shoff + shnum * shentsize <= buf.length) {
    const raw = Array.from({ length: shnum }, (_, i) => {
      const at = shoff + i * shentsize;
      return {
        nameOff: u32(at),
        nobits: u32(at + 4) === 8,
        addr: word(at + (is64 ? 0x10 : 0x0c)),
        offset: num(word(at + (is64 ? 0x18 : 0x10))),
        size: num(word(at + (is64 ? 0x20 : 0x14))),
      };
    });
    const strtab = raw[shstrndx];
    for (const s of raw) {
      let name = '';
      if (strtab && strtab.offset + s.nameOff < buf.length) {
        const start = strtab.offset + s.nameOff;
        const end = buf.indexOf(0, start);
        name = buf.toString('latin1', start, end < 0 ? Math.min(buf.length, start + 64) : Math.min(end, start + 64));
      }
      sections.push({ name, addr: s.addr, offset: s.offset, size: s.size, nobits: s.nobits });
    }
  }
  return { little, is64, segments, sections };
}

function readAt(buf: Buffer, elf: Elf, addr: bigint, length: number): Buffer | undefined {
  for (const s of elf.segments) {
    if (addr < s.vaddr) continue;
    const rel = addr - s.vaddr;
    if (rel + BigInt(length) > BigInt(s.filesz)) continue;
    const at = s.offset + Number(rel);
    if (at + length > buf.length) return undefined;
    return buf.subarray(at, at + length);
  }
  return undefined;
}

function readUvarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/** Where the build info header sits, as a file offset. */
function findHeader(buf: Buffer, elf: Elf): number | undefined {
  const section = elf.sections.find((s) => s.name === '.go.buildinfo' && !s.nobits);
  let start: number;
  let end: number;
  if (section) {
    start = section.offset;
    end = Math.min(buf.length, section.offset + section.size);
  } else {
    const data = elf.segments.find((s) => s.writable);
    if (!data) return undefined;
    start = data.offset;
    end = Math.min(buf.length, data.offset + data.filesz, data.offset + SEARCH_WINDOW);
  }
  for (let at = start; at + 32 <= end; at += 16) {
    if (buf[at] === 0xff && buf.subarray(at, at + 14).equals(MAGIC)) return at;
  }
  return undefined;
}

export function readGoBuildInfo(buf: Buffer): GoBuildInfo | undefined {
  let elf: Elf | undefined;
  try {
    elf = readElf(buf);
  } catch {
    return undefined;
  }
  if (!elf) return undefined;
  const at = findHeader(buf, elf);
  if (at === undefined) return undefined;
  const ptrSize = buf[at + 14]!;
  const flags = buf[at + 15]!;
  let version: string | undefined;
  let mod: string | undefined;
  if ((flags & 2) !== 0) {
    const v = readUvarint(buf, at + 32);
    if (!v || v.value > MAX_STRING || v.next + v.value > buf.length) return undefined;
    version = buf.toString('utf8', v.next, v.next + v.value);
    const m = readUvarint(buf, v.next + v.value);
    if (!m || m.value > MAX_STRING || m.next + m.value > buf.length) return undefined;
    mod = buf.toString('utf8', m.next, m.next + m.value);
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) return undefined;
    const big = (flags & 1) !== 0;
    const ptr = (b: Buffer, o: number): bigint =>
      ptrSize === 8 ? (big ? b.readBigUInt64BE(o) : b.readBigUInt64LE(o)) : BigInt(big ? b.readUInt32BE(o) : b.readUInt32LE(o));
    const goString = (addr: bigint): string | undefined => {
      const header = readAt(buf, elf!, addr, ptrSize * 2);
      if (!header) return undefined;
      const data = ptr(header, 0);
      const len = ptr(header, ptrSize);
      if (len > BigInt(MAX_STRING)) return undefined;
      const bytes = readAt(buf, elf!, data, Number(len));
      return bytes?.toString('utf8');
    };
    version = goString(ptr(buf, at + 16));
    mod = goString(ptr(buf, at + 16 + ptrSize));
  }
  if (!version || !version.startsWith('go')) return undefined;
  // The module info is wrapped in 16-byte sentinels so that the linker can find it; strip them as Go does.
  if (mod !== undefined && mod.length >= 33 && mod[mod.length - 17] === '\n') mod = mod.slice(16, -16);
  return { goVersion: version, ...parseModInfo(mod ?? '') };
}

export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const out: Omit<GoBuildInfo, 'goVersion'> = { deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    switch (f[0]) {
      case 'path':
        if (f[1]) out.path = f[1];
        break;
      case 'mod':
        if (f[1]) last = out.main = { path: f[1], version: f[2] ?? '', ...(f[3] ? { sum: f[3] } : {}) };
        break;
      case 'dep':
        if (f[1]) {
          last = { path: f[1], version: f[2] ?? '', ...(f[3] ? { sum: f[3] } : {}) };
          out.deps.push(last);
        }
        break;
      case '=>':
        // A replace directive: the code that was built is the replacement's.
        if (last && f[1]) {
          last.path = f[1];
          last.version = f[2] ?? '';
          if (f[3]) last.sum = f[3];
          else delete last.sum;
        }
        break;
      case 'build': {
        const kv = f.slice(1).join('\t');
        const eq = kv.indexOf('=');
        if (eq > 0) out.settings[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
    }
  }
  return out;
}
