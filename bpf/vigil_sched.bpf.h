/* SPDX-License-Identifier: GPL-2.0-only */
/* vigil_sched.bpf.h — context switches: where the hot path's pending syscall counts are settled. */
#ifndef VIGIL_SCHED_BPF_H
#define VIGIL_SCHED_BPF_H

/*
 * Runs in the context of prev. Everything counted on this CPU since the last switch belongs to the task
 * switched in then, whose cgroup the slot remembers; settle it and start over for next (0 for the idle
 * task, whose time and syscalls are not attributed).
 */
static __always_inline void handle_switch(__u64 next_cgroup_id)
{
	struct vigil_cpu_slot *slot = bpf_map_lookup_elem(&vigil_cpu_slots, &vigil_zero);
	if (!slot)
		return;
	__u64 now = bpf_ktime_get_ns();
	if (slot->cgroup_id) {
		struct vigil_counters *c = counters_of(slot->cgroup_id);
		if (c) {
			c->syscalls += slot->pending_syscalls;
			if (slot->switch_in_ns && now > slot->switch_in_ns)
				c->oncpu_ns += now - slot->switch_in_ns;
		}
	}
	slot->pending_syscalls = 0;
	slot->cgroup_id = next_cgroup_id;
	slot->switch_in_ns = now;
}

#endif /* VIGIL_SCHED_BPF_H */
