import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readLayers, type CaptureRule } from '../../../src/scanner/layers/read-layers.js';
import { LayerError } from '../../../src/scanner/layers/errors.js';
import { buildTar, gzip, zstd, zstdAvailable } from '../fixtures/tar-builder.js';
import { memoryLayer } from '../fixtures/layer-input.js';

const keepAll: CaptureRule = { name: 'all', match: () => true, maxFileBytes: 1 << 20 };

describe('whiteouts and opaque directories', () => {
  test('.wh.NAME deletes from lower layers only; a file the same layer adds is kept', async () => {
    const lower = await buildTar([
      { name: 'var/lib/dpkg/status', content: 'Package: old\n' },
      { name: 'etc/gone', content: 'x' },
      { name: 'etc/kept-by-same-layer', content: 'lower' },
      { name: 'opt/tree/a/b', content: 'deep' },
    ]);
    const upper = await buildTar([
      { name: 'etc/.wh.gone' },
      // The same layer re-adds the name it whites out (tar order: file first, then whiteout): the file stays.
      { name: 'etc/kept-by-same-layer', content: 'upper' },
      { name: 'etc/.wh.kept-by-same-layer' },
      { name: 'opt/.wh.tree' },
    ]);
    const { fs } = await readLayers([memoryLayer(gzip(lower), 'L0'), memoryLayer(gzip(upper), 'L1')], [keepAll]);
    assert.equal(fs.lstat('etc/gone'), undefined);
    assert.equal(fs.lstat('opt/tree/a/b'), undefined);
    assert.equal(fs.lstat('opt/tree'), undefined);
    assert.equal(fs.readFile('etc/kept-by-same-layer')?.toString(), 'upper');
    assert.equal(fs.lstat('etc/kept-by-same-layer')?.layer, 1);
    assert.equal(fs.readFile('var/lib/dpkg/status')?.toString(), 'Package: old\n');
    assert.equal(fs.lstat('var/lib/dpkg/status')?.layer, 0);
  });

  test('.wh..wh..opq hides the lower contents of its directory but keeps what its own layer adds', async () => {
    const lower = await buildTar([
      { name: 'var/lib/dpkg/status', content: 'Package: lower\n' },
      { name: 'var/lib/dpkg/info/lower.list', content: '/x\n' },
      { name: 'var/lib/other', content: 'stays' },
    ]);
    const upper = await buildTar([
      { name: 'var/lib/dpkg/', type: 'directory' },
      { name: 'var/lib/dpkg/status', content: 'Package: upper\n' },
      { name: 'var/lib/dpkg/.wh..wh..opq' },
    ]);
    const { fs } = await readLayers([memoryLayer(lower), memoryLayer(upper)], [keepAll]);
    assert.equal(fs.readFile('var/lib/dpkg/status')?.toString(), 'Package: upper\n');
    assert.equal(fs.lstat('var/lib/dpkg/info/lower.list'), undefined);
    assert.equal(fs.readFile('var/lib/other')?.toString(), 'stays');
    assert.deepEqual(fs.list('var/lib/dpkg'), ['status']);
  });

  test('the whiteout prefix is matched on the basename only', async () => {
    const layer = await buildTar([
      { name: 'usr/lib/.wh.notawhiteout/site-packages/pkg-1.0.dist-info/METADATA', content: 'Name: pkg\n' },
      { name: 'usr/share/doc/.wh.file.txt.d/readme', content: 'r' },
    ]);
    const { fs } = await readLayers([memoryLayer(layer)], [keepAll]);
    assert.equal(fs.readFile('usr/lib/.wh.notawhiteout/site-packages/pkg-1.0.dist-info/METADATA')?.toString(), 'Name: pkg\n');
    assert.ok(fs.lstat('usr/share/doc/.wh.file.txt.d/readme'));
  });

  test('a file over a lower directory replaces it; a directory over a directory merges', async () => {
    const lower = await buildTar([{ name: 'a/x', content: '1' }, { name: 'b/y', content: '2' }]);
    const upper = await buildTar([{ name: 'a', content: 'now a file' }, { name: 'b/', type: 'directory' }, { name: 'b/z', content: '3' }]);
    const { fs } = await readLayers([memoryLayer(lower), memoryLayer(upper)], [keepAll]);
    assert.equal(fs.lstat('a')?.type, 'file');
    assert.equal(fs.lstat('a/x'), undefined);
    assert.deepEqual(fs.list('b'), ['y', 'z']);
  });
});

describe('hostile layers', () => {
  test('path traversal and absolute paths are counted and skipped, nothing escapes the view', async () => {
    const layer = await buildTar([
      { name: '../../etc/x', content: 'evil' },
      { name: '/etc/shadow', content: 'evil' },
      { name: 'ok/../../../root', content: 'evil' },
      { name: './etc/hostname', content: 'fine' },
    ]);
    const { fs, stats } = await readLayers([memoryLayer(layer)], [keepAll]);
    assert.equal(stats.skipped['path-traversal'], 2);
    assert.equal(stats.skipped['path-absolute'], 1);
    assert.equal(fs.readFile('etc/hostname')?.toString(), 'fine');
    assert.equal(fs.lstat('etc/x'), undefined);
    assert.equal(fs.lstat('etc/shadow'), undefined);
    assert.equal([...fs.walk()].filter((e) => e.type === 'file').length, 1);
  });

  test('symlinks are recorded, resolved inside the root with a bound, and loops are detected', async () => {
    const layer = await buildTar([
      { name: 'usr/lib/os-release', content: 'ID=debian\n' },
      { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { name: 'etc/abs', type: 'symlink', linkname: '/usr/lib/os-release' },
      { name: 'etc/escape', type: 'symlink', linkname: '../../../../usr/lib/os-release' },
      { name: 'loop/a', type: 'symlink', linkname: 'b' },
      { name: 'loop/b', type: 'symlink', linkname: 'a' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    ]);
    const { fs } = await readLayers([memoryLayer(layer)], [keepAll]);
    assert.equal(fs.lstat('etc/os-release')?.type, 'symlink');
    assert.equal(fs.readFile('etc/os-release')?.toString(), 'ID=debian\n');
    assert.equal(fs.readFile('etc/abs')?.toString(), 'ID=debian\n');
    assert.equal(fs.readFile('etc/escape')?.toString(), 'ID=debian\n');
    assert.equal(fs.readFile('lib/os-release')?.toString(), 'ID=debian\n');
    assert.deepEqual(fs.resolve('loop/a'), { ok: false, reason: 'symlink-loop' });
  });

  test('hard links share the content of their target', async () => {
    const layer = await buildTar([
      { name: 'usr/bin/one', content: 'same inode' },
      { name: 'usr/bin/two', type: 'link', linkname: 'usr/bin/one' },
      { name: 'usr/bin/bad', type: 'link', linkname: '../../etc/passwd' },
    ]);
    const { fs, stats } = await readLayers([memoryLayer(layer)], [keepAll]);
    assert.equal(fs.readFile('usr/bin/two')?.toString(), 'same inode');
    assert.equal(stats.skipped['hardlink-path-traversal'], 1);
  });

  test('a truncated gzip layer fails with an error naming the layer', async () => {
    const blob = gzip(await buildTar([{ name: 'big', content: Buffer.alloc(200_000, 7) }]));
    const cut = blob.subarray(0, Math.floor(blob.length / 2));
    await assert.rejects(readLayers([memoryLayer(cut, 'sha256:cut')], []), (err: unknown) => {
      assert.ok(err instanceof LayerError);
      assert.equal(err.code, 'layer-truncated');
      assert.match(err.message, /sha256:cut/);
      return true;
    });
  });

  test('a decompression bomb stops at the per-layer ceiling with bounded memory', async () => {
    // 64 MiB of zeros compresses to ~64 KiB; the ceiling is 8 MiB.
    const bomb = gzip(await buildTar([{ name: 'zeros', content: Buffer.alloc(64 * 1024 * 1024) }]));
    assert.ok(bomb.length < 200_000);
    const before = process.memoryUsage().rss;
    await assert.rejects(readLayers([memoryLayer(bomb, 'bomb')], [], { limits: { maxLayerBytes: 8 * 1024 * 1024 } }), (err: unknown) => {
      assert.ok(err instanceof LayerError);
      assert.equal(err.code, 'layer-too-large');
      assert.match(err.message, /decompression bomb/);
      return true;
    });
    assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024, 'the bomb was not inflated into memory');
  });

  test('the whole image has a ceiling too', async () => {
    const layer = gzip(await buildTar([{ name: 'f', content: Buffer.alloc(3 * 1024 * 1024) }]));
    await assert.rejects(
      readLayers([memoryLayer(layer, 'a'), memoryLayer(layer, 'b')], [], { limits: { maxImageBytes: 5 * 1024 * 1024 } }),
      (err: unknown) => err instanceof LayerError && err.code === 'image-too-large' && err.layer === 'b',
    );
  });

  test('garbage that is not a tar is a clear corrupt-layer error', async () => {
    await assert.rejects(readLayers([memoryLayer(Buffer.alloc(4096, 0x41), 'junk')], []), (err: unknown) => {
      assert.ok(err instanceof LayerError, String(err));
      assert.equal(err.code, 'layer-corrupt');
      return true;
    });
  });

  test('too many entries is an error, not unbounded growth', async () => {
    const layer = await buildTar(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, content: '' })));
    await assert.rejects(readLayers([memoryLayer(layer)], [], { limits: { maxEntries: 20 } }), (err: unknown) => err instanceof LayerError && err.code === 'too-many-entries');
  });

  test('zstd layers are read, and a frame asking for a giant window is refused before allocation', { skip: zstdAvailable() ? false : 'zstd CLI not installed (apt-get install -y zstd)' }, async () => {
    const tarball = await buildTar([{ name: 'etc/alpine-release', content: '3.19.1\n' }]);
    const { fs, stats } = await readLayers([memoryLayer(zstd(tarball))], [keepAll]);
    assert.equal(fs.readFile('etc/alpine-release')?.toString(), '3.19.1\n');
    assert.equal(stats.layers[0]?.compression, 'zstd');
    // A frame header claiming a 2 GiB window (Window_Descriptor exponent 21).
    const evil = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await assert.rejects(readLayers([memoryLayer(evil, 'evil-zstd')], []), (err: unknown) => err instanceof LayerError && err.code === 'zstd-window-too-large');
    // The same giant window in a SECOND frame, behind a valid small one (zstd streams may have many frames).
    const twoFrames = Buffer.concat([zstd(tarball), evil]);
    await assert.rejects(readLayers([memoryLayer(twoFrames, 'evil-2nd-frame')], []), (err: unknown) => err instanceof LayerError && err.code === 'zstd-window-too-large');
    // A stream of several honest frames still reads: the scanner walks their blocks without disturbing the decoder.
    const half = tarball.length >> 1;
    const honest = await readLayers([memoryLayer(Buffer.concat([zstd(tarball.subarray(0, half)), zstd(tarball.subarray(half))]), 'two-frames')], [keepAll]);
    assert.equal(honest.fs.readFile('etc/alpine-release')?.toString(), '3.19.1\n');
    const z = zstd(await buildTar([{ name: 'big', content: Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251)) }]));
    await assert.rejects(readLayers([memoryLayer(z.subarray(0, z.length >> 1), 'cut-zstd')], []), (err: unknown) => err instanceof LayerError && err.code === 'layer-truncated' && /cut-zstd/.test(err.message));
    await assert.rejects(readLayers([memoryLayer(Buffer.concat([z.subarray(0, 100), Buffer.alloc(5000, 7)]), 'bad-zstd')], []), (err: unknown) => err instanceof LayerError && err.code === 'layer-corrupt');
  });
});

describe('capture rules', () => {
  test('only matching files are buffered; size and total caps are counted; reduce keeps only the value', async () => {
    const layer = await buildTar([
      { name: 'keep/a', content: 'aaaa' },
      { name: 'keep/big', content: Buffer.alloc(5000) },
      { name: 'other/b', content: 'bbbb' },
      { name: 'bin/tool', content: 'ELF-ish', mode: 0o755 },
    ]);
    const rules: CaptureRule[] = [
      { name: 'keep', match: (p) => p.startsWith('keep/'), maxFileBytes: 1000 },
      { name: 'exe', match: (_p, i) => (i.mode & 0o111) !== 0, maxFileBytes: 1000, reduce: (_p, c) => c.length },
    ];
    const { fs, stats } = await readLayers([memoryLayer(gzip(layer))], rules);
    assert.equal(fs.readFile('keep/a')?.toString(), 'aaaa');
    assert.equal(fs.lstat('keep/big')?.content, undefined);
    assert.equal(fs.lstat('other/b')?.content, undefined);
    assert.equal(stats.skipped['file-too-large:keep'], 1);
    assert.equal(fs.lstat('bin/tool')?.reduced?.get('exe'), 7);
    assert.equal(fs.lstat('bin/tool')?.content, undefined);
    assert.equal(stats.filesSeen, 4);
    assert.equal(stats.layers[0]?.compression, 'gzip');
    const budget = await readLayers([memoryLayer(layer)], [{ name: 'all', match: () => true, maxFileBytes: 10_000 }], { limits: { maxCapturedBytes: 4100 } });
    assert.ok((budget.stats.skipped['capture-budget-exceeded:all'] ?? 0) >= 1);
    assert.ok(budget.fs.capturedBytes <= 4100);
  });

  test('progress is reported per layer with byte counts', async () => {
    const a = gzip(await buildTar([{ name: 'x', content: 'x' }]));
    const seen: string[] = [];
    await readLayers([memoryLayer(a, 'A'), memoryLayer(a, 'B')], [], { onProgress: (p) => p.done && seen.push(`${p.label}:${p.compressedBytes}`) });
    assert.deepEqual(seen, [`A:${a.length}`, `B:${a.length}`]);
  });
});

describe('bounded tar headers', () => {
  test('a pax path longer than the limit is counted and skipped', async () => {
    const long = `${'d/'.repeat(3000)}file`;
    const layer = await buildTar([{ name: long, content: 'x' }, { name: 'ok', content: 'y' }]);
    const { fs, stats } = await readLayers([memoryLayer(layer)], [keepAll]);
    assert.equal(stats.skipped['path-too-long'], 1);
    assert.equal(fs.readFile('ok')?.toString(), 'y');
  });
});
