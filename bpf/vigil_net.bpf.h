/* SPDX-License-Identifier: GPL-2.0-only */
/* vigil_net.bpf.h — sockets behind file descriptors, their addresses, and per-cgroup byte counters. */
#ifndef VIGIL_NET_BPF_H
#define VIGIL_NET_BPF_H

#define VIGIL_AF_UNIX 1
#define VIGIL_AF_INET 2
#define VIGIL_AF_INET6 10
#define VIGIL_MSG_PEEK 2
#define VIGIL_S_IFMT 00170000
#define VIGIL_S_IFSOCK 0140000
#define VIGIL_UNIX_PATH_MAX 108

/* The current task's file behind fd. Direct (BTF) loads down to the fd array, one helper call for the slot. */
static __always_inline struct file *fd_file(long fd)
{
	if (fd < 0)
		return NULL;
	struct files_struct *files = bpf_get_current_task_btf()->files;
	if (!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if (!fdt || (unsigned long)fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct socket *fd_socket(long fd)
{
	struct file *f = fd_file(fd);
	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & VIGIL_S_IFMT) != VIGIL_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* Local (s*) and remote (d*) address of an inet socket, ports in host order. */
static __always_inline void sock_addrs(struct sock *sk, __u16 family, struct vigil_sock *e)
{
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == VIGIL_AF_INET) {
		__u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->saddr, &saddr, 4);
		__builtin_memcpy(e->daddr, &daddr, 4);
	} else if (family == VIGIL_AF_INET6) {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline void sock_kind(struct socket *sock, struct sock *sk, struct vigil_sock *e)
{
	e->sock_type = BPF_CORE_READ(sock, type);
	if (sk)
		e->protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

/*
 * AF_UNIX name from a raw sockaddr_un (len bytes, sun_family included). Abstract names (leading NUL)
 * are written with a leading '@', as ss(8) shows them.
 */
static __always_inline __u32 put_unix_name(__u8 *ev, __u32 off, const __u8 *sun, __u32 len)
{
	if (len <= 2)
		return 0;
	__u8 first = 0;
	bpf_probe_read_kernel(&first, 1, sun + 2);
	if (first != 0) {
		long n = bpf_probe_read_kernel_str(ev + EV_OFF(off), VIGIL_UNIX_PATH_MAX + 1, sun + 2);
		return n > 1 ? n - 1 : 0;
	}
	__u32 n = len - 3; /* family (2) and the leading NUL */
	if (n > VIGIL_UNIX_PATH_MAX - 1)
		n = VIGIL_UNIX_PATH_MAX - 1;
	ev[EV_OFF(off)] = '@';
	asm volatile("%[n] &= 0x7f" : [n] "+r"(n));
	bpf_probe_read_kernel(ev + EV_OFF(off + 1), n, sun + 3);
	return n + 1;
}

/* Name of the address a unix socket is bound to (an accepted socket carries its listener's). */
static __always_inline __u32 put_unix_sock_name(__u8 *ev, __u32 off, struct sock *sk)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!addr)
		return 0;
	int len = BPF_CORE_READ(addr, len);
	if (len <= 2)
		return 0;
	return put_unix_name(ev, off, (const __u8 *)&addr->name, len > 110 ? 110 : len);
}

/* sock_send_length / sock_recv_length: every sendmsg/recvmsg-based transfer, in the task's context. */
static __always_inline int handle_sock_bytes(struct sock *sk, int ret, int flags, int sent)
{
	if (ret <= 0 || !sk)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != VIGIL_AF_INET && family != VIGIL_AF_INET6)
		return 0;
	if (!sent && (flags & VIGIL_MSG_PEEK))
		return 0;
	struct vigil_counters *c = current_counters();
	if (!c)
		return 0;
	if (sent)
		c->bytes_sent += ret;
	else
		c->bytes_received += ret;
	return 0;
}

#endif /* VIGIL_NET_BPF_H */
