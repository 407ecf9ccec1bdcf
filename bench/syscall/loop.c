// SPDX-License-Identifier: Apache-2.0
/*
 * loop — the syscall cost probe behind bench/syscall/run.sh.
 *
 *   loop getppid N     N raw getppid() calls
 *   loop openat N      N openat(/etc/hostname, O_RDONLY) + close() pairs
 *
 * Prints one line "<mode> <ns per call>". getppid is the cheapest real syscall, so whatever a sensor adds
 * to every syscall shows up undiluted; openat+close shows the cost on a path the sensor actually records.
 * syscall(2) is used directly so libc caching can never hide the kernel entry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: loop getppid|openat N\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(argv[2], &end, 10);
	if (errno || !end || *end || n == 0 || n > 1000000000ULL)
		return usage();

	double t0, t1;
	if (strcmp(argv[1], "getppid") == 0) {
		t0 = now_ns();
		for (unsigned long long i = 0; i < n; i++)
			syscall(SYS_getppid);
		t1 = now_ns();
	} else if (strcmp(argv[1], "openat") == 0) {
		t0 = now_ns();
		for (unsigned long long i = 0; i < n; i++) {
			long fd = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				perror("loop: openat /etc/hostname");
				return 1;
			}
			syscall(SYS_close, fd);
		}
		t1 = now_ns();
	} else {
		return usage();
	}
	printf("%s %.1f\n", argv[1], (t1 - t0) / (double)n);
	return 0;
}
