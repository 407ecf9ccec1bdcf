/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil_sys.bpf.h — the syscall hot path and the tracked syscalls.
 *
 * Every syscall: one per-CPU increment (see vigil_internal.h) and one bitmap test. Tracked syscalls also
 * save their arguments here at entry, so the per-syscall entry tracepoints are not needed: each probe on
 * the sys_enter tracepoint beyond the first makes *every* syscall take the tracepoint's slower
 * multi-probe path (measured +52 ns per getppid against +30 ns for this design). Exits use the
 * per-syscall exit tracepoints, whose filtering happens in the kernel's own syscall bitmap.
 */
#ifndef VIGIL_SYS_BPF_H
#define VIGIL_SYS_BPF_H

#define VIGIL_TS_COMPAT 0x0002 /* x86 thread_info.status: an ia32 syscall is in progress */
#define VIGIL_O_ACCMODE 00000003
#define VIGIL_O_WRONLY 00000001
#define VIGIL_O_CREAT 00000100
#define VIGIL_O_TRUNC 00001000
#define VIGIL_EAGAIN 11

static __always_inline void count_syscall(void)
{
	struct vigil_cpu_slot *slot = bpf_map_lookup_elem(&vigil_cpu_slots, &vigil_zero);
	if (slot)
		slot->pending_syscalls++;
}

static __always_inline int bitmap_has(const __u64 *bitmap, long id)
{
	if ((unsigned long)id >= VIGIL_SC_BITMAP_BITS)
		return 0;
	return (bitmap[(id >> 6) & (VIGIL_SC_BITMAP_WORDS - 1)] >> (id & 63)) & 1;
}

static __always_inline int sc_tracked(long id)
{
	return bitmap_has(vigil_sc_bitmap, id);
}

static __always_inline int sc_exit_tracked(long id)
{
	return bitmap_has(vigil_sc_exit_bitmap, id);
}

static __always_inline int in_compat_syscall(void)
{
	return bpf_get_current_task_btf()->thread_info.status & VIGIL_TS_COMPAT;
}

static __always_inline __u32 setid_syscall(long nr)
{
	switch (nr) {
	case VIGIL_NR_setuid: return VIGIL_SETID_SETUID;
	case VIGIL_NR_setgid: return VIGIL_SETID_SETGID;
	case VIGIL_NR_setreuid: return VIGIL_SETID_SETREUID;
	case VIGIL_NR_setregid: return VIGIL_SETID_SETREGID;
	case VIGIL_NR_setresuid: return VIGIL_SETID_SETRESUID;
	case VIGIL_NR_setresgid: return VIGIL_SETID_SETRESGID;
	case VIGIL_NR_setfsuid: return VIGIL_SETID_SETFSUID;
	default: return VIGIL_SETID_SETFSGID;
	}
}

static __always_inline void save_pending(struct vigil_pending *p)
{
	__u64 key = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&vigil_pending, &key, p, BPF_ANY);
}

static __always_inline struct vigil_pending *find_pending(__u32 kind)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct vigil_pending *p = bpf_map_lookup_elem(&vigil_pending, &key);
	if (!p || p->kind != kind)
		return NULL;
	return p;
}

static __always_inline void drop_pending(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&vigil_pending, &key);
}

/* ---- entry: only what cannot be known at exit ---- */

/*
 * Most tracked syscalls are handled at exit alone: their arguments are still in the task's saved user
 * registers then (and are the ones the kernel used, even if a tracer changed them). Only connect (the
 * address as asked for, read before the call) and the setid family (the ids before the change) need
 * their entry; the loader sets just those in the bitmap.
 */
static __always_inline void handle_tracked_enter(long id, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	if (in_compat_syscall())
		return;
	struct vigil_pending p = {};
	p.args[0] = a0;
	p.args[1] = a1;
	p.args[2] = a2;
	p.args[3] = a3;

	switch (id) {
	case VIGIL_NR_connect: { /* (fd, sockaddr, addrlen) */
		if (!want(VIGIL_EV_CONNECT))
			return;
		__u32 len = a2 > VIGIL_SOCKADDR_MAX ? VIGIL_SOCKADDR_MAX : a2;
		asm volatile("%[len] &= 0x7f" : [len] "+r"(len));
		if (len > VIGIL_SOCKADDR_MAX)
			len = VIGIL_SOCKADDR_MAX;
		if (len && bpf_probe_read_user(p.sockaddr, len, (void *)a1) == 0)
			p.addrlen = len;
		p.kind = VIGIL_SC_CONNECT;
		p.sc = VIGIL_SOCK_CONNECT;
		save_pending(&p);
		break;
	}
	case VIGIL_NR_setuid:
	case VIGIL_NR_setgid:
	case VIGIL_NR_setreuid:
	case VIGIL_NR_setregid:
	case VIGIL_NR_setresuid:
	case VIGIL_NR_setresgid:
	case VIGIL_NR_setfsuid:
	case VIGIL_NR_setfsgid: {
		if (!want(VIGIL_EV_SETID))
			return;
		__u64 ugid = bpf_get_current_uid_gid();
		struct task_struct *t = bpf_get_current_task_btf();
		p.uid = (__u32)ugid;
		p.gid = ugid >> 32;
		p.euid = t->cred->euid.val;
		p.kind = VIGIL_SC_SETID;
		p.sc = setid_syscall(id);
		save_pending(&p);
		break;
	}
	}
}

/* ---- exit ---- */

static __always_inline int open_is_write(__u32 flags)
{
	return (flags & VIGIL_O_ACCMODE) != 0 || (flags & (VIGIL_O_CREAT | VIGIL_O_TRUNC));
}

/* Does the path at ev+off (len bytes) start with one of the configured prefixes? */
static __always_inline int prefix_match(struct vigil_scratch *s, __u32 off, __u32 len)
{
	__u32 n = len > VIGIL_PREFIX_MAX ? VIGIL_PREFIX_MAX : len;
	asm volatile("%[n] &= 0x1ff" : [n] "+r"(n));
	if (n > VIGIL_PREFIX_MAX)
		return 0;
	s->key.prefixlen = n * 8;
	bpf_probe_read_kernel(s->key.path, n, s->ev + EV_OFF(off));
	return bpf_map_lookup_elem(&vigil_open_prefixes, &s->key) != NULL;
}

/* The arguments of the syscall being left, from the user registers the kernel saved at entry. */
struct sc_args {
	__u64 a[4];
};

static __always_inline int handle_open_exit(long ret, long nr, const struct sc_args *sa)
{
	struct vigil_counters *c = current_counters();
	if (c) {
		c->opens++;
		if (ret < 0)
			c->open_failures++;
	}
	if (!want(VIGIL_EV_OPEN))
		return 0;
	struct vigil_scratch *s = scratch_area();
	struct vigil_filter_config *cfg = filter_config();
	if (!s || !cfg)
		return 0;
	if (cfg->open_mode == VIGIL_OPEN_NONE) {
		stat_inc(VIGIL_EV_OPEN, STAT_FILTERED);
		return 0;
	}

	struct vigil_open *e = (void *)s->ev;
	int trunc = 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	const void *upath;
	switch (nr) {
	case VIGIL_NR_open: /* (path, flags, mode) */
		e->syscall = VIGIL_OPEN_OPEN;
		upath = (const void *)sa->a[0];
		e->flags = sa->a[1];
		e->mode = sa->a[2];
		break;
	case VIGIL_NR_creat: /* (path, mode) */
		e->syscall = VIGIL_OPEN_CREAT;
		upath = (const void *)sa->a[0];
		e->flags = VIGIL_O_CREAT | VIGIL_O_WRONLY | VIGIL_O_TRUNC;
		e->mode = sa->a[1];
		break;
	case VIGIL_NR_openat2: { /* (dfd, path, struct open_how *, size) */
		struct open_how how = {};
		bpf_probe_read_user(&how, sizeof(how), (void *)sa->a[2]);
		e->syscall = VIGIL_OPEN_OPENAT2;
		upath = (const void *)sa->a[1];
		e->flags = how.flags;
		e->mode = how.mode;
		break;
	}
	default: /* openat (dfd, path, flags, mode) */
		e->syscall = VIGIL_OPEN_OPENAT;
		upath = (const void *)sa->a[1];
		e->flags = sa->a[2];
		e->mode = sa->a[3];
		break;
	}

	__u32 off = sizeof(*e), n = 0;
	struct file *f = ret >= 0 ? fd_file(ret) : NULL;
	if (f) {
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		e->i_mode = BPF_CORE_READ(inode, i_mode);
		e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
		e->ino = BPF_CORE_READ(inode, i_ino);
		n = put_file_path(s, off, f, &trunc);
	} else {
		n = put_str(s->ev, off, upath, VIGIL_PATH_MAX, 1, &trunc);
	}
	e->path_len = n;

	if (cfg->open_mode == VIGIL_OPEN_PREFIXES &&
	    !((cfg->open_writes && open_is_write(e->flags)) || (cfg->open_failed && ret < 0) || prefix_match(s, off, n))) {
		stat_inc(VIGIL_EV_OPEN, STAT_FILTERED);
		return 0;
	}
	off += n;
	fill_hdr(&e->hdr, VIGIL_EV_OPEN, off);
	if (trunc)
		e->hdr.flags |= VIGIL_F_TRUNCATED;
	submit(e, off, VIGIL_EV_OPEN);
	return 0;
}

static __always_inline int handle_connect_exit(long ret, long nr, const struct sc_args *sa)
{
	struct vigil_counters *c = current_counters();
	if (c)
		c->connects++;
	struct vigil_pending *p = find_pending(VIGIL_SC_CONNECT);
	if (!p)
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s) {
		drop_pending();
		return 0;
	}
	struct vigil_sock *e = (void *)s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	e->syscall = VIGIL_SOCK_CONNECT;
	e->fd = p->args[0];

	__u32 off = sizeof(*e), alen = p->addrlen;
	__u16 family = 0;
	if (alen >= 2)
		__builtin_memcpy(&family, p->sockaddr, 2);
	e->family = family;
	struct socket *sock = fd_socket(p->args[0]);
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (sock)
		sock_kind(sock, sk, e);
	if (family == VIGIL_AF_INET || family == VIGIL_AF_INET6) {
		if (sk)
			sock_addrs(sk, family, e); /* local side as bound by the connect */
		/* the remote side as asked for, which is known even when the connect failed */
		__u16 port = 0;
		__builtin_memcpy(&port, p->sockaddr + 2, 2);
		e->dport = bpf_ntohs(port);
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
		if (family == VIGIL_AF_INET && alen >= 8)
			__builtin_memcpy(e->daddr, p->sockaddr + 4, 4);
		else if (family == VIGIL_AF_INET6 && alen >= 24)
			__builtin_memcpy(e->daddr, p->sockaddr + 8, 16);
	} else if (family == VIGIL_AF_UNIX) {
		__u32 n = put_unix_name(s->ev, off, p->sockaddr, alen);
		e->path_len = n;
		off += n;
	}
	drop_pending();
	fill_hdr(&e->hdr, VIGIL_EV_CONNECT, off);
	submit(e, off, VIGIL_EV_CONNECT);
	return 0;
}

static __always_inline int handle_accept_exit(long ret, long nr, const struct sc_args *sa)
{
	if (ret >= 0) {
		struct vigil_counters *c = current_counters();
		if (c)
			c->accepts++;
	}
	if (ret == -VIGIL_EAGAIN)
		return 0; /* a non-blocking accept with nothing queued: no connection, no event */
	if (!want(VIGIL_EV_ACCEPT))
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s)
		return 0;
	struct vigil_sock *e = (void *)s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	e->syscall = nr == VIGIL_NR_accept4 ? VIGIL_SOCK_ACCEPT4 : VIGIL_SOCK_ACCEPT;
	e->fd = sa->a[0];
	__u32 off = sizeof(*e);
	struct socket *sock = ret >= 0 ? fd_socket(ret) : fd_socket(sa->a[0]);
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (sk) {
		__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
		e->family = family;
		sock_kind(sock, sk, e);
		if (ret >= 0 && (family == VIGIL_AF_INET || family == VIGIL_AF_INET6)) {
			sock_addrs(sk, family, e);
		} else if (family == VIGIL_AF_UNIX) {
			__u32 n = put_unix_sock_name(s->ev, off, sk);
			e->path_len = n;
			off += n;
		}
	}
	fill_hdr(&e->hdr, VIGIL_EV_ACCEPT, off);
	submit(e, off, VIGIL_EV_ACCEPT);
	return 0;
}

static __always_inline int handle_setid_exit(long ret, long nr, const struct sc_args *sa)
{
	struct vigil_pending *p = find_pending(VIGIL_SC_SETID);
	struct vigil_scratch *s = scratch_area();
	if (!p || !s)
		return 0;
	struct vigil_setid *e = (void *)s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	e->syscall = p->sc;
	__u32 sc = p->sc;
	e->id0 = p->args[0];
	e->id1 = (sc == VIGIL_SETID_SETREUID || sc == VIGIL_SETID_SETREGID || sc == VIGIL_SETID_SETRESUID ||
		  sc == VIGIL_SETID_SETRESGID)
			 ? (__u32)p->args[1]
			 : (__u32)-1;
	e->id2 = (sc == VIGIL_SETID_SETRESUID || sc == VIGIL_SETID_SETRESGID) ? (__u32)p->args[2] : (__u32)-1;
	e->euid_before = p->euid;
	__u32 uid = p->uid, gid = p->gid;
	drop_pending();
	fill_hdr(&e->hdr, VIGIL_EV_SETID, sizeof(*e));
	e->hdr.uid = uid;
	e->hdr.gid = gid;
	submit(e, sizeof(*e), VIGIL_EV_SETID);
	return 0;
}

static __always_inline int handle_ptrace_exit(long ret, long nr, const struct sc_args *sa)
{
	if (!want(VIGIL_EV_PTRACE))
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s)
		return 0;
	struct vigil_ptrace *e = (void *)s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	e->request = sa->a[0];
	e->target_pid = sa->a[1];
	fill_hdr(&e->hdr, VIGIL_EV_PTRACE, sizeof(*e));
	submit(e, sizeof(*e), VIGIL_EV_PTRACE);
	return 0;
}

#define VIGIL_FSTYPE_MAX 64

/* The strings are read at exit from the caller's memory: cheaper than carrying 1 KiB per pending entry,
 * at the price of showing what the memory holds after the call. */
static __always_inline int handle_mount_exit(long ret, long nr, const struct sc_args *sa)
{
	if (!want(VIGIL_EV_MOUNT))
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s)
		return 0;
	struct vigil_mount *e = (void *)s->ev;
	int trunc = 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	e->flags = sa->a[3];
	__u32 off = sizeof(*e), n;
	n = put_str(s->ev, off, (void *)sa->a[0], VIGIL_PATH_MAX, 1, &trunc);
	e->source_len = n;
	off += n;
	n = put_str(s->ev, off, (void *)sa->a[1], VIGIL_PATH_MAX, 1, &trunc);
	e->target_len = n;
	off += n;
	n = put_str(s->ev, off, (void *)sa->a[2], VIGIL_FSTYPE_MAX, 1, &trunc);
	e->fstype_len = n;
	off += n;
	fill_hdr(&e->hdr, VIGIL_EV_MOUNT, off);
	if (trunc)
		e->hdr.flags |= VIGIL_F_TRUNCATED;
	submit(e, off, VIGIL_EV_MOUNT);
	return 0;
}

static __always_inline int handle_module_exit(long ret, long nr, const struct sc_args *sa)
{
	if (!want(VIGIL_EV_MODULE))
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s)
		return 0;
	struct vigil_module *e = (void *)s->ev;
	int trunc = 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->res = ret;
	int finit = nr == VIGIL_NR_finit_module; /* finit_module(fd, uargs, flags); init_module(umod, len, uargs) */
	e->syscall = finit ? VIGIL_MODULE_FINIT : VIGIL_MODULE_INIT;
	e->fd = finit ? (__u32)sa->a[0] : (__u32)-1;
	__u32 off = sizeof(*e);
	__u32 n = put_str(s->ev, off, (void *)(finit ? sa->a[1] : sa->a[2]), VIGIL_PATH_MAX, 1, &trunc);
	e->args_len = n;
	off += n;
	fill_hdr(&e->hdr, VIGIL_EV_MODULE, off);
	if (trunc)
		e->hdr.flags |= VIGIL_F_TRUNCATED;
	submit(e, off, VIGIL_EV_MODULE);
	return 0;
}

/* The generic exit, used only when a per-syscall exit tracepoint cannot be: it runs on every syscall. */
static __always_inline int handle_tracked_exit(long nr, long ret, const struct sc_args *sa)
{
	if (in_compat_syscall())
		return 0;
	switch (nr) {
	case VIGIL_NR_open:
	case VIGIL_NR_creat:
	case VIGIL_NR_openat:
	case VIGIL_NR_openat2:
		return handle_open_exit(ret, nr, sa);
	case VIGIL_NR_connect:
		return handle_connect_exit(ret, nr, sa);
	case VIGIL_NR_accept:
	case VIGIL_NR_accept4:
		return handle_accept_exit(ret, nr, sa);
	case VIGIL_NR_ptrace:
		return handle_ptrace_exit(ret, nr, sa);
	case VIGIL_NR_mount:
		return handle_mount_exit(ret, nr, sa);
	case VIGIL_NR_init_module:
	case VIGIL_NR_finit_module:
		return handle_module_exit(ret, nr, sa);
	case VIGIL_NR_setuid:
	case VIGIL_NR_setgid:
	case VIGIL_NR_setreuid:
	case VIGIL_NR_setregid:
	case VIGIL_NR_setresuid:
	case VIGIL_NR_setresgid:
	case VIGIL_NR_setfsuid:
	case VIGIL_NR_setfsgid:
		return handle_setid_exit(ret, nr, sa);
	}
	return 0;
}

#endif /* VIGIL_SYS_BPF_H */
