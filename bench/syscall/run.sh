#!/usr/bin/env bash
# Syscall overhead of the Vigil sensor, measured against no sensor and against bpftrace as a peer.
#
#   sudo bench/syscall/run.sh [--rounds N] [--reps K] [--getppid N] [--openat N] [--no-bpftrace]
#
# Per round, in an order that rotates each round (so that drift on a shared machine hits every config):
#   detached   nothing attached
#   vigil      bpf/build/vigil-loader with its default configuration (every event type, every open),
#              its stdout drained to /dev/null, its stdin held open
#   bpftrace   bpftrace -e 'tracepoint:raw_syscalls:sys_enter { @[cgroup] = count(); }'
#   node       the whole `vigil node` with its default ruleset active (its kernel filters come from the rules),
#              stdout and journal off — the "default rules" figure, compared with the bare loader (vigil)
# each config runs bpf/build/syscall-loop: N getppid() calls and N openat()+close() pairs, printing ns per
# call. A round's sample is the fastest of K back-to-back runs in the same window (other work on a shared
# machine only ever adds time); the report is the median of the samples over rounds and the added cost
# median(config) - median(detached).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=7
reps=3
n_getppid=2000000
n_openat=200000
use_bpftrace=1

while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--getppid) n_getppid=$2; shift 2 ;;
	--openat) n_openat=$2; shift 2 ;;
	--no-bpftrace) use_bpftrace=0; shift ;;
	*) echo "usage: $0 [--rounds N] [--reps K] [--getppid N] [--openat N] [--no-bpftrace]" >&2; exit 2 ;;
	esac
done
[ "$rounds" -ge 1 ] 2>/dev/null || { echo "run.sh: --rounds must be a positive number" >&2; exit 2; }
[ "$reps" -ge 1 ] 2>/dev/null || { echo "run.sh: --reps must be a positive number" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (loads BPF programs)" >&2; exit 2; }
if [ "$use_bpftrace" = 1 ] && ! command -v bpftrace >/dev/null; then
	echo "run.sh: bpftrace not installed (apt-get install bpftrace); running without the peer" >&2
	use_bpftrace=0
fi

make -s -C "$repo/bpf" >/dev/null
loader=$repo/bpf/build/vigil-loader
loop=$repo/bpf/build/syscall-loop
tmp=$(mktemp -d /tmp/vigil-bench.XXXXXX)
ctl_fd=
bt_pid=
node_pid=
cleanup() {
	[ -n "$ctl_fd" ] && exec 3>&- || true
	[ -n "$bt_pid" ] && kill -INT "$bt_pid" 2>/dev/null || true
	[ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

wait_for() { # file, pattern/bytes check command, what
	local i
	for i in $(seq 1 200); do
		if eval "$2"; then return 0; fi
		sleep 0.05
	done
	echo "run.sh: $3 did not become ready" >&2
	exit 1
}

start_vigil() {
	rm -f "$tmp/ctl" "$tmp/ready"
	mkfifo "$tmp/ctl"
	# stdout: the first 4 bytes (HELLO's length) mark readiness, the rest is drained
	"$loader" <"$tmp/ctl" 2>"$tmp/loader.err" | { head -c 4 >"$tmp/ready"; cat >/dev/null; } &
	exec 3>"$tmp/ctl"
	ctl_fd=3
	wait_for "$tmp/ready" '[ "$(stat -c %s "$tmp/ready" 2>/dev/null || echo 0)" -ge 4 ]' vigil-loader
}
stop_vigil() {
	echo quit >&3
	exec 3>&-
	ctl_fd=
	wait
}
start_bpftrace() {
	bpftrace -e 'tracepoint:raw_syscalls:sys_enter { @[cgroup] = count(); }' >"$tmp/bt.out" 2>&1 &
	bt_pid=$!
	wait_for "$tmp/bt.out" 'grep -q "Attaching" "$tmp/bt.out"' bpftrace
	sleep 0.2 # "Attaching" is printed just before the probe is live
}
start_node() {
	node --max-semi-space-size=2 "$repo/exporter/dist/cli.js" node --listen 127.0.0.1:9719 --no-stdout --no-journal \
		>"$tmp/node.out" 2>"$tmp/node.err" &
	node_pid=$!
	wait_for "$tmp/node.err" 'curl -sf http://127.0.0.1:9719/readyz >/dev/null' "vigil node"
	sleep 1 # the rules' filter commands follow the loader's HELLO
}
stop_node() {
	if ! kill -TERM "$node_pid" 2>/dev/null; then
		echo "run.sh: vigil node died during the measurement; its last words:" >&2
		tail -5 "$tmp/node.err" >&2
	fi
	wait "$node_pid" || true
	node_pid=
}
stop_bpftrace() {
	kill -INT "$bt_pid"
	wait "$bt_pid" || true
	bt_pid=
}

configs=(detached vigil)
[ "$use_bpftrace" = 1 ] && configs+=(bpftrace)
[ -f "$repo/exporter/dist/cli.js" ] && command -v curl >/dev/null && configs+=(node)
declare -A getppid_ns openat_ns

fastest() { # mode n: the fastest of $reps runs
	local i
	for ((i = 0; i < reps; i++)); do "$loop" "$1" "$2"; done | awk 'NR == 1 || $2 < m { m = $2 } END { print m }'
}

measure() { # config
	local g o
	g=$(fastest getppid "$n_getppid")
	o=$(fastest openat "$n_openat")
	getppid_ns[$1]+="$g "
	openat_ns[$1]+="$o "
}

for ((r = 0; r < rounds; r++)); do
	n=${#configs[@]}
	for ((k = 0; k < n; k++)); do
		c=${configs[$(((k + r) % n))]}
		case "$c" in
		detached) measure detached ;;
		vigil) start_vigil; measure vigil; stop_vigil ;;
		bpftrace) start_bpftrace; measure bpftrace; stop_bpftrace ;;
		node) start_node; measure node; stop_node ;;
		esac
	done
	printf 'round %d/%d done\n' $((r + 1)) "$rounds" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR % 2) printf "%.1f", a[(NR+1)/2]; else printf "%.1f", (a[NR/2]+a[NR/2+1])/2}'; }

echo "Syscall overhead: $rounds interleaved rounds (order rotated per round), median ns per call of each round's fastest of $reps runs"
echo "  getppid x $n_getppid, openat+close of /etc/hostname x $n_openat; $(nproc) CPUs, kernel $(uname -r)"
echo "  vigil = vigil-loader default config (all event types, every open emitted), stdout drained to /dev/null"
[ "$use_bpftrace" = 1 ] && echo "  bpftrace = tracepoint:raw_syscalls:sys_enter { @[cgroup] = count(); }"
[[ " ${configs[*]} " == *" node "* ]] && echo "  node = vigil node with the default ruleset (kernel filters from the rules), no stdout/journal"
printf '%-10s %12s %14s   %s\n' config getppid openat+close "samples (getppid | openat)"
declare -A med_g med_o
for c in "${configs[@]}"; do
	med_g[$c]=$(echo "${getppid_ns[$c]}" | median)
	med_o[$c]=$(echo "${openat_ns[$c]}" | median)
	printf '%-10s %12s %14s   %s| %s\n' "$c" "${med_g[$c]}" "${med_o[$c]}" "${getppid_ns[$c]}" "${openat_ns[$c]}"
done
echo "Added per call (median config - median detached):"
for c in "${configs[@]}"; do
	[ "$c" = detached ] && continue
	awk -v c="$c" -v g="${med_g[$c]}" -v g0="${med_g[detached]}" -v o="${med_o[$c]}" -v o0="${med_o[detached]}" \
		'BEGIN { printf "%-10s %+12.1f %+14.1f\n", c, g - g0, o - o0 }'
done
if [[ " ${configs[*]} " == *" node "* ]]; then
	awk -v g="${med_g[node]}" -v v="${med_g[vigil]}" -v g0="${med_g[detached]}" \
		'BEGIN { a = v - g0; b = g - g0; printf "default rules vs bare sensor, getppid: %+.1f ns vs %+.1f ns added (%+.0f%%; target <= +20%%)\n", b, a, (a > 0 ? (b - a) / a * 100 : 0) }'
fi
