// SPDX-License-Identifier: Apache-2.0
/*
 * vigil-attack: the few attacker moves busybox cannot make, for the live rule tests
 * (exporter/test/rules-live). Built static (`gcc -static -O2`) and copied into the test image, so it needs
 * nothing from the image. Each subcommand does one thing with plain syscalls (no libc wrappers that might
 * pick a different syscall), prints one line saying what happened and exits 0 only when the move worked:
 * a test that expects an alert can then tell "the rule missed" from "the attack never happened".
 *
 *   memfd-exec PATH ARG...     copy PATH into a memfd and execveat() it (fileless execution)
 *   memfd-load PATH ARG...     copy PATH into a memfd, then execve() PATH from disk (the benign neighbour)
 *   setuid UID                 setuid(UID)
 *   ptrace-attach PID          PTRACE_ATTACH to PID, wait for the stop, detach
 *   ptrace-traceme             a child asks to be traced (PTRACE_TRACEME) and execs /bin/true, as a debugger
 *                              starting a program does; the parent continues it
 *   mount-host DEV DIR FSTYPE  mount a block device (the host's disk) on DIR, list it, unmount
 *   mount-tmpfs DIR            mount a tmpfs on DIR, unmount
 *   write-mem                  open /proc/self/mem read-write and overwrite one of its own variables
 *   connect HOST PORT          one TCP connect (IPv4), 3 s timeout
 *   read FILE                  open and read FILE (as a client library reading a token does)
 *   noop                       exit 0 (a payload that only needs to run)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what)
{
	fprintf(stderr, "vigil-attack: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Copies PATH into a new memfd; returns the fd or -1. */
static int memfd_copy(const char *path)
{
	int src = open(path, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return -1;
	int mfd = (int)syscall(SYS_memfd_create, "payload", 0u);
	if (mfd < 0) {
		close(src);
		return -1;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0 || write(mfd, buf, (size_t)n) != n) {
			close(src);
			close(mfd);
			return -1;
		}
	}
	close(src);
	return mfd;
}

static int memfd_exec(int argc, char **argv, int from_disk)
{
	if (argc < 3) {
		fprintf(stderr, "usage: vigil-attack %s PATH ARG...\n", argv[1]);
		return 2;
	}
	int mfd = memfd_copy(argv[2]);
	if (mfd < 0)
		return fail("memfd copy");
	printf("memfd %d holds %s\n", mfd, argv[2]);
	fflush(stdout);
	if (from_disk) {
		close(mfd);
		execve(argv[2], argv + 3, environ);
		return fail("execve");
	}
	syscall(SYS_execveat, mfd, "", argv + 3, environ, AT_EMPTY_PATH);
	return fail("execveat memfd");
}

static int do_setuid(int argc, char **argv)
{
	long uid;
	if (argc != 3 || parse_int(argv[2], 0, 0x7fffffff, &uid) != 0) {
		fprintf(stderr, "usage: vigil-attack setuid UID\n");
		return 2;
	}
	long before = (long)syscall(SYS_geteuid);
	if (syscall(SYS_setuid, (uid_t)uid) != 0)
		return fail("setuid");
	printf("setuid(%ld) from euid %ld: now uid %ld euid %ld\n", uid, before, (long)syscall(SYS_getuid), (long)syscall(SYS_geteuid));
	return 0;
}

static int ptrace_attach(int argc, char **argv)
{
	long pid;
	if (argc != 3 || parse_int(argv[2], 1, 0x3fffffff, &pid) != 0) {
		fprintf(stderr, "usage: vigil-attack ptrace-attach PID\n");
		return 2;
	}
	if (syscall(SYS_ptrace, PTRACE_ATTACH, (pid_t)pid, 0, 0) != 0)
		return fail("ptrace attach");
	int status;
	if (waitpid((pid_t)pid, &status, __WALL) < 0)
		return fail("waitpid");
	syscall(SYS_ptrace, PTRACE_DETACH, (pid_t)pid, 0, 0);
	printf("attached to %ld and detached\n", pid);
	return 0;
}

static int ptrace_traceme(void)
{
	pid_t child = fork();
	if (child < 0)
		return fail("fork");
	if (child == 0) {
		if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(fail("ptrace traceme"));
		char *args[] = { "true", NULL };
		execve("/bin/true", args, environ);
		_exit(fail("execve /bin/true"));
	}
	int status;
	if (waitpid(child, &status, 0) < 0)
		return fail("waitpid");
	if (WIFSTOPPED(status))
		syscall(SYS_ptrace, PTRACE_CONT, child, 0, 0);
	if (waitpid(child, &status, 0) < 0)
		return fail("waitpid");
	printf("traced child %d exited with %d\n", (int)child, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int mount_host(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: vigil-attack mount-host DEV DIR FSTYPE\n");
		return 2;
	}
	mkdir(argv[3], 0700);
	/* Read-write on purpose: the host already has the disk mounted read-write, and the kernel refuses a
	 * second mount of a superblock that would change its read-only state. The per-mount flags keep this
	 * mount from running or trusting anything on it. */
	if (mount(argv[2], argv[3], argv[4], MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		return fail("mount");
	DIR *d = opendir(argv[3]);
	int entries = 0;
	if (d) {
		while (readdir(d))
			entries++;
		closedir(d);
	}
	if (umount2(argv[3], MNT_DETACH) != 0)
		return fail("umount");
	printf("mounted %s (%s) on %s: %d entries, unmounted\n", argv[2], argv[4], argv[3], entries);
	return entries > 2 ? 0 : 1;
}

static int mount_tmpfs(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vigil-attack mount-tmpfs DIR\n");
		return 2;
	}
	mkdir(argv[2], 0700);
	if (mount("tmpfs", argv[2], "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
		return fail("mount tmpfs");
	if (umount2(argv[2], MNT_DETACH) != 0)
		return fail("umount");
	printf("mounted and unmounted a tmpfs on %s\n", argv[2]);
	return 0;
}

static volatile long secret = 0x1111;

static int write_mem(void)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("open /proc/self/mem");
	long v = 0x2222;
	if (pwrite(fd, &v, sizeof(v), (off_t)(unsigned long)&secret) != (ssize_t)sizeof(v))
		return fail("pwrite /proc/self/mem");
	close(fd);
	printf("overwrote own memory through /proc/self/mem: 0x%lx\n", secret);
	return secret == 0x2222 ? 0 : 1;
}

static int do_connect(int argc, char **argv)
{
	long port;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	if (argc != 4 || inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1 || parse_int(argv[3], 1, 65535, &port) != 0) {
		fprintf(stderr, "usage: vigil-attack connect IPV4 PORT\n");
		return 2;
	}
	sa.sin_port = htons((unsigned short)port);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail("socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS)
		return fail("connect");
	struct pollfd p = { .fd = s, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);
	if (poll(&p, 1, 3000) != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		errno = err ? err : ETIMEDOUT;
		return fail("connect");
	}
	close(s);
	printf("connected to %s:%ld\n", argv[2], port);
	return 0;
}

static int do_read(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vigil-attack read FILE\n");
		return 2;
	}
	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return fail("read");
	printf("read %zd bytes of %s\n", n, argv[2]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "memfd-exec"))
		return memfd_exec(argc, argv, 0);
	if (!strcmp(cmd, "memfd-load"))
		return memfd_exec(argc, argv, 1);
	if (!strcmp(cmd, "setuid"))
		return do_setuid(argc, argv);
	if (!strcmp(cmd, "ptrace-attach"))
		return ptrace_attach(argc, argv);
	if (!strcmp(cmd, "ptrace-traceme"))
		return ptrace_traceme();
	if (!strcmp(cmd, "mount-host"))
		return mount_host(argc, argv);
	if (!strcmp(cmd, "mount-tmpfs"))
		return mount_tmpfs(argc, argv);
	if (!strcmp(cmd, "write-mem"))
		return write_mem();
	if (!strcmp(cmd, "connect"))
		return do_connect(argc, argv);
	if (!strcmp(cmd, "read"))
		return do_read(argc, argv);
	if (!strcmp(cmd, "noop"))
		return 0;
	fprintf(stderr, "usage: vigil-attack memfd-exec|memfd-load|setuid|ptrace-attach|ptrace-traceme|mount-host|"
			"mount-tmpfs|write-mem|connect|read|noop ...\n");
	return 2;
}
