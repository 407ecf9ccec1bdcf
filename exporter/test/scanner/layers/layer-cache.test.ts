// The per-layer cache of the layer reader: a layer read once (by its verified digest, under the same capture rules)
// is applied from the cache instead of being read again, and the merged view, the stats and the catalogue come out
// exactly as from a cold read. The store is the scanner service's real BoundedCache.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readLayers, type CachedLayer, type CaptureRule, type LayerCache, type LayerInput } from '../../../src/scanner/layers/read-layers.js';
import { estimateCachedLayerBytes } from '../../../src/scanner/layers/layer-cache.js';
import { LayerError } from '../../../src/scanner/layers/errors.js';
import type { MergedFs } from '../../../src/scanner/layers/merged-fs.js';
import { BoundedCache } from '../../../src/scanner/service/bounded-cache.js';
import { scanImageFilesystem } from '../../../src/scanner/catalog/scan-filesystem.js';
import { buildTar, gzip, type TarEntrySpec } from '../fixtures/tar-builder.js';
import { memoryLayer, sha256 } from '../fixtures/layer-input.js';
import { memoryImage } from '../fixtures/memory-image.js';
import { verified } from '../../../src/scanner/sources/verify-stream.js';
import { SourceError } from '../../../src/scanner/sources/errors.js';
import { dpkgStatus, debianImageFiles, appLayerFiles } from '../e2e/fixtures.js';

const keepText: CaptureRule = { name: 'text', match: (p) => p.endsWith('.txt') || p.startsWith('etc/'), maxFileBytes: 1 << 20 };

/** A layer whose opens are counted, keyed by its blob digest as scanImageFilesystem keys them. */
function countedLayer(blob: Buffer, opens: Map<string, number>, label = sha256(blob)): LayerInput {
  const inner = memoryLayer(blob, label);
  return {
    label,
    size: blob.length,
    cacheKey: sha256(blob),
    open: async () => {
      opens.set(label, (opens.get(label) ?? 0) + 1);
      return inner.open();
    },
  };
}

function newCache(maxEntries = 100, maxBytes = 64 * 1024 * 1024): BoundedCache<string, CachedLayer> {
  return new BoundedCache<string, CachedLayer>(maxEntries, maxBytes);
}

/** Everything the view says: every entry with its layer, type, size, mode, link, content and reduced values. */
function snapshot(fs: MergedFs): unknown[] {
  return [...fs.walk()].map((e) => ({
    path: e.path,
    type: e.type,
    size: e.size,
    mode: e.mode,
    layer: e.layer,
    link: e.linkTarget ?? null,
    content: e.content?.toString('base64') ?? null,
    reduced: e.reduced ? Object.fromEntries(e.reduced) : null,
  }));
}

async function baseAndTops(): Promise<{ base: Buffer; topA: Buffer; topB: Buffer }> {
  const base = gzip(
    await buildTar([
      { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
      { name: 'etc/motd', content: 'base motd' },
      { name: 'usr/bin/one', content: 'same inode' },
      { name: 'usr/bin/two', type: 'link', linkname: 'usr/bin/one' },
      { name: 'usr/lib/lib.so', type: 'symlink', linkname: 'lib.so.1' },
      { name: 'opt/old/a.txt', content: 'old a' },
      { name: '../escape.txt', content: 'evil' },
      { name: 'big.txt', content: Buffer.alloc(2 << 20, 1) },
    ]),
  );
  const topA = gzip(await buildTar([{ name: 'opt/.wh.old' }, { name: 'app/a.txt', content: 'app A' }, { name: 'etc/.wh..wh..opq' }, { name: 'etc/motd', content: 'A motd' }]));
  const topB = gzip(await buildTar([{ name: 'app/b.txt', content: 'app B' }, { name: 'usr/bin/three', type: 'link', linkname: 'usr/bin/one' }]));
  return { base, topA, topB };
}

describe('per-layer cache in readLayers', () => {
  test('a second image on the same base reads only its own layer, and its view and stats equal a cold read', async () => {
    const { base, topA, topB } = await baseAndTops();
    const cache = newCache();
    const opens = new Map<string, number>();
    const first = await readLayers([countedLayer(base, opens, 'base'), countedLayer(topA, opens, 'A')], [keepText], { layerCache: cache });
    assert.equal(cache.size, 2);
    assert.equal(first.stats.cachedLayers, 0);

    const second = await readLayers([countedLayer(base, opens, 'base'), countedLayer(topB, opens, 'B')], [keepText], { layerCache: cache });
    assert.deepEqual(Object.fromEntries(opens), { base: 1, A: 1, B: 1 }, 'the base layer was opened once for both images');
    assert.equal(second.stats.cachedLayers, 1);
    assert.deepEqual(second.stats.layers.map((l) => [l.label, l.cached]), [['base', true], ['B', false]]);
    assert.equal(second.stats.compressedBytes, topB.length, 'only the new layer was read from the source');

    const cold = await readLayers([memoryLayer(base, 'base'), memoryLayer(topB, 'B')], [keepText]);
    assert.deepEqual(snapshot(second.fs), snapshot(cold.fs));
    assert.deepEqual(second.stats.skipped, cold.stats.skipped);
    assert.equal(second.stats.skipped['path-traversal'], 1, 'the cached layer replays its own skip counts');
    assert.equal(second.stats.skipped['file-too-large:text'], 1);
    assert.deepEqual([second.stats.entriesSeen, second.stats.filesSeen, second.stats.uncompressedBytes], [cold.stats.entriesSeen, cold.stats.filesSeen, cold.stats.uncompressedBytes]);
    // the hard link in the new layer found its target in the cached one
    assert.deepEqual([second.fs.lstat('usr/bin/three')?.type, second.fs.lstat('usr/bin/three')?.size], ['file', 10]);
    // and the first image's whiteouts and opaque directory did not leak into the second
    assert.equal(second.fs.readFile('opt/old/a.txt')?.toString(), 'old a');
    assert.equal(second.fs.readFile('etc/motd')?.toString(), 'base motd');

    // The same image again, all from the cache, equals its own cold read (whiteouts and opaque dirs replayed).
    const again = await readLayers([countedLayer(base, opens, 'base'), countedLayer(topA, opens, 'A')], [keepText], { layerCache: cache });
    assert.deepEqual(Object.fromEntries(opens), { base: 1, A: 1, B: 1 });
    assert.deepEqual(snapshot(again.fs), snapshot(first.fs));
    assert.equal(again.fs.lstat('opt/old'), undefined);
    assert.equal(again.fs.readFile('etc/motd')?.toString(), 'A motd');
    assert.equal(again.fs.lstat('etc/os-release'), undefined, 'opaque etc/ hides the base layer copy');
  });

  test('a cached layer at another position is attributed to that position', async () => {
    const { base, topA } = await baseAndTops();
    const cache = newCache();
    const opens = new Map<string, number>();
    await readLayers([countedLayer(topA, opens, 'A')], [keepText], { layerCache: cache });
    const { fs } = await readLayers([countedLayer(base, opens, 'base'), countedLayer(topA, opens, 'A')], [keepText], { layerCache: cache });
    assert.equal(opens.get('A'), 1);
    assert.equal(fs.lstat('app/a.txt')?.layer, 1);
    assert.equal(fs.lstat('etc/os-release'), undefined);
  });

  test('other capture rules, an unkeyed layer, a failed read or a budget-dependent read are never reused', async () => {
    const { base, topA } = await baseAndTops();
    const cache = newCache();
    const opens = new Map<string, number>();
    await readLayers([countedLayer(base, opens, 'base')], [keepText], { layerCache: cache });
    const other: CaptureRule = { name: 'text', match: (p) => p.endsWith('.txt'), maxFileBytes: 1 << 20 };
    const withOther = await readLayers([countedLayer(base, opens, 'base')], [other], { layerCache: cache });
    assert.equal(opens.get('base'), 2, 'a rule with other code is another fingerprint');
    assert.equal(withOther.fs.lstat('etc/motd')?.content, undefined);
    await readLayers([countedLayer(base, opens, 'base')], [{ ...keepText, fingerprint: 'v2' }], { layerCache: cache });
    assert.equal(opens.get('base'), 3, 'an explicit fingerprint separates rules with the same code');
    await readLayers([countedLayer(base, opens, 'base')], [keepText], { layerCache: cache, limits: { maxPathBytes: 100 } });
    assert.equal(opens.get('base'), 4, 'per-layer limits are part of the key');

    const unkeyed = memoryLayer(topA, 'A');
    const before = cache.size;
    await readLayers([unkeyed], [keepText], { layerCache: cache });
    assert.equal(cache.size, before, 'no cacheKey, nothing kept');

    // A read that fails at the end (here: the blob is cut short) must leave nothing behind.
    const cut = base.subarray(0, base.length - 40);
    const broken: LayerInput = { label: 'cut', cacheKey: sha256(Buffer.from('cut')), open: async () => Readable.from([cut]) };
    await assert.rejects(readLayers([broken], [keepText], { layerCache: cache }), (err: unknown) => err instanceof LayerError);
    assert.equal(cache.has(`${broken.cacheKey}#`), false);
    assert.equal([...cache.keys()].some((k) => k.startsWith(broken.cacheKey!)), false);

    // A blob that does not hash to the digest it claims (a registry serving other bytes): the read fails at the
    // end of the stream, after every entry was seen, and must not be kept under the claimed digest.
    const claimed = sha256(topA);
    const liar: LayerInput = { label: 'liar', cacheKey: claimed, open: async () => verified(Readable.from([base]), claimed, base.length, 'liar') };
    await assert.rejects(readLayers([liar], [keepText], { layerCache: cache }), (err: unknown) => err instanceof SourceError && err.code === 'digest-mismatch');
    assert.equal([...cache.keys()].some((k) => k.startsWith(claimed)), false);

    // When the capture budget cut a layer short, what it kept depended on the layers below: not reusable.
    const small = newCache();
    const first = await readLayers([countedLayer(base, opens, 'base')], [keepText], { layerCache: small, limits: { maxCapturedBytes: 20 } });
    assert.ok((first.stats.skipped['capture-budget-exceeded:text'] ?? 0) >= 1);
    assert.equal(small.size, 0);
  });

  test('a cached layer that no longer fits the capture budget above other layers is read again', async () => {
    const lower = gzip(await buildTar([{ name: 'etc/a', content: Buffer.alloc(600, 97) }]));
    const upper = gzip(await buildTar([{ name: 'etc/b', content: Buffer.alloc(600, 98) }]));
    const cache = newCache();
    const opens = new Map<string, number>();
    const limits = { maxCapturedBytes: 1000 };
    await readLayers([countedLayer(upper, opens, 'upper')], [keepText], { layerCache: cache, limits });
    const stacked = await readLayers([countedLayer(lower, opens, 'lower'), countedLayer(upper, opens, 'upper')], [keepText], { layerCache: cache, limits });
    assert.equal(opens.get('upper'), 2, 'the cached copy kept 600 bytes that no longer fit: read afresh');
    const cold = await readLayers([memoryLayer(lower, 'lower'), memoryLayer(upper, 'upper')], [keepText], { limits });
    assert.deepEqual(snapshot(stacked.fs), snapshot(cold.fs));
    assert.deepEqual(stacked.stats.skipped, cold.stats.skipped);
  });

  test('cached layers still count against the image limits (entries, decompressed bytes)', async () => {
    const many = gzip(await buildTar(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, content: '' }))));
    const cache = newCache();
    const opens = new Map<string, number>();
    await readLayers([countedLayer(many, opens, 'many')], [], { layerCache: cache });
    await assert.rejects(
      readLayers([countedLayer(many, opens, 'x'), countedLayer(many, opens, 'many')], [], { layerCache: cache, limits: { maxEntries: 50 } }),
      (err: unknown) => err instanceof LayerError && err.code === 'too-many-entries',
    );
    const big = gzip(await buildTar([{ name: 'f', content: Buffer.alloc(3 << 20) }]));
    await readLayers([countedLayer(big, opens, 'big')], [], { layerCache: cache });
    await assert.rejects(
      readLayers([countedLayer(big, opens, 'big'), countedLayer(big, opens, 'big2')], [], { layerCache: cache, limits: { maxImageBytes: 5 << 20 } }),
      (err: unknown) => err instanceof LayerError && err.code === 'image-too-large',
    );
  });

  test('observe sees every layer of the image, cached ones included; reduced values are frozen', async () => {
    const a = gzip(await buildTar([{ name: 'db', content: 'one' }]));
    const b = gzip(await buildTar([{ name: 'db', content: 'one two' }]));
    const seen: string[] = [];
    const rule: CaptureRule = {
      name: 'db',
      match: (p) => p === 'db',
      maxFileBytes: 100,
      reduce: (_p, c) => ({ words: c.toString().split(' ') }),
      observe: (_p, v, layer) => seen.push(`${layer}:${(v as { words: string[] }).words.length}`),
    };
    const cache = newCache();
    const opens = new Map<string, number>();
    await readLayers([countedLayer(a, opens, 'a'), countedLayer(b, opens, 'b')], [rule], { layerCache: cache });
    const { fs } = await readLayers([countedLayer(a, opens, 'a'), countedLayer(b, opens, 'b')], [rule], { layerCache: cache });
    assert.deepEqual(seen, ['0:1', '1:2', '0:1', '1:2']);
    assert.deepEqual(Object.fromEntries(opens), { a: 1, b: 1 });
    const value = fs.lstat('db')?.reduced?.get('db') as { words: string[] };
    assert.throws(() => value.words.push('three'), TypeError);
  });
});

describe('per-layer cache under the catalogers', () => {
  test('a dpkg image and a second image on its base give the same packages and layer attribution as cold scans', async () => {
    const base = gzip(await buildTar(debianImageFiles()));
    // The second layer upgrades openssl: dpkg's status history across layers decides the introducing layer.
    const upgrade = gzip(await buildTar([{ name: 'var/lib/dpkg/status', content: dpkgStatus('3.0.13-1~deb12u1') } satisfies TarEntrySpec]));
    const app = gzip(await buildTar(appLayerFiles()));
    const cache: LayerCache = newCache();
    const warm = await scanImageFilesystem(memoryImage([base, app]), { layerCache: cache });
    const second = await scanImageFilesystem(memoryImage([base, upgrade]), { layerCache: cache });
    assert.equal(second.stats.cachedLayers, 1);
    assert.equal(second.stats.bytesRead, upgrade.length);
    const cold = await scanImageFilesystem(memoryImage([base, upgrade]));
    assert.deepEqual(second.packages, cold.packages);
    assert.deepEqual(second.os, cold.os);
    const libc = second.packages.find((p) => p.name === 'libc6');
    const ssl = second.packages.find((p) => p.name === 'libssl3');
    assert.equal(libc?.layer, sha256(base), 'unchanged in the upgrade: introduced by the (cached) base layer');
    assert.equal(ssl?.layer, sha256(upgrade), 'upgraded: introduced by the new layer');
    assert.equal(ssl?.version, '3.0.13-1~deb12u1');
    assert.ok(warm.packages.some((p) => p.kind === 'npm' && p.name === 'express'));
  });
});

describe('the byte estimate of a cached layer', () => {
  test('is within a factor of two of the heap it holds', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const entries: TarEntrySpec[] = Array.from({ length: 20_000 }, (_, i) => ({ name: `usr/share/doc/package-${i % 400}/file-number-${i}.html`, content: '' }));
    entries.push({ name: 'etc/conf.txt', content: Buffer.alloc(200_000, 3) });
    const blob = gzip(await buildTar(entries));
    const holder: CachedLayer[] = [];
    const cache: LayerCache = { get: () => undefined, set: (_k, v) => void holder.push(v) };
    // Several copies (under different keys), so that one-off allocations of the first read do not dominate.
    for (let i = 0; i < 4; i++) await readLayers([{ ...memoryLayer(blob, `doc${i}`), cacheKey: `${sha256(blob)}${i}` }], [keepText], { layerCache: cache });
    assert.equal(holder.length, 4);
    const estimate = holder.reduce((n, l) => n + estimateCachedLayerBytes(l), 0);
    // Differential: the heap with the cached layers alive, then without them.
    const heap = (): number => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const withLayers = heap();
    holder.length = 0;
    const held = withLayers - heap();
    const ratio = estimate / held;
    console.log(`# 4 cached layers of 20,001 entries: estimate ${estimate} bytes, measured ${held} bytes (ratio ${ratio.toFixed(2)})`);
    assert.ok(ratio > 0.5 && ratio < 2, `estimate ${estimate} vs measured ${held} (ratio ${ratio.toFixed(2)})`);
  });
});
