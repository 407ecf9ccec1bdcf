// SPDX-License-Identifier: Apache-2.0
/*
 * loader_snapshot.c — COUNTERS and STATS frames: the per-CPU maps summed (counters) or laid out
 * CPU-major (stats), all values cumulative.
 *
 * The hot path leaves syscall counts pending in a per-CPU slot until the next context switch; the
 * snapshot adds them (and the running task's on-CPU time so far) to the slot's cgroup. The counters map
 * is read BEFORE the slots: a flush racing with the snapshot can then only make this snapshot a little
 * low, never count something twice, so every counter stays monotonic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "vigil.skel.h"

static struct vigil_cgroup_counters *entries; /* VIGIL_COUNTERS_ENTRIES + one per CPU */
static size_t entries_cap;
static __u64 *batch_keys;
static struct vigil_counters *batch_vals;
static size_t batch_n;
static struct vigil_cpu_slot *slots;
static struct vigil_type_stats *stats_vals; /* ncpu */
static struct vigil_type_stats *stats_out;  /* ncpu * VIGIL_EV_TYPE_COUNT */

int snapshot_init(struct loader *L)
{
	size_t ncpu = (size_t)L->ncpu;
	entries_cap = VIGIL_COUNTERS_ENTRIES + ncpu;
	/* a batch of at most ~4 MiB of per-CPU values, whatever the CPU count */
	batch_n = (4u << 20) / (ncpu * sizeof(struct vigil_counters));
	if (batch_n < 1)
		batch_n = 1;
	if (batch_n > 1024)
		batch_n = 1024;
	entries = calloc(entries_cap, sizeof(*entries));
	batch_keys = calloc(batch_n, sizeof(*batch_keys));
	batch_vals = calloc(batch_n * ncpu, sizeof(*batch_vals));
	slots = calloc(ncpu, sizeof(*slots));
	stats_vals = calloc(ncpu, sizeof(*stats_vals));
	stats_out = calloc(ncpu * VIGIL_EV_TYPE_COUNT, sizeof(*stats_out));
	if (!entries || !batch_keys || !batch_vals || !slots || !stats_vals || !stats_out)
		return -ENOMEM;
	return 0;
}

void snapshot_free(void)
{
	free(entries);
	free(batch_keys);
	free(batch_vals);
	free(slots);
	free(stats_vals);
	free(stats_out);
	entries = NULL;
	batch_keys = NULL;
	batch_vals = NULL;
	slots = NULL;
	stats_vals = NULL;
	stats_out = NULL;
}

static void sum_into(struct vigil_cgroup_counters *e, __u64 cgid, const struct vigil_counters *percpu, int ncpu)
{
	memset(e, 0, sizeof(*e));
	e->cgroup_id = cgid;
	for (int c = 0; c < ncpu; c++) {
		const struct vigil_counters *v = &percpu[c];
		e->c.syscalls += v->syscalls;
		e->c.execs += v->execs;
		e->c.forks += v->forks;
		e->c.exits += v->exits;
		e->c.opens += v->opens;
		e->c.open_failures += v->open_failures;
		e->c.connects += v->connects;
		e->c.accepts += v->accepts;
		e->c.bytes_sent += v->bytes_sent;
		e->c.bytes_received += v->bytes_received;
		e->c.oncpu_ns += v->oncpu_ns;
	}
}

/* Batched read; returns entries read or -errno (-EINVAL/-ENOTSUP: batch ops unsupported). */
static long read_batched(int fd, int ncpu)
{
	__u64 cursor = 0;
	bool first = true;
	size_t n = 0;
	for (;;) {
		__u32 count = (__u32)batch_n;
		if (n + count > entries_cap)
			count = (__u32)(entries_cap - n);
		if (count == 0)
			return (long)n;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &cursor, &cursor, batch_keys, batch_vals, &count, NULL);
		int e = err ? errno : 0;
		if (err && e != ENOENT)
			return -e;
		for (__u32 i = 0; i < count; i++)
			sum_into(&entries[n++], batch_keys[i], &batch_vals[(size_t)i * (size_t)ncpu], ncpu);
		if (err) /* ENOENT: that was the last batch */
			return (long)n;
		first = false;
	}
}

static long read_one_by_one(int fd, int ncpu)
{
	__u64 key, next;
	size_t n = 0;
	int err = bpf_map_get_next_key(fd, NULL, &next);
	while (err == 0 && n < entries_cap) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, batch_vals) == 0)
			sum_into(&entries[n++], key, batch_vals, ncpu);
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	return (long)n;
}

static int by_cgroup(const void *a, const void *b)
{
	__u64 x = ((const struct vigil_cgroup_counters *)a)->cgroup_id;
	__u64 y = ((const struct vigil_cgroup_counters *)b)->cgroup_id;
	return x < y ? -1 : x > y;
}

void snapshot_counters(struct loader *L)
{
	int fd = bpf_map__fd(L->skel->maps.vigil_counters);
	long n = read_batched(fd, L->ncpu);
	if (n == -EINVAL || n == -ENOTSUP || n == -EOPNOTSUPP || n == -ENOSPC)
		n = read_one_by_one(fd, L->ncpu);
	if (n < 0) {
		out_log(VIGIL_LOG_ERROR, "counters snapshot failed: %s", strerror((int)-n));
		return;
	}
	qsort(entries, (size_t)n, sizeof(*entries), by_cgroup);

	/* what the hot path has not settled yet */
	__u32 zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(L->skel->maps.vigil_cpu_slots), &zero, slots) == 0) {
		__u64 now = now_mono_ns();
		size_t sorted = (size_t)n;
		for (int c = 0; c < L->ncpu; c++) {
			const struct vigil_cpu_slot *s = &slots[c];
			if (!s->cgroup_id)
				continue;
			struct vigil_cgroup_counters probe = { .cgroup_id = s->cgroup_id };
			struct vigil_cgroup_counters *e = bsearch(&probe, entries, sorted, sizeof(*entries), by_cgroup);
			if (!e) {
				for (size_t i = sorted; i < (size_t)n; i++)
					if (entries[i].cgroup_id == s->cgroup_id)
						e = &entries[i];
			}
			if (!e && (size_t)n < entries_cap) {
				e = &entries[n++];
				memset(e, 0, sizeof(*e));
				e->cgroup_id = s->cgroup_id;
			}
			if (!e)
				continue;
			e->c.syscalls += s->pending_syscalls;
			if (s->switch_in_ns && now > s->switch_in_ns)
				e->c.oncpu_ns += now - s->switch_in_ns;
		}
	}

	struct vigil_msg_counters m;
	uint32_t body = (uint32_t)((size_t)n * sizeof(*entries));
	out_msg_hdr(&m.hdr, VIGIL_MSG_COUNTERS, (uint32_t)sizeof(m) + body);
	m.count = (uint32_t)n;
	m._pad0 = 0;
	out_frame2(&m, sizeof(m), entries, body);
}

void snapshot_stats(struct loader *L)
{
	int fd = bpf_map__fd(L->skel->maps.vigil_stats);
	memset(stats_out, 0, (size_t)L->ncpu * VIGIL_EV_TYPE_COUNT * sizeof(*stats_out));
	for (__u32 t = 0; t < VIGIL_EV_TYPE_COUNT; t++) {
		if (bpf_map_lookup_elem(fd, &t, stats_vals) != 0)
			continue;
		for (int c = 0; c < L->ncpu; c++)
			stats_out[(size_t)c * VIGIL_EV_TYPE_COUNT + t] = stats_vals[c];
	}
	struct vigil_msg_stats m;
	uint32_t body = (uint32_t)((size_t)L->ncpu * VIGIL_EV_TYPE_COUNT * sizeof(*stats_out));
	out_msg_hdr(&m.hdr, VIGIL_MSG_STATS, (uint32_t)sizeof(m) + body);
	m.ncpu = (uint32_t)L->ncpu;
	m.ntypes = VIGIL_EV_TYPE_COUNT;
	out_frame2(&m, sizeof(m), stats_out, body);
}
