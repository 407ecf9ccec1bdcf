// SPDX-License-Identifier: Apache-2.0
/*
 * loader_output.c — frames on stdout: a little-endian u32 length, then the record (see vigil_events.h).
 *
 * Records are gathered in one large buffer and written in big chunks, flushed after every poll round.
 * write() blocks when the pipe is full: that is the intended backpressure — the kernel's ring buffer
 * fills meanwhile and its drops are counted per event type. A reader that went away (EPIPE) ends the
 * loader cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"

#define OUT_CAP (1u << 20)

static int out_fd = 1;
static bool out_gone;
static volatile sig_atomic_t *out_stop; /* set by a signal handler: stop waiting for a stuck reader */
static size_t out_len;
static unsigned char out_buf[OUT_CAP];

void out_init(int fd, volatile sig_atomic_t *stop)
{
	out_fd = fd;
	out_stop = stop;
}

bool out_closed(void)
{
	return out_gone;
}

static void write_all(const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n > 0 && !out_gone) {
		ssize_t w = write(out_fd, c, n);
		if (w < 0) {
			if (errno == EINTR && !(out_stop && *out_stop))
				continue;
			/* EPIPE and anything else: nobody can read us any more */
			out_gone = true;
			return;
		}
		c += w;
		n -= (size_t)w;
	}
}

void out_flush(void)
{
	if (out_len)
		write_all(out_buf, out_len);
	out_len = 0;
}

static void append(const void *p, size_t n)
{
	if (n > OUT_CAP - out_len) {
		out_flush();
		if (n > OUT_CAP) { /* a large snapshot: straight through */
			write_all(p, n);
			return;
		}
	}
	memcpy(out_buf + out_len, p, n);
	out_len += n;
}

void out_frame2(const void *head, uint32_t head_len, const void *tail, uint32_t tail_len)
{
	uint32_t len = head_len + tail_len; /* little-endian host: checked at start-up */
	if (out_gone)
		return;
	if (sizeof(len) + len > OUT_CAP - out_len)
		out_flush();
	append(&len, sizeof(len));
	append(head, head_len);
	if (tail_len)
		append(tail, tail_len);
}

void out_frame(const void *rec, uint32_t len)
{
	out_frame2(rec, len, NULL, 0);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_boot_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

void out_msg_hdr(struct vigil_hdr *h, uint32_t type, uint32_t size)
{
	memset(h, 0, sizeof(*h));
	h->ts_ns = now_boot_ns();
	h->type = type;
	h->size = size;
	memcpy(h->comm, "vigil-loader", sizeof("vigil-loader"));
}

void out_log(uint32_t level, const char *fmt, ...)
{
	char text[4608];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	struct vigil_msg_log m;
	out_msg_hdr(&m.hdr, VIGIL_MSG_LOG, sizeof(m) + (uint32_t)n);
	m.level = level;
	m.text_len = (uint32_t)n;
	out_frame2(&m, sizeof(m), text, (uint32_t)n);
}
