// Helpers shared by the scanner's end-to-end tests: running `vigil` as a real subprocess and pushing test images
// into a real registry.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { writeOciLayout, type BuiltImage } from '../fixtures/oci-builder.js';
import { skopeoCopy } from '../fixtures/registry.js';

export const EXPORTER = resolve(import.meta.dirname, '../../..');
export const CLI = join(EXPORTER, 'src/cli.ts');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node --import tsx src/cli.ts ARGS` asynchronously (the test process keeps serving stand-ins such as the
 * token server while it runs). The environment is cleaned of variables that would change the outcome.
 */
export function runVigil(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'VIGIL_DB_DIR' || k === 'FORCE_COLOR' || k.startsWith('VIGIL_SCANNER_') || k === 'DOCKER_CONFIG') continue;
    env[k] = v;
  }
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: EXPORTER, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Writes the images as one OCI layout and pushes each tag with skopeo to `registry/repo:tag`. */
export async function pushImages(layoutDir: string, images: { tag: string; image: BuiltImage; to: string[] }[]): Promise<void> {
  await writeOciLayout(layoutDir, images.map((i) => ({ tag: i.tag, image: i.image })));
  for (const i of images) for (const dest of i.to) skopeoCopy(`oci:${layoutDir}:${i.tag}`, `docker://${dest}`);
}
