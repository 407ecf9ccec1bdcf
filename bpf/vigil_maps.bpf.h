/* SPDX-License-Identifier: GPL-2.0-only */
/* vigil_maps.bpf.h — every map of the sensor. Sizes the loader may change are set before load. */
#ifndef VIGIL_MAPS_BPF_H
#define VIGIL_MAPS_BPF_H

/* Events to user space. max_entries is replaced by the loader (--ringbuf-bytes). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} vigil_events SEC(".maps");

/* Cumulative per-cgroup counters; LRU so a node with churning cgroups never runs out of entries. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VIGIL_COUNTERS_ENTRIES);
	__type(key, __u64);
	__type(value, struct vigil_counters);
} vigil_counters SEC(".maps");

/* The hot-path slot (see vigil_internal.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_cpu_slot);
} vigil_cpu_slots SEC(".maps");

/* emitted / dropped / filtered per event type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_EV_TYPE_COUNT);
	__type(key, __u32);
	__type(value, struct vigil_type_stats);
} vigil_stats SEC(".maps");

/* Filter configuration, written by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_filter_config);
} vigil_config SEC(".maps");

/* Path prefixes an open must match when open_mode == VIGIL_OPEN_PREFIXES. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VIGIL_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_prefix_key);
	__type(value, __u8);
} vigil_open_prefixes SEC(".maps");

/* Processes whose events are never emitted (Vigil itself): tgid -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_IGNORED_TGID_ENTRIES);
	__type(key, __u32);
	__type(value, __u8);
} vigil_ignored_tgids SEC(".maps");

/* Arguments of tracked syscalls between entry and exit, per thread. LRU: a thread that never returns
 * (killed in a blocking call without an exit event) cannot leak an entry forever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VIGIL_PENDING_ENTRIES);
	__type(key, __u64);
	__type(value, struct vigil_pending);
} vigil_pending SEC(".maps");

/*
 * Per-CPU scratch space: an event is assembled here and copied to the ring buffer in one go with its
 * exact size. Twice VIGIL_MAX_EVENT so that "masked offset + bounded length" always stays inside the
 * value, which is how the verifier is convinced that string copies cannot overflow.
 */
#define VIGIL_PATH_DEPTH 64 /* directory components walked for one path */
struct vigil_scratch {
	__u8 ev[VIGIL_MAX_EVENT * 2];
	struct vigil_prefix_key key;
	const unsigned char *names[VIGIL_PATH_DEPTH];
	__u32 lens[VIGIL_PATH_DEPTH];
	/* Loop state of the path walk kept in map memory on purpose: a value read back from a map is an
	 * unknown scalar to the verifier, so it checks the loops once instead of once per exact count. */
	__u32 depth;
	__u32 _pad0;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_scratch);
} vigil_scratch SEC(".maps");

/* Syscalls whose entry is recorded (connect, the setid family): set by the loader to those whose exit is
 * handled, so an entry never waits for an exit that will not come. */
__u64 vigil_sc_bitmap[VIGIL_SC_BITMAP_WORDS] SEC(".bss");
/* Syscalls the generic sys_exit program handles: those whose own exit tracepoint is not attached. */
__u64 vigil_sc_exit_bitmap[VIGIL_SC_BITMAP_WORDS] SEC(".bss");

#endif /* VIGIL_MAPS_BPF_H */
