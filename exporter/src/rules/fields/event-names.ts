// Names Falco rules use for events and numbers: evt.type values, errno names, capabilities, flags.

import type { EventType } from '../../events/types.js';

/**
 * The evt.type values a Vigil event can have. Each Vigil event is one bucket; rules are indexed by bucket so an
 * event only runs the rules that can match it. Vigil events are exit-side records that also carry the entry
 * arguments, so one bucket stands for Falco's enter and exit events of that syscall.
 */
export const BUCKETS = [
  'execve', 'clone', 'procexit', 'open', 'openat', 'openat2', 'creat', 'connect', 'accept', 'accept4', 'setuid',
  'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setfsuid', 'setfsgid', 'ptrace', 'mount',
  'init_module', 'finit_module',
] as const;
export type Bucket = (typeof BUCKETS)[number];

export const BUCKET_EVENT_TYPE: Record<Bucket, EventType> = {
  execve: 'exec', clone: 'fork', procexit: 'exit', open: 'open', openat: 'open', openat2: 'open', creat: 'open',
  connect: 'connect', accept: 'accept', accept4: 'accept', setuid: 'setid', setgid: 'setid', setreuid: 'setid',
  setregid: 'setid', setresuid: 'setid', setresgid: 'setid', setfsuid: 'setid', setfsgid: 'setid', ptrace: 'ptrace',
  mount: 'mount', init_module: 'module', finit_module: 'module',
};

/**
 * evt.type names that match a bucket. Vigil sees an exec without knowing whether execve or execveat made it,
 * and a new task without the clone/fork/vfork/clone3 distinction, so each of those names matches the bucket.
 */
export const EVT_TYPE_ALIASES: Record<string, Bucket> = {
  execve: 'execve', execveat: 'execve', clone: 'clone', clone3: 'clone', fork: 'clone', vfork: 'clone',
  procexit: 'procexit', open: 'open', openat: 'openat', openat2: 'openat2', creat: 'creat', connect: 'connect',
  accept: 'accept', accept4: 'accept4', setuid: 'setuid', setgid: 'setgid', setreuid: 'setreuid', setregid: 'setregid',
  setresuid: 'setresuid', setresgid: 'setresgid', setfsuid: 'setfsuid', setfsgid: 'setfsgid', ptrace: 'ptrace',
  mount: 'mount', init_module: 'init_module', finit_module: 'finit_module',
};

/** Linux x86-64 syscall names (from asm/unistd_64.h) plus Falco's own event names: valid evt.type values. */
export const KNOWN_EVENT_NAMES: ReadonlySet<string> = new Set([
  'read', 'write', 'open', 'close', 'stat', 'fstat', 'lstat', 'poll', 'lseek', 'mmap', 'mprotect', 'munmap', 'brk',
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'ioctl', 'pread64', 'pwrite64', 'readv', 'writev', 'access',
  'pipe', 'select', 'sched_yield', 'mremap', 'msync', 'mincore', 'madvise', 'shmget', 'shmat', 'shmctl', 'dup',
  'dup2', 'pause', 'nanosleep', 'getitimer', 'alarm', 'setitimer', 'getpid', 'sendfile', 'socket', 'connect',
  'accept', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'shutdown', 'bind', 'listen', 'getsockname', 'getpeername',
  'socketpair', 'setsockopt', 'getsockopt', 'clone', 'fork', 'vfork', 'execve', 'exit', 'wait4', 'kill', 'uname',
  'semget', 'semop', 'semctl', 'shmdt', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'fcntl', 'flock', 'fsync',
  'fdatasync', 'truncate', 'ftruncate', 'getdents', 'getcwd', 'chdir', 'fchdir', 'rename', 'mkdir', 'rmdir',
  'creat', 'link', 'unlink', 'symlink', 'readlink', 'chmod', 'fchmod', 'chown', 'fchown', 'lchown', 'umask',
  'gettimeofday', 'getrlimit', 'getrusage', 'sysinfo', 'times', 'ptrace', 'getuid', 'syslog', 'getgid', 'setuid',
  'setgid', 'geteuid', 'getegid', 'setpgid', 'getppid', 'getpgrp', 'setsid', 'setreuid', 'setregid', 'getgroups',
  'setgroups', 'setresuid', 'getresuid', 'setresgid', 'getresgid', 'getpgid', 'setfsuid', 'setfsgid', 'getsid',
  'capget', 'capset', 'rt_sigpending', 'rt_sigtimedwait', 'rt_sigqueueinfo', 'rt_sigsuspend', 'sigaltstack',
  'utime', 'mknod', 'uselib', 'personality', 'ustat', 'statfs', 'fstatfs', 'sysfs', 'getpriority', 'setpriority',
  'sched_setparam', 'sched_getparam', 'sched_setscheduler', 'sched_getscheduler', 'sched_get_priority_max',
  'sched_get_priority_min', 'sched_rr_get_interval', 'mlock', 'munlock', 'mlockall', 'munlockall', 'vhangup',
  'modify_ldt', 'pivot_root', '_sysctl', 'prctl', 'arch_prctl', 'adjtimex', 'setrlimit', 'chroot', 'sync', 'acct',
  'settimeofday', 'mount', 'umount2', 'swapon', 'swapoff', 'reboot', 'sethostname', 'setdomainname', 'iopl',
  'ioperm', 'create_module', 'init_module', 'delete_module', 'get_kernel_syms', 'query_module', 'quotactl',
  'nfsservctl', 'getpmsg', 'putpmsg', 'afs_syscall', 'tuxcall', 'security', 'gettid', 'readahead', 'setxattr',
  'lsetxattr', 'fsetxattr', 'getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr',
  'removexattr', 'lremovexattr', 'fremovexattr', 'tkill', 'time', 'futex', 'sched_setaffinity',
  'sched_getaffinity', 'set_thread_area', 'io_setup', 'io_destroy', 'io_getevents', 'io_submit', 'io_cancel',
  'get_thread_area', 'lookup_dcookie', 'epoll_create', 'epoll_ctl_old', 'epoll_wait_old', 'remap_file_pages',
  'getdents64', 'set_tid_address', 'restart_syscall', 'semtimedop', 'fadvise64', 'timer_create', 'timer_settime',
  'timer_gettime', 'timer_getoverrun', 'timer_delete', 'clock_settime', 'clock_gettime', 'clock_getres',
  'clock_nanosleep', 'exit_group', 'epoll_wait', 'epoll_ctl', 'tgkill', 'utimes', 'vserver', 'mbind',
  'set_mempolicy', 'get_mempolicy', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify',
  'mq_getsetattr', 'kexec_load', 'waitid', 'add_key', 'request_key', 'keyctl', 'ioprio_set', 'ioprio_get',
  'inotify_init', 'inotify_add_watch', 'inotify_rm_watch', 'migrate_pages', 'openat', 'mkdirat', 'mknodat',
  'fchownat', 'futimesat', 'newfstatat', 'unlinkat', 'renameat', 'linkat', 'symlinkat', 'readlinkat', 'fchmodat',
  'faccessat', 'pselect6', 'ppoll', 'unshare', 'set_robust_list', 'get_robust_list', 'splice', 'tee',
  'sync_file_range', 'vmsplice', 'move_pages', 'utimensat', 'epoll_pwait', 'signalfd', 'timerfd_create', 'eventfd',
  'fallocate', 'timerfd_settime', 'timerfd_gettime', 'accept4', 'signalfd4', 'eventfd2', 'epoll_create1', 'dup3',
  'pipe2', 'inotify_init1', 'preadv', 'pwritev', 'rt_tgsigqueueinfo', 'perf_event_open', 'recvmmsg',
  'fanotify_init', 'fanotify_mark', 'prlimit64', 'name_to_handle_at', 'open_by_handle_at', 'clock_adjtime',
  'syncfs', 'sendmmsg', 'setns', 'getcpu', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'finit_module',
  'sched_setattr', 'sched_getattr', 'renameat2', 'seccomp', 'getrandom', 'memfd_create', 'kexec_file_load', 'bpf',
  'execveat', 'userfaultfd', 'membarrier', 'mlock2', 'copy_file_range', 'preadv2', 'pwritev2', 'pkey_mprotect',
  'pkey_alloc', 'pkey_free', 'statx', 'io_pgetevents', 'rseq', 'pidfd_send_signal', 'io_uring_setup',
  'io_uring_enter', 'io_uring_register', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
  'pidfd_open', 'clone3', 'close_range', 'openat2', 'pidfd_getfd', 'faccessat2', 'process_madvise', 'epoll_pwait2',
  'mount_setattr', 'quotactl_fd', 'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
  'memfd_secret', 'process_mrelease', 'futex_waitv', 'set_mempolicy_home_node', 'procexit', 'container', 'switch',
  'signaldeliver', 'procinfo', 'notification', 'page_fault', 'cpu_hotplug', 'drop', 'infra', 'k8s', 'umount',
  'pluginevent', 'asyncevent', 'mesos', 'tracer', 'socketcall', 'umount2', 'recv', 'send', 'stat64', 'fstat64',
  'lstat64', 'llseek', '_llseek', 'mmap2', 'fcntl64', 'sendfile64', 'getdents64', 'signalfd4',
]);

export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC', 9: 'EBADF',
  10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 15: 'ENOTBLK', 16: 'EBUSY', 17: 'EEXIST',
  18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 25: 'ENOTTY',
  26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 29: 'ESPIPE', 30: 'EROFS', 31: 'EMLINK', 32: 'EPIPE', 33: 'EDOM',
  34: 'ERANGE', 35: 'EDEADLK', 36: 'ENAMETOOLONG', 37: 'ENOLCK', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP',
  42: 'ENOMSG', 43: 'EIDRM', 44: 'ECHRNG', 45: 'EL2NSYNC', 46: 'EL3HLT', 47: 'EL3RST', 48: 'ELNRNG', 49: 'EUNATCH',
  50: 'ENOCSI', 51: 'EL2HLT', 52: 'EBADE', 53: 'EBADR', 54: 'EXFULL', 55: 'ENOANO', 56: 'EBADRQC', 57: 'EBADSLT',
  59: 'EBFONT', 60: 'ENOSTR', 61: 'ENODATA', 62: 'ETIME', 63: 'ENOSR', 64: 'ENONET', 65: 'ENOPKG', 66: 'EREMOTE',
  67: 'ENOLINK', 68: 'EADV', 69: 'ESRMNT', 70: 'ECOMM', 71: 'EPROTO', 72: 'EMULTIHOP', 73: 'EDOTDOT',
  74: 'EBADMSG', 75: 'EOVERFLOW', 76: 'ENOTUNIQ', 77: 'EBADFD', 78: 'EREMCHG', 79: 'ELIBACC', 80: 'ELIBBAD',
  81: 'ELIBSCN', 82: 'ELIBMAX', 83: 'ELIBEXEC', 84: 'EILSEQ', 85: 'ERESTART', 86: 'ESTRPIPE', 87: 'EUSERS',
  88: 'ENOTSOCK', 89: 'EDESTADDRREQ', 90: 'EMSGSIZE', 91: 'EPROTOTYPE', 92: 'ENOPROTOOPT', 93: 'EPROTONOSUPPORT',
  94: 'ESOCKTNOSUPPORT', 95: 'EOPNOTSUPP', 96: 'EPFNOSUPPORT', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL', 100: 'ENETDOWN', 101: 'ENETUNREACH', 102: 'ENETRESET', 103: 'ECONNABORTED',
  104: 'ECONNRESET', 105: 'ENOBUFS', 106: 'EISCONN', 107: 'ENOTCONN', 108: 'ESHUTDOWN', 109: 'ETOOMANYREFS',
  110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 112: 'EHOSTDOWN', 113: 'EHOSTUNREACH', 114: 'EALREADY',
  115: 'EINPROGRESS', 116: 'ESTALE', 117: 'EUCLEAN', 118: 'ENOTNAM', 119: 'ENAVAIL', 120: 'EISNAM',
  121: 'EREMOTEIO', 122: 'EDQUOT', 123: 'ENOMEDIUM', 124: 'EMEDIUMTYPE', 125: 'ECANCELED', 126: 'ENOKEY',
  127: 'EKEYEXPIRED', 128: 'EKEYREVOKED', 129: 'EKEYREJECTED', 130: 'EOWNERDEAD', 131: 'ENOTRECOVERABLE',
  132: 'ERFKILL', 133: 'EHWPOISON',
};

export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `E${n}`;
}

/** Capability bit -> name, as Falco prints thread.cap_effective. */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

const capCache = new Map<string, string>();
/** "0xa80425fb" -> "CAP_CHOWN CAP_DAC_OVERRIDE ..."; undefined for text that is not a hex mask. */
export function capabilityNames(hex: string): string | undefined {
  const cached = capCache.get(hex);
  if (cached !== undefined) return cached;
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(hex)) return undefined;
  const v = BigInt(hex);
  const names: string[] = [];
  for (let i = 0; i < CAPABILITIES.length; i++) if ((v >> BigInt(i)) & 1n) names.push(CAPABILITIES[i]!);
  const out = names.join(' ');
  if (capCache.size < 1024) capCache.set(hex, out);
  return out;
}

const MOUNT_FLAGS: [number, string][] = [
  [1, 'MS_RDONLY'], [2, 'MS_NOSUID'], [4, 'MS_NODEV'], [8, 'MS_NOEXEC'], [16, 'MS_SYNCHRONOUS'], [32, 'MS_REMOUNT'],
  [64, 'MS_MANDLOCK'], [128, 'MS_DIRSYNC'], [1024, 'MS_NOATIME'], [2048, 'MS_NODIRATIME'], [4096, 'MS_BIND'],
  [8192, 'MS_MOVE'], [16384, 'MS_REC'], [32768, 'MS_SILENT'], [1 << 16, 'MS_POSIXACL'], [1 << 17, 'MS_UNBINDABLE'],
  [1 << 18, 'MS_PRIVATE'], [1 << 19, 'MS_SLAVE'], [1 << 20, 'MS_SHARED'], [1 << 21, 'MS_RELATIME'],
  [1 << 22, 'MS_KERNMOUNT'], [1 << 23, 'MS_I_VERSION'], [1 << 24, 'MS_STRICTATIME'], [1 << 25, 'MS_LAZYTIME'],
];

export function mountFlagNames(flags: number): string {
  const names = MOUNT_FLAGS.filter(([bit]) => Math.floor(flags / bit) % 2 === 1).map(([, n]) => n);
  return names.length ? names.join('|') : '0';
}
