// Local image sources: OCI layout directories written here, oci-archive and docker-archive tarballs produced by
// skopeo and by podman save, and podman's containers-storage. Plus hostile archives.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openImage } from '../../../src/scanner/sources/open-image.js';
import { parseReference } from '../../../src/scanner/sources/reference.js';
import { SourceError } from '../../../src/scanner/sources/errors.js';
import { openContainersStorage } from '../../../src/scanner/sources/containers-storage.js';
import { scanImageFilesystem } from '../../../src/scanner/catalog/scan-filesystem.js';
import { buildTar, gzip } from '../fixtures/tar-builder.js';
import { buildImage, buildIndex, writeOciLayout, type BuiltImage } from '../fixtures/oci-builder.js';
import { skopeoCopy } from '../fixtures/registry.js';
import { alpineFiles, debianFiles } from '../fixtures/image-content.js';
import { missingTools } from '../fixtures/tools.js';

describe('image references', () => {
  test('docker.io defaults, registries with ports, digests and the local transports', () => {
    const n = (s: string): string => parseReference(s).normalized;
    assert.equal(n('alpine'), 'docker.io/library/alpine:latest');
    assert.equal(n('bitnami/redis:7'), 'docker.io/bitnami/redis:7');
    assert.equal(n('docker.io/alpine:3.19'), 'docker.io/library/alpine:3.19');
    assert.equal(n('index.docker.io/library/alpine'), 'docker.io/library/alpine:latest');
    assert.equal(n('localhost:5000/a/b:c'), 'localhost:5000/a/b:c');
    assert.equal(n('docker://ghcr.io/o/r:1'), 'ghcr.io/o/r:1');
    const d = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseReference(`127.0.0.1:5000/x/y@${d}`), { transport: 'registry', registry: '127.0.0.1:5000', repository: 'x/y', digest: d, normalized: `127.0.0.1:5000/x/y@${d}` });
    assert.deepEqual(parseReference('oci:/tmp/layout:v1'), { transport: 'oci', path: '/tmp/layout', tag: 'v1', normalized: 'oci:/tmp/layout:v1' });
    assert.deepEqual(parseReference('oci:/tmp/layout'), { transport: 'oci', path: '/tmp/layout', normalized: 'oci:/tmp/layout' });
    assert.deepEqual(parseReference('docker-archive:/tmp/a.tar'), { transport: 'docker-archive', path: '/tmp/a.tar', normalized: 'docker-archive:/tmp/a.tar' });
    assert.deepEqual(parseReference('oci-archive:/tmp/a.tar:t'), { transport: 'oci-archive', path: '/tmp/a.tar', tag: 't', normalized: 'oci-archive:/tmp/a.tar:t' });
    assert.equal(parseReference('containers-storage:localhost/x:1').transport, 'containers-storage');
    for (const bad of ['', 'UPPER/case', 'a:b:c', `x@sha256:${'z'.repeat(64)}`, 'a//b']) {
      assert.throws(() => parseReference(bad), (err: unknown) => err instanceof SourceError && err.code === 'bad-reference', bad);
    }
  });
});

describe('local image sources', () => {
  let work: string;
  let debian: BuiltImage;
  let layout: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-archives-'));
    const upper = await buildTar([{ name: 'var/lib/dpkg/.wh..wh..opq' }, { name: 'var/lib/dpkg/status', content: 'Package: tini\nStatus: install ok installed\nVersion: 0.19.0-1\nArchitecture: amd64\n' }]);
    debian = buildImage([await buildTar(debianFiles()), upper]);
    const alpine = await buildTar(alpineFiles());
    layout = join(work, 'layout');
    await writeOciLayout(layout, [
      { tag: 'debian', image: debian },
      { tag: 'multi', index: buildIndex([buildImage([alpine]), buildImage([alpine], { architecture: 'arm64', variant: 'v8' })], true) },
    ]);
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('oci: layout directory, by tag, through a multi-platform index', async () => {
    const handle = await openImage(`oci:${layout}:debian`);
    assert.equal(handle.digest, debian.manifest.digest);
    const scan = await scanImageFilesystem(handle);
    assert.deepEqual(scan.packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['tini']);
    const arm = await openImage(`oci:${layout}:multi`, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    assert.equal(arm.platform.architecture, 'arm64');
    await assert.rejects(openImage(`oci:${layout}`), (err: unknown) => err instanceof SourceError && err.code === 'bad-reference' && /holds 2 images/.test(err.message));
    await assert.rejects(openImage(`oci:${layout}:nope`), (err: unknown) => err instanceof SourceError && err.code === 'not-found');
  });

  const skopeoSkip = missingTools('skopeo') ?? false;
  test('oci-archive and docker-archive written by skopeo', { skip: skopeoSkip }, async () => {
    const ociArchive = join(work, 'img.oci.tar');
    skopeoCopy(`oci:${layout}:debian`, `oci-archive:${ociArchive}:debian`);
    const fromOci = await openImage(`oci-archive:${ociArchive}`);
    assert.equal(fromOci.digest, debian.manifest.digest);
    assert.equal((await scanImageFilesystem(fromOci)).packages.filter((p) => p.kind === 'dpkg').length, 1);

    const dockerArchive = join(work, 'img.docker.tar');
    skopeoCopy(`oci:${layout}:debian`, `docker-archive:${dockerArchive}:example.test/debian:12`);
    const fromDocker = await openImage(`docker-archive:${dockerArchive}`);
    assert.equal(fromDocker.configDigest, debian.config.digest);
    assert.deepEqual(fromDocker.layers.map((l) => l.diffId), debian.layers.map((l) => l.diffId));
    const scan = await scanImageFilesystem(fromDocker);
    assert.equal(scan.os?.id, 'debian');
    assert.deepEqual(scan.packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['tini']);
    const named = await openImage(`docker-archive:${dockerArchive}:example.test/debian:12`);
    assert.equal(named.configDigest, debian.config.digest);
    await assert.rejects(openImage(`docker-archive:${dockerArchive}:other:1`), (err: unknown) => err instanceof SourceError && err.code === 'not-found');
  });

  test('docker-archive in the OCI-in-docker-archive layout (docker 25+ save)', async () => {
    // Built here: docker 25's layout is an OCI layout plus a manifest.json whose paths point into blobs/.
    const blob = (d: string): string => `blobs/sha256/${d.slice(7)}`;
    const files = [debian.manifest, debian.config, ...debian.layers].map((b) => ({ name: blob(b.digest), content: b.bytes }));
    const index = { schemaVersion: 2, manifests: [{ mediaType: debian.manifest.mediaType, digest: debian.manifest.digest, size: debian.manifest.bytes.length, annotations: { 'org.opencontainers.image.ref.name': 'example.test/debian:12' } }] };
    const manifestJson = [{ Config: blob(debian.config.digest), RepoTags: ['example.test/debian:12'], Layers: debian.layers.map((l) => blob(l.digest)) }];
    const archive = join(work, 'docker25.tar');
    await writeFile(archive, await buildTar([
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', content: JSON.stringify(index) },
      { name: 'manifest.json', content: JSON.stringify(manifestJson) },
      ...files,
    ]));
    const handle = await openImage(`docker-archive:${archive}`);
    assert.equal(handle.digest, debian.manifest.digest, 'the real manifest digest, found through index.json');
    assert.deepEqual(handle.layers.map((l) => l.digest), debian.layers.map((l) => l.digest));
    assert.equal(handle.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.deepEqual((await scanImageFilesystem(handle)).packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['tini']);
  });

  const podmanSkip = missingTools('podman', 'skopeo') ?? false;
  test('podman: docker-archive from podman save, and containers-storage', { skip: podmanSkip, timeout: 120_000 }, async () => {
    const name = `localhost/vigil-scan-fixture:${randomBytes(4).toString('hex')}`;
    skopeoCopy(`oci:${layout}:debian`, `containers-storage:${name}`);
    try {
      const saved = join(work, 'podman-save.tar');
      const r = spawnSync('podman', ['save', '--format', 'docker-archive', '-o', saved, name], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      const fromSave = await openImage(`docker-archive:${saved}`);
      assert.deepEqual(fromSave.layers.map((l) => l.diffId), debian.layers.map((l) => l.diffId));
      assert.deepEqual((await scanImageFilesystem(fromSave)).packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['tini']);

      const fromStore = await openImage(`containers-storage:${name}`, { tempDir: work });
      try {
        assert.deepEqual(fromStore.layers.map((l) => l.diffId), debian.layers.map((l) => l.diffId));
        const scan = await scanImageFilesystem(fromStore);
        assert.deepEqual(scan.packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['tini']);
      } finally {
        await fromStore.close?.();
      }
      await assert.rejects(openImage('containers-storage:localhost/vigil-no-such-image:0', { tempDir: work }), (err: unknown) => err instanceof SourceError && err.code === 'not-found');
    } finally {
      spawnSync('podman', ['rmi', '-f', name], { stdio: 'ignore' });
    }
  });

  test('containers-storage: a name cannot become a podman option ("-" first is refused, "--" ends the options)', async () => {
    const hostile = ['--output=/etc/vigil-pwned', '-o/etc/x', '-', '--help', 'a b', 'x\u0000y', 'x\ny', '$(id)', 'x;id', `${'a'.repeat(1100)}`];
    for (const name of hostile) {
      assert.throws(() => parseReference(`containers-storage:${name}`), (err: unknown) => err instanceof SourceError && err.code === 'bad-reference', JSON.stringify(name));
    }
    for (const name of ['localhost/demo:1', 'docker.io/library/alpine:3.19', `sha256:${'a'.repeat(64)}`, 'a'.repeat(64), `x/y@sha256:${'b'.repeat(64)}`, '[::1]:5000/app:1']) {
      assert.equal(parseReference(`containers-storage:${name}`).transport, 'containers-storage', name);
    }
    // openContainersStorage checks again at the call to podman; an argv recorder stands in for podman here, to see
    // exactly what would have been run (the real podman runs in the test above, with the same arguments).
    const log = join(work, 'podman-argv.log');
    const recorder = join(work, 'podman-argv-recorder');
    await writeFile(recorder, `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\necho 'Error: localhost/demo:1: image not known' >&2\nexit 125\n`);
    await chmod(recorder, 0o755);
    for (const name of ['--output=/etc/vigil-pwned', '-o/etc/x']) {
      await assert.rejects(openContainersStorage(name, `containers-storage:${name}`, { podman: recorder, tempDir: work }), (err: unknown) => err instanceof SourceError && err.code === 'bad-reference');
      await assert.rejects(stat(log), 'podman was never run with it');
    }
    await assert.rejects(openContainersStorage('localhost/demo:1', 'containers-storage:localhost/demo:1', { podman: recorder, tempDir: work }), (err: unknown) => err instanceof SourceError && err.code === 'not-found');
    const argv = (await readFile(log, 'utf8')).trimEnd().split('\n');
    assert.deepEqual(argv.slice(0, 4), ['image', 'save', '--format', 'oci-archive']);
    assert.deepEqual(argv.slice(-2), ['--', 'localhost/demo:1'], 'the name comes after "--"');
  });

  test('hostile archives: escaping layer paths, compressed archives, missing blobs, oversized and broken index.json', async () => {
    const evil = join(work, 'evil.tar');
    const config = debian.config.bytes;
    await writeFile(evil, await buildTar([
      { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['x:1'], Layers: ['../../../etc/passwd', 'b/layer.tar'] }]) },
      { name: 'c.json', content: config },
    ]));
    await assert.rejects(openImage(`docker-archive:${evil}`), (err: unknown) => err instanceof SourceError && /layer \.\.\/\.\.\/\.\.\/etc\/passwd is missing/.test(err.message));

    const compressed = join(work, 'img.tar.gz');
    await writeFile(compressed, gzip(await buildTar([{ name: 'manifest.json', content: '[]' }])));
    await assert.rejects(openImage(`docker-archive:${compressed}`), (err: unknown) => err instanceof SourceError && err.code === 'bad-archive' && /compressed/.test(err.message));

    const badJson = join(work, 'bad.tar');
    await writeFile(badJson, await buildTar([{ name: 'manifest.json', content: '[{"Config": ' }]));
    await assert.rejects(openImage(`docker-archive:${badJson}`), (err: unknown) => err instanceof SourceError && err.code === 'bad-manifest');

    const bigIndex = join(work, 'big-index');
    await writeOciLayout(bigIndex, []);
    await writeFile(join(bigIndex, 'index.json'), Buffer.alloc(5 * 1024 * 1024, 0x20));
    await assert.rejects(openImage(`oci:${bigIndex}`), (err: unknown) => err instanceof SourceError && err.code === 'manifest-too-large');

    const missing = join(work, 'missing-blob');
    await writeOciLayout(missing, [{ tag: 't', image: debian }]);
    await rm(join(missing, 'blobs', 'sha256', debian.config.digest.slice(7)));
    await assert.rejects(openImage(`oci:${missing}:t`), (err: unknown) => err instanceof SourceError && /config blob .* is missing/.test(err.message));

    const garbage = join(work, 'garbage.tar');
    await writeFile(garbage, randomBytes(3000));
    await assert.rejects(openImage(`oci-archive:${garbage}`), (err: unknown) => err instanceof SourceError && err.code === 'bad-archive');
  });
});
