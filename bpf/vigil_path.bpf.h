/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil_path.bpf.h — absolute paths from (dentry, vfsmount), as seen from the current task's root.
 *
 * bpf_d_path() would do this but is only allowed in fentry/LSM programs, which are not available
 * everywhere; so the walk is done by hand: collect the names leaf first, crossing mount points via
 * struct mount, stop at the task's root (a container sees its own root) or the namespace root, then
 * write them root first. Too deep or too long paths lose their leading components and are flagged.
 *
 * Each loop is its own global function: the verifier checks a global function once, on its own, and
 * treats its result as an unknown value. Inlined, every exit of one loop (a different exact counter
 * each) would re-verify the loops after it, which took exec past the verifier's 1M-instruction limit.
 */
#ifndef VIGIL_PATH_BPF_H
#define VIGIL_PATH_BPF_H

#define VIGIL_NAME_MAX 255
#define VIGIL_PATH_STEPS (VIGIL_PATH_DEPTH + 16) /* components plus mount crossings */
#define DEPTH_IDX(i) ((i) & (VIGIL_PATH_DEPTH - 1))

/*
 * d_parent and d_name sit next to each other in struct dentry: read both with one helper call per
 * component (the walk is most of an open's cost). The window is computed from CO-RE offsets at load time;
 * a kernel where the two drift apart falls back to separate reads.
 */
#define DENTRY_WINDOW_MAX 48

struct dentry_step {
	struct dentry *parent;
	const unsigned char *name;
	__u32 len;
};

static __always_inline void dentry_step(struct dentry *d, struct dentry_step *st)
{
	__u32 base = bpf_core_field_offset(struct dentry, d_parent);
	__u32 name_off = bpf_core_field_offset(struct dentry, d_name);
	__u32 span = name_off + sizeof(struct qstr) - base;
	if (name_off > base && span <= DENTRY_WINDOW_MAX) {
		__u8 w[DENTRY_WINDOW_MAX] = {};
		/* span and rel are constants once relocated, so the verifier checks these accesses exactly */
		bpf_probe_read_kernel(w, span, (void *)d + base);
		__u32 rel = name_off - base;
		st->parent = *(struct dentry **)w;
		st->len = *(__u32 *)(w + rel + 4); /* qstr { u32 hash; u32 len; const char *name; } */
		st->name = *(const unsigned char **)(w + rel + 8);
		return;
	}
	st->parent = BPF_CORE_READ(d, d_parent);
	st->len = BPF_CORE_READ(d, d_name.len);
	st->name = BPF_CORE_READ(d, d_name.name);
}

/* Collect the components leaf first into s->names/s->lens (s->depth of them). Returns 1 when the walk
 * reached the task's root or a namespace root, 0 when it gave up (too deep). */
__noinline int vigil_path_collect(struct vigil_scratch *s, __u64 dentry_p, __u64 vfsmnt_p)
{
	struct dentry *dentry = (struct dentry *)dentry_p;
	struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_p;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct path root = {};

	if (!s)
		return 0;
	s->depth = 0;
	if (!dentry || !vfsmnt)
		return 1;
	BPF_CORE_READ_INTO(&root, task, fs, root);
	struct mount *mnt = (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	for (int i = 0; i < VIGIL_PATH_STEPS; i++) {
		if (dentry == root.dentry && vfsmnt == root.mnt)
			return 1;
		if (dentry == mnt_root) {
			struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
			if (parent == mnt || !parent)
				return 1; /* the root of this mount namespace (or of a kernel-internal mount) */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent;
			vfsmnt = &parent->mnt;
			mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
			continue;
		}
		__u32 d = s->depth;
		if (d >= VIGIL_PATH_DEPTH)
			return 0;
		struct dentry_step st;
		dentry_step(dentry, &st);
		s->names[DEPTH_IDX(d)] = st.name;
		s->lens[DEPTH_IDX(d)] = st.len & VIGIL_NAME_MAX;
		s->depth = d + 1;
		if (st.parent == dentry || !st.parent)
			return 1; /* a pseudo file (memfd, pipe, ...) is its own parent: its name is all there is */
		dentry = st.parent;
	}
	return 0;
}

/* How many of the collected components (innermost first) fit in VIGIL_PATH_MAX: the tail of a path says
 * more than its head. At least one, which always fits (NAME_MAX + 1 < VIGIL_PATH_MAX). */
__noinline int vigil_path_fit(struct vigil_scratch *s)
{
	if (!s)
		return 0;
	__u32 n = s->depth, total = 0;
	for (int i = 0; i < VIGIL_PATH_DEPTH; i++) {
		if (i >= n)
			return i;
		total += (s->lens[DEPTH_IDX(i)] & VIGIL_NAME_MAX) + 1;
		if (total > VIGIL_PATH_MAX)
			return i > 0 ? i : 1;
	}
	return VIGIL_PATH_DEPTH;
}

/* Write components [0, keep) outermost first at s->ev + off as "/a/b/c". Returns the bytes written. */
__noinline int vigil_path_emit(struct vigil_scratch *s, __u32 off, __u32 keep)
{
	if (!s)
		return 0;
	__u32 pos = 0;
	for (int j = 0; j < VIGIL_PATH_DEPTH; j++) {
		if (j >= keep)
			break;
		__u32 idx = DEPTH_IDX(keep - 1 - j);
		__u32 len = s->lens[idx] & VIGIL_NAME_MAX;
		if (pos + 1 + len > VIGIL_PATH_MAX)
			break;
		s->ev[EV_OFF(off + pos)] = '/';
		pos++;
		bpf_probe_read_kernel(s->ev + EV_OFF(off + pos), len, s->names[idx]);
		pos += len;
	}
	return pos;
}

/* Append the path of (dentry, vfsmnt) at s->ev + off; returns its length, sets *truncated if cut. */
static __always_inline __u32 put_path(struct vigil_scratch *s, __u32 off, struct dentry *dentry,
				      struct vfsmount *vfsmnt, int *truncated)
{
	if (!vigil_path_collect(s, (__u64)dentry, (__u64)vfsmnt))
		*truncated = 1;
	__u32 n = s->depth;
	if (n == 0) {
		s->ev[EV_OFF(off)] = '/';
		return 1;
	}
	__u32 keep = vigil_path_fit(s);
	if (keep < n)
		*truncated = 1;
	__u32 len = vigil_path_emit(s, off, keep);
	return len > VIGIL_PATH_MAX ? VIGIL_PATH_MAX : len;
}

static __always_inline __u32 put_file_path(struct vigil_scratch *s, __u32 off, struct file *f, int *truncated)
{
	struct path p = {};
	BPF_CORE_READ_INTO(&p, f, f_path);
	return put_path(s, off, p.dentry, p.mnt, truncated);
}

#endif /* VIGIL_PATH_BPF_H */
