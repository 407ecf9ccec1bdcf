// Falco's syscall fields, mapped onto Vigil's event JSON (docs/events.md). Each field says where its value comes
// from and on which events it exists. A field that exists in Falco but whose data Vigil does not have is listed
// as unsupported with the reason: a rule that needs it is skipped with a warning instead of silently never
// (or always) matching. docs/rules.md carries the same table for people.

import type { EventType } from '../../events/types.js';
import type { EvalContext, LooseEvent } from './context.js';
import { BUCKET_EVENT_TYPE, capabilityNames, errnoName, type Bucket } from './event-names.js';

export type FieldType = 'string' | 'number' | 'bool' | 'ip' | 'ipnet' | 'port' | 'abstime' | 'reltime';
export type Scalar = string | number | boolean;
/** one value; any: one per ancestor, a check matches if any does; either: client or server side (fd.ip). */
export type Multi = 'one' | 'any' | 'either';
export type Availability = 'yes' | 'absent' | 'unsupported';
export type Support = 'supported' | 'approximated' | 'unsupported';

export interface BoundField {
  /** As written, with its argument: proc.aname[2], evt.arg.flags */
  display: string;
  type: FieldType;
  multi: Multi;
  /** Filter-only fields (fd.ip, fd.net, ...) cannot be printed or used in val(), as in Falco. */
  filterOnly: boolean;
  get(ctx: EvalContext): Scalar | undefined | readonly Scalar[];
  /** yes: may have a value on this event type; absent: never has one (as in Falco); unsupported: Falco has it, Vigil does not. */
  availability(bucket: Bucket): Availability;
  /** Why the field is unsupported where availability says so. */
  reason?: string;
  /** Text form for outputs when it differs from String(value) (evt.time). */
  render?(v: Scalar): string;
}

export interface FieldDef {
  name: string;
  type: FieldType;
  /** none; index: [N] required; optional-index: proc.aname or proc.aname[N]; key: [NAME] or .NAME required; optional-key: proc.env or proc.env[NAME] */
  arg: 'none' | 'index' | 'optional-index' | 'key' | 'optional-key';
  support: Support;
  /** For people: where the value comes from, or why it is not available. */
  doc: string;
  filterOnly?: boolean;
  bind(arg: string | undefined, display: string): BoundField | string;
}

type Getter = (ctx: EvalContext) => Scalar | undefined | readonly Scalar[];

let memoSlots = 0;
/**
 * Computes a derived value once per event: many rules read the same field (container.id, proc.cmdline,
 * fd.directory), and building it each time (slicing, joining) dominated the cost of a rule check.
 */
export function memo<T>(get: (c: EvalContext) => T): (c: EvalContext) => T {
  const slot = memoSlots++;
  return (c) => {
    if (c.memoNum[slot] === c.num) return c.memoVal[slot] as T;
    const v = get(c);
    c.memoNum[slot] = c.num;
    c.memoVal[slot] = v;
    return v;
  };
}
type AvailFn = (b: Bucket) => Availability;

const yes: AvailFn = () => 'yes';
function onTypes(types: readonly EventType[], outside: Availability = 'absent'): AvailFn {
  const set = new Set<EventType>(types);
  return (b) => (set.has(BUCKET_EVENT_TYPE[b]) ? 'yes' : outside);
}

const DEFS = new Map<string, FieldDef>();

interface Opts {
  support?: Support;
  avail?: AvailFn;
  multi?: Multi;
  filterOnly?: boolean;
  reason?: string;
  render?: (v: Scalar) => string;
}

function def(name: string, type: FieldType, doc: string, get: Getter, o: Opts = {}): void {
  DEFS.set(name, {
    name,
    type,
    arg: 'none',
    support: o.support ?? 'supported',
    doc,
    ...(o.filterOnly ? { filterOnly: true } : {}),
    bind: (_arg, display) => ({
      display,
      type,
      multi: o.multi ?? 'one',
      filterOnly: o.filterOnly ?? false,
      get,
      availability: o.avail ?? yes,
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.render ? { render: o.render } : {}),
    }),
  });
}

function unsupported(name: string, type: FieldType, reason: string, arg: FieldDef['arg'] = 'none'): void {
  DEFS.set(name, {
    name,
    type,
    arg,
    support: 'unsupported',
    doc: reason,
    bind: (_arg, display) => ({ display, type, multi: 'one', filterOnly: false, get: () => undefined, availability: () => 'unsupported', reason }),
  });
}

// ---- event helpers ----------------------------------------------------------------------------------------

const P = (c: EvalContext): LooseEvent['proc'] => c.ev.proc;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isHost = (c: EvalContext): boolean => {
  const id = c.ev.container?.id;
  return id === undefined || id === 'host';
};

function argvArgs(c: EvalContext): readonly string[] | undefined {
  const argv = P(c)?.argv;
  if (Array.isArray(argv)) return argv.slice(1);
  const a = c.procInfo()?.args;
  return Array.isArray(a) ? a : undefined;
}
const exePath = (c: EvalContext): string | undefined => str(P(c)?.exe) ?? str(c.procInfo()?.exe);
const argsText = memo((c: EvalContext): string | undefined => argvArgs(c)?.join(' '));
const cmdline = memo(cmdlineOf);
function cmdlineOf(c: EvalContext): string | undefined {
  const s = str(P(c)?.cmdline);
  if (s !== undefined) return s;
  const name = str(P(c)?.name);
  const a = argvArgs(c);
  if (name === undefined || a === undefined) return undefined;
  return a.length ? `${name} ${a.join(' ')}` : name;
}
const uid = (c: EvalContext): number | undefined =>
  c.ev.type === 'setid' ? num(c.ev.setid?.euid_before) ?? num(P(c)?.uid) : num(P(c)?.euid) ?? num(P(c)?.uid);
const gid = (c: EvalContext): number | undefined => num(P(c)?.egid) ?? num(P(c)?.gid);
const loginuid = (c: EvalContext): number | undefined => num(P(c)?.loginuid) ?? num(c.procInfo()?.loginuid);

/** Ancestor N: 0 is the process itself, 1 its parent (ancestors[0]), and so on. */
function ancestor(c: EvalContext, n: number): { pid?: number; name?: string; exe?: string; cmdline?: string } | undefined {
  if (n === 0) return { pid: num(P(c)?.pid), name: str(P(c)?.name), exe: exePath(c), cmdline: cmdline(c) };
  const a = c.ev.ancestors;
  return Array.isArray(a) ? a[n - 1] : undefined;
}

function ancestorField(name: string, type: FieldType, pick: (a: { pid?: number; name?: string; exe?: string; cmdline?: string }) => Scalar | undefined, doc: string, support: Support = 'supported'): void {
  DEFS.set(name, {
    name,
    type,
    arg: 'optional-index',
    support,
    doc,
    bind: (arg, display) => {
      if (arg === undefined) {
        // Without an index: every ancestor (not the process itself), a check matches if any does (Falco).
        return {
          display, type, multi: 'any', filterOnly: true, availability: yes,
          get: memo((c) => {
            const a = c.ev.ancestors;
            if (!Array.isArray(a)) return [];
            const out: Scalar[] = [];
            for (const x of a) {
              const v = pick(x);
              if (v !== undefined) out.push(v);
            }
            return out;
          }),
        };
      }
      if (!/^\d+$/.test(arg)) return `the argument of ${name} must be an ancestor level (a whole number), not '${arg}'`;
      const n = Number(arg);
      return { display, type, multi: 'one', filterOnly: false, availability: yes, get: (c) => { const a = ancestor(c, n); return a ? pick(a) : undefined; } };
    },
  });
}

// ---- fd helpers: what the event's file descriptor is ------------------------------------------------------

const isOpen = (c: EvalContext): boolean => c.ev.type === 'open';
const isNet = (c: EvalContext): boolean => c.ev.type === 'connect' || c.ev.type === 'accept';

function fdNum(c: EvalContext): number | undefined {
  const e = c.ev;
  if (e.type === 'open') {
    const r = num(e.open?.res);
    return r === undefined ? undefined : r >= 0 ? r : -1;
  }
  if (e.type === 'connect') return num(e.net?.fd);
  if (e.type === 'accept') {
    const r = num(e.net?.res);
    return r === undefined ? undefined : r >= 0 ? r : -1;
  }
  if (e.type === 'module' && e.module?.syscall === 'finit_module') return num(e.module?.fd);
  return undefined;
}

const openIsDir = (c: EvalContext): boolean => c.ev.open?.file_type === 'directory' || ((num(c.ev.open?.flags) ?? 0) & 0o200000) !== 0;

function fdType(c: EvalContext): string | undefined {
  if (isOpen(c)) return openIsDir(c) ? 'directory' : 'file';
  if (isNet(c)) {
    const f = c.ev.net?.family;
    return f === 'inet' ? 'ipv4' : f === 'inet6' ? 'ipv6' : f === 'unix' ? 'unix' : f === undefined ? undefined : 'unknown';
  }
  return undefined;
}

function fdTypechar(c: EvalContext): string | undefined {
  if (isOpen(c)) return openIsDir(c) ? 'd' : 'f';
  if (isNet(c)) {
    const f = c.ev.net?.family;
    return f === 'inet' ? '4' : f === 'inet6' ? '6' : f === 'unix' ? 'u' : f === undefined ? undefined : 'o';
  }
  return undefined;
}

type Side = 'client' | 'server' | 'local' | 'remote';
/** connect: we are the client (local side); accept: we are the server. */
function endpoint(c: EvalContext, side: Side): { ip?: string; port?: number } | undefined {
  const n = c.ev.net;
  if (!n || !isNet(c) || (n.family !== 'inet' && n.family !== 'inet6')) return undefined;
  const weAreClient = c.ev.type === 'connect';
  const local = side === 'local' || (side === 'client' && weAreClient) || (side === 'server' && !weAreClient);
  return local ? n.local : n.remote;
}

function tuple(c: EvalContext): string | undefined {
  const n = c.ev.net;
  if (!n) return undefined;
  if (n.family === 'unix') return str(n.unix_path);
  const cl = endpoint(c, 'client');
  const sv = endpoint(c, 'server');
  if (!cl || !sv) return undefined;
  return `${cl.ip ?? ''}:${cl.port ?? ''}->${sv.ip ?? ''}:${sv.port ?? ''}`;
}

const fdName = memo(fdNameOf);
function fdNameOf(c: EvalContext): string | undefined {
  if (isOpen(c)) return str(c.ev.open?.path);
  if (isNet(c)) return tuple(c);
  return undefined;
}

/** Falco's fd.directory: the path up to its last '/', or "/" for a top-level name. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i > 0) return i < path.length - 1 ? path.slice(0, i) : path;
  return '/';
}
export function baseOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 && i < path.length - 1 ? path.slice(i + 1) : path;
}

// ---- container image --------------------------------------------------------------------------------------

interface ImageParts {
  repository: string;
  tag?: string;
  digest?: string;
}
const imageCache = new Map<string, ImageParts>();
export function splitImage(image: string): ImageParts {
  let parts = imageCache.get(image);
  if (parts) return parts;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  parts = { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
  if (imageCache.size >= 4096) imageCache.clear();
  imageCache.set(image, parts);
  return parts;
}
const image = memo((c: EvalContext): ImageParts | undefined => {
  const i = str(c.ev.container?.image);
  return i && !isHost(c) ? splitImage(i) : undefined;
});

// ---- time -------------------------------------------------------------------------------------------------

/** ns since the epoch as a double (microsecond resolution is what events carry). */
const evtNs = (c: EvalContext): number | undefined => {
  const ts = num(c.ev.ts);
  return ts === undefined ? undefined : Math.round(ts * 1000) * 1000;
};
/** ISO 8601 with nanoseconds from ns since the epoch (events carry microseconds, so the last 3 digits are 0). */
export function isoNs(v: number): string {
  const micros = Math.round(v / 1000);
  const sec = Math.floor(micros / 1e6);
  const frac = micros - sec * 1e6;
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(6, '0')}000Z`;
}
export const formatEvtTime = (v: Scalar): string => (typeof v === 'number' ? isoNs(v).slice(11, 29) : String(v));

// ---- evt.res / evt.rawres ---------------------------------------------------------------------------------

function rawres(c: EvalContext): number | undefined {
  const e = c.ev;
  switch (e.type) {
    case 'open': return num(e.open?.res);
    case 'connect':
    case 'accept': return num(e.net?.res);
    case 'setid': return num(e.setid?.res);
    case 'ptrace': return num(e.ptrace?.res);
    case 'mount': return num(e.mount?.res);
    case 'module': return num(e.module?.res);
    case 'exec': return 0;
    case 'fork': return num(e.fork?.child_pid);
    default: return undefined;
  }
}
const WITH_RES: EventType[] = ['open', 'connect', 'accept', 'setid', 'ptrace', 'mount', 'module', 'exec', 'fork'];

// ---- the table --------------------------------------------------------------------------------------------

// evt.*
// evt.type and evt.dir comparisons are resolved per event type by the compiler (see compile/evt-type.ts).
def('evt.type', 'string', 'the syscall: execve, clone, procexit, open, openat, openat2, creat, connect, accept, accept4, setuid..., ptrace, mount, init_module, finit_module', (c) => bucketOf(c.ev));
def('evt.dir', 'string', 'always "<" (Vigil events are exit-side records that also carry the entry arguments, so evt.dir = > matches too)', () => '<', { support: 'approximated' });
def('evt.num', 'number', 'a running count of the events the engine evaluated, starting at 1', (c) => c.num);
def('evt.time', 'abstime', 'the event time (`ts`), ns since the epoch; printed as HH:MM:SS.nnnnnnnnn (UTC)', evtNs, { render: formatEvtTime });
def('evt.time.s', 'string', 'the event time as HH:MM:SS (UTC)', (c) => { const v = evtNs(c); return v === undefined ? undefined : isoNs(v).slice(11, 19); });
def('evt.time.iso8601', 'string', 'the event time, ISO 8601 with ns', (c) => { const v = evtNs(c); return v === undefined ? undefined : isoNs(v); });
def('evt.datetime', 'string', 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn (UTC)', (c) => { const v = evtNs(c); return v === undefined ? undefined : isoNs(v).slice(0, 29).replace('T', ' '); });
def('evt.datetime.s', 'string', 'YYYY-MM-DD HH:MM:SS (UTC)', (c) => { const v = evtNs(c); return v === undefined ? undefined : isoNs(v).slice(0, 19).replace('T', ' '); });
def('evt.rawtime', 'abstime', 'ns since the epoch', evtNs);
def('evt.rawtime.s', 'number', 'whole seconds since the epoch', (c) => { const v = evtNs(c); return v === undefined ? undefined : Math.floor(v / 1e9); });
def('evt.rawtime.ns', 'number', 'the ns part of the time', (c) => { const v = evtNs(c); return v === undefined ? undefined : v % 1e9; });
def('evt.hostname', 'string', 'the event\'s `node`, else the node name given to the engine', (c) => str(c.ev.node) ?? c.hostname);
def('evt.cpu', 'number', 'the CPU the event was recorded on (`cpu`)', (c) => num(c.ev.cpu));
def('evt.source', 'string', 'always "syscall"', () => 'syscall');
def('evt.count', 'number', 'always 1', () => 1);
def('evt.res', 'string', '"SUCCESS", or the errno name (ENOENT, EINPROGRESS, ...) of a negative `res`', (c) => {
  const r = rawres(c);
  return r === undefined ? undefined : r >= 0 ? 'SUCCESS' : errnoName(-r);
}, { avail: onTypes(WITH_RES) });
def('evt.rawres', 'number', 'the syscall result `res` (exec: 0, fork: the child pid)', rawres, { avail: onTypes(WITH_RES) });
def('evt.failed', 'bool', '`res` < 0', (c) => { const r = rawres(c); return r === undefined ? undefined : r < 0; }, { avail: onTypes(WITH_RES) });
def('evt.category', 'string', 'file (open, mount), net (connect, accept), process (exec, fork, exit, ptrace), user (setid), system (module)', (c) => {
  switch (c.ev.type) {
    case 'open': case 'mount': return 'file';
    case 'connect': case 'accept': return 'net';
    case 'exec': case 'fork': case 'exit': case 'ptrace': return 'process';
    case 'setid': return 'user';
    case 'module': return 'system';
    default: return undefined;
  }
});
/** O_ACCMODE of an open; creat() is open(O_CREAT|O_WRONLY|O_TRUNC). */
const accMode = (c: EvalContext): number | undefined => {
  if (c.ev.open?.syscall === 'creat') return 1;
  const f = num(c.ev.open?.flags);
  return f === undefined ? undefined : f & 3;
};
const openOnly = onTypes(['open']);
def('evt.is_open_read', 'bool', 'open with O_RDONLY or O_RDWR', (c) => { const a = accMode(c); return a === undefined ? undefined : a === 0 || a === 2; }, { avail: openOnly });
def('evt.is_open_write', 'bool', 'open with O_WRONLY or O_RDWR', (c) => { const a = accMode(c); return a === undefined ? undefined : a === 1 || a === 2; }, { avail: openOnly });
def('evt.is_open_create', 'bool', 'open with O_CREAT (or creat); approximated: Falco knows whether the file was actually created', (c) => {
  const f = num(c.ev.open?.flags);
  return f === undefined ? undefined : (f & 0o100) !== 0 || c.ev.open?.syscall === 'creat';
}, { avail: openOnly, support: 'approximated' });
def('evt.is_open_exec', 'bool', 'open creating a file with an execute bit in `mode`', (c) => {
  const f = num(c.ev.open?.flags);
  const m = num(c.ev.open?.mode);
  if (f === undefined || m === undefined) return undefined;
  return ((f & 0o100) !== 0 || (f & 0o20000000) !== 0 || c.ev.open?.syscall === 'creat') && (m & 0o111) !== 0;
}, { avail: openOnly });
def('syscall.type', 'string', 'evt.type for syscalls; absent on procexit', (c) => (c.ev.type === 'exit' ? undefined : bucketOf(c.ev)), { avail: (b) => (b === 'procexit' ? 'absent' : 'yes') });
for (const n of ['evt.latency', 'evt.latency.s', 'evt.latency.ns', 'evt.deltatime', 'evt.deltatime.s', 'evt.deltatime.ns', 'evt.wait_latency']) {
  unsupported(n, 'reltime', 'Vigil records the exit of a syscall only, so there is no latency or inter-event delta');
}
for (const n of ['evt.buffer', 'evt.buflen', 'evt.is_io', 'evt.is_io_read', 'evt.is_io_write', 'evt.io_dir', 'evt.is_wait', 'evt.is_syslog']) {
  unsupported(n, n === 'evt.buflen' ? 'number' : n === 'evt.buffer' || n === 'evt.io_dir' ? 'string' : 'bool', 'Vigil does not record read/write I/O syscalls or their buffers');
}
unsupported('evt.around', 'number', 'not meaningful on a live stream', 'key');
unsupported('evt.abspath', 'string', 'Vigil does not record the *at() path syscalls (renameat, symlinkat, ...)');
unsupported('evt.type.is', 'number', 'use evt.type', 'key');
unsupported('evt.plugininfo', 'string', 'Vigil runs no Falco plugins');
unsupported('evt.pluginname', 'string', 'Vigil runs no Falco plugins');
unsupported('evt.is_async', 'bool', 'Vigil has no async (metaevent) events');
unsupported('evt.asynctype', 'string', 'Vigil has no async (metaevent) events');

// proc.*
def('proc.name', 'string', '`proc.name` (comm, up to 15 bytes)', (c) => str(P(c)?.name));
def('proc.exe', 'string', 'argv[0] (exec events; Falco\'s proc.exe is argv[0], not the path)', (c) => { const a = P(c)?.argv; return Array.isArray(a) ? str(a[0]) : undefined; }, { avail: onTypes(['exec'], 'unsupported'), reason: 'argv[0] is only known on exec events in Vigil; use proc.exepath or proc.name' });
def('proc.exepath', 'string', '`proc.exe` (the resolved executable path) on exec events, else from the process table', exePath);
def('proc.args', 'string', 'argv[1..] joined by spaces (exec events), else from the process table', argsText);
def('proc.cmdline', 'string', '`proc.cmdline` (name plus arguments), else built from the process table', cmdline);
def('proc.exeline', 'string', 'argv[0] plus arguments (exec events)', (c) => { const a = P(c)?.argv; return Array.isArray(a) ? a.join(' ') : undefined; }, { avail: onTypes(['exec'], 'unsupported'), reason: 'argv[0] is only known on exec events in Vigil' });
def('proc.cmdnargs', 'number', 'number of arguments after argv[0]', (c) => argvArgs(c)?.length);
def('proc.cmdlenargs', 'number', 'total length of the arguments after argv[0]', (c) => { const a = argvArgs(c); return a === undefined ? undefined : a.reduce((n, s) => n + s.length, 0); });
def('proc.cwd', 'string', '`proc.cwd` (exec events), else from the process table', (c) => str(P(c)?.cwd) ?? str(c.procInfo()?.cwd));
def('proc.tty', 'number', '`proc.tty` (0: no terminal), else from the process table', (c) => num(P(c)?.tty) ?? num(c.procInfo()?.tty));
def('proc.pid', 'number', '`proc.pid` (tgid)', (c) => num(P(c)?.pid));
def('proc.ppid', 'number', '`proc.ppid`, else the parent in `ancestors`, else the process table', (c) => num(P(c)?.ppid) ?? num(c.ev.ancestors?.[0]?.pid) ?? num(c.procInfo()?.ppid));
def('proc.pname', 'string', 'name of the parent (`ancestors[0].name`)', (c) => str(c.ev.ancestors?.[0]?.name));
def('proc.pcmdline', 'string', 'command line of the parent (`ancestors[0].cmdline`)', (c) => str(c.ev.ancestors?.[0]?.cmdline));
def('proc.pexepath', 'string', 'executable path of the parent (`ancestors[0].exe`)', (c) => str(c.ev.ancestors?.[0]?.exe));
def('proc.pexe', 'string', 'approximated: the parent\'s executable path (Vigil keeps no argv[0] for ancestors)', (c) => str(c.ev.ancestors?.[0]?.exe), { support: 'approximated' });
ancestorField('proc.aname', 'string', (a) => str(a.name), 'proc.aname[N]: name of ancestor N (0 = the process); without [N]: any ancestor. Depth is what `ancestors` carries (the node sends 4).');
ancestorField('proc.apid', 'number', (a) => num(a.pid), 'pid of ancestor N; without [N]: any ancestor');
ancestorField('proc.aexepath', 'string', (a) => str(a.exe), 'executable path of ancestor N; without [N]: any ancestor');
ancestorField('proc.aexe', 'string', (a) => str(a.exe), 'approximated: the executable path of ancestor N (no argv[0] is kept for ancestors)', 'approximated');
ancestorField('proc.acmdline', 'string', (a) => str(a.cmdline), 'command line of ancestor N; without [N]: any ancestor');
DEFS.set('proc.env', {
  name: 'proc.env',
  type: 'string',
  arg: 'optional-key',
  support: 'supported',
  doc: 'exec events with `sensor.captureEnv`: the environment joined by spaces; proc.env[NAME]: one variable',
  bind: (arg, display) => ({
    display, type: 'string', multi: 'one', filterOnly: false,
    availability: onTypes(['exec'], 'unsupported'),
    reason: 'the environment is only recorded on exec events (with sensor.captureEnv)',
    get: (c) => {
      const env = c.ev.exec?.env;
      if (!Array.isArray(env)) return undefined;
      if (arg === undefined) return env.join(' ');
      const prefix = `${arg}=`;
      for (const e of env) if (typeof e === 'string' && e.startsWith(prefix)) return e.slice(prefix.length);
      return undefined;
    },
  }),
});
def('proc.is_exe_upper_layer', 'bool', '`exec.upper_layer`: the executable is in the overlayfs upper layer (not from the image)', (c) => c.ev.exec?.upper_layer, { avail: onTypes(['exec'], 'unsupported'), reason: 'known only on exec events in Vigil' });
def('proc.is_exe_from_memfd', 'bool', '`exec.memfd`: the executable is a memfd (fileless)', (c) => c.ev.exec?.memfd, { avail: onTypes(['exec'], 'unsupported'), reason: 'known only on exec events in Vigil' });
for (const [n, t, why] of [
  ['proc.vpid', 'number', 'Vigil records host pids only (no pid as seen inside the namespace)'],
  ['proc.pvpid', 'number', 'Vigil records host pids only'],
  ['proc.sid', 'number', 'Vigil does not record session ids'],
  ['proc.sname', 'string', 'Vigil does not record session ids'],
  ['proc.sid.exe', 'string', 'Vigil does not record session ids'],
  ['proc.sid.exepath', 'string', 'Vigil does not record session ids'],
  ['proc.is_sid_leader', 'bool', 'Vigil does not record session ids'],
  ['proc.vpgid', 'number', 'Vigil does not record process groups'],
  ['proc.vpgid.name', 'string', 'Vigil does not record process groups'],
  ['proc.vpgid.exe', 'string', 'Vigil does not record process groups'],
  ['proc.vpgid.exepath', 'string', 'Vigil does not record process groups'],
  ['proc.is_vpgid_leader', 'bool', 'Vigil does not record process groups'],
  ['proc.loginshellid', 'number', 'Vigil does not track login shells'],
  ['proc.duration', 'reltime', 'events carry wall time, process starts carry boot time: Vigil cannot subtract them'],
  ['proc.ppid.duration', 'reltime', 'events carry wall time, process starts carry boot time'],
  ['proc.pid.ts', 'reltime', 'process starts are recorded in boot time, not epoch time'],
  ['proc.ppid.ts', 'reltime', 'process starts are recorded in boot time, not epoch time'],
  ['proc.is_exe_writable', 'bool', 'Vigil does not record whether the executable is writable'],
  ['proc.exe_ino', 'number', 'Vigil does not record the executable\'s inode'],
  ['proc.exe_ino.ctime', 'abstime', 'Vigil does not record the executable\'s inode times'],
  ['proc.exe_ino.mtime', 'abstime', 'Vigil does not record the executable\'s inode times'],
  ['proc.exe_ino.ctime_duration_proc_start', 'abstime', 'Vigil does not record the executable\'s inode times'],
  ['proc.exe_ino.ctime_duration_pidns_start', 'abstime', 'Vigil does not record the executable\'s inode times'],
  ['proc.pidns_init_start_ts', 'number', 'Vigil does not record pid namespace start times'],
  ['proc.is_container_healthcheck', 'bool', 'Vigil does not know the container runtime\'s health checks'],
  ['proc.is_container_liveness_probe', 'bool', 'Vigil does not know Kubernetes probes'],
  ['proc.is_container_readiness_probe', 'bool', 'Vigil does not know Kubernetes probes'],
  ['proc.fdopencount', 'number', 'Vigil keeps no fd table'],
  ['proc.fdlimit', 'number', 'Vigil keeps no fd table'],
  ['proc.fdusage', 'number', 'Vigil keeps no fd table'],
  ['proc.vmsize', 'number', 'Vigil does not sample process memory in events'],
  ['proc.vmrss', 'number', 'Vigil does not sample process memory in events'],
  ['proc.vmswap', 'number', 'Vigil does not sample process memory in events'],
  ['proc.nthreads', 'number', 'Vigil does not count threads per process'],
  ['proc.nchilds', 'number', 'Vigil does not count threads per process'],
  ['proc.aenv', 'string', 'Vigil keeps no environment for ancestors'],
  ['proc.stdin.type', 'string', 'Vigil keeps no fd table'],
  ['proc.stdout.type', 'string', 'Vigil keeps no fd table'],
  ['proc.stderr.type', 'string', 'Vigil keeps no fd table'],
  ['proc.stdin.name', 'string', 'Vigil keeps no fd table'],
  ['proc.stdout.name', 'string', 'Vigil keeps no fd table'],
  ['proc.stderr.name', 'string', 'Vigil keeps no fd table'],
] as [string, FieldType, string][]) unsupported(n, t, why);

// thread.*
def('thread.tid', 'number', '`proc.tid`', (c) => num(P(c)?.tid));
def('thread.ismain', 'bool', 'tid == pid', (c) => { const t = num(P(c)?.tid); const p = num(P(c)?.pid); return t === undefined || p === undefined ? undefined : t === p; });
def('thread.cap_effective', 'string', '`exec.cap_effective` as names ("CAP_CHOWN CAP_KILL ...")', (c) => { const h = str(c.ev.exec?.cap_effective); return h === undefined ? undefined : capabilityNames(h); }, { avail: onTypes(['exec'], 'unsupported'), reason: 'capabilities are recorded on exec events only' });
def('thread.cap_permitted', 'string', '`exec.cap_permitted` as names', (c) => { const h = str(c.ev.exec?.cap_permitted); return h === undefined ? undefined : capabilityNames(h); }, { avail: onTypes(['exec'], 'unsupported'), reason: 'capabilities are recorded on exec events only' });
for (const [n, t, why] of [
  ['thread.cap_inheritable', 'string', 'Vigil records the effective and permitted sets only'],
  ['thread.vtid', 'number', 'Vigil records host tids only'],
  ['thread.nametid', 'string', 'not provided'],
  ['thread.exectime', 'reltime', 'Vigil does not trace scheduler switches per event'],
  ['thread.totexectime', 'reltime', 'Vigil does not trace scheduler switches per event'],
  ['thread.cgroups', 'string', 'events carry the cgroup v2 id only'],
  ['thread.pfmajor', 'number', 'Vigil does not sample page faults'],
  ['thread.pfminor', 'number', 'Vigil does not sample page faults'],
  ['thread.cpu', 'number', 'Vigil does not sample thread CPU in events'],
  ['thread.cpu.user', 'number', 'Vigil does not sample thread CPU in events'],
  ['thread.cpu.system', 'number', 'Vigil does not sample thread CPU in events'],
  ['thread.vmsize', 'number', 'Vigil does not sample memory in events'],
  ['thread.vmrss', 'number', 'Vigil does not sample memory in events'],
  ['thread.vmsize.b', 'number', 'Vigil does not sample memory in events'],
  ['thread.vmrss.b', 'number', 'Vigil does not sample memory in events'],
] as [string, FieldType, string][]) unsupported(n, t, why);
unsupported('thread.cgroup', 'string', 'events carry the cgroup v2 id only', 'key');

// user.* / group.*
def('user.uid', 'number', 'effective uid (`proc.euid`) on exec events, the uid before the call on setid events (`setid.euid_before`), else the real uid (`proc.uid`)', uid, { support: 'approximated' });
def('user.name', 'string', 'host processes: the name in the host\'s /etc/passwd; in containers: "root" for 0, else the uid as a number (a container\'s /etc/passwd is not read)', memo((c) => { const u = uid(c); return u === undefined ? undefined : c.users.userName(u, isHost(c)); }), { support: 'approximated' });
def('user.homedir', 'string', 'host processes: from the host\'s /etc/passwd', (c) => { const u = uid(c); return u === undefined ? undefined : c.users.homeDir(u, isHost(c)); }, { support: 'approximated' });
def('user.shell', 'string', 'host processes: from the host\'s /etc/passwd', (c) => { const u = uid(c); return u === undefined ? undefined : c.users.shell(u, isHost(c)); }, { support: 'approximated' });
def('user.loginuid', 'number', 'audit login uid (`proc.loginuid`, -1 when unset), else from the process table', loginuid);
def('user.loginname', 'string', 'name of the login uid, as for user.name', (c) => { const u = loginuid(c); return u === undefined || u < 0 ? undefined : c.users.userName(u, isHost(c)); }, { support: 'approximated' });
def('group.gid', 'number', 'effective gid (`proc.egid`) on exec events, else the real gid', gid, { support: 'approximated' });
def('group.name', 'string', 'host: from the host\'s /etc/group; containers: "root" for 0, else the number', (c) => { const g = gid(c); return g === undefined ? undefined : c.users.groupName(g, isHost(c)); }, { support: 'approximated' });

// fd.*
const fdEvents = onTypes(['open', 'connect', 'accept', 'module']);
const netEvents = onTypes(['connect', 'accept']);
const fileEvents = onTypes(['open']);
const fileOrNet = onTypes(['open', 'connect', 'accept']);
def('fd.num', 'number', 'open: `res` (-1 when it failed); connect: `net.fd`; accept: the new fd (`res`); finit_module: `module.fd`', fdNum, { avail: fdEvents });
def('fd.type', 'string', 'file or directory (open), ipv4, ipv6, unix (connect, accept)', fdType, { avail: fileOrNet });
def('fd.typechar', 'string', 'f (file), d (directory), 4 (ipv4), 6 (ipv6), u (unix)', fdTypechar, { avail: fileOrNet });
def('fd.name', 'string', 'open: `open.path`; sockets: "client_ip:port->server_ip:port", unix: the socket path', fdName, { avail: fileOrNet });
def('fd.nameraw', 'string', 'open: `open.path`', (c) => (isOpen(c) ? str(c.ev.open?.path) : undefined), { avail: fileEvents });
def('fd.directory', 'string', 'open: the directory part of the path', memo((c) => { const p = isOpen(c) ? str(c.ev.open?.path) : undefined; return p === undefined ? undefined : dirOf(p); }), { avail: fileEvents });
def('fd.filename', 'string', 'open: the last component of the path', memo((c) => { const p = isOpen(c) ? str(c.ev.open?.path) : undefined; return p === undefined ? undefined : baseOf(p); }), { avail: fileEvents });
def('fd.dev', 'number', 'open: `open.dev`', (c) => num(c.ev.open?.dev), { avail: fileEvents });
def('fd.dev.major', 'number', 'open: `open.dev` >> 20', (c) => { const d = num(c.ev.open?.dev); return d === undefined ? undefined : Math.floor(d / 1048576); }, { avail: fileEvents });
def('fd.dev.minor', 'number', 'open: `open.dev` & 0xfffff', (c) => { const d = num(c.ev.open?.dev); return d === undefined ? undefined : d % 1048576; }, { avail: fileEvents });
def('fd.ino', 'number', 'open: `open.ino`', (c) => num(c.ev.open?.ino), { avail: fileEvents });
def('fd.containername', 'string', 'container.id + ":" + fd.name', (c) => { const n = fdName(c); const id = str(c.ev.container?.id); return n === undefined || id === undefined ? undefined : `${id === 'host' ? 'host' : id.slice(0, 12)}:${n}`; }, { avail: fileOrNet });
def('fd.containerdirectory', 'string', 'container.id + ":" + fd.directory', (c) => { const p = isOpen(c) ? str(c.ev.open?.path) : undefined; const id = str(c.ev.container?.id); return p === undefined || id === undefined ? undefined : `${id === 'host' ? 'host' : id.slice(0, 12)}:${dirOf(p)}`; }, { avail: fileEvents });
for (const side of ['client', 'server', 'local', 'remote'] as const) {
  const l = side[0]!;
  def(`fd.${l}ip`, 'ip', `${side} address (connect: we are the client; accept: the server)`, (c) => str(endpoint(c, side)?.ip), { avail: netEvents });
  def(`fd.${l}port`, 'port', `${side} port`, (c) => num(endpoint(c, side)?.port), { avail: netEvents });
  def(`fd.${l}net`, 'ipnet', `${side} address, compared with networks ("10.0.0.0/8")`, (c) => str(endpoint(c, side)?.ip), { avail: netEvents, filterOnly: true });
  unsupported(`fd.${l}ip.name`, 'string', 'Vigil does not resolve peer addresses to DNS names');
  unsupported(`fd.${l}proto`, 'string', 'Vigil does not map ports to service names');
}
const either = (pick: (e: { ip?: string; port?: number } | undefined) => Scalar | undefined): Getter => memo((c) => {
  const out: Scalar[] = [];
  const a = pick(endpoint(c, 'client'));
  const b = pick(endpoint(c, 'server'));
  if (a !== undefined) out.push(a);
  if (b !== undefined) out.push(b);
  return out;
});
def('fd.ip', 'ip', 'client or server address: = and in match either side, != needs both to differ (as Falco)', either((e) => str(e?.ip)), { avail: netEvents, multi: 'either', filterOnly: true });
def('fd.port', 'port', 'client or server port (either side, as fd.ip)', either((e) => num(e?.port)), { avail: netEvents, multi: 'either', filterOnly: true });
def('fd.net', 'ipnet', 'client or server address against networks (either side, as fd.ip)', either((e) => str(e?.ip)), { avail: netEvents, multi: 'either', filterOnly: true });
unsupported('fd.proto', 'string', 'Vigil does not map ports to service names');
def('fd.l4proto', 'string', 'tcp, udp or raw (`net.proto`) for IP sockets', (c) => { const n = c.ev.net; if (!n || (n.family !== 'inet' && n.family !== 'inet6')) return undefined; return n.proto === 'other' ? 'unknown' : str(n.proto); }, { avail: netEvents });
def('fd.sockfamily', 'string', 'ip or unix', (c) => { const f = c.ev.net?.family; return f === 'inet' || f === 'inet6' ? 'ip' : f === 'unix' ? 'unix' : undefined; }, { avail: netEvents });
def('fd.is_server', 'bool', 'true on accept, false on connect', (c) => (c.ev.type === 'accept' ? true : c.ev.type === 'connect' ? false : undefined), { avail: netEvents });
def('fd.connected', 'bool', 'connect: `res` is 0; accept: `res` >= 0', (c) => { const r = num(c.ev.net?.res); if (r === undefined) return undefined; return c.ev.type === 'connect' ? r === 0 : r >= 0; }, { avail: netEvents });
unsupported('fd.name_changed', 'bool', 'Vigil does not record sendto/recvfrom, where fd names change');
unsupported('fd.uid', 'string', 'not provided');
unsupported('fd.types', 'string', 'Vigil keeps no fd table', 'optional-index');

// fs.path.*
const openOk = (c: EvalContext): boolean => isOpen(c) && (num(c.ev.open?.res) ?? -1) >= 0;
def('fs.path.name', 'string', 'open (successful): the path', (c) => (openOk(c) ? str(c.ev.open?.path) : undefined), { avail: onTypes(['open']) });
def('fs.path.nameraw', 'string', 'open (successful): the path', (c) => (openOk(c) ? str(c.ev.open?.path) : undefined), { avail: onTypes(['open']) });
def('fs.path.source', 'string', 'mount (successful): the source', (c) => (c.ev.type === 'mount' && num(c.ev.mount?.res) === 0 ? str(c.ev.mount?.source) : undefined), { avail: onTypes(['mount']) });
def('fs.path.target', 'string', 'mount (successful): the target', (c) => (c.ev.type === 'mount' && num(c.ev.mount?.res) === 0 ? str(c.ev.mount?.target) : undefined), { avail: onTypes(['mount']) });
def('fs.path.sourceraw', 'string', 'as fs.path.source', (c) => (c.ev.type === 'mount' && num(c.ev.mount?.res) === 0 ? str(c.ev.mount?.source) : undefined), { avail: onTypes(['mount']) });
def('fs.path.targetraw', 'string', 'as fs.path.target', (c) => (c.ev.type === 'mount' && num(c.ev.mount?.res) === 0 ? str(c.ev.mount?.target) : undefined), { avail: onTypes(['mount']) });

// container.*
def('container.id', 'string', 'the first 12 characters of `container.id`, "host" for host processes', memo((c) => { const id = str(c.ev.container?.id); return id === undefined ? undefined : id === 'host' ? 'host' : id.slice(0, 12); }));
def('container.full_id', 'string', '`container.id` (64 hex, or "host")', (c) => str(c.ev.container?.id));
def('container.name', 'string', '`container.name`; "host" for host processes', (c) => (c.ev.container?.id === 'host' ? 'host' : str(c.ev.container?.name)));
def('container.image', 'string', '`container.image` (as the runtime reports it, e.g. docker.io/library/nginx:1.27)', (c) => (isHost(c) ? undefined : str(c.ev.container?.image)));
def('container.image.repository', 'string', 'the image without tag and digest', (c) => image(c)?.repository);
def('container.image.tag', 'string', 'the image tag', (c) => image(c)?.tag);
def('container.image.digest', 'string', '`container.image_digest`, else the digest in the image reference', (c) => (isHost(c) ? undefined : str(c.ev.container?.image_digest) ?? image(c)?.digest));
def('container.privileged', 'bool', '`container.privileged`', (c) => (isHost(c) ? undefined : c.ev.container?.privileged));
def('container.type', 'string', '`container.runtime` (podman, docker, containerd, cri-o); "host" for host processes', (c) => (c.ev.container?.id === 'host' ? 'host' : str(c.ev.container?.runtime)));
for (const [n, t, why] of [
  ['container.image.id', 'string', 'the runtime\'s image id is not in the event (container.image.digest is)'],
  ['container.healthcheck', 'string', 'Vigil does not read health check definitions'],
  ['container.liveness_probe', 'string', 'Vigil does not read probe definitions'],
  ['container.readiness_probe', 'string', 'Vigil does not read probe definitions'],
  ['container.mounts', 'string', 'Vigil does not record container mounts in events'],
  ['container.mount', 'string', 'Vigil does not record container mounts in events'],
  ['container.mount.source', 'string', 'Vigil does not record container mounts in events'],
  ['container.mount.dest', 'string', 'Vigil does not record container mounts in events'],
  ['container.mount.mode', 'string', 'Vigil does not record container mounts in events'],
  ['container.mount.rdwr', 'string', 'Vigil does not record container mounts in events'],
  ['container.mount.propagation', 'string', 'Vigil does not record container mounts in events'],
  ['container.start_ts', 'abstime', 'Vigil does not record container start times in events'],
  ['container.duration', 'reltime', 'Vigil does not record container start times in events'],
  ['container.ip', 'string', 'Vigil does not record container addresses in events'],
  ['container.cni.json', 'string', 'Vigil does not read CNI results'],
  ['container.host_pid', 'bool', 'not in the event'],
  ['container.host_network', 'bool', 'not in the event'],
  ['container.host_ipc', 'bool', 'not in the event'],
  ['container.label', 'string', 'container labels are not in the event'],
  ['container.labels', 'string', 'container labels are not in the event'],
  ['container.image.labels', 'string', 'image labels are not in the event'],
] as [string, FieldType, string][]) unsupported(n, t, why);
DEFS.set('container.info', { name: 'container.info', type: 'string', arg: 'none', support: 'supported', doc: 'output only: "container_id=%container.id container_name=%container.name"', bind: () => 'container.info can only be used in outputs' });

// k8s.*
def('k8s.ns.name', 'string', '`k8s.ns`', (c) => str(c.ev.k8s?.ns));
def('k8s.pod.name', 'string', '`k8s.pod`', (c) => str(c.ev.k8s?.pod));
def('k8s.pod.uid', 'string', '`k8s.pod_uid`', (c) => str(c.ev.k8s?.pod_uid));
def('k8s.pod.id', 'string', '`k8s.pod_uid` (Falco\'s older name)', (c) => str(c.ev.k8s?.pod_uid));
def('k8s.deployment.name', 'string', 'approximated: `k8s.workload` when `k8s.workload_kind` is Deployment', (c) => (c.ev.k8s?.workload_kind === 'Deployment' ? str(c.ev.k8s?.workload) : undefined), { support: 'approximated' });
def('k8s.workload.name', 'string', 'Vigil: `k8s.workload` (the top owner of the pod)', (c) => str(c.ev.k8s?.workload));
def('k8s.workload.kind', 'string', 'Vigil: `k8s.workload_kind`', (c) => str(c.ev.k8s?.workload_kind));
for (const n of ['k8s.pod.labels', 'k8s.pod.ip', 'k8s.pod.cni.json', 'k8s.pod.sandbox_id', 'k8s.pod.full_sandbox_id', 'k8s.ns.id', 'k8s.ns.labels', 'k8s.rc.name', 'k8s.rc.id', 'k8s.rs.name', 'k8s.rs.id', 'k8s.svc.name', 'k8s.svc.id', 'k8s.deployment.id']) {
  unsupported(n, 'string', 'Vigil\'s pod metadata has namespace, pod, uid and top workload only');
}
for (const n of ['k8s.pod.label', 'k8s.ns.label', 'k8s.rc.label', 'k8s.rs.label', 'k8s.svc.label', 'k8s.deployment.label']) {
  unsupported(n, 'string', 'Vigil\'s pod metadata carries no labels', 'key');
}

// evt.arg.* / evt.rawarg.*: defined in args.ts (they depend on the event type); bucketOf below is shared.

/** The evt.type value of an event (its bucket), or undefined for an event Vigil would not emit. */
export function bucketOf(ev: LooseEvent): Bucket | undefined {
  switch (ev.type) {
    case 'exec': return 'execve';
    case 'fork': return 'clone';
    case 'exit': return 'procexit';
    case 'open': {
      const s = ev.open?.syscall;
      return s === 'open' || s === 'openat' || s === 'openat2' || s === 'creat' ? s : s === undefined ? 'openat' : undefined;
    }
    case 'connect': return 'connect';
    case 'accept': return ev.net?.syscall === 'accept4' ? 'accept4' : 'accept';
    case 'setid': {
      const s = ev.setid?.syscall;
      return s === 'setuid' || s === 'setgid' || s === 'setreuid' || s === 'setregid' || s === 'setresuid' || s === 'setresgid' || s === 'setfsuid' || s === 'setfsgid' ? s : undefined;
    }
    case 'ptrace': return 'ptrace';
    case 'mount': return 'mount';
    case 'module': return ev.module?.syscall === 'finit_module' ? 'finit_module' : 'init_module';
    default: return undefined;
  }
}

export function fieldDefs(): ReadonlyMap<string, FieldDef> {
  return DEFS;
}

export function registerField(d: FieldDef): void {
  DEFS.set(d.name, d);
}

