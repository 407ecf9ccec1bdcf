/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil_kill.bpf.h — the response path: signals sent from the kernel, in the target's own context.
 *
 * Armed kills: the loader puts tgid -> {signal, expiry} in vigil_kill_armed. The next time a thread of that
 * process enters a syscall (sys_enter) or leaves a CPU (sched_switch, where current is still the task being
 * switched out), bpf_send_signal() signals the whole process and the entry is deleted. Expired entries and
 * entries of processes that exit first are dropped. Every outcome is queued in vigil_kill_notices.
 *
 * Exec guard: exe path prefixes in vigil_exec_kill; a process whose exec'd executable matches gets SIGKILL
 * at sched_process_exec, after the new image is in place and before it runs its first instruction (the
 * signal is acted on when the task returns to user space).
 *
 * The hot paths pay one load and one branch while nothing is armed: vigil_kill_armed_count and
 * vigil_exec_kill_count are kept by the loader and tested before any map lookup.
 *
 * Never signalled, whatever the maps say: pid 1 of the initial pid namespace, the idle task, kernel
 * threads, the loader and its parent (the exporter), processes in vigil_ignored_tgids; for the exec guard also children of kernel
 * threads (usermode helpers such as modprobe or a core-dump handler). The kernel's bpf_send_signal() itself
 * also refuses init and kernel threads.
 */
#ifndef VIGIL_KILL_BPF_H
#define VIGIL_KILL_BPF_H

#define VIGIL_PF_EXITING 0x00000004
#define VIGIL_PF_KTHREAD 0x00200000
#define VIGIL_SIGKILL 9

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_KILL_ENTRIES);
	__type(key, __u32);
	__type(value, struct vigil_kill_arm);
} vigil_kill_armed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, VIGIL_KILL_NOTICES);
	__type(value, struct vigil_kill_notice);
} vigil_kill_notices SEC(".maps");

/* exe path prefix -> enum vigil_exec_kill_scope bits */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VIGIL_EXEC_KILL_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_prefix_key);
	__type(value, __u8);
} vigil_exec_kill SEC(".maps");

/* Written by the loader only. */
__u32 vigil_kill_armed_count SEC(".bss"); /* entries in vigil_kill_armed (0: skip the lookup) */
__u32 vigil_exec_kill_count SEC(".bss");  /* prefixes in vigil_exec_kill (0: no exec guard) */
__u32 vigil_loader_tgid SEC(".bss");
__u32 vigil_loader_parent_tgid SEC(".bss");
/* Written by the programs only. */
__u64 vigil_kill_notices_lost SEC(".bss"); /* the notice queue was full */

static __always_inline __u32 kill_refusal(struct task_struct *t, __u32 tgid)
{
	if (tgid <= 1)
		return VIGIL_KILL_REFUSED_INIT;
	if (BPF_CORE_READ(t, flags) & VIGIL_PF_KTHREAD)
		return VIGIL_KILL_REFUSED_KTHREAD;
	if (tgid == vigil_loader_tgid)
		return VIGIL_KILL_REFUSED_LOADER;
	if (tgid == vigil_loader_parent_tgid)
		return VIGIL_KILL_REFUSED_PARENT;
	if (bpf_map_lookup_elem(&vigil_ignored_tgids, &tgid))
		return VIGIL_KILL_REFUSED_IGNORED;
	return VIGIL_KILL_SENT;
}

static __always_inline void kill_notify(struct vigil_kill_notice *n)
{
	if (bpf_map_push_elem(&vigil_kill_notices, n, 0) != 0)
		__sync_fetch_and_add(&vigil_kill_notices_lost, 1);
}

/* Deliver the kill armed for the current process, if any. `via` says where we are. */
static __noinline int vigil_kill_current(__u32 via)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct vigil_kill_arm *a = bpf_map_lookup_elem(&vigil_kill_armed, &tgid);
	if (!a)
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	/* an exiting thread can no longer be signalled (-EPERM): leave the entry to another thread, or to
	 * the exit of the last one */
	if (BPF_CORE_READ(t, flags) & VIGIL_PF_EXITING)
		return 0;
	__u32 sig = a->signal;
	__u64 expires = a->expires_ns;
	if (bpf_map_delete_elem(&vigil_kill_armed, &tgid) != 0)
		return 0; /* another CPU or the loader took it first */

	struct vigil_kill_notice n = {};
	n.ts_ns = bpf_ktime_get_ns();
	n.tgid = tgid;
	n.tid = (__u32)pid_tgid;
	n.signal = sig;
	n.via = via;
	bpf_get_current_comm(n.comm, sizeof(n.comm));
	if (n.ts_ns > expires) {
		n.via = VIGIL_KILL_VIA_EXPIRED;
	} else {
		n.refused = kill_refusal(t, tgid);
		if (n.refused == VIGIL_KILL_SENT)
			n.err = bpf_send_signal(sig);
	}
	kill_notify(&n);
	return 0;
}

/* sys_enter and sched_switch: one load and a branch unless a kill is armed somewhere. */
static __always_inline void kill_check(__u32 via)
{
	if (vigil_kill_armed_count)
		vigil_kill_current(via);
}

/* The last thread of p is exiting: an entry left for it would otherwise outlive it and could hit a later
 * process that reuses the pid. */
static __always_inline void kill_forget(struct task_struct *p)
{
	if (!vigil_kill_armed_count)
		return;
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return;
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct vigil_kill_arm *a = bpf_map_lookup_elem(&vigil_kill_armed, &tgid);
	if (!a)
		return;
	__u32 sig = a->signal;
	if (bpf_map_delete_elem(&vigil_kill_armed, &tgid) != 0)
		return;
	struct vigil_kill_notice n = {};
	n.ts_ns = bpf_ktime_get_ns();
	n.tgid = tgid;
	n.tid = BPF_CORE_READ(p, pid);
	n.signal = sig;
	n.via = VIGIL_KILL_VIA_EXIT;
	bpf_get_current_comm(n.comm, sizeof(n.comm));
	kill_notify(&n);
}

/* The exec guard, at sched_process_exec (current == p, the new image is installed). */
static __noinline int vigil_exec_guard(struct task_struct *p, struct linux_binprm *bprm)
{
	struct vigil_scratch *s = scratch_area();
	if (!s || !p || !bprm)
		return 0;
	int trunc = 0;
	__u32 n = put_file_path(s, 0, BPF_CORE_READ(bprm, file), &trunc);
	if (n > VIGIL_PREFIX_MAX)
		n = VIGIL_PREFIX_MAX;
	asm volatile("%[n] &= 0x1ff" : [n] "+r"(n));
	if (n > VIGIL_PREFIX_MAX)
		return 0;
	s->key.prefixlen = n * 8;
	bpf_probe_read_kernel(s->key.path, n, s->ev);
	__u8 *scope = bpf_map_lookup_elem(&vigil_exec_kill, &s->key);
	if (!scope)
		return 0;
	int in_init_pidns = BPF_CORE_READ(p, thread_pid, level) == 0;
	if (!(*scope & (in_init_pidns ? VIGIL_EXEC_KILL_HOST : VIGIL_EXEC_KILL_CONTAINERS)))
		return 0;

	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct vigil_kill_notice ev = {};
	ev.ts_ns = bpf_ktime_get_ns();
	ev.tgid = tgid;
	ev.tid = (__u32)pid_tgid;
	ev.signal = VIGIL_SIGKILL;
	ev.via = VIGIL_KILL_VIA_EXEC;
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	ev.refused = kill_refusal(p, tgid);
	if (ev.refused == VIGIL_KILL_SENT && (BPF_CORE_READ(p, real_parent, flags) & VIGIL_PF_KTHREAD))
		ev.refused = VIGIL_KILL_REFUSED_KTHREAD_CHILD;
	if (ev.refused == VIGIL_KILL_SENT)
		ev.err = bpf_send_signal(VIGIL_SIGKILL);
	kill_notify(&ev);
	return 0;
}

static __always_inline void exec_guard(struct task_struct *p, struct linux_binprm *bprm)
{
	if (vigil_exec_kill_count)
		vigil_exec_guard(p, bprm);
}

#endif /* VIGIL_KILL_BPF_H */
