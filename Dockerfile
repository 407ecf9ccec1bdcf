# The Vigil image: one `vigil` command (node, scanner, scan, db, rules).
# Stage 1 builds the BPF programs and the loader with clang/libbpf; stage 2 the TypeScript; stage 3 runs.
# CO-RE: vmlinux.h comes from the build host's BTF (/sys/kernel/btf/vmlinux is readable during `docker build`
# on Linux); the programs then relocate against whatever kernel runs them.
#
# Targets: the default (last) stage is the image for every command. `scanner-docker` adds the docker CLI, which
# `vigil scanner` needs for local discovery outside Kubernetes (`docker ps` against a mounted socket;
# docker-compose.yml uses it). The node never needs it: it reads the runtime's socket itself.
FROM debian:12-slim AS bpf
RUN apt-get update && apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
      pkg-config make gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY bpf/ bpf/
# A checkout's bpf/build (host-built loader, host vmlinux.h) must not stand in for a clean build.
RUN make -C bpf clean && make -C bpf

FROM node:20-bookworm-slim AS ts
WORKDIR /src
# Only the exporter workspace: the root package.json also lists plugin/, but `npm ci --workspace exporter`
# installs exporter's dependencies alone and does not need plugin/package.json (the Grafana/React tree stays out).
COPY package.json package-lock.json ./
COPY exporter/package.json exporter/
# python3/make/g++: better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/* \
    && npm ci --workspace exporter --no-audit --no-fund
# Sources only (not the checkout's exporter/node_modules or dist/).
COPY exporter/tsconfig.json exporter/
COPY exporter/src/ exporter/src/
# pino 9.3.0's npm package carries ~400 MB of test binaries (test/pkg) that nothing loads.
RUN npm run build --workspace exporter \
    && npm prune --omit=dev --workspace exporter --no-audit --no-fund \
    && rm -rf node_modules/pino/test

FROM docker:28.2-cli AS docker-cli

FROM node:20-bookworm-slim AS runtime
# util-linux (essential in Debian) provides nsenter for enter-host-cgroupns.
RUN apt-get update && apt-get install -y --no-install-recommends libelf1 zlib1g libbpf1 ca-certificates \
    && rm -rf /var/lib/apt/lists/* && command -v nsenter >/dev/null
WORKDIR /opt/vigil
COPY --from=ts /src/package.json ./
COPY --from=ts /src/node_modules node_modules/
COPY --from=ts /src/exporter/package.json exporter/
COPY --from=ts /src/exporter/dist exporter/dist/
# The default ruleset: `vigil node` resolves it next to dist/ (exporter/rules/vigil_rules.yaml).
COPY exporter/rules/ exporter/rules/
COPY --from=bpf /src/bpf/build/vigil-loader bpf/build/vigil-loader
COPY deploy/image/enter-host-cgroupns.sh /usr/local/bin/enter-host-cgroupns
ENV VIGIL_LOADER=/opt/vigil/bpf/build/vigil-loader NODE_ENV=production
ENTRYPOINT ["node", "--max-semi-space-size=2", "/opt/vigil/exporter/dist/cli.js"]
CMD ["node"]

FROM runtime AS scanner-docker
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker

# The default target: the image without the docker CLI.
FROM runtime
