# The Vigil image: one `vigil` command (node, scanner, scan, db, rules).
# Stage 1 builds the BPF programs and the loader with clang/libbpf; stage 2 the TypeScript; stage 3 runs.
# CO-RE: vmlinux.h comes from the build host's BTF (/sys/kernel/btf/vmlinux is readable during `docker build`
# on Linux); the programs then relocate against whatever kernel runs them.
FROM debian:12-slim AS bpf
RUN apt-get update && apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
      pkg-config make gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY bpf/ bpf/
RUN make -C bpf

FROM node:20-bookworm-slim AS ts
WORKDIR /src
COPY package.json package-lock.json ./
COPY exporter/package.json exporter/
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/* \
    && npm ci --no-audit --no-fund
COPY exporter/ exporter/
RUN npm run build --workspace exporter && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libelf1 zlib1g libbpf1 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/vigil
COPY --from=ts /src/package.json ./
COPY --from=ts /src/node_modules node_modules/
COPY --from=ts /src/exporter/package.json exporter/
COPY --from=ts /src/exporter/dist exporter/dist/
COPY --from=bpf /src/bpf/build/vigil-loader bpf/build/vigil-loader
ENV VIGIL_LOADER=/opt/vigil/bpf/build/vigil-loader NODE_ENV=production
ENTRYPOINT ["node", "--max-semi-space-size=2", "/opt/vigil/exporter/dist/cli.js"]
CMD ["node"]
