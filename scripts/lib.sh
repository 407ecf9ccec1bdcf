# Shared by start.sh, test.sh and build.sh: install what is missing, build, and mount what the sensor needs.
# Safe to run again: each step checks before it acts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages: the BPF build chain and what `vigil node` calls at run time.
RUNTIME_PKGS=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc libc6-dev)
# What the test suite uses on top: real containers, a real registry and Prometheus, image tools, a browser.
TEST_PKGS=(podman runc busybox-static skopeo umoci docker-registry prometheus bpftrace iproute2 openssl zstd rpm sqlite3 dpkg-dev
  chromium fonts-inter docker-compose)
# kubectl renders the kustomize manifests in the tests. Debian's kubernetes-client conflicts with a kubectl that
# came from elsewhere, so it is installed only when no kubectl is on the PATH.
command -v kubectl >/dev/null 2>&1 || TEST_PKGS+=(kubernetes-client)

log() { printf 'vigil: %s\n' "$*" >&2; }

ensure_debian_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  if [ -z "${VIGIL_APT_UPDATED:-}" ]; then
    apt-get update -q >/dev/null
    export VIGIL_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_npm_dependencies() {
  cd "$ROOT"
  local stamp=node_modules/.vigil-installed
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    log "installing npm dependencies"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

ensure_kernel_filesystems() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! mountpoint -q /sys/kernel/tracing 2>/dev/null && [ ! -d /sys/kernel/tracing/events ]; then
    mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || log "could not mount tracefs at /sys/kernel/tracing"
  fi
  if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
    mount -t bpf bpf /sys/fs/bpf 2>/dev/null || log "could not mount bpffs at /sys/fs/bpf"
  fi
}

build_all() {
  cd "$ROOT"
  log "building bpf/"
  make -s -C bpf
  log "building TypeScript"
  npm run -s build --workspace exporter
}

# The Grafana app: webpack production build into plugin/dist, the dashboards copied in, the release zip.
build_plugin() {
  cd "$ROOT"
  log "building the Grafana app plugin"
  npm run -s build --workspace plugin
}
