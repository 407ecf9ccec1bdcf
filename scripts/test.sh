#!/usr/bin/env bash
# `npm test`: the complete suite — type checks, unit tests, and the kernel/container/registry tests
# (as root they run for real; under CI=true they must run, never skip). Arguments limit the test paths.
source "$(dirname "$0")/lib.sh"
ensure_debian_packages "${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}"
ensure_npm_dependencies
build_all
ensure_kernel_filesystems
cd "$ROOT/exporter"
log "type-checking sources and tests"
npx tsc -p tsconfig.test.json
log "running tests"
node scripts/run-tests.mjs "$@"
