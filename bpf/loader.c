// SPDX-License-Identifier: Apache-2.0
/*
 * vigil-loader — loads the Vigil eBPF sensor, streams its events as binary frames on stdout and takes
 * control commands on stdin (see loader_control.c and docs/bpf.md).
 *
 *   vigil-loader [--ringbuf-bytes N] [--interval-ms N]
 *   vigil-loader --probe        check prerequisites, load and attach, print what is active, exit
 *   --no-syscall-tracepoints    behave as without tracefs (the generic sys_exit hook handles every exit):
 *                               for tests and for kernels whose syscall tracepoints misbehave
 *
 * Exit codes: 0 after quit / EOF on stdin / SIGTERM / a closed stdout, 1 fatal error, 2 usage,
 * 3 a prerequisite is missing (do not restart). Nothing is pinned: everything this process loaded
 * disappears with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "loader.h"
#include "vigil.skel.h"

#define POLL_MS 50 /* bounds event latency: the kernel only wakes us once wakeup_bytes are pending */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil-loader [--ringbuf-bytes N] [--interval-ms N]\n"
		   "       vigil-loader --probe\n"
		   "  --ringbuf-bytes N  ring buffer size, a power of two from 64 KiB to 1 GiB (default 4 MiB)\n"
		   "  --interval-ms N    COUNTERS + STATS every N ms, 10..3600000 (default 1000)\n"
		   "  --probe            check prerequisites, load, print the active hooks as JSON, exit\n"
		   "  --no-syscall-tracepoints  handle syscall exits with the generic sys_exit hook (as without tracefs)\n");
}

static bool parse_num(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	char *end = NULL;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void json_escape(char *out, size_t len, const char *in)
{
	size_t o = 0;
	for (; *in && o + 7 < len; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, len - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
}

/* CLOCK_REALTIME - CLOCK_BOOTTIME, from the tightest of a few samples. */
static int64_t realtime_offset_ns(void)
{
	int64_t best = 0;
	uint64_t best_gap = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		struct timespec rt;
		uint64_t b0 = now_boot_ns();
		clock_gettime(CLOCK_REALTIME, &rt);
		uint64_t b1 = now_boot_ns();
		uint64_t r = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
		if (b1 - b0 < best_gap) {
			best_gap = b1 - b0;
			best = (int64_t)(r - (b0 + (b1 - b0) / 2));
		}
	}
	return best;
}

static void build_hello_json(struct loader *L)
{
	char hooks[4096], ids[1024], kernel[256] = "unknown", machine[128] = "unknown";
	struct utsname u;
	if (hooks_json(hooks, sizeof(hooks)) < 0)
		snprintf(hooks, sizeof(hooks), "{}");
	if (hooks_prog_ids_json(ids, sizeof(ids)) < 0)
		snprintf(ids, sizeof(ids), "[]");
	if (uname(&u) == 0) {
		json_escape(kernel, sizeof(kernel), u.release);
		json_escape(machine, sizeof(machine), u.machine);
	}
	snprintf(L->hello_json, sizeof(L->hello_json),
		 "{\"hooks\":%s,\"ringbuf_bytes\":%u,\"loader_pid\":%d,\"kernel\":\"%s\",\"arch\":\"%s\",\"btf\":true,"
		 "\"tracefs\":%s,\"interval_ms\":%u,\"prog_ids\":%s}",
		 hooks, L->ringbuf_bytes, (int)getpid(), kernel, machine, L->tracefs ? "true" : "false", L->interval_ms, ids);
}

static void send_hello(struct loader *L)
{
	struct vigil_msg_hello m;
	uint32_t jl = (uint32_t)strlen(L->hello_json);
	out_msg_hdr(&m.hdr, VIGIL_MSG_HELLO, (uint32_t)sizeof(m) + jl);
	m.abi_version = VIGIL_ABI_VERSION;
	m.ncpu = (uint32_t)L->ncpu;
	m.realtime_offset_ns = realtime_offset_ns();
	m.json_len = jl;
	m._pad0 = 0;
	out_frame2(&m, sizeof(m), L->hello_json, jl);
}

static void warn_frame(const char *msg)
{
	out_log(VIGIL_LOG_WARN, "%s", msg);
}

static void warn_stderr(const char *msg)
{
	fprintf(stderr, "vigil-loader: %s\n", msg);
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size < sizeof(struct vigil_hdr) || size > VIGIL_MAX_EVENT)
		return 0; /* cannot happen with our programs; never forward what the reader cannot frame */
	out_frame(data, (uint32_t)size);
	return out_closed() ? -1 : 0;
}

static void run(struct loader *L)
{
	uint32_t interval = L->interval_ms;
	uint64_t next_snapshot = now_mono_ns() + (uint64_t)interval * 1000000ull;
	int rb_fd = ring_buffer__epoll_fd(L->rb);
	bool stdin_open = true;

	while (!stop_signal && !L->quit && !out_closed()) {
		uint64_t now = now_mono_ns();
		if (L->interval_ms != interval) { /* changed by interval-ms: count from now */
			interval = L->interval_ms;
			next_snapshot = now + (uint64_t)interval * 1000000ull;
		}
		int timeout = POLL_MS;
		if (next_snapshot > now && (next_snapshot - now) / 1000000ull < (uint64_t)timeout)
			timeout = (int)((next_snapshot - now) / 1000000ull);
		else if (next_snapshot <= now)
			timeout = 0;
		int kt = kill_timeout_ms();
		if (kt >= 0 && kt < timeout)
			timeout = kt;

		struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = rb_fd, .events = POLLIN } };
		int pr = poll(fds, 2, timeout);
		if (pr < 0 && errno != EINTR) {
			out_log(VIGIL_LOG_ERROR, "poll failed: %s", strerror(errno));
			break;
		}

		/* always drain: most records arrive without a wakeup */
		int n = ring_buffer__consume(L->rb);
		if (n < 0 && n != -EINTR && !out_closed())
			out_log(VIGIL_LOG_ERROR, "ring buffer consume failed: %s", strerror(-n));

		if (pr > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
			if (control_read(L, 0) < 0) /* EOF: the exporter is gone */
				stdin_open = false;
		}

		kill_poll(L);
		now = now_mono_ns();
		if (now >= next_snapshot) {
			snapshot_counters(L);
			snapshot_stats(L);
			next_snapshot = now + (uint64_t)L->interval_ms * 1000000ull;
		}
		out_flush();
		if (!stdin_open)
			break;
	}
	out_flush();
}

int main(int argc, char **argv)
{
	struct loader L = { .ringbuf_bytes = 4u << 20, .interval_ms = 1000 };
	bool probe = false, no_syscall_tracepoints = false;
	unsigned long long v;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ringbuf-bytes") == 0 && i + 1 < argc) {
			if (!parse_num(argv[++i], 64ull << 10, 1ull << 30, &v) || (v & (v - 1))) {
				fprintf(stderr, "vigil-loader: --ringbuf-bytes must be a power of two from 65536 to 1073741824\n");
				return EXIT_USAGE;
			}
			L.ringbuf_bytes = (uint32_t)v;
		} else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc) {
			if (!parse_num(argv[++i], 10, 3600000, &v)) {
				fprintf(stderr, "vigil-loader: --interval-ms must be between 10 and 3600000\n");
				return EXIT_USAGE;
			}
			L.interval_ms = (uint32_t)v;
		} else if (strcmp(argv[i], "--probe") == 0) {
			probe = true;
		} else if (strcmp(argv[i], "--no-syscall-tracepoints") == 0) {
			no_syscall_tracepoints = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: poll() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE to handle, not a death */
	out_init(1, &stop_signal);

	prereq_check();
	char tracefs_why[256] = "syscall exit tracepoints disabled by --no-syscall-tracepoints";
	L.tracefs = !no_syscall_tracepoints && prereq_tracefs(tracefs_why, sizeof(tracefs_why));
	L.ncpu = libbpf_num_possible_cpus();
	if (L.ncpu <= 0) {
		fprintf(stderr, "vigil-loader: cannot count possible CPUs: %s\n", strerror(-L.ncpu));
		return EXIT_FATAL;
	}

	hooks_load(&L); /* exits itself on a fatal error */
	struct vigil_filter_config cfg;
	config_defaults(&cfg);
	int err = config_apply(&L, &cfg);
	if (!err)
		err = control_ignore_tgid(&L, (uint32_t)getpid(), true); /* never observe ourselves */
	if (!err)
		err = snapshot_init(&L);
	if (!err)
		err = kill_init(&L);
	if (err) {
		fprintf(stderr, "vigil-loader: initialising maps failed: %s\n", strerror(-err));
		hooks_destroy(&L);
		return EXIT_FATAL;
	}
	build_hello_json(&L);

	if (probe) {
		if (!L.tracefs)
			warn_stderr(tracefs_why);
		hooks_warnings(warn_stderr);
		printf("%s\n", L.hello_json);
		snapshot_free();
		hooks_destroy(&L);
		return 0;
	}

	L.rb = ring_buffer__new(bpf_map__fd(L.skel->maps.vigil_events), on_event, &L, NULL);
	if (!L.rb) {
		fprintf(stderr, "vigil-loader: cannot map the ring buffer: %s\n", strerror(errno));
		hooks_destroy(&L);
		return EXIT_FATAL;
	}

	send_hello(&L);
	if (!L.tracefs)
		out_log(VIGIL_LOG_WARN, "%s; syscall exits use the generic sys_exit hook (slower)", tracefs_why);
	hooks_warnings(warn_frame);
	out_flush();

	run(&L);

	kill_free();
	ring_buffer__free(L.rb);
	snapshot_free();
	hooks_destroy(&L);
	return 0;
}
