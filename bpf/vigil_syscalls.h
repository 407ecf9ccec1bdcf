/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * vigil_syscalls.h — the syscalls whose arguments the sensor keeps between entry and exit, shared by the
 * BPF programs and the loader.
 *
 * Syscall numbers are per architecture; only x86-64 is filled in. Compat (ia32) and x32 syscalls are not
 * interpreted: their numbers mean other things (the BPF side checks TS_COMPAT and the bitmap bound).
 */
#ifndef VIGIL_SYSCALLS_H
#define VIGIL_SYSCALLS_H

#if defined(__TARGET_ARCH_x86) || defined(__x86_64__)
#define VIGIL_NR_open 2
#define VIGIL_NR_connect 42
#define VIGIL_NR_accept 43
#define VIGIL_NR_creat 85
#define VIGIL_NR_ptrace 101
#define VIGIL_NR_setuid 105
#define VIGIL_NR_setgid 106
#define VIGIL_NR_setreuid 113
#define VIGIL_NR_setregid 114
#define VIGIL_NR_setresuid 117
#define VIGIL_NR_setresgid 119
#define VIGIL_NR_setfsuid 122
#define VIGIL_NR_setfsgid 123
#define VIGIL_NR_mount 165
#define VIGIL_NR_init_module 175
#define VIGIL_NR_openat 257
#define VIGIL_NR_accept4 288
#define VIGIL_NR_finit_module 313
#define VIGIL_NR_openat2 437
#else
#error "vigil: syscall numbers are only defined for x86-64"
#endif

/* Bits of the "syscalls to track" bitmap: one bit per syscall number below this bound. */
#define VIGIL_SC_BITMAP_BITS 512
#define VIGIL_SC_BITMAP_WORDS (VIGIL_SC_BITMAP_BITS / 64)

/* What a pending entry holds; one per thread between sys_enter and sys_exit. */
enum vigil_sc_kind {
	VIGIL_SC_NONE = 0,
	VIGIL_SC_OPEN,
	VIGIL_SC_CONNECT,
	VIGIL_SC_ACCEPT,
	VIGIL_SC_SETID,
	VIGIL_SC_PTRACE,
	VIGIL_SC_MOUNT,
	VIGIL_SC_MODULE,
};

#endif /* VIGIL_SYSCALLS_H */
