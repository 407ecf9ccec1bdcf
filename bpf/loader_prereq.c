// SPDX-License-Identifier: Apache-2.0
/*
 * loader_prereq.c — what must be true before anything is loaded. A missing prerequisite is reported in
 * ONE line on stderr and ends the loader with EXIT_PREREQ, which tells the supervisor not to restart:
 * retrying cannot make a kernel grow BTF or a container gain CAP_BPF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "loader.h"

#define TRACEFS_MAGIC_NR 0x74726163

static void missing(const char *what)
{
	fprintf(stderr, "vigil-loader: %s\n", what);
	exit(EXIT_PREREQ);
}

void prereq_check(void)
{
	unsigned int probe = 1;
	if (*(unsigned char *)&probe != 1)
		missing("big-endian host: the event format is little-endian only");

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		if (errno == ENOENT)
			missing("no BTF at /sys/kernel/btf/vmlinux (kernel built without CONFIG_DEBUG_INFO_BTF)");
		missing("cannot read /sys/kernel/btf/vmlinux (need root or CAP_SYS_ADMIN to read kernel BTF)");
	}

	/* The cheapest real bpf() call: a one-entry array map. */
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vigil_probe", 4, 4, 1, NULL);
	if (fd < 0) {
		int err = errno;
		if (err == EPERM || err == EACCES)
			missing("bpf() not permitted (need root, or CAP_BPF + CAP_PERFMON; check kernel.unprivileged_bpf_disabled "
				"and the container's seccomp profile)");
		if (err == ENOSYS)
			missing("bpf() not available (kernel built without CONFIG_BPF_SYSCALL)");
		if (err == ENOMEM) {
			fprintf(stderr, "vigil-loader: cannot create even a tiny BPF map: out of memory (memlock or memory cgroup limit)\n");
			exit(EXIT_FATAL);
		}
		fprintf(stderr, "vigil-loader: bpf() map creation failed: %s\n", strerror(err));
		exit(EXIT_FATAL);
	}
	close(fd);
}

static bool is_fs(const char *path, long magic)
{
	struct statfs st;
	return statfs(path, &st) == 0 && (long)st.f_type == magic;
}

/*
 * Tracepoint attachment reads event ids from tracefs. libbpf looks at /sys/kernel/debug/tracing first
 * when it exists (debugfs mounted), else /sys/kernel/tracing, so mount the latter if neither is there.
 * Without tracefs only the per-syscall exit hooks are lost; the caller falls back and says so.
 */
bool prereq_tracefs(char *why, size_t why_len)
{
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return true;
	if (is_fs("/sys/kernel/tracing", TRACEFS_MAGIC_NR))
		return true;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0)
		return true;
	snprintf(why, why_len, "tracefs is not mounted and mounting it on /sys/kernel/tracing failed: %s",
		 strerror(errno));
	return false;
}
