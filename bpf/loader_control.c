// SPDX-License-Identifier: Apache-2.0
/*
 * loader_control.c — the control protocol on stdin: one ASCII command per line (at most 4 KiB), each
 * answered by a LOG frame "ok <line>" or "error <line>: <reason>". A malformed command changes nothing.
 *
 *   events <mask>                 decimal or 0x hex; bit (1 << type)
 *   open-mode all|prefixes|none
 *   open-writes 0|1   open-failed 0|1   capture-env 0|1   emit-threads 0|1   wakeup-bytes N
 *   prefix-add <path>   prefix-del <path>   prefix-clear
 *   ignore-tgid <pid>   unignore-tgid <pid>
 *   interval-ms <N>   snapshot   quit
 *   kill, kill-cancel, kill-clear, exec-kill-add[-host], exec-kill-del, exec-kill-clear: see loader_kill.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "vigil.skel.h"

#define LINE_MAX_BYTES 4096
#define ALL_EVENTS_MASK (((1ull << VIGIL_EV_TYPE_COUNT) - 1) & ~1ull) /* types 1 .. COUNT-1 */
#define PID_LIMIT 4194304u                                              /* PID_MAX_LIMIT */
#define INTERVAL_MIN_MS 10u
#define INTERVAL_MAX_MS 3600000u

void config_defaults(struct vigil_filter_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->event_mask = ALL_EVENTS_MASK;
	cfg->open_mode = VIGIL_OPEN_ALL;
	cfg->open_writes = 1;
	cfg->open_failed = 1;
	cfg->wakeup_bytes = 256 * 1024;
}

int config_apply(struct loader *L, const struct vigil_filter_config *cfg)
{
	__u32 zero = 0;
	if (bpf_map_update_elem(bpf_map__fd(L->skel->maps.vigil_config), &zero, cfg, BPF_ANY) != 0)
		return -errno;
	L->cfg = *cfg;
	return 0;
}

int control_ignore_tgid(struct loader *L, uint32_t tgid, bool ignore)
{
	int fd = bpf_map__fd(L->skel->maps.vigil_ignored_tgids);
	__u8 one = 1;
	int err = ignore ? bpf_map_update_elem(fd, &tgid, &one, BPF_ANY) : bpf_map_delete_elem(fd, &tgid);
	return err ? -errno : 0;
}

/* ---- argument parsing: whole-token, range-checked, no silent wrap-around ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	if (base == 16 && !s[2])
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || !end || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_range(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	return parse_u64(s, out) && *out >= lo && *out <= hi;
}

static bool parse_bool(const char *s, __u32 *out)
{
	if (s && strcmp(s, "0") == 0)
		*out = 0;
	else if (s && strcmp(s, "1") == 0)
		*out = 1;
	else
		return false;
	return true;
}

static int prefix_key(const char *path, struct vigil_prefix_key *key, const char **why)
{
	size_t n = path ? strlen(path) : 0;
	if (n == 0) {
		*why = "missing path";
		return -1;
	}
	if (n > VIGIL_PREFIX_MAX) {
		*why = "path longer than 256 bytes";
		return -1;
	}
	memset(key, 0, sizeof(*key));
	key->prefixlen = (__u32)(n * 8);
	memcpy(key->path, path, n);
	return 0;
}

static int prefix_clear(struct loader *L)
{
	int fd = bpf_map__fd(L->skel->maps.vigil_open_prefixes);
	struct vigil_prefix_key key;
	/* deleting while iterating an LPM trie restarts the walk: always take the first key */
	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		if (bpf_map_delete_elem(fd, &key) != 0)
			return -errno;
	return 0;
}

/* ---- one command ---- */

/* The reply helpers return 0 so that handlers can end with "return reply_...()". */
static int reply_ok(const char *line)
{
	out_log(VIGIL_LOG_INFO, "ok %s", line);
	return 0;
}

static int reply_error(const char *line, const char *why)
{
	out_log(VIGIL_LOG_WARN, "error %s: %s", line, why);
	return 0;
}

static int reply_errno(const char *line, const char *what, int err)
{
	char why[160];
	snprintf(why, sizeof(why), "%s: %s", what, strerror(err < 0 ? -err : err));
	return reply_error(line, why);
}

static int apply_cfg(struct loader *L, const char *line, const struct vigil_filter_config *cfg)
{
	int err = config_apply(L, cfg);
	return err ? reply_errno(line, "updating the filter map failed", err) : reply_ok(line);
}

static int run_command(struct loader *L, const char *line)
{
	char cmd[32];
	const char *sp = strchr(line, ' ');
	size_t cl = sp ? (size_t)(sp - line) : strlen(line);
	const char *arg = sp ? sp + 1 : NULL;
	if (cl == 0 || cl >= sizeof(cmd))
		return reply_error(line, "unknown command");
	memcpy(cmd, line, cl);
	cmd[cl] = 0;

	struct vigil_filter_config cfg = L->cfg;
	uint64_t v;

	if (strcmp(cmd, "events") == 0) {
		if (!parse_u64(arg, &v))
			return reply_error(line, "expected a mask (decimal or 0x hex)");
		if (v & ~ALL_EVENTS_MASK)
			return reply_error(line, "mask has bits of no event type");
		cfg.event_mask = v;
		return apply_cfg(L, line, &cfg);
	}
	if (strcmp(cmd, "open-mode") == 0) {
		if (arg && strcmp(arg, "all") == 0)
			cfg.open_mode = VIGIL_OPEN_ALL;
		else if (arg && strcmp(arg, "prefixes") == 0)
			cfg.open_mode = VIGIL_OPEN_PREFIXES;
		else if (arg && strcmp(arg, "none") == 0)
			cfg.open_mode = VIGIL_OPEN_NONE;
		else
			return reply_error(line, "expected all, prefixes or none");
		return apply_cfg(L, line, &cfg);
	}
	__u32 *flag = strcmp(cmd, "open-writes") == 0	 ? &cfg.open_writes
		      : strcmp(cmd, "open-failed") == 0	 ? &cfg.open_failed
		      : strcmp(cmd, "capture-env") == 0	 ? &cfg.capture_env
		      : strcmp(cmd, "emit-threads") == 0 ? &cfg.emit_threads
							 : NULL;
	if (flag) {
		if (!parse_bool(arg, flag))
			return reply_error(line, "expected 0 or 1");
		return apply_cfg(L, line, &cfg);
	}
	if (strcmp(cmd, "wakeup-bytes") == 0) {
		if (!parse_range(arg, 0, L->ringbuf_bytes, &v))
			return reply_error(line, "expected a byte count between 0 and the ring buffer size");
		cfg.wakeup_bytes = (__u32)v;
		return apply_cfg(L, line, &cfg);
	}
	if (strcmp(cmd, "prefix-add") == 0 || strcmp(cmd, "prefix-del") == 0) {
		struct vigil_prefix_key key;
		const char *why;
		if (prefix_key(arg, &key, &why) != 0)
			return reply_error(line, why);
		int fd = bpf_map__fd(L->skel->maps.vigil_open_prefixes);
		__u8 one = 1;
		bool add = cmd[7] == 'a';
		if (add && bpf_map_update_elem(fd, &key, &one, BPF_ANY) != 0)
			return errno == ENOSPC || errno == E2BIG ? reply_error(line, "prefix table full (1024 entries)")
								  : reply_errno(line, "adding the prefix failed", errno);
		if (!add && bpf_map_delete_elem(fd, &key) != 0)
			return errno == ENOENT ? reply_error(line, "no such prefix")
					       : reply_errno(line, "deleting the prefix failed", errno);
		return reply_ok(line);
	}
	if (strcmp(cmd, "prefix-clear") == 0) {
		if (arg)
			return reply_error(line, "takes no argument");
		int err = prefix_clear(L);
		return err ? reply_errno(line, "clearing prefixes failed", err) : reply_ok(line);
	}
	if (strcmp(cmd, "ignore-tgid") == 0 || strcmp(cmd, "unignore-tgid") == 0) {
		if (!parse_range(arg, 1, PID_LIMIT, &v))
			return reply_error(line, "expected a process id");
		bool ignore = cmd[0] == 'i';
		int err = control_ignore_tgid(L, (uint32_t)v, ignore);
		if (err == -ENOENT)
			return reply_error(line, "that process is not ignored");
		if (err == -E2BIG || err == -ENOSPC)
			return reply_error(line, "ignore table full (256 entries)");
		return err ? reply_errno(line, "updating the ignore table failed", err) : reply_ok(line);
	}
	if (strcmp(cmd, "interval-ms") == 0) {
		if (!parse_range(arg, INTERVAL_MIN_MS, INTERVAL_MAX_MS, &v))
			return reply_error(line, "expected milliseconds between 10 and 3600000");
		L->interval_ms = (uint32_t)v;
		return reply_ok(line);
	}
	if (strcmp(cmd, "snapshot") == 0) {
		if (arg)
			return reply_error(line, "takes no argument");
		reply_ok(line);
		snapshot_counters(L);
		snapshot_stats(L);
		return 0;
	}
	if (strcmp(cmd, "quit") == 0) {
		if (arg)
			return reply_error(line, "takes no argument");
		L->quit = true;
		return reply_ok(line);
	}
	if (kill_command(L, cmd, arg, line)) /* kill, kill-cancel, kill-clear, exec-kill-*: loader_kill.c */
		return 0;
	return reply_error(line, "unknown command");
}

void control_line(struct loader *L, const char *raw, size_t len)
{
	char line[LINE_MAX_BYTES + 1];
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	if (len > LINE_MAX_BYTES)
		len = LINE_MAX_BYTES;
	memcpy(line, raw, len);
	line[len] = 0;
	/* control characters could forge frames in a log viewer: refuse them, echo them as '?' */
	bool bad = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f) {
			line[i] = '?';
			bad = true;
		}
	}
	if (len == 0)
		return; /* blank lines are ignored */
	if (bad) {
		reply_error(line, "control characters in command");
		return;
	}
	run_command(L, line);
}

/* Answered once per overlong line, quoting its start. */
static void reply_overlong(const char *start)
{
	char head[64];
	snprintf(head, sizeof(head), "%.40s...", start);
	for (char *p = head; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	reply_error(head, "line longer than 4096 bytes");
}

static char in_buf[LINE_MAX_BYTES * 2];
static size_t in_len;
static bool in_overlong; /* dropping the rest of a line that was too long */

int control_read(struct loader *L, int fd)
{
	ssize_t n = read(fd, in_buf + in_len, sizeof(in_buf) - in_len);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	if (n == 0)
		return -1;
	in_len += (size_t)n;

	size_t start = 0;
	for (size_t i = 0; i < in_len; i++) {
		if (in_buf[i] != '\n')
			continue;
		if (in_overlong)
			in_overlong = false;
		else if (i - start > LINE_MAX_BYTES + 1) /* + 1: a trailing '\r' is allowed */
			reply_overlong(in_buf + start);
		else
			control_line(L, in_buf + start, i - start);
		start = i + 1;
		if (L->quit)
			break;
	}
	memmove(in_buf, in_buf + start, in_len - start);
	in_len -= start;
	if (in_len > LINE_MAX_BYTES) {
		/* no newline within the limit: answer once, then skip to the next newline */
		if (!in_overlong)
			reply_overlong(in_buf);
		in_overlong = true;
		in_len = 0;
	}
	return 0;
}
