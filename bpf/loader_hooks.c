// SPDX-License-Identifier: Apache-2.0
/*
 * loader_hooks.c — which program serves which kernel hook, and loading them with fallbacks.
 *
 * Every hook has candidates in order of preference (tp_btf, then raw_tp; tracepoints for the syscall
 * exits). Candidates the kernel obviously lacks are skipped up front (BTF has no btf_trace_<tp>, tracefs
 * has no event); the rest are loaded, and when the kernel rejects one — at load or at attach — that
 * hook moves to its next candidate and the object is loaded again. An optional hook that ends up with
 * nothing is reported, never fatal. Every hook's final state goes into HELLO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "vigil_syscalls.h"
#include "vigil.skel.h"

#define MAX_CAND 2

struct cand {
	const char *prog;
	const char *kind; /* "tp_btf", "raw_tp", "tracepoint": also what HELLO reports */
};

struct hook {
	const char *name;  /* as reported in HELLO */
	const char *event; /* raw tracepoint name, or "syscalls/<name>" for a tracepoint */
	int sc_nr;         /* the syscall whose exit this hook handles; -1 */
	bool needs_enter;  /* its entry must be recorded too (connect, setid family) */
	bool generic_exit; /* the every-syscall exit hook: wanted only when an exit tracepoint cannot be used */
	struct cand cand[MAX_CAND];
	/* state */
	bool wanted;
	int pick; /* candidate in use, -1: none */
	bool failed[MAX_CAND];
	char state[96];
	struct bpf_link *link;
};

#define BTF_HOOK(n, btf, raw) { .name = n, .event = n, .sc_nr = -1, .cand = { { btf, "tp_btf" }, { raw, "raw_tp" } } }
#define EXIT_HOOK_(sc, enter) \
	{ .name = "sys_exit_" #sc, .event = "syscalls/sys_exit_" #sc, .sc_nr = VIGIL_NR_##sc, .needs_enter = enter, \
	  .cand = { { "vigil_x_" #sc, "tracepoint" } } }
#define EXIT_HOOK(sc) EXIT_HOOK_(sc, false)
#define EXIT_HOOK_ENTER(sc) EXIT_HOOK_(sc, true)

static struct hook hooks[] = {
	BTF_HOOK("sys_enter", "vigil_enter_btf", "vigil_enter_raw"),
	BTF_HOOK("sched_switch", "vigil_sw_btf", "vigil_sw_raw"),
	BTF_HOOK("sched_process_exec", "vigil_exec_btf", "vigil_exec_raw"),
	BTF_HOOK("sched_process_fork", "vigil_fork_btf", "vigil_fork_raw"),
	BTF_HOOK("sched_process_exit", "vigil_pexit_btf", "vigil_pexit_raw"),
	BTF_HOOK("sock_send_length", "vigil_send_btf", "vigil_send_raw"),
	BTF_HOOK("sock_recv_length", "vigil_recv_btf", "vigil_recv_raw"),
	{ .name = "sys_exit", .event = "sys_exit", .sc_nr = -1, .generic_exit = true,
	  .cand = { { "vigil_exit_btf", "tp_btf" }, { "vigil_exit_raw", "raw_tp" } } },
	EXIT_HOOK(open),
	EXIT_HOOK(creat),
	EXIT_HOOK(openat),
	EXIT_HOOK(openat2),
	EXIT_HOOK_ENTER(connect),
	EXIT_HOOK(accept),
	EXIT_HOOK(accept4),
	EXIT_HOOK_ENTER(setuid),
	EXIT_HOOK_ENTER(setgid),
	EXIT_HOOK_ENTER(setreuid),
	EXIT_HOOK_ENTER(setregid),
	EXIT_HOOK_ENTER(setresuid),
	EXIT_HOOK_ENTER(setresgid),
	EXIT_HOOK_ENTER(setfsuid),
	EXIT_HOOK_ENTER(setfsgid),
	EXIT_HOOK(ptrace),
	EXIT_HOOK(mount),
	EXIT_HOOK(init_module),
	EXIT_HOOK(finit_module),
};
#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* ---- libbpf's messages: kept quiet while probing, mined for the program that failed ---- */

static bool capturing;
static char failed_prog[64];
static int failed_prog_err;
static char failed_map[64];
static int failed_map_err;
static char last_verifier_line[160];

static void remember_verifier_tail(const char *msg)
{
	const char *end = strstr(msg, "-- END PROG LOAD LOG --");
	if (!end)
		return;
	/* the line before the END marker is the verifier's verdict, e.g. "R1 invalid mem access" */
	const char *p = end;
	while (p > msg && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	const char *line_end = p;
	while (p > msg && p[-1] != '\n')
		p--;
	/* skip the "processed N insns" summary to get to the reason */
	if (strncmp(p, "processed ", 10) == 0 && p > msg) {
		line_end = p - 1;
		p = line_end;
		while (p > msg && p[-1] != '\n')
			p--;
	}
	size_t n = (size_t)(line_end - p);
	if (n >= sizeof(last_verifier_line))
		n = sizeof(last_verifier_line) - 1;
	memcpy(last_verifier_line, p, n);
	last_verifier_line[n] = 0;
}

static void take_message(enum libbpf_print_level level, const char *msg)
{
	if (capturing) {
		char name[64];
		int err;
		const char *p;
		if ((p = strstr(msg, "prog '")) && sscanf(p, "prog '%63[^']': failed to load: %d", name, &err) == 2) {
			snprintf(failed_prog, sizeof(failed_prog), "%s", name);
			failed_prog_err = err < 0 ? -err : err;
		}
		if ((p = strstr(msg, "map '")) && sscanf(p, "map '%63[^']': failed to create: %*[^(](%d)", name, &err) == 2) {
			snprintf(failed_map, sizeof(failed_map), "%s", name);
			failed_map_err = err < 0 ? -err : err;
		}
		remember_verifier_tail(msg);
		return;
	}
	if (level == LIBBPF_WARN)
		fprintf(stderr, "vigil-loader: libbpf: %s", msg);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char small[4096];
	if (level == LIBBPF_DEBUG)
		return 0;
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		/* a verifier log: its verdict is at the very end, so format all of it */
		char *big = malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			take_message(level, big);
			free(big);
			va_end(again);
			return 0;
		}
	}
	va_end(again);
	if (n >= 0)
		take_message(level, small);
	return 0;
}

/* Warnings found while loading, sent as LOG frames once HELLO is out (HELLO is always the first frame). */
#define MAX_WARNINGS 32
static char warnings[MAX_WARNINGS][256];
static int nwarnings;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	if (nwarnings >= MAX_WARNINGS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(warnings[nwarnings++], sizeof(warnings[0]), fmt, ap);
	va_end(ap);
}

void hooks_warnings(void (*emit)(const char *msg))
{
	for (int i = 0; i < nwarnings; i++)
		emit(warnings[i]);
}

static const char *errname(int err)
{
	static char buf[16];
	const char *n = strerrorname_np(err);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* ---- availability, decided before any load ---- */

static struct btf *vmlinux_btf;
static struct bpf_object *L_obj; /* the loaded object, for hooks_prog_ids_json() */

static const char *tracefs_root(void)
{
	return access("/sys/kernel/debug/tracing/events", F_OK) == 0 ? "/sys/kernel/debug/tracing" : "/sys/kernel/tracing";
}

static bool cand_available(const struct loader *L, const struct hook *h, const struct cand *c)
{
	if (!c->prog)
		return false;
	if (strcmp(c->kind, "tracepoint") == 0) {
		char path[256];
		if (!L->tracefs)
			return false;
		snprintf(path, sizeof(path), "%s/events/%s/id", tracefs_root(), h->event);
		return access(path, R_OK) == 0;
	}
	/* tp_btf and raw_tp need the tracepoint to exist; its btf_trace_ typedef says it does */
	char tname[128];
	snprintf(tname, sizeof(tname), "btf_trace_%s", h->event);
	return vmlinux_btf && btf__find_by_name_kind(vmlinux_btf, tname, BTF_KIND_TYPEDEF) >= 0;
}

/* Move h to its next usable candidate after `from`; -1 when none is left. */
static void pick_next(const struct loader *L, struct hook *h, int from)
{
	for (int i = from; i < MAX_CAND; i++) {
		if (h->cand[i].prog && !h->failed[i] && cand_available(L, h, &h->cand[i])) {
			h->pick = i;
			return;
		}
	}
	h->pick = -1;
}

static struct hook *hook_of_prog(const char *prog, int *cand_idx)
{
	for (size_t i = 0; i < NHOOKS; i++)
		for (int c = 0; c < MAX_CAND; c++)
			if (hooks[i].cand[c].prog && strcmp(hooks[i].cand[c].prog, prog) == 0) {
				*cand_idx = c;
				return &hooks[i];
			}
	return NULL;
}

static void destroy_links(void)
{
	for (size_t i = 0; i < NHOOKS; i++) {
		if (hooks[i].link)
			bpf_link__destroy(hooks[i].link);
		hooks[i].link = NULL;
	}
}

static void set_bit(__u64 *bitmap, int nr)
{
	if (nr >= 0 && nr < VIGIL_SC_BITMAP_BITS)
		bitmap[nr / 64] |= 1ull << (nr % 64);
}

static void set_syscall_bitmaps(struct loader *L)
{
	bool generic = false;
	for (size_t i = 0; i < NHOOKS; i++)
		if (hooks[i].generic_exit && hooks[i].link)
			generic = true;
	for (size_t i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];
		if (h->sc_nr < 0)
			continue;
		if (generic && !h->link) /* never both: that would emit the event twice */
			set_bit(L->skel->bss->vigil_sc_exit_bitmap, h->sc_nr);
		if (h->needs_enter && (h->link || generic))
			set_bit(L->skel->bss->vigil_sc_bitmap, h->sc_nr);
	}
}

/* An exit tracepoint that exists but was refused: the generic sys_exit program can stand in for it. */
static bool exit_hook_refused(void)
{
	for (size_t i = 0; i < NHOOKS; i++)
		if (hooks[i].sc_nr >= 0 && hooks[i].pick < 0 && (hooks[i].failed[0] || hooks[i].failed[1]))
			return true;
	return false;
}

/* Turn the generic sys_exit hook on when an exit tracepoint was refused; true if that needs a reload. */
static bool want_generic_exit(const struct loader *L)
{
	struct hook *generic = NULL;
	for (size_t i = 0; i < NHOOKS; i++)
		if (hooks[i].generic_exit)
			generic = &hooks[i];
	if (!generic || generic->wanted || !exit_hook_refused())
		return false;
	warn("hook sys_exit: standing in for the refused syscall exit tracepoints (costs every syscall)");
	generic->wanted = true;
	pick_next(L, generic, 0);
	return generic->pick >= 0;
}

static void fail_load(const char *what)
{
	if (failed_map[0]) {
		if (failed_map_err == ENOMEM)
			fprintf(stderr, "vigil-loader: cannot create BPF map %s: out of memory (memory cgroup or RLIMIT_MEMLOCK; "
				"try a smaller --ringbuf-bytes)\n", failed_map);
		else
			fprintf(stderr, "vigil-loader: cannot create BPF map %s: %s\n", failed_map, strerror(failed_map_err));
		exit(failed_map_err == EPERM ? EXIT_PREREQ : EXIT_FATAL);
	}
	fprintf(stderr, "vigil-loader: %s%s%s\n", what, last_verifier_line[0] ? ": " : "", last_verifier_line);
	exit(EXIT_FATAL);
}

int hooks_load(struct loader *L)
{
	libbpf_set_print(libbpf_print);
	vmlinux_btf = btf__load_vmlinux_btf();

	for (size_t i = 0; i < NHOOKS; i++) {
		struct hook *h = &hooks[i];
		h->wanted = h->generic_exit ? !L->tracefs : true;
		h->pick = -1;
		snprintf(h->state, sizeof(h->state), "unavailable");
		if (h->wanted)
			pick_next(L, h, 0);
	}

	for (int round = 0; round < 4 * (int)NHOOKS; round++) {
		struct vigil_bpf *skel = vigil_bpf__open();
		if (!skel)
			fail_load("cannot open the embedded BPF object");
		if (bpf_map__set_max_entries(skel->maps.vigil_events, L->ringbuf_bytes) != 0)
			fail_load("cannot size the ring buffer");
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
		for (size_t i = 0; i < NHOOKS; i++) {
			struct hook *h = &hooks[i];
			if (h->pick < 0)
				continue;
			prog = bpf_object__find_program_by_name(skel->obj, h->cand[h->pick].prog);
			if (!prog)
				fail_load("embedded BPF object lacks a program the loader expects");
			bpf_program__set_autoload(prog, true);
		}

		failed_prog[0] = failed_map[0] = last_verifier_line[0] = 0;
		capturing = true;
		int err = vigil_bpf__load(skel);
		capturing = false;
		if (err) {
			int c;
			struct hook *h = failed_prog[0] ? hook_of_prog(failed_prog, &c) : NULL;
			vigil_bpf__destroy(skel);
			if (!h)
				fail_load("loading the BPF object failed");
			h->failed[c] = true;
			snprintf(h->state, sizeof(h->state), "failed:%s", errname(failed_prog_err));
			warn("hook %s: %s program %s rejected at load: %s%s%s", h->name, h->cand[c].kind,
				h->cand[c].prog, errname(failed_prog_err), last_verifier_line[0] ? ": " : "",
				last_verifier_line);
			pick_next(L, h, c + 1);
			continue;
		}

		/* decided before attaching: detaching syscall tracepoints takes ~1 s of RCU grace periods */
		if (want_generic_exit(L)) {
			vigil_bpf__destroy(skel);
			continue;
		}

		bool retry = false;
		for (size_t i = 0; i < NHOOKS; i++) {
			struct hook *h = &hooks[i];
			if (h->pick < 0)
				continue;
			prog = bpf_object__find_program_by_name(skel->obj, h->cand[h->pick].prog);
			h->link = bpf_program__attach(prog);
			if (h->link) {
				snprintf(h->state, sizeof(h->state), "%s", h->cand[h->pick].kind);
				continue;
			}
			int aerr = errno ? errno : EINVAL;
			int c = h->pick;
			h->failed[c] = true;
			snprintf(h->state, sizeof(h->state), "failed:%s", errname(aerr));
			warn("hook %s: %s program %s could not attach: %s", h->name, h->cand[c].kind,
				h->cand[c].prog, errname(aerr));
			pick_next(L, h, c + 1);
			if (h->pick >= 0)
				retry = true;
		}
		if (!retry && want_generic_exit(L))
			retry = true;
		if (retry) {
			destroy_links();
			vigil_bpf__destroy(skel);
			continue;
		}
		L->skel = skel;
		L_obj = skel->obj;
		set_syscall_bitmaps(L);
		return 0;
	}
	fail_load("no working combination of BPF programs found");
	return -1;
}

void hooks_destroy(struct loader *L)
{
	destroy_links();
	if (L->skel)
		vigil_bpf__destroy(L->skel);
	L->skel = NULL;
	L_obj = NULL;
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
}

/* [id,...] of the programs attached, so that they can be found with bpftool (and checked gone). */
int hooks_prog_ids_json(char *buf, size_t len)
{
	size_t o = 0;
	int n = snprintf(buf, len, "[");
	if (n < 0 || (size_t)n >= len)
		return -1;
	o = (size_t)n;
	bool first = true;
	for (size_t i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];
		if (!h->link || h->pick < 0)
			continue;
		struct bpf_program *prog = bpf_object__find_program_by_name(L_obj, h->cand[h->pick].prog);
		struct bpf_prog_info info;
		__u32 ilen = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (!prog || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &ilen) != 0)
			continue;
		n = snprintf(buf + o, len - o, "%s%u", first ? "" : ",", info.id);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
		first = false;
	}
	n = snprintf(buf + o, len - o, "]");
	if (n < 0 || (size_t)n >= len - o)
		return -1;
	return (int)(o + (size_t)n);
}

int hooks_json(char *buf, size_t len)
{
	size_t o = 0;
	int n = snprintf(buf, len, "{");
	if (n < 0 || (size_t)n >= len)
		return -1;
	o = (size_t)n;
	bool first = true;
	for (size_t i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];
		if (!h->wanted)
			continue;
		n = snprintf(buf + o, len - o, "%s\"%s\":\"%s\"", first ? "" : ",", h->name, h->state);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
		first = false;
	}
	n = snprintf(buf + o, len - o, "}");
	if (n < 0 || (size_t)n >= len - o)
		return -1;
	return (int)(o + (size_t)n);
}
