#!/usr/bin/env bash
source "$(dirname "$0")/lib.sh"
ensure_debian_packages "${RUNTIME_PKGS[@]}"
ensure_npm_dependencies
build_all
build_plugin
