// SPDX-License-Identifier: Apache-2.0
/*
 * loader_kill.c — the loader's half of the response path (the kernel half is vigil_kill.bpf.h).
 *
 *   kill <tgid> <signal> [start=<ticks>] [fallback=<ms>]
 *       Arm: the next syscall entry or context switch of any thread of <tgid> signals the process from the
 *       kernel, in its own context. start=: the process's start time (field 22 of /proc/<tgid>/stat); a
 *       different one means the pid now names another process and the command fails. fallback= (default
 *       100, 0 = never, at most 10000): a process that neither enters a syscall nor leaves a CPU in that
 *       time (asleep in a blocking call) is signalled by the loader through a pidfd, which names exactly
 *       the process that was armed. Entries expire after 10 s.
 *   kill-cancel <tgid>      disarm one process
 *   kill-clear              disarm all
 *   exec-kill-add <prefix>  SIGKILL every exec, in a container (outside the initial pid namespace), whose
 *                           resolved executable path starts with <prefix>, before its first instruction
 *   exec-kill-add-host <prefix>   the same, on the host too
 *   exec-kill-del <prefix>  exec-kill-clear
 *
 * Refused at once: pid 1, the loader and its parent (the exporter), kernel threads, ignored processes (ignore-tgid), processes that do not
 * exist. The BPF side checks again at delivery. Each outcome is reported as one LOG line, never starting
 * with "ok " or "error " (those are command replies):
 *   kill <tgid> <sig>: delivered at sys_enter|sched_switch (tid T, comm C)
 *   kill <tgid> <sig>: delivered by pidfd after N ms (no syscall entry or context switch meanwhile)
 *   kill <tgid> <sig>: refused in the kernel: <reason>      kill <tgid> <sig>: refused: <reason>
 *   kill <tgid> <sig>: failed: <reason>                     kill <tgid> <sig>: exited before delivery
 *   kill <tgid> <sig>: expired after N ms without delivery
 *   exec-kill <tgid>: killed at exec (comm C)               exec-kill <tgid>: refused in the kernel: <reason>
 *   exec-kill <tgid>: failed: <reason>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "vigil_kill.h"
#include "vigil.skel.h"

#define PID_LIMIT 4194304u
#define KTHREAD_FLAG 0x00200000u /* PF_KTHREAD */
#define TTL_NS (10ull * 1000000000ull)
#define DEFAULT_FALLBACK_MS 100u
#define MAX_FALLBACK_MS 10000u
#define NOTICE_GRACE_NS 1000000000ull /* how long to wait for a notice the kernel owes us */
#define NOTICE_POLL_MS 10

struct armed {
	bool used;
	bool claimed_elsewhere; /* a BPF program deleted the entry: its notice is on the way */
	uint32_t tgid;
	uint32_t sig;
	int pidfd;
	uint64_t armed_ns;
	uint64_t fallback_ns; /* absolute CLOCK_MONOTONIC; 0: no fallback */
	uint64_t expires_ns;
};

static struct armed table[VIGIL_KILL_ENTRIES];
static uint32_t narmed;
static uint32_t nexec;
static uint64_t lost_reported;

/* ---- replies (same shape as loader_control.c's) ---- */

static bool ok(const char *line)
{
	out_log(VIGIL_LOG_INFO, "ok %s", line);
	return true;
}

static bool fail(const char *line, const char *why)
{
	out_log(VIGIL_LOG_WARN, "error %s: %s", line, why);
	return true;
}

static bool fail_errno(const char *line, const char *what, int err)
{
	char why[160];
	snprintf(why, sizeof(why), "%s: %s", what, strerror(err < 0 ? -err : err));
	return fail(line, why);
}

/* ---- helpers ---- */

static int map_fd(struct loader *L)
{
	return bpf_map__fd(L->skel->maps.vigil_kill_armed);
}

static void publish_counts(struct loader *L)
{
	L->skel->bss->vigil_kill_armed_count = narmed;
	L->skel->bss->vigil_exec_kill_count = nexec;
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool ignored(struct loader *L, uint32_t tgid)
{
	__u8 v;
	return bpf_map_lookup_elem(bpf_map__fd(L->skel->maps.vigil_ignored_tgids), &tgid, &v) == 0;
}

/* flags (field 9) and starttime (field 22) of /proc/<tgid>/stat; false if unreadable. */
static bool proc_stat(uint32_t tgid, uint64_t *flags, uint64_t *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || p[1] != ' ')
		return false;
	p += 2;
	/* p is at field 3 */
	for (int field = 3; field <= 22; field++) {
		char *sp = strchr(p, ' ');
		if (field == 9 || field == 22) {
			char *end = NULL;
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p)
				return false;
			*(field == 9 ? flags : start) = v;
		}
		if (!sp)
			return field == 22;
		p = sp + 1;
	}
	return true;
}

static bool exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, 0) > 0; /* a pidfd turns readable when the process exits */
}

static struct armed *find(uint32_t tgid)
{
	for (size_t i = 0; i < VIGIL_KILL_ENTRIES; i++)
		if (table[i].used && table[i].tgid == tgid)
			return &table[i];
	return NULL;
}

static void release(struct loader *L, struct armed *a)
{
	if (a->pidfd >= 0)
		close(a->pidfd);
	memset(a, 0, sizeof(*a));
	a->pidfd = -1;
	if (narmed > 0)
		narmed--;
	publish_counts(L);
}

static const char *refusal_text(uint32_t r)
{
	switch (r) {
	case VIGIL_KILL_REFUSED_INIT: return "pid 1 (init)";
	case VIGIL_KILL_REFUSED_KTHREAD: return "a kernel thread";
	case VIGIL_KILL_REFUSED_LOADER: return "the loader itself";
	case VIGIL_KILL_REFUSED_IGNORED: return "an ignored process (Vigil)";
	case VIGIL_KILL_REFUSED_KTHREAD_CHILD: return "a helper started by a kernel thread";
	case VIGIL_KILL_REFUSED_PARENT: return "the loader's parent (Vigil)";
	default: return "unknown reason";
	}
}

/* comm is set by the process itself: never let it forge text in a log line */
static void clean_comm(const char *in, char *out)
{
	size_t i = 0;
	for (; i < 15 && in[i]; i++) {
		unsigned char c = (unsigned char)in[i];
		out[i] = (c < 0x21 || c >= 0x7f) ? '?' : (char)c;
	}
	out[i] = 0;
}

static const char *errname(int err)
{
	static char buf[16];
	const char *n = strerrorname_np(err < 0 ? -err : err);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err < 0 ? -err : err);
	return buf;
}

/* ---- commands ---- */

static bool cmd_kill(struct loader *L, const char *arg, const char *line)
{
	char args[128];
	if (!arg || strlen(arg) >= sizeof(args))
		return fail(line, "expected kill <tgid> <signal> [start=<ticks>] [fallback=<ms>]");
	snprintf(args, sizeof(args), "%s", arg);
	char *save = NULL;
	const char *t_tgid = strtok_r(args, " ", &save);
	const char *t_sig = strtok_r(NULL, " ", &save);
	uint64_t tgid, sig, start = 0, fallback = DEFAULT_FALLBACK_MS;
	bool have_start = false;
	if (!parse_u64(t_tgid, 1, PID_LIMIT, &tgid))
		return fail(line, "expected a process id");
	if (!parse_u64(t_sig, 1, 64, &sig))
		return fail(line, "expected a signal number 1..64");
	for (const char *opt; (opt = strtok_r(NULL, " ", &save));) {
		if (strncmp(opt, "start=", 6) == 0 && !have_start && parse_u64(opt + 6, 0, UINT64_MAX, &start))
			have_start = true;
		else if (strncmp(opt, "fallback=", 9) == 0 && parse_u64(opt + 9, 0, MAX_FALLBACK_MS, &fallback))
			;
		else
			return fail(line, "unknown option (expected start=<ticks> or fallback=<ms> with ms <= 10000)");
	}
	if (tgid == 1)
		return fail(line, "refusing to signal pid 1 (init)");
	if (tgid == (uint64_t)getpid())
		return fail(line, "refusing to signal the loader itself");
	if (tgid == (uint64_t)getppid())
		return fail(line, "refusing to signal the loader's parent (Vigil)");
	if (ignored(L, (uint32_t)tgid))
		return fail(line, "refusing to signal an ignored process (Vigil)");

	/* the pidfd pins the identity: what is checked below is this process, and so is the fallback */
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)tgid, 0);
	if (pidfd < 0)
		return errno == ESRCH || errno == EINVAL ? fail(line, "no such process")
							 : fail_errno(line, "pidfd_open failed", errno);
	uint64_t flags = 0, st = 0;
	if (!proc_stat((uint32_t)tgid, &flags, &st) || exited(pidfd)) {
		close(pidfd);
		return fail(line, "no such process");
	}
	if (flags & KTHREAD_FLAG) {
		close(pidfd);
		return fail(line, "refusing to signal a kernel thread");
	}
	if (have_start && st != start) {
		close(pidfd);
		return fail(line, "no such process (start time differs: the pid names another process now)");
	}

	struct armed *a = find((uint32_t)tgid);
	bool fresh = !a;
	if (fresh) {
		for (size_t i = 0; i < VIGIL_KILL_ENTRIES && !a; i++)
			if (!table[i].used)
				a = &table[i];
		if (!a) {
			close(pidfd);
			return fail(line, "kill table full (1024 entries)");
		}
	} else if (a->pidfd >= 0) {
		close(a->pidfd); /* re-armed: the newest request and the process alive now win */
		a->pidfd = -1;
	}

	uint64_t now = now_mono_ns();
	struct vigil_kill_arm v = { .expires_ns = now + TTL_NS, .signal = (uint32_t)sig };
	__u32 key = (uint32_t)tgid;
	if (bpf_map_update_elem(map_fd(L), &key, &v, BPF_ANY) != 0) {
		int err = errno;
		close(pidfd);
		if (!fresh)
			release(L, a);
		return err == E2BIG || err == ENOSPC ? fail(line, "kill table full (1024 entries)")
						     : fail_errno(line, "arming failed", err);
	}
	a->used = true;
	a->claimed_elsewhere = false;
	a->tgid = (uint32_t)tgid;
	a->sig = (uint32_t)sig;
	a->pidfd = pidfd;
	a->armed_ns = now;
	a->fallback_ns = fallback ? now + fallback * 1000000ull : 0;
	a->expires_ns = v.expires_ns;
	if (fresh)
		narmed++;
	publish_counts(L);
	return ok(line);
}

static bool cmd_kill_cancel(struct loader *L, const char *arg, const char *line)
{
	uint64_t tgid;
	if (!parse_u64(arg, 1, PID_LIMIT, &tgid))
		return fail(line, "expected a process id");
	struct armed *a = find((uint32_t)tgid);
	__u32 key = (uint32_t)tgid;
	if (!a || bpf_map_delete_elem(map_fd(L), &key) != 0) {
		if (a && !a->claimed_elsewhere)
			a->claimed_elsewhere = true; /* the kernel took it first: its notice will follow */
		return fail(line, "no kill armed for that process");
	}
	release(L, a);
	return ok(line);
}

static bool cmd_kill_clear(struct loader *L, const char *arg, const char *line)
{
	if (arg)
		return fail(line, "takes no argument");
	int fd = map_fd(L);
	__u32 key;
	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		if (bpf_map_delete_elem(fd, &key) != 0 && errno != ENOENT)
			return fail_errno(line, "clearing armed kills failed", errno);
	for (size_t i = 0; i < VIGIL_KILL_ENTRIES; i++)
		if (table[i].used)
			release(L, &table[i]);
	narmed = 0;
	publish_counts(L);
	return ok(line);
}

static bool exec_key(const char *path, struct vigil_prefix_key *key, const char **why)
{
	size_t n = path ? strlen(path) : 0;
	if (n == 0 || path[0] != '/') {
		*why = "expected an absolute path prefix";
		return false;
	}
	if (n > VIGIL_PREFIX_MAX) {
		*why = "path longer than 256 bytes";
		return false;
	}
	memset(key, 0, sizeof(*key));
	key->prefixlen = (__u32)(n * 8);
	memcpy(key->path, path, n);
	return true;
}

static uint32_t count_exec_prefixes(int fd)
{
	struct vigil_prefix_key k, next;
	uint32_t n = 0;
	int err = bpf_map_get_next_key(fd, NULL, &next);
	while (err == 0 && n < VIGIL_EXEC_KILL_ENTRIES * 2) {
		n++;
		k = next;
		err = bpf_map_get_next_key(fd, &k, &next);
	}
	return n;
}

static bool cmd_exec_kill(struct loader *L, const char *cmd, const char *arg, const char *line)
{
	int fd = bpf_map__fd(L->skel->maps.vigil_exec_kill);
	if (strcmp(cmd, "exec-kill-clear") == 0) {
		if (arg)
			return fail(line, "takes no argument");
		struct vigil_prefix_key key;
		while (bpf_map_get_next_key(fd, NULL, &key) == 0)
			if (bpf_map_delete_elem(fd, &key) != 0)
				return fail_errno(line, "clearing exec-kill prefixes failed", errno);
		nexec = 0;
		publish_counts(L);
		return ok(line);
	}
	struct vigil_prefix_key key;
	const char *why;
	if (!exec_key(arg, &key, &why))
		return fail(line, why);
	if (strcmp(cmd, "exec-kill-del") == 0) {
		if (bpf_map_delete_elem(fd, &key) != 0)
			return errno == ENOENT ? fail(line, "no such prefix") : fail_errno(line, "deleting the prefix failed", errno);
	} else {
		__u8 scope = VIGIL_EXEC_KILL_CONTAINERS;
		if (strcmp(cmd, "exec-kill-add-host") == 0)
			scope |= VIGIL_EXEC_KILL_HOST;
		if (bpf_map_update_elem(fd, &key, &scope, BPF_ANY) != 0)
			return errno == ENOSPC || errno == E2BIG ? fail(line, "exec-kill table full (256 entries)")
								  : fail_errno(line, "adding the prefix failed", errno);
	}
	nexec = count_exec_prefixes(fd);
	publish_counts(L);
	return ok(line);
}

bool kill_command(struct loader *L, const char *cmd, const char *arg, const char *line)
{
	if (strcmp(cmd, "kill") == 0)
		return cmd_kill(L, arg, line);
	if (strcmp(cmd, "kill-cancel") == 0)
		return cmd_kill_cancel(L, arg, line);
	if (strcmp(cmd, "kill-clear") == 0)
		return cmd_kill_clear(L, arg, line);
	if (strcmp(cmd, "exec-kill-add") == 0 || strcmp(cmd, "exec-kill-add-host") == 0 ||
	    strcmp(cmd, "exec-kill-del") == 0 || strcmp(cmd, "exec-kill-clear") == 0)
		return cmd_exec_kill(L, cmd, arg, line);
	return false;
}

/* ---- outcomes ---- */

static void report_notice(struct loader *L, const struct vigil_kill_notice *n)
{
	char comm[16];
	clean_comm(n->comm, comm);
	if (n->via == VIGIL_KILL_VIA_EXEC) {
		if (n->refused)
			out_log(VIGIL_LOG_WARN, "exec-kill %u: refused in the kernel: %s", n->tgid, refusal_text(n->refused));
		else if (n->err)
			out_log(VIGIL_LOG_WARN, "exec-kill %u: failed: bpf_send_signal returned %s", n->tgid, errname(n->err));
		else
			out_log(VIGIL_LOG_INFO, "exec-kill %u: killed at exec (comm %s)", n->tgid, comm);
		return;
	}
	struct armed *a = find(n->tgid);
	if (a && n->ts_ns < a->armed_ns)
		a = NULL; /* about an earlier arming of this tgid: the current one is still out there */
	uint64_t ms = a ? (n->ts_ns - a->armed_ns) / 1000000ull : 0;
	if (n->via == VIGIL_KILL_VIA_EXIT)
		out_log(VIGIL_LOG_WARN, "kill %u %u: exited before delivery", n->tgid, n->signal);
	else if (n->via == VIGIL_KILL_VIA_EXPIRED)
		out_log(VIGIL_LOG_WARN, "kill %u %u: expired after %llu ms without delivery", n->tgid, n->signal,
			(unsigned long long)ms);
	else if (n->refused)
		out_log(VIGIL_LOG_WARN, "kill %u %u: refused in the kernel: %s", n->tgid, n->signal, refusal_text(n->refused));
	else if (n->err)
		out_log(VIGIL_LOG_WARN, "kill %u %u: failed: bpf_send_signal returned %s", n->tgid, n->signal, errname(n->err));
	else
		out_log(VIGIL_LOG_INFO, "kill %u %u: delivered at %s (tid %u, comm %s, %llu ms after arming)", n->tgid,
			n->signal, n->via == VIGIL_KILL_VIA_SYS_ENTER ? "sys_enter" : "sched_switch", n->tid, comm,
			(unsigned long long)ms);
	if (a)
		release(L, a);
}

/* The process neither entered a syscall nor left a CPU since it was armed: signal it through its pidfd. */
static void fallback(struct loader *L, struct armed *a, uint64_t now)
{
	uint64_t ms = (now - a->armed_ns) / 1000000ull;
	if (ignored(L, a->tgid)) {
		out_log(VIGIL_LOG_WARN, "kill %u %u: refused: %s", a->tgid, a->sig, refusal_text(VIGIL_KILL_REFUSED_IGNORED));
	} else if (syscall(SYS_pidfd_send_signal, a->pidfd, (int)a->sig, NULL, 0) == 0) {
		out_log(VIGIL_LOG_INFO, "kill %u %u: delivered by pidfd after %llu ms (no syscall entry or context switch meanwhile)",
			a->tgid, a->sig, (unsigned long long)ms);
	} else if (errno == ESRCH) {
		out_log(VIGIL_LOG_WARN, "kill %u %u: exited before delivery", a->tgid, a->sig);
	} else {
		out_log(VIGIL_LOG_WARN, "kill %u %u: failed: pidfd_send_signal: %s", a->tgid, a->sig, strerror(errno));
	}
	release(L, a);
}

void kill_poll(struct loader *L)
{
	if (!L->skel)
		return;
	/* the programs only queue notices while something is armed or guarded: skip the syscall otherwise,
	 * after one last drain of what they queued before the tables emptied */
	static bool was_active;
	bool active = narmed > 0 || nexec > 0;
	if (!active && !was_active)
		return;
	was_active = active;
	struct vigil_kill_notice n;
	int qfd = bpf_map__fd(L->skel->maps.vigil_kill_notices);
	for (int i = 0; i < VIGIL_KILL_NOTICES && bpf_map_lookup_and_delete_elem(qfd, NULL, &n) == 0; i++)
		report_notice(L, &n);
	uint64_t lost = L->skel->bss->vigil_kill_notices_lost;
	if (lost != lost_reported) {
		out_log(VIGIL_LOG_WARN, "kill notices lost: %llu (queue of %d full); outcomes of those kills are unknown",
			(unsigned long long)(lost - lost_reported), VIGIL_KILL_NOTICES);
		lost_reported = lost;
	}
	if (narmed == 0)
		return;

	uint64_t now = now_mono_ns();
	int fd = map_fd(L);
	for (size_t i = 0; i < VIGIL_KILL_ENTRIES; i++) {
		struct armed *a = &table[i];
		if (!a->used)
			continue;
		if (a->claimed_elsewhere) {
			if (now > a->expires_ns + NOTICE_GRACE_NS) {
				out_log(VIGIL_LOG_WARN, "kill %u %u: outcome unknown (taken by the kernel, notice lost)", a->tgid, a->sig);
				release(L, a);
			}
			continue;
		}
		bool due_fallback = a->fallback_ns && now >= a->fallback_ns;
		bool due_expiry = now >= a->expires_ns;
		if (!due_fallback && !due_expiry)
			continue;
		__u32 key = a->tgid;
		if (bpf_map_delete_elem(fd, &key) != 0) {
			a->claimed_elsewhere = true; /* a program took it first; its notice comes with the next drain */
			continue;
		}
		if (due_fallback && !due_expiry) {
			fallback(L, a, now);
		} else {
			out_log(VIGIL_LOG_WARN, "kill %u %u: expired after %llu ms without delivery", a->tgid, a->sig,
				(unsigned long long)((now - a->armed_ns) / 1000000ull));
			release(L, a);
		}
	}
}

int kill_timeout_ms(void)
{
	if (narmed == 0)
		return -1;
	uint64_t now = now_mono_ns(), next = UINT64_MAX;
	for (size_t i = 0; i < VIGIL_KILL_ENTRIES; i++) {
		const struct armed *a = &table[i];
		if (!a->used || a->claimed_elsewhere)
			continue;
		if (a->fallback_ns && a->fallback_ns < next)
			next = a->fallback_ns;
		if (a->expires_ns < next)
			next = a->expires_ns;
	}
	/* while anything is armed, look at the notice queue often: outcomes are reported within ~10 ms */
	if (next <= now)
		return 0;
	uint64_t ms = (next - now) / 1000000ull + 1;
	return ms < NOTICE_POLL_MS ? (int)ms : NOTICE_POLL_MS;
}

int kill_init(struct loader *L)
{
	for (size_t i = 0; i < VIGIL_KILL_ENTRIES; i++)
		table[i].pidfd = -1;
	narmed = nexec = 0;
	L->skel->bss->vigil_loader_tgid = (uint32_t)getpid();
	L->skel->bss->vigil_loader_parent_tgid = (uint32_t)getppid();
	publish_counts(L);
	return 0;
}

void kill_free(void)
{
	for (size_t i = 0; i < VIGIL_KILL_ENTRIES; i++)
		if (table[i].used && table[i].pidfd >= 0)
			close(table[i].pidfd);
}
