/* SPDX-License-Identifier: GPL-2.0-only */
/* vigil_emit.bpf.h — the common part of every event: filters, the header, statistics, ring-buffer output. */
#ifndef VIGIL_EMIT_BPF_H
#define VIGIL_EMIT_BPF_H

static const __u32 vigil_zero = 0;

static __always_inline struct vigil_scratch *scratch_area(void)
{
	return bpf_map_lookup_elem(&vigil_scratch, &vigil_zero);
}

static __always_inline struct vigil_filter_config *filter_config(void)
{
	return bpf_map_lookup_elem(&vigil_config, &vigil_zero);
}

enum vigil_stat_field { STAT_EMITTED, STAT_DROPPED, STAT_FILTERED };

static __always_inline void stat_inc(__u32 type, enum vigil_stat_field field)
{
	struct vigil_type_stats *s = bpf_map_lookup_elem(&vigil_stats, &type);
	if (!s)
		return;
	/* per-CPU value and BPF programs do not migrate: a plain increment is enough */
	if (field == STAT_EMITTED)
		s->emitted++;
	else if (field == STAT_DROPPED)
		s->dropped++;
	else
		s->filtered++;
}

static __always_inline int tgid_ignored(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&vigil_ignored_tgids, &tgid) != NULL;
}

/* Type enabled and the current process not ignored? Counts the suppression as "filtered" when not. */
static __always_inline int want(__u32 type)
{
	struct vigil_filter_config *cfg = filter_config();
	if (!cfg || !(cfg->event_mask & (1ULL << type)) || tgid_ignored()) {
		stat_inc(type, STAT_FILTERED);
		return 0;
	}
	return 1;
}

/* ---- per-cgroup counters ---- */

static __always_inline struct vigil_counters *counters_of(__u64 cgid)
{
	struct vigil_counters *c = bpf_map_lookup_elem(&vigil_counters, &cgid);
	if (c)
		return c;
	struct vigil_counters fresh = {};
	bpf_map_update_elem(&vigil_counters, &cgid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&vigil_counters, &cgid);
}

static __always_inline struct vigil_counters *current_counters(void)
{
	return counters_of(bpf_get_current_cgroup_id());
}

/* ---- task facts ---- */

/* The pid namespace the current task lives in (not nsproxy->pid_ns_for_children). Direct (BTF) loads where
 * the path is fixed; the numbers[level] slot needs one helper read. */
static __always_inline __u32 current_pidns(struct task_struct *t)
{
	struct pid *pid = t->thread_pid;
	if (!pid)
		return 0;
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[pid->level & 31]);
	return BPF_CORE_READ(up.ns, ns.inum);
}

static __always_inline __u32 current_mntns(struct task_struct *t)
{
	struct nsproxy *ns = t->nsproxy; /* NULL once an exiting task dropped its namespaces */
	if (!ns)
		return 0;
	return ns->mnt_ns->ns.inum;
}

static __always_inline void fill_hdr(struct vigil_hdr *h, __u32 type, __u32 size)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 ugid = bpf_get_current_uid_gid();

	h->ts_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->type = type;
	h->size = size;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = (__u32)ugid;
	h->gid = ugid >> 32;
	h->mntns = current_mntns(t);
	h->pidns = current_pidns(t);
	h->cpu = bpf_get_smp_processor_id();
	h->flags = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * Copy the assembled record to the ring buffer. Wakeups are what make a ring buffer expensive (~10 us
 * each here), so the consumer is only woken once wakeup_bytes are pending; it also polls on a short
 * timeout, which bounds the latency of a quiet stream.
 */
static __always_inline void submit(void *ev, __u32 size, __u32 type)
{
	struct vigil_filter_config *cfg = filter_config();
	__u64 wake = cfg ? cfg->wakeup_bytes : 0;
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&vigil_events, BPF_RB_AVAIL_DATA) + size >= wake)
		flags = BPF_RB_FORCE_WAKEUP;
	if (size > VIGIL_MAX_EVENT)
		size = VIGIL_MAX_EVENT;
	/* clang may test one copy of size and pass another: bound the register actually passed */
	asm volatile("%[s] &= 0x1fff" : [s] "+r"(size));
	if (bpf_ringbuf_output(&vigil_events, ev, size, flags) == 0)
		stat_inc(type, STAT_EMITTED);
	else
		stat_inc(type, STAT_DROPPED);
}

/* ---- strings after the fixed part ---- */

/* Offsets into the scratch event are kept below VIGIL_MAX_EVENT by masking: with the scratch buffer twice
 * that size, "offset + length <= 2 * VIGIL_MAX_EVENT" holds for every bounded copy below. */
static __always_inline __u32 ev_off(__u32 off)
{
	/* in asm so that clang, which can often prove the bound itself, cannot drop the mask the verifier needs */
	asm volatile("%[o] &= %[m]" : [o] "+r"(off) : [m] "i"(VIGIL_MAX_EVENT - 1));
	return off;
}
#define EV_OFF(off) ev_off(off)

/*
 * Append a NUL-terminated kernel or user string of at most `max` bytes (without the NUL). Returns the
 * bytes kept; sets *truncated when the source was longer. One byte more than max is read so that a string
 * of exactly max bytes is not mistaken for a cut one.
 */
static __always_inline __u32 put_str(__u8 *ev, __u32 off, const void *src, __u32 max, int user, int *truncated)
{
	if (!src)
		return 0;
	long n;
	if (user)
		n = bpf_probe_read_user_str(ev + EV_OFF(off), max + 1, src);
	else
		n = bpf_probe_read_kernel_str(ev + EV_OFF(off), max + 1, src);
	if (n <= 1)
		return 0;
	n -= 1; /* the NUL */
	if (n >= max) {
		*truncated = 1;
		n = max;
	}
	return n;
}

/* Append `len` raw user bytes, at most max. */
static __always_inline __u32 put_user_bytes(__u8 *ev, __u32 off, const void *src, __u64 len, __u32 max,
					    int *truncated)
{
	if (!src || len == 0)
		return 0;
	if (len > max) {
		len = max;
		*truncated = 1;
	}
	__u32 n = len;
	asm volatile("%[n] &= 0x7ff" : [n] "+r"(n)); /* max <= VIGIL_ARGV_MAX: keeps the bound visible */
	if (n > max)
		return 0;
	if (bpf_probe_read_user(ev + EV_OFF(off), n, src) != 0)
		return 0;
	return n;
}

#endif /* VIGIL_EMIT_BPF_H */
