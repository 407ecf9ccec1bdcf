// Parses an rpm header blob as rpm stores it in its database (no lead, no magic): a count of index entries, the
// size of the data store, the index entries (tag, type, offset, count; big-endian) and the store. Every offset and
// count is checked against the blob: the database comes from an untrusted image.

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

const MAX_INDEX_ENTRIES = 0xffff;
const MAX_STORE_BYTES = 256 * 1024 * 1024;

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  license?: string;
  files: string[];
}

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

export class RpmHeaderError extends Error {}

export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new RpmHeaderError('header blob shorter than 8 bytes');
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il === 0 || il > MAX_INDEX_ENTRIES) throw new RpmHeaderError(`implausible index entry count ${il}`);
  if (dl > MAX_STORE_BYTES) throw new RpmHeaderError(`implausible data store size ${dl}`);
  const storeAt = 8 + il * 16;
  if (storeAt + dl > blob.length) throw new RpmHeaderError('header blob is shorter than its index says');
  const store = blob.subarray(storeAt, storeAt + dl);
  const index = new Map<number, IndexEntry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const entry = { type: blob.readUInt32BE(at + 4), offset: blob.readUInt32BE(at + 8), count: blob.readUInt32BE(at + 12) };
    if (entry.offset > dl) throw new RpmHeaderError(`tag ${tag} points outside the data store`);
    if (!index.has(tag)) index.set(tag, entry);
  }

  const strings = (tag: number): string[] | undefined => {
    const e = index.get(tag);
    if (!e || (e.type !== TYPE_STRING && e.type !== TYPE_STRING_ARRAY && e.type !== TYPE_I18NSTRING)) return undefined;
    const count = e.type === TYPE_STRING ? 1 : e.count;
    if (count > dl) throw new RpmHeaderError(`tag ${tag} claims ${count} strings`);
    const out: string[] = [];
    let at = e.offset;
    for (let i = 0; i < count; i++) {
      const end = store.indexOf(0, at);
      if (end < 0) throw new RpmHeaderError(`tag ${tag} string runs past the data store`);
      out.push(store.toString('utf8', at, end));
      at = end + 1;
    }
    return out;
  };
  const ints = (tag: number): number[] | undefined => {
    const e = index.get(tag);
    if (!e || e.type !== TYPE_INT32) return undefined;
    if (e.offset + e.count * 4 > dl) throw new RpmHeaderError(`tag ${tag} integers run past the data store`);
    return Array.from({ length: e.count }, (_, i) => store.readInt32BE(e.offset + i * 4));
  };

  const name = strings(RPMTAG.NAME)?.[0];
  const version = strings(RPMTAG.VERSION)?.[0];
  const release = strings(RPMTAG.RELEASE)?.[0];
  if (!name || version === undefined || release === undefined) throw new RpmHeaderError('header lacks NAME, VERSION or RELEASE');
  const header: RpmHeader = { name, version, release, files: [] };
  const epoch = ints(RPMTAG.EPOCH)?.[0];
  if (epoch !== undefined) header.epoch = epoch;
  const arch = strings(RPMTAG.ARCH)?.[0];
  if (arch) header.arch = arch;
  const sourceRpm = strings(RPMTAG.SOURCERPM)?.[0];
  if (sourceRpm) header.sourceRpm = sourceRpm;
  const license = strings(RPMTAG.LICENSE)?.[0];
  if (license) header.license = license;

  const basenames = strings(RPMTAG.BASENAMES);
  const dirnames = strings(RPMTAG.DIRNAMES);
  const dirindexes = ints(RPMTAG.DIRINDEXES);
  if (basenames && dirnames && dirindexes && dirindexes.length === basenames.length) {
    header.files = basenames.map((b, i) => {
      const dir = dirnames[dirindexes[i]!];
      if (dir === undefined) throw new RpmHeaderError('DIRINDEXES points outside DIRNAMES');
      return `${dir}${b}`;
    });
  } else {
    header.files = strings(RPMTAG.OLDFILENAMES) ?? [];
  }
  return header;
}

/** "bash-5.1.8-6.el9.src.rpm" -> { name: "bash", version: "5.1.8", release: "6.el9" } */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string; release: string } | undefined {
  const base = sourceRpm.replace(/\.(src|nosrc)\.rpm$/, '');
  const r = base.lastIndexOf('-');
  const v = r > 0 ? base.lastIndexOf('-', r - 1) : -1;
  if (v <= 0) return undefined;
  return { name: base.slice(0, v), version: base.slice(v + 1, r), release: base.slice(r + 1) };
}
