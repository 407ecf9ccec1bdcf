/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * vigil_kill.h — the kill path's map values, shared by the BPF programs and the loader only. Nothing here
 * crosses to the exporter as bytes: the loader turns notices into LOG lines (see loader_kill.c), so this is
 * deliberately not part of vigil_events.h's contract.
 *
 * Needs __u64 & co. from vmlinux.h (BPF side) or <linux/types.h> (loader side).
 */
#ifndef VIGIL_KILL_H
#define VIGIL_KILL_H

#define VIGIL_KILL_ENTRIES 1024      /* processes armed at once */
#define VIGIL_KILL_NOTICES 1024      /* outcomes waiting for the loader */
#define VIGIL_EXEC_KILL_ENTRIES 256  /* exe path prefixes of the exec guard */

/* An armed kill, keyed by tgid. Whoever deletes the entry first (a BPF program or the loader's fallback)
 * owns the delivery: a hash-map delete succeeds exactly once, so the signal is sent exactly once. */
struct vigil_kill_arm {
	__u64 expires_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) after which the entry is void */
	__u32 signal;
	__u32 _pad0;
};

enum vigil_kill_via {
	VIGIL_KILL_VIA_SYS_ENTER = 1,    /* a thread of the process entered a syscall */
	VIGIL_KILL_VIA_SCHED_SWITCH = 2, /* a thread of the process left a CPU */
	VIGIL_KILL_VIA_EXEC = 3,         /* the exec guard: a matching program was exec'd */
	VIGIL_KILL_VIA_EXIT = 4,         /* the process exited before anything was delivered */
	VIGIL_KILL_VIA_EXPIRED = 5,      /* found past its expiry: nothing sent */
};

enum vigil_kill_refusal {
	VIGIL_KILL_SENT = 0,
	VIGIL_KILL_REFUSED_INIT = 1,          /* pid 1 of the initial pid namespace (or the idle task) */
	VIGIL_KILL_REFUSED_KTHREAD = 2,       /* a kernel thread */
	VIGIL_KILL_REFUSED_LOADER = 3,        /* the loader itself */
	VIGIL_KILL_REFUSED_IGNORED = 4,       /* in vigil_ignored_tgids (Vigil) */
	VIGIL_KILL_REFUSED_KTHREAD_CHILD = 5, /* exec guard: a usermode helper started by a kernel thread */
	VIGIL_KILL_REFUSED_PARENT = 6,        /* the loader's parent: the exporter that started it */
};

/* Bits of an exec-guard prefix's value: where it applies. */
enum vigil_exec_kill_scope {
	VIGIL_EXEC_KILL_CONTAINERS = 1 << 0, /* tasks outside the initial pid namespace */
	VIGIL_EXEC_KILL_HOST = 1 << 1,       /* tasks in the initial pid namespace */
};

/* What a BPF program did about a kill, queued for the loader. */
struct vigil_kill_notice {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u32 tgid;
	__u32 tid;
	__u32 signal;
	__u32 via;     /* enum vigil_kill_via */
	__u32 refused; /* enum vigil_kill_refusal */
	__s32 err;     /* bpf_send_signal()'s result when sent: 0 = queued for the task */
	char comm[16];
};

#endif /* VIGIL_KILL_H */
