// Layer read throughput of the scanner's layer reader (exporter/src/scanner/layers/read-layers.ts), on a ~200 MiB
// (uncompressed) layer stored two ways: gzip (level 6, what docker/buildkit write) and plain tar.
// Run: node --import tsx bench/layer-read.bench.ts   (VIGIL_BENCH_MIB=200 VIGIL_BENCH_RUNS=5 to change)
//
// How it is taken: the layer is generated once into the OS temp dir (20k files of word-like text that gzip to
// about a third, 1 in 20 marked executable, plus a dpkg status file and package.json files so the real capture rules
// fire), then read from disk through readLayers() with the default catalogers' capture rules, exactly the path a scan
// takes. Runs alternate gzip/plain so that neither profits from a warmer cache or CPU state; the median of the runs
// is reported as MiB/s of UNCOMPRESSED tar bytes (and of compressed bytes for gzip). The page cache holds the files
// after the first run, so this measures CPU cost, not disk.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { readLayers } from '../exporter/src/scanner/layers/read-layers.js';
import { defaultCatalogers } from '../exporter/src/scanner/catalog/scan-filesystem.js';
import { osReleaseCapture } from '../exporter/src/scanner/catalog/os-release.js';

const TARGET_MIB = Number(process.env.VIGIL_BENCH_MIB ?? 200);
const RUNS = Math.max(5, Number(process.env.VIGIL_BENCH_RUNS ?? 5));

function words(seed: number, bytes: number): Buffer {
  const vocab = ['lib', 'usr', 'share', 'config', 'value', 'function', 'return', 'const', 'package', 'version', 'license', 'string', 'error', 'buffer', 'stream', 'layer'];
  let x = seed >>> 0 || 1;
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = (x >>> 0) % 7 === 0 ? ((x >>> 0) % 1_000_000).toString(36) : vocab[(x >>> 0) % vocab.length]!;
    parts.push(w);
    n += w.length + 1;
  }
  return Buffer.from(parts.join(' ').slice(0, bytes));
}

async function makeTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  const add = (name: string, content: Buffer, mode = 0o644): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ name, mode, mtime: new Date(0) }, content, (err) => (err ? reject(err) : resolve())));
  await add('etc/os-release', Buffer.from('ID=debian\nVERSION_ID="12"\n'));
  await add('var/lib/dpkg/status', Buffer.from('Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b8\nArchitecture: amd64\n\n'.repeat(200)));
  let total = 0;
  for (let i = 0; total < TARGET_MIB * 1024 * 1024; i++) {
    const size = 2048 + ((i * 7919) % 16384);
    const name = i % 50 === 0 ? `app/node_modules/pkg${i}/package.json` : `usr/share/bench/${i % 200}/file-${i}.txt`;
    const content = i % 50 === 0 ? Buffer.from(JSON.stringify({ name: `pkg${i}`, version: '1.0.0' })) : words(i + 1, size);
    await add(name, content, i % 20 === 0 ? 0o755 : 0o644);
    total += content.length + 512;
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function readOnce(file: string, size: number): Promise<{ seconds: number; uncompressed: number }> {
  const rules = [osReleaseCapture, ...defaultCatalogers().flatMap((c) => c.captures)];
  const started = process.hrtime.bigint();
  const { stats } = await readLayers([{ label: file, size, open: async () => createReadStream(file, { highWaterMark: 256 * 1024 }) }], rules);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, uncompressed: stats.uncompressedBytes };
}

/** The floor: zlib + tar-stream draining every entry, with none of the reader's work. */
async function rawOnce(file: string, gzip: boolean): Promise<number> {
  const { createGunzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream/promises');
  const started = process.hrtime.bigint();
  const extract = tar.extract();
  const drain = (async () => {
    for await (const entry of extract) entry.resume();
  })();
  const src = createReadStream(file, { highWaterMark: 256 * 1024 });
  await Promise.all([gzip ? pipeline(src, createGunzip({ chunkSize: 128 * 1024 }), extract) : pipeline(src, extract), drain]);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dir = await mkdtemp(join(tmpdir(), 'vigil-layer-bench-'));
try {
  const tarball = await makeTar();
  const plainFile = join(dir, 'layer.tar');
  const gzFile = join(dir, 'layer.tar.gz');
  await writeFile(plainFile, tarball);
  await writeFile(gzFile, gzipSync(tarball, { level: 6 }));
  const gzSize = (await stat(gzFile)).size;
  const MiB = 1024 * 1024;
  console.log(`layer: ${(tarball.length / MiB).toFixed(1)} MiB tar, ${(gzSize / MiB).toFixed(1)} MiB gzip (level 6); ${RUNS} interleaved runs each`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  await readOnce(plainFile, tarball.length); // warm the page cache and the JIT; not counted
  const gz: number[] = [];
  const plain: number[] = [];
  const rawGz: number[] = [];
  const rawPlain: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const g = await readOnce(gzFile, gzSize);
    const p = await readOnce(plainFile, tarball.length);
    if (g.uncompressed !== tarball.length || p.uncompressed !== tarball.length) throw new Error('reader did not see the whole layer');
    gz.push(g.seconds);
    plain.push(p.seconds);
    rawGz.push(await rawOnce(gzFile, true));
    rawPlain.push(await rawOnce(plainFile, false));
    const r = (s: number): string => (tarball.length / MiB / s).toFixed(0);
    console.log(`run ${i + 1}: gzip ${r(g.seconds)} MiB/s, plain ${r(p.seconds)} MiB/s | floor (zlib + tar-stream only): gzip ${r(rawGz[i]!)}, plain ${r(rawPlain[i]!)}`);
  }
  const gzRate = tarball.length / MiB / median(gz);
  const plainRate = tarball.length / MiB / median(plain);
  console.log(`median gzip:  ${gzRate.toFixed(0)} MiB/s of tar (${(gzSize / MiB / median(gz)).toFixed(0)} MiB/s compressed) — target >= 150: ${gzRate >= 150 ? 'MET' : 'NOT MET'}`);
  console.log(`median plain: ${plainRate.toFixed(0)} MiB/s of tar`);
  console.log(`floor medians: gzip ${(tarball.length / MiB / median(rawGz)).toFixed(0)} MiB/s, plain ${(tarball.length / MiB / median(rawPlain)).toFixed(0)} MiB/s (the reader's own cost is the gap)`);
  console.log(`load average during the run: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on this machine skews every figure)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
