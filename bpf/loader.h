/* SPDX-License-Identifier: Apache-2.0 */
/* loader.h — the pieces of vigil-loader and the state they share. */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "vigil_events.h"
#include "vigil_internal.h"

/* Exit codes: the supervisor restarts on 1, never on 3. */
#define EXIT_FATAL 1
#define EXIT_USAGE 2
#define EXIT_PREREQ 3

#define LOADER_MAX_HOOKS 40

struct vigil_bpf;
struct ring_buffer;

struct loader {
	struct vigil_bpf *skel;
	struct ring_buffer *rb;
	int ncpu;                 /* possible CPUs: the width of per-CPU map values */
	uint32_t ringbuf_bytes;
	uint32_t interval_ms;
	bool tracefs;             /* tracefs is reachable: per-syscall tracepoints can be attached */
	struct vigil_filter_config cfg; /* what the kernel has; changed only through config_apply() */
	char hello_json[8192];
	bool quit;
};

/* loader_prereq.c: exits with EXIT_PREREQ (after one line on stderr) when something essential is missing. */
void prereq_check(void);
bool prereq_tracefs(char *why, size_t why_len);

/* loader_hooks.c */
int hooks_load(struct loader *L);  /* open, choose programs, load, attach; fills hello_json's hooks */
void hooks_destroy(struct loader *L);
int hooks_json(char *buf, size_t len); /* {"name":"state",...} */
int hooks_prog_ids_json(char *buf, size_t len); /* [id,...] of the attached programs */
void hooks_warnings(void (*emit)(const char *msg)); /* what went wrong while loading, one line each */

/* loader_output.c: length-prefixed frames on stdout, buffered. */
void out_init(int fd, volatile sig_atomic_t *stop); /* stop: a signal asked us to end */
bool out_closed(void);           /* the reader went away (EPIPE) */
void out_frame(const void *rec, uint32_t len);
void out_frame2(const void *head, uint32_t head_len, const void *tail, uint32_t tail_len);
void out_flush(void);
void out_msg_hdr(struct vigil_hdr *h, uint32_t type, uint32_t size);
void out_log(uint32_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t now_boot_ns(void);
uint64_t now_mono_ns(void);

/* loader_snapshot.c */
int snapshot_init(struct loader *L);
void snapshot_counters(struct loader *L);
void snapshot_stats(struct loader *L);
void snapshot_free(void);

/* loader_control.c */
void config_defaults(struct vigil_filter_config *cfg);
int config_apply(struct loader *L, const struct vigil_filter_config *cfg);
int control_ignore_tgid(struct loader *L, uint32_t tgid, bool ignore);
void control_line(struct loader *L, const char *line, size_t len);
/* Reads what stdin has; returns 0, or -1 at EOF (the exporter is gone). */
int control_read(struct loader *L, int fd);

/* loader_kill.c: armed kills and the exec guard (vigil_kill.bpf.h is the kernel half). */
int kill_init(struct loader *L);
bool kill_command(struct loader *L, const char *cmd, const char *arg, const char *line); /* false: not ours */
void kill_poll(struct loader *L);  /* report outcomes, run fallbacks and expiries; every loop round */
int kill_timeout_ms(void);         /* when kill_poll() must run next; -1: nothing armed */
void kill_free(void);

#endif /* VIGIL_LOADER_H */
