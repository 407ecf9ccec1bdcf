// The event JSON that `vigil node` emits (stdout, journal, API, Loki) and `vigil rules test` reads.
// docs/events.md documents it with examples; keep the two in step. Field names are snake_case and stable.

export const EVENT_TYPES = ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'setid', 'ptrace', 'mount', 'module'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ProcessInfo {
  pid: number;
  tid: number;
  /** comm, at most 15 bytes */
  name: string;
  uid: number;
  gid: number;
  ppid?: number;
  /** Resolved path of the executable, as seen inside the task's root. */
  exe?: string;
  /** argv as executed, argv[0] included. */
  argv?: string[];
  /** name plus args joined by spaces, like Falco's proc.cmdline. */
  cmdline?: string;
  cwd?: string;
  euid?: number;
  egid?: number;
  /** Audit login uid; -1 when unset. */
  loginuid?: number;
  /** Controlling terminal (major << 20 | minor); 0 when none. */
  tty?: number;
  /** CLOCK_BOOTTIME ns of the process start */
  start_ns?: number;
}

export interface AncestorInfo {
  pid: number;
  name: string;
  exe?: string;
  cmdline?: string;
}

export interface ContainerRef {
  /** 64-hex container id, or "host". */
  id: string;
  runtime: string;
  name?: string;
  image?: string;
  image_digest?: string;
  privileged?: boolean;
  /** True while the runtime/Kubernetes metadata had not arrived when the event left the node. */
  metadata_pending?: boolean;
}

export interface K8sRef {
  ns: string;
  pod: string;
  pod_uid?: string;
  container?: string;
  workload_kind?: string;
  workload?: string;
}

export interface ExecArgs {
  filename: string;
  upper_layer: boolean;
  memfd: boolean;
  overlay: boolean;
  cap_effective: string;
  cap_permitted: string;
  env?: string[];
}

export interface ForkArgs {
  child_pid: number;
  child_tid: number;
  thread: boolean;
}

export interface ExitArgs {
  code: number;
  signal: number;
  core_dumped: boolean;
}

export type FileType = 'file' | 'directory' | 'char' | 'block' | 'fifo' | 'symlink' | 'socket' | 'unknown';

export interface OpenArgs {
  syscall: 'open' | 'openat' | 'openat2' | 'creat';
  path: string;
  res: number;
  flags: number;
  flag_names: string[];
  mode: number;
  file_type: FileType;
  dev: number;
  ino: number;
}

export interface Endpoint {
  ip: string;
  port: number;
}

export interface NetArgs {
  syscall: 'connect' | 'accept' | 'accept4';
  res: number;
  fd: number;
  family: 'inet' | 'inet6' | 'unix' | 'other';
  proto: 'tcp' | 'udp' | 'raw' | 'other';
  local?: Endpoint;
  remote?: Endpoint;
  unix_path?: string;
}

export interface SetidArgs {
  syscall: 'setuid' | 'setgid' | 'setreuid' | 'setregid' | 'setresuid' | 'setresgid' | 'setfsuid' | 'setfsgid';
  res: number;
  /** Arguments in syscall order; -1 means unchanged. */
  ids: number[];
  euid_before: number;
}

export interface PtraceArgs {
  res: number;
  request: number;
  request_name: string;
  target_pid: number;
}

export interface MountArgs {
  res: number;
  source: string;
  target: string;
  fstype: string;
  flags: number;
}

export interface ModuleArgs {
  syscall: 'init_module' | 'finit_module';
  res: number;
  fd: number;
  args: string;
}

interface EventCommon {
  /** ISO-8601 UTC with microseconds */
  time: string;
  /** Unix time in milliseconds (fractional), for ordering and filtering */
  ts: number;
  node?: string;
  cpu: number;
  cgroup_id: number;
  mntns: number;
  pidns: number;
  proc: ProcessInfo;
  /** Parent first, bounded depth; filled from the process table. */
  ancestors?: AncestorInfo[];
  container?: ContainerRef;
  k8s?: K8sRef;
  /** Some string in the record was cut at its kernel bound. */
  truncated?: boolean;
}

export type VigilEvent =
  | (EventCommon & { type: 'exec'; exec: ExecArgs })
  | (EventCommon & { type: 'fork'; fork: ForkArgs })
  | (EventCommon & { type: 'exit'; exit: ExitArgs })
  | (EventCommon & { type: 'open'; open: OpenArgs })
  | (EventCommon & { type: 'connect'; net: NetArgs })
  | (EventCommon & { type: 'accept'; net: NetArgs })
  | (EventCommon & { type: 'setid'; setid: SetidArgs })
  | (EventCommon & { type: 'ptrace'; ptrace: PtraceArgs })
  | (EventCommon & { type: 'mount'; mount: MountArgs })
  | (EventCommon & { type: 'module'; module: ModuleArgs });

/** Per-cgroup cumulative counters from the kernel (VIGIL_MSG_COUNTERS). */
export interface CgroupCounters {
  cgroup_id: number;
  syscalls: number;
  execs: number;
  forks: number;
  exits: number;
  opens: number;
  open_failures: number;
  connects: number;
  accepts: number;
  bytes_sent: number;
  bytes_received: number;
  oncpu_ns: number;
}

export const COUNTER_NAMES = [
  'syscalls', 'execs', 'forks', 'exits', 'opens', 'open_failures', 'connects', 'accepts', 'bytes_sent',
  'bytes_received', 'oncpu_ns',
] as const satisfies readonly (keyof CgroupCounters)[];

/** Per-CPU, per-type kernel statistics (VIGIL_MSG_STATS), cumulative. */
export interface TypeStats {
  cpu: number;
  type: EventType;
  emitted: number;
  dropped: number;
  filtered: number;
}

export interface LoaderHello {
  abi_version: number;
  ncpu: number;
  realtime_offset_ns: number;
  info: { hooks?: Record<string, string>; ringbuf_bytes?: number; loader_pid?: number; kernel?: string; [k: string]: unknown };
}

export interface LoaderLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  text: string;
}
