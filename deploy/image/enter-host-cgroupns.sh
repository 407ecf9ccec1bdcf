#!/bin/sh
# Runs the given command in the host's cgroup namespace when it is not already there.
#
# Why: `vigil node` attributes processes by /proc/<pid>/cgroup and the cgroup tree under /sys/fs/cgroup. Both are
# shown relative to the reader's cgroup namespace. Docker on cgroup v2 gives every container (privileged ones too) a
# private one, so host processes read "0::/../.." and the mountinfo root of /sys/fs/cgroup climbs out with "..":
# attribution would fail. With hostPID, /proc/1 is the host's init, and entering its cgroup namespace (needs
# CAP_SYS_ADMIN, which the privileged sensor has) makes every path absolute again. Kubernetes runtimes already run
# privileged containers in the host's cgroup namespace; then this is a no-op.
set -eu
if [ "$(readlink /proc/self/ns/cgroup 2>/dev/null || true)" = "$(readlink /proc/1/ns/cgroup 2>/dev/null || true)" ]; then
  exec "$@"
fi
if nsenter --cgroup=/proc/1/ns/cgroup -- true 2>/dev/null; then
  exec nsenter --cgroup=/proc/1/ns/cgroup -- "$@"
fi
echo "vigil: cannot enter the host's cgroup namespace (needs hostPID and CAP_SYS_ADMIN); container attribution by /proc may fail" >&2
exec "$@"
