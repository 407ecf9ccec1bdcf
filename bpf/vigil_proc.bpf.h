/* SPDX-License-Identifier: GPL-2.0-only */
/* vigil_proc.bpf.h — process lifecycle: exec, fork, exit. */
#ifndef VIGIL_PROC_BPF_H
#define VIGIL_PROC_BPF_H

#define VIGIL_OVERLAYFS_SUPER_MAGIC 0x794c7630

/* overlayfs' private inode; only the part after the VFS inode matters. Matched by CO-RE when the
 * kernel's BTF has it (overlay built in, or a module with BTF). */
struct ovl_inode___vigil {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

static __always_inline __u32 tty_of(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	__u32 major = BPF_CORE_READ(tty, driver, major);
	__u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (major << 20) | (minor & 0xfffff);
}

static __always_inline int ovl_has_upper(struct inode *inode)
{
	struct dentry *upper = NULL;
	if (bpf_core_type_exists(struct ovl_inode___vigil)) {
		struct ovl_inode___vigil *oi = (void *)inode - bpf_core_field_offset(struct ovl_inode___vigil, vfs_inode);
		upper = BPF_CORE_READ(oi, __upperdentry);
	} else {
		/* No BTF for overlayfs: __upperdentry has followed vfs_inode since overlayfs stacked inodes. */
		bpf_probe_read_kernel(&upper, sizeof(upper), (void *)inode + bpf_core_type_size(struct inode));
	}
	return upper != NULL;
}

static __always_inline __u32 exe_flags(struct file *f)
{
	__u32 flags = 0;
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) == VIGIL_OVERLAYFS_SUPER_MAGIC) {
		flags |= VIGIL_EXEC_OVERLAY;
		if (ovl_has_upper(inode))
			flags |= VIGIL_EXEC_UPPER_LAYER;
	}
	char name[8] = {};
	bpf_probe_read_kernel(name, 6, BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':')
		flags |= VIGIL_EXEC_MEMFD;
	return flags;
}

static __always_inline int handle_exec(struct task_struct *p, struct linux_binprm *bprm)
{
	struct vigil_counters *c = current_counters();
	if (c)
		c->execs++;
	if (!want(VIGIL_EV_EXEC))
		return 0;
	struct vigil_scratch *s = scratch_area();
	struct vigil_filter_config *cfg = filter_config();
	if (!s || !cfg)
		return 0;

	struct vigil_exec *e = (void *)s->ev;
	int trunc = 0;
	__builtin_memset(e, 0, sizeof(*e));

	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	if (bpf_core_field_exists(p->loginuid))
		e->loginuid = BPF_CORE_READ(p, loginuid.val);
	else
		e->loginuid = (__u32)-1;
	const struct cred *cred = BPF_CORE_READ(p, cred);
	e->euid = BPF_CORE_READ(cred, euid.val);
	e->egid = BPF_CORE_READ(cred, egid.val);
	/* kernel_cap_t is a u64 since 6.3 and a u32[2] before: 8 little-endian bytes either way */
	bpf_core_read(&e->cap_effective, sizeof(e->cap_effective), &cred->cap_effective);
	bpf_core_read(&e->cap_permitted, sizeof(e->cap_permitted), &cred->cap_permitted);
	e->tty = tty_of(p);
	e->start_ns = BPF_CORE_READ(p, start_boottime);

	struct file *file = BPF_CORE_READ(bprm, file);
	e->flags = exe_flags(file);

	__u32 off = sizeof(*e);
	__u32 n = put_file_path(s, off, file, &trunc);
	e->exe_len = n;
	off += n;

	n = put_str(s->ev, off, BPF_CORE_READ(bprm, filename), VIGIL_PATH_MAX, 0, &trunc);
	e->filename_len = n;
	off += n;

	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long as = BPF_CORE_READ(mm, arg_start), ae = BPF_CORE_READ(mm, arg_end);
	int argv_cut = 0;
	n = ae > as ? put_user_bytes(s->ev, off, (void *)as, ae - as, VIGIL_ARGV_MAX, &argv_cut) : 0;
	if (n > 0 && !argv_cut && s->ev[EV_OFF(off + n - 1)] == 0)
		n--; /* separators only: the last argument's NUL is not kept */
	trunc |= argv_cut;
	e->argv_len = n;
	off += n;

	struct path pwd = {};
	BPF_CORE_READ_INTO(&pwd, p, fs, pwd);
	n = put_path(s, off, pwd.dentry, pwd.mnt, &trunc);
	e->cwd_len = n;
	off += n;

	if (cfg->capture_env) {
		unsigned long es = BPF_CORE_READ(mm, env_start), ee = BPF_CORE_READ(mm, env_end);
		int env_cut = 0;
		n = ee > es ? put_user_bytes(s->ev, off, (void *)es, ee - es, VIGIL_ENV_MAX, &env_cut) : 0;
		if (n > 0 && !env_cut && s->ev[EV_OFF(off + n - 1)] == 0)
			n--;
		trunc |= env_cut;
		e->env_len = n;
		off += n;
	}

	fill_hdr(&e->hdr, VIGIL_EV_EXEC, off);
	if (trunc)
		e->hdr.flags |= VIGIL_F_TRUNCATED;
	submit(e, off, VIGIL_EV_EXEC);
	return 0;
}

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	int thread = child_tgid == BPF_CORE_READ(parent, tgid);
	if (!thread) {
		struct vigil_counters *c = current_counters();
		if (c)
			c->forks++;
	}
	struct vigil_filter_config *cfg = filter_config();
	if (thread && (!cfg || !cfg->emit_threads)) {
		stat_inc(VIGIL_EV_FORK, STAT_FILTERED);
		return 0;
	}
	if (!want(VIGIL_EV_FORK))
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s)
		return 0;
	struct vigil_fork *e = (void *)s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	e->child_pid = child_tgid;
	e->child_tid = BPF_CORE_READ(child, pid);
	e->clone_flags_thread = thread;
	fill_hdr(&e->hdr, VIGIL_EV_FORK, sizeof(*e));
	submit(e, sizeof(*e), VIGIL_EV_FORK);
	return 0;
}

/* sched_process_exit fires per thread; the process is gone when the last one leaves (signal->live is
 * decremented before the tracepoint on every kernel, unlike the newer group_dead argument). */
static __always_inline int handle_exit(struct task_struct *p)
{
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	struct vigil_counters *c = current_counters();
	if (c)
		c->exits++;
	if (!want(VIGIL_EV_EXIT))
		return 0;
	struct vigil_scratch *s = scratch_area();
	if (!s)
		return 0;
	struct vigil_exit *e = (void *)s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	__u32 code = BPF_CORE_READ(p, exit_code);
	e->exit_code = (code >> 8) & 0xff;
	e->signal = code & 0x7f;
	e->core_dumped = (code & 0x80) ? 1 : 0;
	fill_hdr(&e->hdr, VIGIL_EV_EXIT, sizeof(*e));
	submit(e, sizeof(*e), VIGIL_EV_EXIT);
	return 0;
}

#endif /* VIGIL_PROC_BPF_H */
