// SPDX-License-Identifier: Apache-2.0
/*
 * vigil-layout — prints the byte layout of vigil_events.h as JSON, for the TypeScript decoder's test:
 *   {"abi":1,"constants":{"VIGIL_EV_EXEC":1,...},"structs":{"vigil_hdr":{"size":72,"fields":{
 *     "ts_ns":{"offset":0,"size":8},...}},...}}
 * Constants and the list of structs are generated from the header (layout_constants.awk); the fields
 * are listed here and checked to cover every byte of their struct, so a field added to the header
 * without being added here makes this program fail instead of printing a silently incomplete layout.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>

#include "vigil_events.h"

struct field {
	const char *name;
	size_t offset;
	size_t size;
};

#define F(st, f) { #f, offsetof(struct st, f), sizeof(((struct st *)0)->f) }
#define END { NULL, 0, 0 }

static const struct field fields_vigil_hdr[] = {
	F(vigil_hdr, ts_ns), F(vigil_hdr, cgroup_id), F(vigil_hdr, type), F(vigil_hdr, size), F(vigil_hdr, pid),
	F(vigil_hdr, tid), F(vigil_hdr, uid), F(vigil_hdr, gid), F(vigil_hdr, mntns), F(vigil_hdr, pidns),
	F(vigil_hdr, cpu), F(vigil_hdr, flags), F(vigil_hdr, comm), END,
};
static const struct field fields_vigil_exec[] = {
	F(vigil_exec, hdr), F(vigil_exec, ppid), F(vigil_exec, loginuid), F(vigil_exec, euid), F(vigil_exec, egid),
	F(vigil_exec, tty), F(vigil_exec, flags), F(vigil_exec, cap_effective), F(vigil_exec, cap_permitted),
	F(vigil_exec, start_ns), F(vigil_exec, exe_len), F(vigil_exec, filename_len), F(vigil_exec, argv_len),
	F(vigil_exec, cwd_len), F(vigil_exec, env_len), F(vigil_exec, _pad0), END,
};
static const struct field fields_vigil_fork[] = {
	F(vigil_fork, hdr), F(vigil_fork, child_pid), F(vigil_fork, child_tid), F(vigil_fork, clone_flags_thread),
	F(vigil_fork, _pad0), END,
};
static const struct field fields_vigil_exit[] = {
	F(vigil_exit, hdr), F(vigil_exit, exit_code), F(vigil_exit, signal), F(vigil_exit, core_dumped),
	F(vigil_exit, _pad0), END,
};
static const struct field fields_vigil_open[] = {
	F(vigil_open, hdr), F(vigil_open, res), F(vigil_open, flags), F(vigil_open, mode), F(vigil_open, syscall),
	F(vigil_open, i_mode), F(vigil_open, dev), F(vigil_open, ino), F(vigil_open, path_len), F(vigil_open, _pad0), END,
};
static const struct field fields_vigil_sock[] = {
	F(vigil_sock, hdr), F(vigil_sock, res), F(vigil_sock, syscall), F(vigil_sock, fd), F(vigil_sock, family),
	F(vigil_sock, sock_type), F(vigil_sock, protocol), F(vigil_sock, _pad0), F(vigil_sock, sport),
	F(vigil_sock, dport), F(vigil_sock, path_len), F(vigil_sock, _pad1), F(vigil_sock, saddr), F(vigil_sock, daddr), END,
};
static const struct field fields_vigil_setid[] = {
	F(vigil_setid, hdr), F(vigil_setid, res), F(vigil_setid, syscall), F(vigil_setid, id0), F(vigil_setid, id1),
	F(vigil_setid, id2), F(vigil_setid, euid_before), F(vigil_setid, _pad0), END,
};
static const struct field fields_vigil_ptrace[] = {
	F(vigil_ptrace, hdr), F(vigil_ptrace, res), F(vigil_ptrace, request), F(vigil_ptrace, target_pid),
	F(vigil_ptrace, _pad0), END,
};
static const struct field fields_vigil_mount[] = {
	F(vigil_mount, hdr), F(vigil_mount, res), F(vigil_mount, flags), F(vigil_mount, source_len),
	F(vigil_mount, target_len), F(vigil_mount, fstype_len), F(vigil_mount, _pad0), END,
};
static const struct field fields_vigil_module[] = {
	F(vigil_module, hdr), F(vigil_module, res), F(vigil_module, syscall), F(vigil_module, fd),
	F(vigil_module, args_len), F(vigil_module, _pad0), END,
};
static const struct field fields_vigil_counters[] = {
	F(vigil_counters, syscalls), F(vigil_counters, execs), F(vigil_counters, forks), F(vigil_counters, exits),
	F(vigil_counters, opens), F(vigil_counters, open_failures), F(vigil_counters, connects),
	F(vigil_counters, accepts), F(vigil_counters, bytes_sent), F(vigil_counters, bytes_received),
	F(vigil_counters, oncpu_ns), F(vigil_counters, _reserved), END,
};
static const struct field fields_vigil_cgroup_counters[] = {
	F(vigil_cgroup_counters, cgroup_id), F(vigil_cgroup_counters, c), END,
};
static const struct field fields_vigil_msg_counters[] = {
	F(vigil_msg_counters, hdr), F(vigil_msg_counters, count), F(vigil_msg_counters, _pad0), END,
};
static const struct field fields_vigil_type_stats[] = {
	F(vigil_type_stats, emitted), F(vigil_type_stats, dropped), F(vigil_type_stats, filtered), END,
};
static const struct field fields_vigil_msg_stats[] = {
	F(vigil_msg_stats, hdr), F(vigil_msg_stats, ncpu), F(vigil_msg_stats, ntypes), END,
};
static const struct field fields_vigil_msg_hello[] = {
	F(vigil_msg_hello, hdr), F(vigil_msg_hello, abi_version), F(vigil_msg_hello, ncpu),
	F(vigil_msg_hello, realtime_offset_ns), F(vigil_msg_hello, json_len), F(vigil_msg_hello, _pad0), END,
};
static const struct field fields_vigil_msg_log[] = {
	F(vigil_msg_log, hdr), F(vigil_msg_log, level), F(vigil_msg_log, text_len), END,
};
static const struct field fields_vigil_filter_config[] = {
	F(vigil_filter_config, event_mask), F(vigil_filter_config, open_mode), F(vigil_filter_config, open_writes),
	F(vigil_filter_config, open_failed), F(vigil_filter_config, capture_env), F(vigil_filter_config, emit_threads),
	F(vigil_filter_config, wakeup_bytes), END,
};
static const struct field fields_vigil_prefix_key[] = {
	F(vigil_prefix_key, prefixlen), F(vigil_prefix_key, path), END,
};

struct constant {
	const char *name;
	long long value;
};

struct layout {
	const char *name;
	size_t size;
	const struct field *fields;
};

static const struct constant constants[] = {
#define C(n) { #n, (long long)(n) },
#define S(n)
#include "layout_constants.h"
#undef C
#undef S
};

/* An S(name) without a fields_name table above does not compile: no struct can be forgotten. */
static const struct layout structs[] = {
#define C(n)
#define S(n) { #n, sizeof(struct n), fields_##n },
#include "layout_constants.h"
#undef C
#undef S
};

/* Every byte of the struct belongs to exactly one listed field, in declaration order. */
static int check_coverage(const struct layout *l)
{
	size_t end = 0;
	for (const struct field *f = l->fields; f->name; f++) {
		if (f->offset != end) {
			fprintf(stderr, "vigil-layout: struct %s: field %s at %zu, expected %zu (a field is missing here)\n",
				l->name, f->name, f->offset, end);
			return -1;
		}
		end = f->offset + f->size;
	}
	if (end != l->size) {
		fprintf(stderr, "vigil-layout: struct %s: fields end at %zu of %zu bytes (a field is missing at the end)\n",
			l->name, end, l->size);
		return -1;
	}
	return 0;
}

int main(void)
{
	size_t nc = sizeof(constants) / sizeof(constants[0]), ns = sizeof(structs) / sizeof(structs[0]);
	for (size_t i = 0; i < ns; i++)
		if (check_coverage(&structs[i]) != 0)
			return 1;

	printf("{\"abi\":%d,\"constants\":{", VIGIL_ABI_VERSION);
	for (size_t i = 0; i < nc; i++)
		printf("%s\"%s\":%lld", i ? "," : "", constants[i].name, constants[i].value);
	printf("},\"structs\":{");
	for (size_t i = 0; i < ns; i++) {
		printf("%s\"%s\":{\"size\":%zu,\"fields\":{", i ? "," : "", structs[i].name, structs[i].size);
		for (const struct field *f = structs[i].fields; f->name; f++)
			printf("%s\"%s\":{\"offset\":%zu,\"size\":%zu}", f == structs[i].fields ? "" : ",", f->name, f->offset,
			       f->size);
		printf("}}");
	}
	printf("}}\n");
	return 0;
}
