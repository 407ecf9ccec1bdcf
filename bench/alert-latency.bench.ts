// Alert latency from the syscall to the Loki push: a container writes /etc/lat-<i> 200 times at 20/s, the real
// `vigil node` (default ruleset) raises "Write below etc" for each, and a local receiver standing in for Loki
// (Loki cannot be installed here) notes when each alert's push arrives. Latency = arrival time minus the event's
// kernel timestamp (CLOCK_BOOTTIME + the loader's offset to wall time). Prints p50, p99 and max.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { ensureBusyboxImage, PODMAN_RUN_FLAGS } from '../exporter/test/support/podman.js';

const COUNT = Number(process.env.VIGIL_BENCH_ALERTS ?? 200);
const IMAGE = 'localhost/vigil-bench:1';
ensureBusyboxImage(IMAGE);

const latencies: number[] = [];
const seen = new Set<string>();
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const arrived = Date.now();
    let body: Buffer = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const push = JSON.parse(body.toString('utf8')) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
    for (const s of push.streams) {
      if (s.stream.stream !== 'alert' || s.stream.rule !== 'Write below etc') continue;
      for (const [, line] of s.values) {
        const a = JSON.parse(line) as { uuid: string; output_fields: Record<string, unknown>; event?: { ts: number } };
        if (!String(a.output_fields['fd.name'] ?? '').startsWith('/etc/lat-') || seen.has(a.uuid) || !a.event) continue;
        seen.add(a.uuid);
        latencies.push(arrived - a.event.ts);
      }
    }
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const lokiUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

const dir = mkdtempSync(join(tmpdir(), 'vigil-latency-'));
const node = spawn(process.execPath, [resolve(import.meta.dirname, '../exporter/dist/cli.js'), 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'j'), '--no-stdout'], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, VIGIL_LOKI_URL: lokiUrl, VIGIL_LOKI_SPOOL_DIR: join(dir, 'spool'), VIGIL_RECORDER_DIR: join(dir, 'captures') },
});
await new Promise<void>((res) => {
  createInterface({ input: node.stderr! }).on('line', (l) => {
    if (l.includes('"sensor loaded"')) res();
  });
});
await new Promise((r) => setTimeout(r, 1500));
const script = `i=0; while [ $i -lt ${COUNT} ]; do echo x > /etc/lat-$i; i=$((i+1)); sleep 0.05; done`;
await promisify(execFile)('podman', ['run', '--rm', ...PODMAN_RUN_FLAGS, '--network', 'none', IMAGE, 'sh', '-c', script]);
const deadline = Date.now() + 15_000;
while (latencies.length < COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
node.kill('SIGTERM');
await new Promise((r) => node.once('exit', r));
receiver.close();

latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(`alert-latency: ${COUNT} writes below /etc at 20/s in a podman container -> "Write below etc" -> Loki push (local receiver)`);
console.log(`  latency = push arrival - kernel event time; ${latencies.length}/${COUNT} alerts arrived`);
console.log(`  p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(0)} ms (target p99 <= 1000 ms)`);
