/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * vigil_events.h — the single source of truth for every byte that crosses from the kernel (and the loader)
 * to `vigil node`.
 *
 * Included by the BPF programs (with vmlinux.h), by the loader (with <linux/types.h>) and by bpf/layout.c,
 * whose output the TypeScript decoder is tested against (exporter/test/events/layout.test.ts). Change a
 * struct here and that test fails until exporter/src/events/layout.ts agrees, so the two cannot drift.
 *
 * Rules for this file:
 * - Only fixed-width types, explicit padding, every struct a multiple of 8 bytes. All integers little-endian
 *   (the host's; Vigil supports little-endian hosts only, checked by the loader's HELLO).
 * - Variable-length strings follow a record's fixed part, in the order of the *_len fields, with no NUL and
 *   no padding between them. `hdr.size` covers the header, the fixed part and the strings.
 * - Append new fields only before the *_len block of a body, bump VIGIL_ABI_VERSION.
 *
 * Framing on the loader's stdout: each frame is a little-endian u32 length N followed by N bytes that start
 * with struct vigil_hdr (N == hdr.size). Kernel events are copied verbatim from the ring buffer; loader
 * messages (type >= VIGIL_MSG_BASE) use the same header with pid/tid/cgroup fields zero.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#define VIGIL_ABI_VERSION 1

#define VIGIL_COMM_LEN 16
#define VIGIL_PATH_MAX 512   /* bytes kept of any path; longer paths are truncated from the left and flagged */
#define VIGIL_ARGV_MAX 1024  /* bytes kept of argv (NUL-separated) */
#define VIGIL_ENV_MAX 1024   /* bytes kept of the environment when env capture is on */
#define VIGIL_MAX_EVENT 4096 /* largest kernel event, header included */
#define VIGIL_PREFIX_MAX 256 /* bytes of a path prefix in the open-prefix trie */

enum vigil_event_type {
	VIGIL_EV_EXEC = 1,
	VIGIL_EV_FORK = 2,
	VIGIL_EV_EXIT = 3,
	VIGIL_EV_OPEN = 4,
	VIGIL_EV_CONNECT = 5,
	VIGIL_EV_ACCEPT = 6,
	VIGIL_EV_SETID = 7,
	VIGIL_EV_PTRACE = 8,
	VIGIL_EV_MOUNT = 9,
	VIGIL_EV_MODULE = 10,
	VIGIL_EV_TYPE_COUNT = 11, /* array bound for per-type statistics; index 0 unused */

	VIGIL_MSG_BASE = 256,
	VIGIL_MSG_HELLO = 256,    /* once after load: ABI, CPUs, clock offset, active hooks (JSON tail) */
	VIGIL_MSG_COUNTERS = 257, /* periodic per-cgroup counter snapshot */
	VIGIL_MSG_STATS = 258,    /* periodic per-CPU, per-type emitted/dropped/filtered counts */
	VIGIL_MSG_LOG = 259,      /* a line from the loader, also the reply to each control command */
};

/* Bit in hdr.flags */
enum vigil_hdr_flags {
	VIGIL_F_TRUNCATED = 1 << 0, /* some string of this record was cut at its bound */
};

struct vigil_hdr {
	__u64 ts_ns;     /* CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns) */
	__u64 cgroup_id; /* cgroup v2 id of the task (== inode of its unified-hierarchy directory) */
	__u32 type;      /* enum vigil_event_type */
	__u32 size;      /* bytes of the whole record */
	__u32 pid;       /* tgid, as seen from the initial pid namespace */
	__u32 tid;
	__u32 uid; /* real uid / gid of the task */
	__u32 gid;
	__u32 mntns; /* mount namespace inode number */
	__u32 pidns; /* pid namespace inode number */
	__u32 cpu;
	__u32 flags; /* enum vigil_hdr_flags */
	char comm[VIGIL_COMM_LEN];
};

enum vigil_exec_flags {
	VIGIL_EXEC_UPPER_LAYER = 1 << 0, /* the executable lives in an overlayfs upper layer (not from the image) */
	VIGIL_EXEC_MEMFD = 1 << 1,       /* the executable is a memfd (fileless execution) */
	VIGIL_EXEC_OVERLAY = 1 << 2,     /* the executable is on overlayfs at all */
};

struct vigil_exec {
	struct vigil_hdr hdr;
	__u32 ppid;     /* real parent tgid */
	__u32 loginuid; /* audit login uid, (u32)-1 when unset */
	__u32 euid;
	__u32 egid;
	__u32 tty;   /* controlling terminal as (major << 20 | minor), 0 when none */
	__u32 flags; /* enum vigil_exec_flags */
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 start_ns; /* task start, CLOCK_BOOTTIME ns */
	__u16 exe_len;      /* resolved path of the executable file, as seen in the task's root */
	__u16 filename_len; /* the path given to execve */
	__u16 argv_len;     /* argv, NUL-separated */
	__u16 cwd_len;      /* working directory, as seen in the task's root */
	__u16 env_len;      /* environment, NUL-separated, 0 unless env capture is enabled */
	__u16 _pad0[3];
	/* strings: exe, filename, argv, cwd, env */
};

struct vigil_fork {
	struct vigil_hdr hdr; /* the parent */
	__u32 child_pid;
	__u32 child_tid;
	__u32 clone_flags_thread; /* 1 when the child is a thread of the parent (only emitted if enabled) */
	__u32 _pad0;
};

struct vigil_exit {
	struct vigil_hdr hdr;
	__u32 exit_code; /* (code >> 8) & 0xff */
	__u32 signal;    /* terminating signal, 0 when it exited normally */
	__u32 core_dumped;
	__u32 _pad0;
};

enum vigil_open_syscall {
	VIGIL_OPEN_OPEN = 1,
	VIGIL_OPEN_OPENAT = 2,
	VIGIL_OPEN_OPENAT2 = 3,
	VIGIL_OPEN_CREAT = 4,
};

struct vigil_open {
	struct vigil_hdr hdr;
	__s64 res;    /* fd, or -errno */
	__u32 flags;  /* open(2) flags as passed */
	__u32 mode;   /* creation mode as passed */
	__u32 syscall; /* enum vigil_open_syscall */
	__u32 i_mode; /* st_mode of the opened inode, 0 on failure */
	__u64 dev;    /* st_dev of the opened inode (kernel dev_t), 0 on failure */
	__u64 ino;
	__u16 path_len; /* absolute resolved path on success; the path as passed on failure */
	__u16 _pad0[3];
	/* strings: path */
};

enum vigil_sock_syscall {
	VIGIL_SOCK_CONNECT = 1,
	VIGIL_SOCK_ACCEPT = 2,
	VIGIL_SOCK_ACCEPT4 = 3,
};

struct vigil_sock {
	struct vigil_hdr hdr;
	__s64 res;      /* connect: 0 or -errno (-EINPROGRESS for non-blocking); accept: the new fd or -errno */
	__u32 syscall;  /* enum vigil_sock_syscall */
	__u32 fd;       /* connect: the socket fd; accept: the listening fd */
	__u16 family;   /* AF_INET, AF_INET6, AF_UNIX */
	__u16 sock_type; /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 protocol; /* IPPROTO_TCP, IPPROTO_UDP, 0 when unknown */
	__u16 _pad0;
	__u16 sport;    /* host byte order */
	__u16 dport;
	__u16 path_len; /* AF_UNIX path */
	__u16 _pad1;
	__u8 saddr[16]; /* local address: IPv4 in the first 4 bytes; network byte order */
	__u8 daddr[16]; /* remote address */
	/* strings: unix path */
};

enum vigil_setid_syscall {
	VIGIL_SETID_SETUID = 1,
	VIGIL_SETID_SETGID = 2,
	VIGIL_SETID_SETREUID = 3,
	VIGIL_SETID_SETREGID = 4,
	VIGIL_SETID_SETRESUID = 5,
	VIGIL_SETID_SETRESGID = 6,
	VIGIL_SETID_SETFSUID = 7,
	VIGIL_SETID_SETFSGID = 8,
};

struct vigil_setid {
	struct vigil_hdr hdr; /* uid/gid are the ids before the call */
	__s64 res;
	__u32 syscall; /* enum vigil_setid_syscall */
	__u32 id0;     /* arguments in syscall order; (u32)-1 means "unchanged" */
	__u32 id1;
	__u32 id2;
	__u32 euid_before;
	__u32 _pad0;
};

struct vigil_ptrace {
	struct vigil_hdr hdr;
	__s64 res;
	__u64 request; /* PTRACE_* */
	__u32 target_pid;
	__u32 _pad0;
};

struct vigil_mount {
	struct vigil_hdr hdr;
	__s64 res;
	__u64 flags;
	__u16 source_len;
	__u16 target_len;
	__u16 fstype_len;
	__u16 _pad0;
	/* strings: source, target, fstype */
};

enum vigil_module_syscall {
	VIGIL_MODULE_INIT = 1,
	VIGIL_MODULE_FINIT = 2,
};

struct vigil_module {
	struct vigil_hdr hdr;
	__s64 res;
	__u32 syscall; /* enum vigil_module_syscall */
	__u32 fd;      /* finit_module's fd, (u32)-1 for init_module */
	__u16 args_len; /* module parameters string */
	__u16 _pad0[3];
	/* strings: args */
};

/* ---- Per-cgroup counters: kernel map value, summed over CPUs by the loader ---- */

struct vigil_counters {
	__u64 syscalls;
	__u64 execs;
	__u64 forks;
	__u64 exits;
	__u64 opens;
	__u64 open_failures;
	__u64 connects;
	__u64 accepts;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 oncpu_ns;
	__u64 _reserved;
};

struct vigil_cgroup_counters {
	__u64 cgroup_id;
	struct vigil_counters c;
};

/* VIGIL_MSG_COUNTERS: header, this, then `count` struct vigil_cgroup_counters. Values are cumulative. */
struct vigil_msg_counters {
	struct vigil_hdr hdr;
	__u32 count;
	__u32 _pad0;
};

/* Per-CPU, per-event-type statistics: kernel map value. */
struct vigil_type_stats {
	__u64 emitted;  /* written to the ring buffer */
	__u64 dropped;  /* ring-buffer reserve/output failed: lost */
	__u64 filtered; /* suppressed on purpose by a kernel-side filter */
};

/* VIGIL_MSG_STATS: header, this, then ncpu * ntypes struct vigil_type_stats, CPU-major. Cumulative. */
struct vigil_msg_stats {
	struct vigil_hdr hdr;
	__u32 ncpu;
	__u32 ntypes; /* == VIGIL_EV_TYPE_COUNT */
};

/* VIGIL_MSG_HELLO: header, this, then a JSON document of json_len bytes:
 * {"hooks":{"<name>":"<attach kind>|unavailable|failed:<errno name>",...},"ringbuf_bytes":N,...} */
struct vigil_msg_hello {
	struct vigil_hdr hdr;
	__u32 abi_version;
	__u32 ncpu;
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME at load: add to ts_ns for wall time */
	__u32 json_len;
	__u32 _pad0;
};

enum vigil_log_level {
	VIGIL_LOG_DEBUG = 0,
	VIGIL_LOG_INFO = 1,
	VIGIL_LOG_WARN = 2,
	VIGIL_LOG_ERROR = 3,
};

/* VIGIL_MSG_LOG: header, this, then text_len bytes of UTF-8 text. */
struct vigil_msg_log {
	struct vigil_hdr hdr;
	__u32 level; /* enum vigil_log_level */
	__u32 text_len;
};

/* ---- Kernel-side filter state, filled by the loader from control commands ---- */

enum vigil_open_mode {
	VIGIL_OPEN_ALL = 0,      /* emit every open */
	VIGIL_OPEN_PREFIXES = 1, /* emit opens whose path matches the prefix trie, plus writes when open_writes */
	VIGIL_OPEN_NONE = 2,     /* count opens, emit none */
};

struct vigil_filter_config {
	__u64 event_mask;   /* bit (1 << type) set: the type is emitted */
	__u32 open_mode;    /* enum vigil_open_mode */
	__u32 open_writes;  /* with VIGIL_OPEN_PREFIXES: also emit every open for writing */
	__u32 open_failed;  /* with VIGIL_OPEN_PREFIXES: also emit every failed open */
	__u32 capture_env;  /* copy the environment into exec events */
	__u32 emit_threads; /* emit fork events for new threads too */
	__u32 wakeup_bytes; /* wake user space when this many bytes are pending in the ring buffer */
};

/* Key of the open-prefix LPM trie: prefixlen is in bits over `path`. */
struct vigil_prefix_key {
	__u32 prefixlen;
	char path[VIGIL_PREFIX_MAX];
};

#endif /* VIGIL_EVENTS_H */
