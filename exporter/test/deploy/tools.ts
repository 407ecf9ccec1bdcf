// Shared by the deploy tests: where the repository is, and whether a tool they drive (docker-compose, kubectl)
// is installed. Outside CI a missing tool skips with its reason; under CI=true it is a failure.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');

export function toolSkipReason(binary: string, versionArgs: string[]): string | undefined {
  try {
    execFileSync(binary, versionArgs, { stdio: 'ignore', timeout: 20_000 });
    return undefined;
  } catch {
    const reason = `${binary} is not installed (Debian: apt-get install ${binary === 'kubectl' ? 'kubernetes-client' : binary})`;
    if (process.env.CI === 'true') throw new Error(`CI=true requires this test to run, but ${reason}`);
    return reason;
  }
}
