// Parsers for the cgroup interface file formats (Documentation/admin-guide/cgroup-v2.rst "Interface Files" and
// the v1 controller docs). Pure: text in, numbers out; anything unparsable becomes undefined, never 0.

const UINT = /^\d+$/;

/** A non-negative integer file ("123\n"); undefined if the content is anything else. */
export function parseUint(text: string): number | undefined {
  const t = text.trim();
  return UINT.test(t) ? Number(t) : undefined;
}

/** A v2 limit file: "max" (no limit → null) or an integer. */
export function parseMaxOrUint(text: string): number | null | undefined {
  const t = text.trim();
  if (t === 'max') return null;
  return UINT.test(t) ? Number(t) : undefined;
}

/** "key value" lines (cpu.stat, memory.stat, memory.events, memory.oom_control). Malformed lines are skipped. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2) continue;
    const [key, value] = parts as [string, string];
    if (UINT.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** v2 cpu.max: "$MAX $PERIOD" where $MAX is "max" or microseconds. */
export function parseCpuMax(text: string): { quotaUsec: number | null; periodUsec: number } | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2) return undefined;
  const [q, p] = parts as [string, string];
  if (!UINT.test(p) || Number(p) === 0) return undefined;
  if (q === 'max') return { quotaUsec: null, periodUsec: Number(p) };
  if (!UINT.test(q)) return undefined;
  return { quotaUsec: Number(q), periodUsec: Number(p) };
}

/** v1 cpu.cfs_quota_us is signed: -1 means no limit. */
export function parseCfsQuota(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '-1') return null;
  return UINT.test(t) ? Number(t) : undefined;
}

export interface IoTotals {
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
}

/** v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device, summed over devices. */
export function parseIoStat(text: string): IoTotals | undefined {
  const sum: IoTotals = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  let devices = 0;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2 || !/^\d+:\d+$/.test(parts[0] ?? '')) continue;
    devices++;
    for (const kv of parts.slice(1)) {
      const eq = kv.indexOf('=');
      if (eq < 0) continue;
      const v = kv.slice(eq + 1);
      if (!UINT.test(v)) continue;
      const n = Number(v);
      switch (kv.slice(0, eq)) {
        case 'rbytes': sum.readBytes += n; break;
        case 'wbytes': sum.writeBytes += n; break;
        case 'rios': sum.readOps += n; break;
        case 'wios': sum.writeOps += n; break;
      }
    }
  }
  // An empty io.stat is a real answer (no I/O yet); a file that exists but reads empty gives zeros.
  return devices === 0 && text.trim() !== '' ? undefined : sum;
}

/**
 * v1 blkio.throttle.io_service_bytes / io_serviced: "MAJ:MIN Read N" ... per device and operation, then a
 * final "Total N". Returns summed Read and Write over devices.
 */
export function parseBlkio(text: string): { read: number; write: number } | undefined {
  let read = 0;
  let write = 0;
  let sawAny = false;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 2 && parts[0] === 'Total' && UINT.test(parts[1] ?? '')) {
      sawAny = true;
      continue;
    }
    if (parts.length !== 3 || !/^\d+:\d+$/.test(parts[0] ?? '') || !UINT.test(parts[2] ?? '')) continue;
    sawAny = true;
    const n = Number(parts[2]);
    if (parts[1] === 'Read') read += n;
    else if (parts[1] === 'Write') write += n;
  }
  return sawAny || text.trim() === '' ? { read, write } : undefined;
}

/**
 * v1 memory.limit_in_bytes: the "no limit" default is PAGE_COUNTER_MAX pages (9223372036854771712 on x86-64 with
 * 4 KiB pages, other values on other page sizes), so anything at or above 2^62 is treated as no limit.
 */
export function parseV1MemoryLimit(text: string): number | null | undefined {
  const t = text.trim();
  if (!UINT.test(t)) return undefined;
  const n = Number(t);
  return n >= 2 ** 62 ? null : n;
}
