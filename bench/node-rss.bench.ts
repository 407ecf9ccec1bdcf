// Exporter memory with many containers: 100 real podman containers (busybox, sleeping), then `vigil node`
// runs for a while with events on; RSS is read from /proc/<pid>/status every second and the median of the
// last 10 readings is reported, with the number of containers it attributed.

import { execFile, spawn } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { ensureBusyboxImage, PODMAN_RUN_FLAGS } from '../exporter/test/support/podman.js';

const run = promisify(execFile);
const COUNT = Number(process.env.VIGIL_BENCH_CONTAINERS ?? 100);
const IMAGE = 'localhost/vigil-bench:1';
const prefix = `vigil-bench-${process.pid}`;
ensureBusyboxImage(IMAGE);

const t0 = Date.now();
for (let i = 0; i < COUNT; i += 4) {
  await Promise.all(
    Array.from({ length: Math.min(4, COUNT - i) }, (_, k) =>
      run('podman', ['run', '-d', '--name', `${prefix}-${i + k}`, ...PODMAN_RUN_FLAGS, '--network', 'none', IMAGE, 'sh', '-c', 'while true; do cat /etc/hostname >/dev/null; sleep 2; done']),
    ),
  );
}
console.log(`node-rss: started ${COUNT} podman containers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-rss-'));
const node = spawn(process.execPath, ['--max-semi-space-size=2', resolve(import.meta.dirname, '../exporter/dist/cli.js'), 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'j'), '--no-stdout'], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, VIGIL_CONTAINERS_CGROUP_STATS_INTERVAL_MS: '1000' },
});
const base = await new Promise<string>((res) => {
  createInterface({ input: node.stderr! }).on('line', (l) => {
    if (l.includes('vigil node serving')) res(`http://${(JSON.parse(l) as { listen: string }).listen}`);
  });
});
const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${node.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const samples: number[] = [];
for (let s = 0; s < 30; s++) {
  await new Promise((r) => setTimeout(r, 1000));
  samples.push(rss());
}
const metrics = await (await fetch(`${base}/metrics`)).text();
const attributed = new Set([...metrics.matchAll(/^vigil_container_info\{[^}]*container="(vigil-bench-[^"]+)"/gm)].map((m) => m[1])).size;
node.kill('SIGTERM');
await new Promise((r) => node.once('exit', r));
const last = samples.slice(-10).sort((a, b) => a - b);
const median = (last[4]! + last[5]!) / 2;
console.log(`node-rss: vigil node ran 30 s with ${COUNT} containers (${attributed} attributed in vigil_container_info); RSS median of the last 10 one-second readings: ${median.toFixed(1)} MB (max ${Math.max(...samples).toFixed(1)} MB; target <= 120 MB)`);

const names = Array.from({ length: COUNT }, (_, i) => `${prefix}-${i}`);
for (let i = 0; i < names.length; i += 20) await run('podman', ['rm', '-f', '-t', '0', ...names.slice(i, i + 20)]).catch(() => undefined);
