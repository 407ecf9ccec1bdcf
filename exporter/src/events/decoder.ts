// Decodes one record of the loader's stream (layout in bpf/vigil_events.h, mirrored in layout.ts) into the
// event JSON of types.ts, or into a loader message. Pure and allocation-light: this is the hot path.
// Every length is checked against the record's own size, so a corrupt record is reported, never trusted.

import { CONSTANTS as C, HDR_SIZE, OFF, STRUCTS } from './layout.js';
import { fileTypeOf, openFlagNames, ptraceRequestName } from './names.js';
import { formatIPv4, formatIPv6 } from './net-format.js';
import {
  COUNTER_NAMES,
  EVENT_TYPES,
  type CgroupCounters,
  type EventType,
  type LoaderHello,
  type LoaderLog,
  type ExecArgs,
  type NetArgs,
  type ProcessInfo,
  type TypeStats,
  type VigilEvent,
} from './types.js';

export type DecodeResult =
  | { kind: 'event'; event: VigilEvent }
  | { kind: 'hello'; hello: LoaderHello }
  | { kind: 'counters'; counters: CgroupCounters[] }
  | { kind: 'stats'; stats: TypeStats[] }
  | { kind: 'log'; log: LoaderLog }
  | { kind: 'malformed'; reason: MalformedReason; type: number };

export type MalformedReason = 'short' | 'size_mismatch' | 'unknown_type' | 'string_overflow' | 'bad_json';

/** Converts kernel CLOCK_BOOTTIME stamps to wall time; the offset arrives in the loader's HELLO. */
export interface Clock {
  realtimeOffsetMs: number;
}

const TYPE_BY_ID: (EventType | undefined)[] = [undefined, ...EVENT_TYPES];

const u64 = (b: Buffer, at: number): number => b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 4294967296;
const s64 = (b: Buffer, at: number): number => b.readUInt32LE(at) + b.readInt32LE(at + 4) * 4294967296;
const hex64 = (b: Buffer, at: number): string => {
  const hi = b.readUInt32LE(at + 4);
  const lo = b.readUInt32LE(at).toString(16);
  return hi === 0 ? `0x${lo}` : `0x${hi.toString(16)}${lo.padStart(8, '0')}`;
};
/** (u32)-1 in the kernel means "unset": show it as -1 the way Falco does. */
const idOrUnset = (v: number): number => (v === 0xffffffff ? -1 : v);

function comm(b: Buffer, at: number): string {
  let end = at;
  while (end < at + 16 && b[end] !== 0) end++;
  return b.toString('utf8', at, end);
}

const flagNameCache = new Map<number, string[]>();
function cachedFlagNames(flags: number): string[] {
  let names = flagNameCache.get(flags);
  if (!names) {
    names = openFlagNames(flags);
    if (flagNameCache.size < 4096) flagNameCache.set(flags, names);
  }
  // A copy, so a consumer that edits one event's list cannot change the next one's.
  return names.slice();
}

// Formatting a Date for every event is the decoder's single largest cost; events arrive in time order, so the
// "YYYY-MM-DDTHH:MM:SS." part is cached per second and only the fraction is formatted.
let isoSecond = NaN;
let isoPrefix = '';
export function isoMicros(tsMs: number): string {
  const sec = Math.floor(tsMs / 1000);
  if (sec !== isoSecond) {
    isoSecond = sec;
    isoPrefix = new Date(sec * 1000).toISOString().slice(0, 20);
  }
  const micros = Math.min(999_999, Math.floor((tsMs - sec * 1000) * 1000));
  return `${isoPrefix}${String(micros).padStart(6, '0')}Z`;
}

function splitNul(s: string): string[] {
  if (s.length === 0) return [];
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Reads the variable strings that follow a record's fixed part; undefined when they overrun the record. */
function strings(b: Buffer, start: number, fixed: number, end: number, lens: number[]): string[] | undefined {
  let at = start + fixed;
  const out: string[] = [];
  for (const len of lens) {
    if (at + len > end) return undefined;
    out.push(b.toString('utf8', at, at + len));
    at += len;
  }
  return out;
}

type Common = Omit<VigilEvent, 'type'> & { type: EventType };

/** Completes the common part with the type's own key; the shape of each event type stays fixed. */
function withArgs(common: Common, key: string, args: object): VigilEvent {
  (common as unknown as Record<string, unknown>)[key] = args;
  return common as unknown as VigilEvent;
}

/** Decodes the record in b[start, end). */
export function decodeRecord(b: Buffer, start: number, end: number, clock: Clock): DecodeResult {
  const len = end - start;
  if (len < HDR_SIZE) return { kind: 'malformed', reason: 'short', type: 0 };
  const H = OFF.hdr;
  const type = b.readUInt32LE(start + H.type.offset);
  if (b.readUInt32LE(start + H.size.offset) !== len) return { kind: 'malformed', reason: 'size_mismatch', type };
  if (type >= C.VIGIL_MSG_BASE) return decodeMessage(b, start, end, type);
  const name = TYPE_BY_ID[type];
  if (name === undefined) return { kind: 'malformed', reason: 'unknown_type', type };

  const bootNs = u64(b, start + H.ts_ns.offset);
  const ts = clock.realtimeOffsetMs + bootNs / 1e6;
  const proc: ProcessInfo = {
    pid: b.readUInt32LE(start + H.pid.offset),
    tid: b.readUInt32LE(start + H.tid.offset),
    name: comm(b, start + H.comm.offset),
    uid: b.readUInt32LE(start + H.uid.offset),
    gid: b.readUInt32LE(start + H.gid.offset),
  };
  // One object literal with a fixed shape (no spreads): V8 keeps it fast, and this runs for every event.
  const common: Common = {
    type: name,
    time: isoMicros(ts),
    ts,
    cpu: b.readUInt32LE(start + H.cpu.offset),
    cgroup_id: u64(b, start + H.cgroup_id.offset),
    mntns: b.readUInt32LE(start + H.mntns.offset),
    pidns: b.readUInt32LE(start + H.pidns.offset),
    proc,
  };
  if ((b.readUInt32LE(start + H.flags.offset) & C.VIGIL_F_TRUNCATED) !== 0) common.truncated = true;
  const bad = (reason: MalformedReason): DecodeResult => ({ kind: 'malformed', reason, type });

  switch (type) {
    case C.VIGIL_EV_EXEC: {
      const S = STRUCTS.vigil_exec;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const lens = [F.exe_len, F.filename_len, F.argv_len, F.cwd_len, F.env_len].map((f) => b.readUInt16LE(start + f.offset));
      const str = strings(b, start, S.size, end, lens);
      if (!str) return bad('string_overflow');
      const [exe = '', filename = '', argvRaw = '', cwd = '', envRaw = ''] = str;
      const argv = splitNul(argvRaw);
      const flags = b.readUInt32LE(start + F.flags.offset);
      proc.ppid = b.readUInt32LE(start + F.ppid.offset);
      proc.exe = exe;
      proc.argv = argv;
      // Multi-call binaries (busybox) re-exec themselves through /proc/self/exe, which makes the kernel's comm
      // "exe"; the program the user asked for is argv[0], so name it after that, as `ps` would show it.
      if (filename === '/proc/self/exe' && argv[0]) {
        const base = argv[0].slice(argv[0].lastIndexOf('/') + 1);
        if (base) proc.name = base.slice(0, 15);
      }
      proc.cmdline = argv.length > 1 ? `${proc.name} ${argv.slice(1).join(' ')}` : proc.name;
      proc.cwd = cwd;
      proc.euid = b.readUInt32LE(start + F.euid.offset);
      proc.egid = b.readUInt32LE(start + F.egid.offset);
      proc.loginuid = idOrUnset(b.readUInt32LE(start + F.loginuid.offset));
      proc.tty = b.readUInt32LE(start + F.tty.offset);
      proc.start_ns = u64(b, start + F.start_ns.offset);
      return {
        kind: 'event',
        event: withArgs(common, 'exec', {
            filename,
            upper_layer: (flags & C.VIGIL_EXEC_UPPER_LAYER) !== 0,
            memfd: (flags & C.VIGIL_EXEC_MEMFD) !== 0,
            overlay: (flags & C.VIGIL_EXEC_OVERLAY) !== 0,
            cap_effective: hex64(b, start + F.cap_effective.offset),
            cap_permitted: hex64(b, start + F.cap_permitted.offset),
            ...(envRaw.length > 0 ? { env: splitNul(envRaw) } : {}),
          } as ExecArgs),
      };
    }
    case C.VIGIL_EV_FORK: {
      const S = STRUCTS.vigil_fork;
      if (len < S.size) return bad('short');
      const F = S.fields;
      return {
        kind: 'event',
        event: withArgs(common, 'fork', {
            child_pid: b.readUInt32LE(start + F.child_pid.offset),
            child_tid: b.readUInt32LE(start + F.child_tid.offset),
            thread: b.readUInt32LE(start + F.clone_flags_thread.offset) !== 0,
          }),
      };
    }
    case C.VIGIL_EV_EXIT: {
      const S = STRUCTS.vigil_exit;
      if (len < S.size) return bad('short');
      const F = S.fields;
      return {
        kind: 'event',
        event: withArgs(common, 'exit', {
            code: b.readUInt32LE(start + F.exit_code.offset),
            signal: b.readUInt32LE(start + F.signal.offset),
            core_dumped: b.readUInt32LE(start + F.core_dumped.offset) !== 0,
          }),
      };
    }
    case C.VIGIL_EV_OPEN: {
      const S = STRUCTS.vigil_open;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const str = strings(b, start, S.size, end, [b.readUInt16LE(start + F.path_len.offset)]);
      if (!str) return bad('string_overflow');
      const sc = b.readUInt32LE(start + F.syscall.offset);
      const flags = b.readUInt32LE(start + F.flags.offset);
      return {
        kind: 'event',
        event: withArgs(common, 'open', {
            syscall: sc === C.VIGIL_OPEN_OPEN ? 'open' : sc === C.VIGIL_OPEN_OPENAT2 ? 'openat2' : sc === C.VIGIL_OPEN_CREAT ? 'creat' : 'openat',
            path: str[0] ?? '',
            res: s64(b, start + F.res.offset),
            flags,
            flag_names: cachedFlagNames(flags),
            mode: b.readUInt32LE(start + F.mode.offset),
            file_type: fileTypeOf(b.readUInt32LE(start + F.i_mode.offset)),
            dev: u64(b, start + F.dev.offset),
            ino: u64(b, start + F.ino.offset),
          }),
      };
    }
    case C.VIGIL_EV_CONNECT:
    case C.VIGIL_EV_ACCEPT: {
      const net = decodeSock(b, start, end);
      if (!net) return bad(len < STRUCTS.vigil_sock.size ? 'short' : 'string_overflow');
      return { kind: 'event', event: withArgs(common, 'net', net) };
    }
    case C.VIGIL_EV_SETID: {
      const S = STRUCTS.vigil_setid;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const sc = b.readUInt32LE(start + F.syscall.offset);
      const names = ['setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setfsuid', 'setfsgid'] as const;
      const syscall = names[sc - 1];
      if (syscall === undefined) return bad('unknown_type');
      const argc = sc <= 2 || sc >= 7 ? 1 : sc <= 4 ? 2 : 3;
      const ids = [F.id0, F.id1, F.id2].slice(0, argc).map((f) => idOrUnset(b.readUInt32LE(start + f.offset)));
      return {
        kind: 'event',
        event: withArgs(common, 'setid', { syscall, res: s64(b, start + F.res.offset), ids, euid_before: b.readUInt32LE(start + F.euid_before.offset) }),
      };
    }
    case C.VIGIL_EV_PTRACE: {
      const S = STRUCTS.vigil_ptrace;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const request = u64(b, start + F.request.offset);
      return {
        kind: 'event',
        event: withArgs(common, 'ptrace', {
            res: s64(b, start + F.res.offset),
            request,
            request_name: ptraceRequestName(request),
            target_pid: b.readUInt32LE(start + F.target_pid.offset),
          }),
      };
    }
    case C.VIGIL_EV_MOUNT: {
      const S = STRUCTS.vigil_mount;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const lens = [F.source_len, F.target_len, F.fstype_len].map((f) => b.readUInt16LE(start + f.offset));
      const str = strings(b, start, S.size, end, lens);
      if (!str) return bad('string_overflow');
      const [source = '', target = '', fstype = ''] = str;
      return {
        kind: 'event',
        event: withArgs(common, 'mount', { res: s64(b, start + F.res.offset), source, target, fstype, flags: u64(b, start + F.flags.offset) }),
      };
    }
    case C.VIGIL_EV_MODULE: {
      const S = STRUCTS.vigil_module;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const str = strings(b, start, S.size, end, [b.readUInt16LE(start + F.args_len.offset)]);
      if (!str) return bad('string_overflow');
      return {
        kind: 'event',
        event: withArgs(common, 'module', {
            syscall: b.readUInt32LE(start + F.syscall.offset) === C.VIGIL_MODULE_INIT ? 'init_module' : 'finit_module',
            res: s64(b, start + F.res.offset),
            fd: idOrUnset(b.readUInt32LE(start + F.fd.offset)),
            args: str[0] ?? '',
          }),
      };
    }
    default:
      return bad('unknown_type');
  }
}

const SOCK_PROTO: Record<number, NetArgs['proto']> = { 6: 'tcp', 17: 'udp', 255: 'raw' };

function decodeSock(b: Buffer, start: number, end: number): NetArgs | undefined {
  const S = STRUCTS.vigil_sock;
  if (end - start < S.size) return undefined;
  const F = S.fields;
  const str = strings(b, start, S.size, end, [b.readUInt16LE(start + F.path_len.offset)]);
  if (!str) return undefined;
  const fam = b.readUInt16LE(start + F.family.offset);
  const sc = b.readUInt32LE(start + F.syscall.offset);
  const sockType = b.readUInt16LE(start + F.sock_type.offset);
  const protoNum = b.readUInt16LE(start + F.protocol.offset);
  // Some kernels leave sk_protocol 0 for TCP/UDP sockets: fall back to the socket type.
  const proto: NetArgs['proto'] = SOCK_PROTO[protoNum] ?? (sockType === 1 ? 'tcp' : sockType === 2 ? 'udp' : sockType === 3 ? 'raw' : 'other');
  const family: NetArgs['family'] = fam === 2 ? 'inet' : fam === 10 ? 'inet6' : fam === 1 ? 'unix' : 'other';
  const net: NetArgs = {
    syscall: sc === C.VIGIL_SOCK_ACCEPT ? 'accept' : sc === C.VIGIL_SOCK_ACCEPT4 ? 'accept4' : 'connect',
    res: s64(b, start + F.res.offset),
    fd: idOrUnset(b.readUInt32LE(start + F.fd.offset)),
    family,
    proto: family === 'unix' ? 'other' : proto,
  };
  if (family === 'inet' || family === 'inet6') {
    const fmt = family === 'inet' ? formatIPv4 : formatIPv6;
    net.local = { ip: fmt(b, start + F.saddr.offset), port: b.readUInt16LE(start + F.sport.offset) };
    net.remote = { ip: fmt(b, start + F.daddr.offset), port: b.readUInt16LE(start + F.dport.offset) };
  } else if (family === 'unix') {
    net.unix_path = (str[0] ?? '').replace(/\0/g, '@');
  }
  return net;
}

function decodeMessage(b: Buffer, start: number, end: number, type: number): DecodeResult {
  const len = end - start;
  const bad = (reason: MalformedReason): DecodeResult => ({ kind: 'malformed', reason, type });
  switch (type) {
    case C.VIGIL_MSG_HELLO: {
      const S = STRUCTS.vigil_msg_hello;
      if (len < S.size) return bad('short');
      const F = S.fields;
      const jsonLen = b.readUInt32LE(start + F.json_len.offset);
      if (S.size + jsonLen > len) return bad('string_overflow');
      let info: LoaderHello['info'];
      try {
        const parsed: unknown = JSON.parse(b.toString('utf8', start + S.size, start + S.size + jsonLen));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('bad_json');
        info = parsed as LoaderHello['info'];
      } catch {
        return bad('bad_json');
      }
      return {
        kind: 'hello',
        hello: {
          abi_version: b.readUInt32LE(start + F.abi_version.offset),
          ncpu: b.readUInt32LE(start + F.ncpu.offset),
          realtime_offset_ns: s64(b, start + F.realtime_offset_ns.offset),
          info,
        },
      };
    }
    case C.VIGIL_MSG_COUNTERS: {
      const S = STRUCTS.vigil_msg_counters;
      if (len < S.size) return bad('short');
      const count = b.readUInt32LE(start + S.fields.count.offset);
      const E = STRUCTS.vigil_cgroup_counters;
      if (S.size + count * E.size !== len) return bad('size_mismatch');
      const counters: CgroupCounters[] = new Array(count);
      const CF = STRUCTS.vigil_counters.fields;
      for (let i = 0; i < count; i++) {
        const at = start + S.size + i * E.size;
        const c = at + E.fields.c.offset;
        const entry = { cgroup_id: u64(b, at) } as CgroupCounters;
        for (const name of COUNTER_NAMES) entry[name] = u64(b, c + CF[name].offset);
        counters[i] = entry;
      }
      return { kind: 'counters', counters };
    }
    case C.VIGIL_MSG_STATS: {
      const S = STRUCTS.vigil_msg_stats;
      if (len < S.size) return bad('short');
      const ncpu = b.readUInt32LE(start + S.fields.ncpu.offset);
      const ntypes = b.readUInt32LE(start + S.fields.ntypes.offset);
      const E = STRUCTS.vigil_type_stats;
      if (ncpu > 4096 || ntypes > 64 || S.size + ncpu * ntypes * E.size !== len) return bad('size_mismatch');
      const stats: TypeStats[] = [];
      for (let cpu = 0; cpu < ncpu; cpu++) {
        for (let t = 1; t < ntypes; t++) {
          const name = TYPE_BY_ID[t];
          if (name === undefined) continue;
          const at = start + S.size + (cpu * ntypes + t) * E.size;
          stats.push({
            cpu,
            type: name,
            emitted: u64(b, at + E.fields.emitted.offset),
            dropped: u64(b, at + E.fields.dropped.offset),
            filtered: u64(b, at + E.fields.filtered.offset),
          });
        }
      }
      return { kind: 'stats', stats };
    }
    case C.VIGIL_MSG_LOG: {
      const S = STRUCTS.vigil_msg_log;
      if (len < S.size) return bad('short');
      const textLen = b.readUInt32LE(start + S.fields.text_len.offset);
      if (S.size + textLen > len) return bad('string_overflow');
      const lv = b.readUInt32LE(start + S.fields.level.offset);
      const level = lv === 0 ? 'debug' : lv === 1 ? 'info' : lv === 2 ? 'warn' : 'error';
      return { kind: 'log', log: { level, text: b.toString('utf8', start + S.size, start + S.size + textLen) } };
    }
    default:
      return bad('unknown_type');
  }
}
