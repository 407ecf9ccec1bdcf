/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * vigil_internal.h — map values shared by the BPF programs and the loader that never leave the loader
 * (unlike vigil_events.h, whose structs are the contract with the exporter).
 * Needs __u64 & co. from vmlinux.h (BPF side) or <linux/types.h> (loader side).
 */
#ifndef VIGIL_INTERNAL_H
#define VIGIL_INTERNAL_H

/*
 * Per-CPU accounting slot: the syscall hot path only bumps `pending` here; sched_switch flushes it (and
 * the on-CPU time since `switch_in_ns`) into the counters of `cgroup_id`, the cgroup of the task that was
 * switched in. The loader adds what is still pending when it takes a snapshot.
 */
struct vigil_cpu_slot {
	__u64 pending_syscalls;
	__u64 cgroup_id;    /* 0: idle task or not known yet (nothing is attributed) */
	__u64 switch_in_ns; /* bpf_ktime_get_ns() == CLOCK_MONOTONIC; 0 when not known yet */
	__u64 _pad[5];      /* a cache line per CPU */
};

#define VIGIL_SOCKADDR_MAX 112 /* >= sizeof(struct sockaddr_un) (110), a multiple of 8 */

/* Arguments of a tracked syscall, saved at entry (keyed by pid_tgid) and consumed at exit. */
struct vigil_pending {
	__u32 kind;   /* enum vigil_sc_kind */
	__u32 sc;     /* the event's syscall enum (vigil_open_syscall, vigil_sock_syscall, ...) */
	__u64 args[6];
	__u32 uid;    /* credentials before the call (setid family) */
	__u32 gid;
	__u32 euid;
	__u32 addrlen; /* connect: bytes of sockaddr copied */
	__u8 sockaddr[VIGIL_SOCKADDR_MAX];
};

#define VIGIL_COUNTERS_ENTRIES 16384
#define VIGIL_PENDING_ENTRIES 16384
#define VIGIL_PREFIX_ENTRIES 1024
#define VIGIL_IGNORED_TGID_ENTRIES 256

#endif /* VIGIL_INTERNAL_H */
