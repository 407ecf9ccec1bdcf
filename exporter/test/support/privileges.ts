// Decides whether a test that needs the real kernel (root, BTF, bpf()) or podman can run here. Outside CI a
// missing prerequisite skips with its reason; under CI=true it is a failure, because CI must run them.

import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export function kernelTestSkipReason(): string | undefined {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('not running as root');
  if (!existsSync('/sys/kernel/btf/vmlinux')) reasons.push('no BTF at /sys/kernel/btf/vmlinux');
  return gate(reasons);
}

export function podmanSkipReason(): string | undefined {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('not running as root');
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
  } catch {
    reasons.push('podman is not installed');
  }
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
  } catch {
    reasons.push('runc is not installed');
  }
  return gate(reasons);
}

function gate(reasons: string[]): string | undefined {
  if (reasons.length === 0) return undefined;
  const reason = reasons.join('; ');
  if (process.env.CI === 'true') throw new Error(`CI=true requires this test to run, but: ${reason}`);
  return reason;
}
