#!/usr/bin/env bash
# `npm run bench`: every benchmark in bench/, one after another, each printing how it measured.
source "$(dirname "$0")/lib.sh"
ensure_debian_packages "${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}"
ensure_npm_dependencies
build_all
build_plugin
ensure_kernel_filesystems
cd "$ROOT"
status=0
for b in bench/*.bench.ts; do
  [ -e "$b" ] || continue
  log "bench: $b"
  node --import tsx "$b" || status=1
done
for b in bench/*/run.sh; do
  [ -e "$b" ] || continue
  log "bench: $b"
  bash "$b" || status=1
done
exit $status
