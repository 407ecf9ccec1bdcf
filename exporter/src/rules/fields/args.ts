// evt.arg.NAME, evt.arg[N] and evt.rawarg.NAME: the syscall's parameters, by Falco's names and order (exit-side
// parameters first, then the entry-side ones, since a Vigil event carries both). evt.arg gives Falco's text form
// (flag names, "3(<f>/etc/passwd)" for fds), evt.rawarg the raw value.

import type { EvalContext } from './context.js';
import { BUCKETS, errnoName, mountFlagNames, type Bucket } from './event-names.js';
import { openFlagNames } from '../../events/names.js';
import { bucketOf, registerField, type Availability, type BoundField, type FieldType, type Scalar } from './table.js';

interface Param {
  name: string;
  raw?: (c: EvalContext) => Scalar | undefined;
  text?: (c: EvalContext) => string | undefined;
  /** Falco has this parameter, Vigil does not record it. */
  missing?: true;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const miss = (...names: string[]): Param[] => names.map((name) => ({ name, missing: true }));

const resText = (r: number | undefined): string | undefined => (r === undefined ? undefined : r >= 0 ? String(r) : `${r}(${errnoName(-r)})`);
const fdText = (fd: number | undefined, type: string, name: string | undefined): string | undefined =>
  fd === undefined ? undefined : fd >= 0 && name !== undefined ? `${fd}(<${type}>${name})` : String(fd);

const argv = (c: EvalContext): readonly string[] | undefined => (Array.isArray(c.ev.proc?.argv) ? c.ev.proc?.argv : undefined);
const procArgs = (c: EvalContext): string | undefined => {
  const a = argv(c)?.slice(1) ?? c.procInfo()?.args;
  return Array.isArray(a) ? a.join(' ') : undefined;
};

function execFlags(c: EvalContext): number | undefined {
  const e = c.ev.exec;
  if (!e) return undefined;
  // Falco's PPM_EXE_* bits: 2 upper layer, 4 from memfd, 8 lower layer.
  return (e.upper_layer ? 2 : 0) | (e.memfd ? 4 : 0) | (e.overlay && !e.upper_layer ? 8 : 0);
}
function execFlagsText(c: EvalContext): string | undefined {
  const f = execFlags(c);
  if (f === undefined) return undefined;
  const names = [f & 2 ? 'EXE_UPPER_LAYER' : '', f & 4 ? 'EXE_FROM_MEMFD' : '', f & 8 ? 'EXE_LOWER_LAYER' : ''].filter(Boolean);
  return names.length ? names.join('|') : '0';
}

const openPath = (c: EvalContext): string | undefined => str(c.ev.open?.path);
const openFd = (c: EvalContext): number | undefined => num(c.ev.open?.res);
const openParams = (withDirfd: boolean, withFlags: boolean, extra: Param[] = []): Param[] => [
  { name: 'fd', raw: openFd, text: (c) => { const r = openFd(c); return r !== undefined && r < 0 ? resText(r) : fdText(r, c.ev.open?.file_type === 'directory' ? 'd' : 'f', openPath(c)); } },
  ...(withDirfd ? miss('dirfd') : []),
  { name: 'name', raw: openPath, text: openPath },
  ...(withFlags ? [{ name: 'flags', raw: (c: EvalContext) => num(c.ev.open?.flags), text: (c: EvalContext) => { const f = num(c.ev.open?.flags); return f === undefined ? undefined : openFlagNames(f).join('|'); } }] : []),
  { name: 'mode', raw: (c) => num(c.ev.open?.mode), text: (c) => { const m = num(c.ev.open?.mode); return m === undefined ? undefined : `0${m.toString(8)}`; } },
  ...extra,
  { name: 'dev', raw: (c) => num(c.ev.open?.dev), text: (c) => { const d = num(c.ev.open?.dev); return d === undefined ? undefined : d.toString(16); } },
  { name: 'ino', raw: (c) => num(c.ev.open?.ino) },
];

function sockTuple(c: EvalContext): string | undefined {
  const n = c.ev.net;
  if (!n) return undefined;
  if (n.family === 'unix') return str(n.unix_path);
  const [cl, sv] = c.ev.type === 'connect' ? [n.local, n.remote] : [n.remote, n.local];
  if (!cl || !sv) return undefined;
  return `${cl.ip ?? ''}:${cl.port ?? ''}->${sv.ip ?? ''}:${sv.port ?? ''}`;
}
const netFd = (c: EvalContext): number | undefined => (c.ev.type === 'accept' ? num(c.ev.net?.res) : num(c.ev.net?.fd));
const netFdText = (c: EvalContext): string | undefined => {
  const fd = netFd(c);
  const f = c.ev.net?.family;
  return fdText(fd, f === 'inet' ? '4' : f === 'inet6' ? '6' : f === 'unix' ? 'u' : 'o', sockTuple(c));
};

const sid = (i: number) => (c: EvalContext): number | undefined => num(c.ev.setid?.ids?.[i]);
const setidRes: Param = { name: 'res', raw: (c) => num(c.ev.setid?.res), text: (c) => resText(num(c.ev.setid?.res)) };
const ids = (...names: string[]): Param[] => [setidRes, ...names.map((name, i) => ({ name, raw: sid(i) }))];

const PARAMS: Record<Bucket, Param[]> = {
  execve: [
    { name: 'res', raw: () => 0, text: () => '0' },
    { name: 'exe', raw: (c) => str(argv(c)?.[0]), text: (c) => str(argv(c)?.[0]) },
    { name: 'args', raw: procArgs, text: procArgs },
    { name: 'tid', raw: (c) => num(c.ev.proc?.tid) },
    { name: 'pid', raw: (c) => num(c.ev.proc?.pid) },
    { name: 'ptid', raw: (c) => num(c.ev.proc?.ppid) },
    { name: 'cwd', raw: (c) => str(c.ev.proc?.cwd) },
    ...miss('fdlimit', 'pgft_maj', 'pgft_min', 'vm_size', 'vm_rss', 'vm_swap'),
    { name: 'comm', raw: (c) => str(c.ev.proc?.name) },
    ...miss('cgroups'),
    { name: 'env', raw: (c) => (Array.isArray(c.ev.exec?.env) ? c.ev.exec?.env?.join(' ') : undefined) },
    { name: 'tty', raw: (c) => num(c.ev.proc?.tty) },
    ...miss('vpgid'),
    { name: 'loginuid', raw: (c) => num(c.ev.proc?.loginuid) },
    { name: 'flags', raw: execFlags, text: execFlagsText },
    ...miss('cap_inheritable'),
    { name: 'cap_permitted', raw: (c) => str(c.ev.exec?.cap_permitted) },
    { name: 'cap_effective', raw: (c) => str(c.ev.exec?.cap_effective) },
    ...miss('exe_ino', 'exe_ino_ctime', 'exe_ino_mtime'),
    { name: 'uid', raw: (c) => num(c.ev.proc?.euid) ?? num(c.ev.proc?.uid) },
    { name: 'trusted_exepath', raw: (c) => str(c.ev.proc?.exe) },
    ...miss('pgid'),
    { name: 'gid', raw: (c) => num(c.ev.proc?.egid) ?? num(c.ev.proc?.gid) },
    { name: 'filename', raw: (c) => str(c.ev.exec?.filename) },
  ],
  clone: [
    { name: 'res', raw: (c) => num(c.ev.fork?.child_pid) },
    { name: 'exe', raw: (c) => str(c.procInfo()?.exe) },
    { name: 'args', raw: (c) => c.procInfo()?.args?.join(' ') },
    { name: 'tid', raw: (c) => num(c.ev.proc?.tid) },
    { name: 'pid', raw: (c) => num(c.ev.proc?.pid) },
    ...miss('ptid'),
    { name: 'cwd', raw: (c) => str(c.procInfo()?.cwd) },
    ...miss('fdlimit', 'pgft_maj', 'pgft_min', 'vm_size', 'vm_rss', 'vm_swap'),
    { name: 'comm', raw: (c) => str(c.ev.proc?.name) },
    ...miss('cgroups'),
    { name: 'flags', raw: (c) => (c.ev.fork?.thread === undefined ? undefined : c.ev.fork.thread ? 0x10000 : 0), text: (c) => (c.ev.fork?.thread === undefined ? undefined : c.ev.fork.thread ? 'CLONE_THREAD' : '0') },
    { name: 'uid', raw: (c) => num(c.ev.proc?.uid) },
    { name: 'gid', raw: (c) => num(c.ev.proc?.gid) },
    ...miss('vtid', 'vpid', 'pidns_init_start_ts'),
  ],
  procexit: [
    { name: 'status', raw: (c) => { const e = c.ev.exit; if (!e) return undefined; return ((num(e.code) ?? 0) << 8) | (num(e.signal) ?? 0) | (e.core_dumped ? 0x80 : 0); } },
    { name: 'ret', raw: (c) => num(c.ev.exit?.code) },
    { name: 'sig', raw: (c) => num(c.ev.exit?.signal) },
    { name: 'core', raw: (c) => (c.ev.exit?.core_dumped === undefined ? undefined : c.ev.exit.core_dumped ? 1 : 0) },
    ...miss('reaper_tid'),
  ],
  open: openParams(false, true),
  openat: openParams(true, true),
  openat2: openParams(true, true, miss('resolve')),
  creat: openParams(false, false),
  connect: [
    { name: 'res', raw: (c) => num(c.ev.net?.res), text: (c) => resText(num(c.ev.net?.res)) },
    { name: 'tuple', raw: sockTuple, text: sockTuple },
    { name: 'fd', raw: netFd, text: netFdText },
    { name: 'addr', raw: (c) => { const n = c.ev.net; if (!n) return undefined; if (n.family === 'unix') return str(n.unix_path); return n.remote ? `${n.remote.ip ?? ''}:${n.remote.port ?? ''}` : undefined; } },
  ],
  accept: [{ name: 'fd', raw: netFd, text: netFdText }, { name: 'tuple', raw: sockTuple, text: sockTuple }, ...miss('queuepct', 'queuelen', 'queuemax')],
  accept4: [{ name: 'fd', raw: netFd, text: netFdText }, { name: 'tuple', raw: sockTuple, text: sockTuple }, ...miss('queuepct', 'queuelen', 'queuemax', 'flags')],
  setuid: ids('uid'),
  setgid: ids('gid'),
  setreuid: ids('ruid', 'euid'),
  setregid: ids('rgid', 'egid'),
  setresuid: ids('ruid', 'euid', 'suid'),
  setresgid: ids('rgid', 'egid', 'sgid'),
  setfsuid: ids('uid'),
  setfsgid: ids('gid'),
  ptrace: [
    { name: 'res', raw: (c) => num(c.ev.ptrace?.res), text: (c) => resText(num(c.ev.ptrace?.res)) },
    ...miss('addr', 'data'),
    { name: 'request', raw: (c) => num(c.ev.ptrace?.request), text: (c) => str(c.ev.ptrace?.request_name) },
    { name: 'pid', raw: (c) => num(c.ev.ptrace?.target_pid) },
  ],
  mount: [
    { name: 'res', raw: (c) => num(c.ev.mount?.res), text: (c) => resText(num(c.ev.mount?.res)) },
    { name: 'dev', raw: (c) => str(c.ev.mount?.source) },
    { name: 'dir', raw: (c) => str(c.ev.mount?.target) },
    { name: 'type', raw: (c) => str(c.ev.mount?.fstype) },
    { name: 'flags', raw: (c) => num(c.ev.mount?.flags), text: (c) => { const f = num(c.ev.mount?.flags); return f === undefined ? undefined : mountFlagNames(f); } },
  ],
  init_module: [
    { name: 'res', raw: (c) => num(c.ev.module?.res), text: (c) => resText(num(c.ev.module?.res)) },
    ...miss('img', 'length'),
    { name: 'uargs', raw: (c) => str(c.ev.module?.args) },
  ],
  finit_module: [
    { name: 'res', raw: (c) => num(c.ev.module?.res), text: (c) => resText(num(c.ev.module?.res)) },
    { name: 'fd', raw: (c) => num(c.ev.module?.fd) },
    { name: 'uargs', raw: (c) => str(c.ev.module?.args) },
    ...miss('flags'),
  ],
};

/** Parameter names of syscalls Vigil does not record: valid in Falco rules, never present on a Vigil event. */
const OTHER_FALCO_PARAMS = [
  'path', 'oldpath', 'newpath', 'olddirfd', 'newdirfd', 'linkpath', 'target', 'special', 'size', 'buf', 'data', 'len',
  'domain', 'protocol', 'backlog', 'level', 'optname', 'val', 'optlen', 'whence', 'offset', 'prot', 'fdin', 'fdout',
  'count', 'nfds', 'timeout', 'signal', 'op', 'cmd', 'arg', 'option', 'arg2', 'arg3', 'arg4', 'arg5', 'nstype', 'nsid',
  'resource', 'cur', 'max', 'newcur', 'newmax', 'oldcur', 'oldmax', 'how', 'addr', 'length', 'mask', 'sockfd',
  'queuepct', 'queuelen', 'queuemax', 'source', 'dest', 'fstype', 'ret', 'uid', 'gid', 'euid', 'egid', 'name', 'flags',
  'mode', 'filename', 'dirfd', 'fd', 'res', 'tuple', 'request', 'pid', 'tid', 'sig', 'status', 'core', 'dev', 'dir',
  'type', 'uargs', 'ino', 'exe', 'args', 'cwd', 'comm', 'env', 'tty', 'loginuid', 'ptid', 'cgroups', 'vtid', 'vpid',
  'rgid', 'ruid', 'sgid', 'suid', 'img', 'resolve', 'msgsz', 'key', 'semid', 'shmid', 'dirfd', 'pathname', 'owner',
  'group', 'times', 'iov', 'iovcnt', 'events', 'ctx', 'nr', 'new_value', 'old_value', 'clockid', 'clock',
];

const KNOWN_PARAMS = new Set<string>([...OTHER_FALCO_PARAMS, ...Object.values(PARAMS).flatMap((ps) => ps.map((p) => p.name))]);

const NUMERIC_RAW = new Set([
  'fd', 'res', 'flags', 'mode', 'dev', 'ino', 'uid', 'gid', 'euid', 'egid', 'ruid', 'rgid', 'suid', 'sgid', 'request',
  'pid', 'tid', 'ptid', 'status', 'ret', 'sig', 'core', 'tty', 'loginuid',
]);

function paramOf(bucket: Bucket, name: string): Param | undefined {
  return PARAMS[bucket].find((p) => p.name === name);
}

function bindArg(raw: boolean, arg: string | undefined, display: string): BoundField | string {
  if (arg === undefined || arg === '') return `${raw ? 'evt.rawarg' : 'evt.arg'} needs an argument name (${raw ? 'evt.rawarg.fd' : 'evt.arg.flags or evt.arg[0]'})`;
  const byIndex = /^\d+$/.test(arg);
  if (raw && byIndex) return 'evt.rawarg takes an argument name, not an index';
  if (!byIndex && !KNOWN_PARAMS.has(arg)) return `unknown event argument '${arg}'`;
  const idx = byIndex ? Number(arg) : -1;
  const lookup = (b: Bucket): Param | undefined => (byIndex ? PARAMS[b][idx] : paramOf(b, arg));
  const type: FieldType = raw && NUMERIC_RAW.has(arg) ? 'number' : 'string';
  const perBucket = new Map<Bucket, Param | undefined>(BUCKETS.map((b) => [b, lookup(b)]));
  const missing = [...perBucket].filter(([, p]) => p?.missing).map(([b]) => b);
  return {
    display,
    type,
    multi: 'one',
    filterOnly: false,
    availability: (b): Availability => {
      const p = perBucket.get(b);
      return !p ? 'absent' : p.missing ? 'unsupported' : 'yes';
    },
    ...(missing.length ? { reason: `Vigil does not record the '${arg}' argument of ${missing.join(', ')}` } : {}),
    get: (c: EvalContext) => {
      const b = bucketFor(c);
      const p = b ? perBucket.get(b) : undefined;
      if (!p || p.missing) return undefined;
      if (raw) {
        const v = p.raw?.(c);
        return type === 'number' ? (typeof v === 'number' ? v : undefined) : v === undefined ? undefined : String(v);
      }
      const t = p.text ? p.text(c) : p.raw?.(c);
      return t === undefined ? undefined : String(t);
    },
  };
}

// One bound field serves every bucket: it finds the event's bucket itself (a couple of property reads).
const bucketFor = (c: EvalContext): Bucket | undefined => bucketOf(c.ev);

registerField({ name: 'evt.arg', type: 'string', arg: 'key', support: 'supported', doc: 'a syscall argument by Falco name (evt.arg.flags, evt.arg.request) or position (evt.arg[0]), in Falco\'s text form', bind: (a, d) => bindArg(false, a, d) });
registerField({ name: 'evt.rawarg', type: 'string', arg: 'key', support: 'supported', doc: 'a syscall argument by name, raw (numbers as numbers)', bind: (a, d) => bindArg(true, a, d) });
for (const name of ['evt.args', 'evt.info']) registerField({
  name,
  type: 'string',
  arg: 'none',
  support: 'approximated',
  doc: 'the arguments as "name=value ..." (approximately Falco\'s layout)',
  bind: (_a, display) => ({
    display, type: 'string', multi: 'one', filterOnly: false, availability: () => 'yes',
    get: (c) => {
      const b = bucketFor(c);
      if (!b) return undefined;
      const parts: string[] = [];
      for (const p of PARAMS[b]) {
        if (p.missing) continue;
        const v = p.text ? p.text(c) : p.raw?.(c);
        if (v !== undefined) parts.push(`${p.name}=${String(v)}`);
      }
      return parts.join(' ');
    },
  }),
});

export function eventParams(): Readonly<Record<Bucket, readonly { name: string; missing: boolean }[]>> {
  const out = {} as Record<Bucket, { name: string; missing: boolean }[]>;
  for (const b of BUCKETS) out[b] = PARAMS[b].map((p) => ({ name: p.name, missing: Boolean(p.missing) }));
  return out;
}
