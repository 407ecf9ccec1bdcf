#!/usr/bin/env bash
# `npm start`: install what is missing, build, and run `vigil node` with the embedded defaults
# (metrics on :9711, events on stdout and in the local journal). Extra arguments go to `vigil node`.
source "$(dirname "$0")/lib.sh"
ensure_debian_packages "${RUNTIME_PKGS[@]}"
ensure_npm_dependencies
build_all
ensure_kernel_filesystems
cd "$ROOT"
# A small young generation keeps the resident set low; the event path allocates short-lived objects only.
exec node --max-semi-space-size=2 exporter/dist/cli.js node "$@"
