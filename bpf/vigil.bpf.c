// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil.bpf.c — the Vigil node sensor's programs. Each kernel hook has a tp_btf program and a raw_tp
 * fallback with the same logic; the loader picks what the running kernel accepts and reports the choice.
 * Event and map layouts: vigil_events.h (the contract with user space) and vigil_internal.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "vigil_events.h"
#include "vigil_internal.h"
#include "vigil_syscalls.h"
#include "vigil_kill.h"

#include "vigil_maps.bpf.h"
#include "vigil_emit.bpf.h"
#include "vigil_path.bpf.h"
#include "vigil_net.bpf.h"
#include "vigil_proc.bpf.h"
#include "vigil_sys.bpf.h"
#include "vigil_sched.bpf.h"
#include "vigil_kill.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- every syscall ---- */

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_enter_btf, struct pt_regs *regs, long id)
{
	count_syscall();
	kill_check(VIGIL_KILL_VIA_SYS_ENTER);
	if (sc_tracked(id))
		handle_tracked_enter(id, regs->di, regs->si, regs->dx, regs->r10);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vigil_enter_raw, struct pt_regs *regs, long id)
{
	count_syscall();
	kill_check(VIGIL_KILL_VIA_SYS_ENTER);
	if (sc_tracked(id))
		handle_tracked_enter(id, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx),
				     BPF_CORE_READ(regs, r10));
	return 0;
}

/* Only loaded when the per-syscall exit tracepoints are unusable: it runs on every syscall exit. */
SEC("tp_btf/sys_exit")
int BPF_PROG(vigil_exit_btf, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	if (!sc_exit_tracked(nr))
		return 0;
	struct sc_args sa = { { regs->di, regs->si, regs->dx, regs->r10 } };
	return handle_tracked_exit(nr, ret, &sa);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(vigil_exit_raw, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (!sc_exit_tracked(nr))
		return 0;
	struct sc_args sa = { { BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx),
				BPF_CORE_READ(regs, r10) } };
	return handle_tracked_exit(nr, ret, &sa);
}

/* ---- scheduler and processes ---- */

SEC("tp_btf/sched_switch")
int BPF_PROG(vigil_sw_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	/* direct (BTF) reads: this runs on every context switch */
	handle_switch(next->pid ? next->cgroups->dfl_cgrp->kn->id : 0);
	kill_check(VIGIL_KILL_VIA_SCHED_SWITCH); /* current is still prev here */
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(vigil_sw_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	handle_switch(BPF_CORE_READ(next, pid) ? BPF_CORE_READ(next, cgroups, dfl_cgrp, kn, id) : 0);
	kill_check(VIGIL_KILL_VIA_SCHED_SWITCH);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	exec_guard(p, bprm);
	return handle_exec(p, bprm);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vigil_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	exec_guard(p, bprm);
	return handle_exec(p, bprm);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vigil_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_pexit_btf, struct task_struct *p)
{
	kill_forget(p);
	return handle_exit(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vigil_pexit_raw, struct task_struct *p)
{
	kill_forget(p);
	return handle_exit(p);
}

/* ---- socket byte counters ---- */

SEC("tp_btf/sock_send_length")
int BPF_PROG(vigil_send_btf, struct sock *sk, int ret, int flags)
{
	return handle_sock_bytes(sk, ret, flags, 1);
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(vigil_send_raw, struct sock *sk, int ret, int flags)
{
	return handle_sock_bytes(sk, ret, flags, 1);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(vigil_recv_btf, struct sock *sk, int ret, int flags)
{
	return handle_sock_bytes(sk, ret, flags, 0);
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(vigil_recv_raw, struct sock *sk, int ret, int flags)
{
	return handle_sock_bytes(sk, ret, flags, 0);
}

/* ---- exits of tracked syscalls ---- */

/* The arguments come from the saved user registers (bpf_task_pt_regs), so no entry state is needed. */
#define SYS_EXIT(name, handler)                                                                            \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                         \
	int vigil_x_##name(struct trace_event_raw_sys_exit *ctx)                                           \
	{                                                                                                  \
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());    \
		struct sc_args sa = { { regs->di, regs->si, regs->dx, regs->r10 } };                       \
		return handler(ctx->ret, VIGIL_NR_##name, &sa);                                            \
	}

SYS_EXIT(open, handle_open_exit)
SYS_EXIT(creat, handle_open_exit)
SYS_EXIT(openat, handle_open_exit)
SYS_EXIT(openat2, handle_open_exit)
SYS_EXIT(connect, handle_connect_exit)
SYS_EXIT(accept, handle_accept_exit)
SYS_EXIT(accept4, handle_accept_exit)
SYS_EXIT(setuid, handle_setid_exit)
SYS_EXIT(setgid, handle_setid_exit)
SYS_EXIT(setreuid, handle_setid_exit)
SYS_EXIT(setregid, handle_setid_exit)
SYS_EXIT(setresuid, handle_setid_exit)
SYS_EXIT(setresgid, handle_setid_exit)
SYS_EXIT(setfsuid, handle_setid_exit)
SYS_EXIT(setfsgid, handle_setid_exit)
SYS_EXIT(ptrace, handle_ptrace_exit)
SYS_EXIT(mount, handle_mount_exit)
SYS_EXIT(init_module, handle_module_exit)
SYS_EXIT(finit_module, handle_module_exit)
