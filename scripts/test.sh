#!/usr/bin/env bash
# `npm test`: the complete suite — type checks, unit tests, and the kernel/container/registry tests
# (as root they run for real; under CI=true they must run, never skip). Arguments limit the test paths.
source "$(dirname "$0")/lib.sh"
ensure_debian_packages "${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}"
ensure_npm_dependencies
build_all
build_plugin
ensure_kernel_filesystems
cd "$ROOT/exporter"
log "type-checking sources and tests"
npx tsc -p tsconfig.test.json
log "running tests"
node scripts/run-tests.mjs "$@"
# With path arguments only those exporter tests run; the plugin's suites run with the complete suite.
if [ $# -eq 0 ]; then
  cd "$ROOT/plugin"
  log "type-checking the plugin"
  npx tsc --noEmit
  log "plugin unit and component tests (jest)"
  npx jest --ci --maxWorkers 2
  log "plugin browser tests (Debian chromium, real Prometheus, vigil node and scanner, Grafana stand-in)"
  node --import tsx --test --test-concurrency=1 tests/grafana-standin/*.test.ts tests/browser/*.test.ts
fi
