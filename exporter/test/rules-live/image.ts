// The image the live rule tests run: busybox-static plus what the default rules look at (password hashes, an
// SSH key pair, a log file, a shell history, a package database, a non-root user) and the static
// `vigil-attack` helper (../support/attack/attack.c) for the moves busybox cannot make. The tag carries a hash
// of everything that goes into the image, so a changed helper or layout is rebuilt, never reused stale.

import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ATTACK_SOURCE = resolve(import.meta.dirname, '../support/attack/attack.c');
export const ATTACK_IN_IMAGE = '/usr/local/bin/vigil-attack';
export const APP_UID = 1000;

const APPLETS = [
  'sh', 'cat', 'echo', 'sleep', 'nc', 'ls', 'cp', 'rm', 'mkdir', 'true', 'id', 'kill', 'awk', 'xargs', 'dpkg', 'dpkg-deb',
  'passwd', 'truncate', 'insmod', 'head', 'env',
];

const FILES: Record<string, { text: string; mode: number }> = {
  'etc/passwd': { text: `root:x:0:0:root:/root:/bin/sh\napp:x:${APP_UID}:${APP_UID}:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n`, mode: 0o644 },
  'etc/group': { text: `root:x:0:\napp:x:${APP_UID}:\nnogroup:x:65534:\n`, mode: 0o644 },
  // A real sha512-crypt hash (`openssl passwd -6 -salt vigilsalt vigil-test`), so a reader gets what an intruder would.
  'etc/shadow': { text: 'root:$6$vigilsalt$r.gK.gP/LZNsHllp.NtcJ5CyCmYYp.u4ZSjT2yOn/bMVtaPdP9Hqbjy.kBexl7nhZNjwhAmrtx.wtEOA.tZAd.:19700:0:99999:7:::\napp:!:19700:0:99999:7:::\nnobody:*:19700:0:99999:7:::\n', mode: 0o640 },
  'etc/hostname': { text: 'rules-live\n', mode: 0o644 },
  // Not a usable key (the body is filler), but the path and the PEM armour are what a thief looks for.
  'root/.ssh/id_ed25519': { text: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n', mode: 0o600 },
  'root/.ssh/id_ed25519.pub': { text: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA root@rules-live\n', mode: 0o644 },
  'root/.ash_history': { text: 'ls\ncat /etc/hostname\n', mode: 0o600 },
  'var/log/app.log': { text: '2026-12-03T22:40:01Z app started\n', mode: 0o644 },
  'var/lib/dpkg/status': { text: 'Package: busybox-static\nStatus: install ok installed\nVersion: 1:1.35.0-4\nArchitecture: amd64\nDescription: standalone rescue shell\n\n', mode: 0o644 },
};

const DIRS = ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'mnt', 'usr/bin', 'usr/lib', 'usr/local/bin', 'var/log', 'var/run', 'var/lib/dpkg', 'home/app'];

function busyboxPath(): string {
  const p = ['/bin/busybox', '/usr/bin/busybox'].find((x) => existsSync(x));
  if (!p) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  return p;
}

/** Compiles vigil-attack statically into DIR and returns its path. */
export function buildAttackHelper(dir: string): string {
  const out = join(dir, 'vigil-attack');
  const r = spawnSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', out, ATTACK_SOURCE], { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc could not run (apt-get install gcc libc6-dev): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gcc failed on ${ATTACK_SOURCE}:\n${r.stderr}`);
  return out;
}

/** The tag for the current sources: localhost/vigil-rules-live:<12 hex>. */
export function liveImageRef(): string {
  const h = createHash('sha256');
  h.update(readFileSync(ATTACK_SOURCE));
  h.update(JSON.stringify({ APPLETS, FILES, DIRS, busybox: readFileSync(busyboxPath()).length }));
  return `localhost/vigil-rules-live:${h.digest('hex').slice(0, 12)}`;
}

/** Builds the image unless this exact one exists; returns its reference. */
export function ensureLiveImage(): string {
  const ref = liveImageRef();
  if (spawnSync('podman', ['image', 'exists', ref]).status === 0) return ref;
  const work = mkdtempSync(join(tmpdir(), 'vigil-rules-live-'));
  try {
    const root = join(work, 'rootfs');
    for (const d of DIRS) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    chmodSync(join(root, 'root'), 0o700);
    copyFileSync(busyboxPath(), join(root, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
    for (const [path, f] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), f.text);
      chmodSync(join(root, path), f.mode);
    }
    chmodSync(join(root, 'root/.ssh'), 0o700);
    const helper = buildAttackHelper(work);
    copyFileSync(helper, join(root, ATTACK_IN_IMAGE.slice(1)));
    chmodSync(join(root, ATTACK_IN_IMAGE.slice(1)), 0o755);
    const tar = spawnSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
    execFileSync('podman', ['import', '--change', 'ENV=PATH=/usr/local/bin:/usr/bin:/bin', '-', ref], { input: tar.stdout, stdio: ['pipe', 'ignore', 'inherit'] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return ref;
}
