// Test helper: writes records in the C layout (layout.ts) so decoder tests can build exact byte images.

import { HDR_SIZE, OFF, STRUCTS, type StructName } from '../../src/events/layout.js';

export interface HdrFields {
  type: number;
  ts_ns?: number;
  cgroup_id?: number;
  pid?: number;
  tid?: number;
  uid?: number;
  gid?: number;
  mntns?: number;
  pidns?: number;
  cpu?: number;
  flags?: number;
  comm?: string;
}

function writeU64(b: Buffer, at: number, v: number | bigint): void {
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), at);
}

export function record(struct: StructName, hdr: HdrFields, fields: Record<string, number | bigint | Buffer>, strings: string[] = []): Buffer {
  const S = STRUCTS[struct];
  const tail = strings.map((s) => Buffer.from(s, 'utf8'));
  const size = S.size + tail.reduce((n, t) => n + t.length, 0);
  const b = Buffer.alloc(size);
  const H = OFF.hdr;
  writeU64(b, H.ts_ns.offset, hdr.ts_ns ?? 1_000_000_000);
  writeU64(b, H.cgroup_id.offset, hdr.cgroup_id ?? 1);
  b.writeUInt32LE(hdr.type, H.type.offset);
  b.writeUInt32LE(size, H.size.offset);
  b.writeUInt32LE(hdr.pid ?? 100, H.pid.offset);
  b.writeUInt32LE(hdr.tid ?? hdr.pid ?? 100, H.tid.offset);
  b.writeUInt32LE(hdr.uid ?? 0, H.uid.offset);
  b.writeUInt32LE(hdr.gid ?? 0, H.gid.offset);
  b.writeUInt32LE(hdr.mntns ?? 4026531841, H.mntns.offset);
  b.writeUInt32LE(hdr.pidns ?? 4026531836, H.pidns.offset);
  b.writeUInt32LE(hdr.cpu ?? 0, H.cpu.offset);
  b.writeUInt32LE(hdr.flags ?? 0, H.flags.offset);
  b.write((hdr.comm ?? 'test').slice(0, 15), H.comm.offset, 'utf8');
  const F = S.fields as Record<string, { offset: number; size: number }>;
  for (const [name, value] of Object.entries(fields)) {
    const f = F[name];
    if (!f) throw new Error(`no field ${name} in ${struct}`);
    if (Buffer.isBuffer(value)) value.copy(b, f.offset);
    else if (f.size === 8) writeU64(b, f.offset, value);
    else if (f.size === 4) b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(value))), f.offset);
    else if (f.size === 2) b.writeUInt16LE(Number(value), f.offset);
    else throw new Error(`field ${name} has size ${f.size}`);
  }
  let at = S.size;
  for (const t of tail) {
    t.copy(b, at);
    at += t.length;
  }
  void HDR_SIZE;
  return b;
}

export function frame(rec: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(rec.length, 0);
  return Buffer.concat([len, rec]);
}
