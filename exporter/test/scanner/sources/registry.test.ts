// Against a REAL registry (Debian's docker-registry) on loopback; images are written as OCI layouts here and pushed
// with skopeo. Token auth uses a second registry process over the same storage, configured with `auth: token`
// and pointed at a STAND-IN token server (fixtures/token-server.ts) that signs JWTs with an openssl-made key.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImage } from '../../../src/scanner/sources/open-image.js';
import { SourceError } from '../../../src/scanner/sources/errors.js';
import { loadDockerConfig } from '../../../src/scanner/sources/credentials.js';
import { scanImageFilesystem } from '../../../src/scanner/catalog/scan-filesystem.js';
import { buildTar, zstdAvailable } from '../fixtures/tar-builder.js';
import { buildImage, buildIndex, writeOciLayout, type BuiltImage } from '../fixtures/oci-builder.js';
import { startRegistry, skopeoCopy, type RunningRegistry } from '../fixtures/registry.js';
import { startTokenServer, type TokenServer } from '../fixtures/token-server.js';
import { alpineFiles, debianFiles } from '../fixtures/image-content.js';
import { missingTools } from '../fixtures/tools.js';

const skip = missingTools('docker-registry', 'skopeo', 'openssl', 'zstd');

describe('registry source (real docker-registry)', { skip: skip ?? false }, () => {
  let open: RunningRegistry;
  let authed: RunningRegistry;
  let tokens: TokenServer;
  let work: string;
  let debian: BuiltImage;
  let amd64: BuiltImage;
  let arm64: BuiltImage;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-regtest-'));
    open = await startRegistry();
    tokens = await startTokenServer();
    authed = await startRegistry({ storage: open.storage, token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile } });

    const base = await buildTar(debianFiles());
    const upper = await buildTar([
      { name: 'var/lib/dpkg/status', content: 'Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u5\n' },
      { name: 'etc/.wh.debian_version' },
    ]);
    debian = buildImage([base, upper], { history: ['debootstrap', 'apt-get install curl'] });
    const alpine = await buildTar(alpineFiles());
    amd64 = buildImage([alpine], { architecture: 'amd64' });
    arm64 = buildImage([alpine, await buildTar([{ name: 'etc/arm', content: 'yes' }])], { architecture: 'arm64', variant: 'v8' });
    const zstdImage = buildImage([alpine], { compression: 'zstd' });
    const layout = join(work, 'layout');
    await writeOciLayout(layout, [
      { tag: 'debian', image: debian },
      { tag: 'multi', index: buildIndex([amd64, arm64], true) },
      { tag: 'zstd', image: zstdImage },
    ]);
    skopeoCopy(`oci:${layout}:debian`, `docker://${open.host}/public/debian:12`);
    skopeoCopy(`oci:${layout}:debian`, `docker://${open.host}/private/app:1`);
    skopeoCopy(`oci:${layout}:multi`, `docker://${open.host}/public/multi:1`, ['--all']);
    skopeoCopy(`oci:${layout}:zstd`, `docker://${open.host}/public/zstd:1`);
  });

  after(async () => {
    await authed?.stop();
    await open?.stop();
    await tokens?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('pulls and scans a single-platform image: manifest digest, config, layers, packages', async () => {
    const handle = await openImage(`${open.host}/public/debian:12`);
    assert.equal(handle.digest, debian.manifest.digest);
    assert.equal(handle.configDigest, debian.config.digest);
    assert.equal(handle.reference, `${open.host}/public/debian:12`);
    assert.deepEqual(handle.config.entrypoint, ['/bin/app']);
    assert.equal(handle.config.user, '1000');
    assert.deepEqual(handle.layers.map((l) => l.diffId), debian.layers.map((l) => l.diffId));
    const scan = await scanImageFilesystem(handle);
    assert.equal(scan.os?.id, 'debian');
    assert.deepEqual(scan.packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['curl']);
    assert.equal(scan.packages[0]!.layer, debian.layers[1]!.diffId);
    assert.equal(scan.layers[1]!.createdBy, 'apt-get install curl');
    assert.equal(scan.stats.bytesRead, debian.layers.reduce((n, l) => n + l.bytes.length, 0));
    const byDigest = await openImage(`${open.host}/public/debian@${debian.manifest.digest}`);
    assert.equal(byDigest.digest, debian.manifest.digest);
  });

  test('multi-arch index: platform selection, attestation manifests skipped', async () => {
    const def = await openImage(`${open.host}/public/multi:1`);
    assert.equal(def.digest, amd64.manifest.digest);
    assert.ok(def.indexDigest);
    assert.deepEqual(def.platform, { os: 'linux', architecture: 'amd64' });
    const arm = await openImage(`${open.host}/public/multi:1`, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(arm.digest, arm64.manifest.digest);
    assert.equal(arm.layers.length, 2);
    await assert.rejects(openImage(`${open.host}/public/multi:1`, { platform: { os: 'linux', architecture: 's390x' } }), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, 'no-matching-platform');
      assert.match(err.message, /available: linux\/amd64, linux\/arm64\/v8\)/);
      return true;
    });
  });

  test('zstd layers from a registry', { skip: zstdAvailable() ? false : 'zstd missing' }, async () => {
    const handle = await openImage(`${open.host}/public/zstd:1`);
    assert.equal(handle.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const scan = await scanImageFilesystem(handle);
    assert.equal(scan.os?.versionId, '3.19.1');
    assert.equal(scan.packages.filter((p) => p.kind === 'apk').length, 3);
  });

  test('missing tags and repositories are not-found errors', async () => {
    await assert.rejects(openImage(`${open.host}/public/debian:nope`), (err: unknown) => err instanceof SourceError && err.code === 'not-found');
  });

  test('token auth: anonymous pull of a public repository, tokens cached across blobs', async () => {
    const before = tokens.requests.length;
    const handle = await openImage(`${authed.host}/public/debian:12`);
    const scan = await scanImageFilesystem(handle);
    assert.equal(scan.packages.filter((p) => p.kind === 'dpkg').length, 1);
    const used = tokens.requests.slice(before);
    // One token for manifest, config and both layers: the cache held it.
    assert.equal(used.length, 1);
    assert.deepEqual(used[0], { scope: 'repository:public/debian:pull', granted: true });
  });

  test('token auth: private repository needs credentials; wrong ones fail clearly; in-memory and docker config both work', async () => {
    await assert.rejects(openImage(`${authed.host}/private/app:1`), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, 'unauthorized');
      return true;
    });
    await assert.rejects(openImage(`${authed.host}/private/app:1`, { credentials: [{ registry: authed.host, username: 'alice', password: 'wrong' }] }), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /refused the credentials/);
      return true;
    });
    const withList = await openImage(`${authed.host}/private/app:1`, { credentials: [{ registry: authed.host, username: 'alice', password: 'wonderland' }] });
    assert.equal(withList.digest, debian.manifest.digest);
    const configFile = join(work, 'config.json');
    await writeFile(configFile, JSON.stringify({ auths: { [`http://${authed.host}/v2/`]: { auth: Buffer.from('alice:wonderland').toString('base64') } } }));
    const creds = await loadDockerConfig(configFile);
    const handle = await openImage(`${authed.host}/private/app:1`, { credentials: creds });
    const scan = await scanImageFilesystem(handle);
    assert.equal(scan.packages.filter((p) => p.kind === 'dpkg').length, 1);
    assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.scope === 'repository:private/app:pull' && r.granted));
  });
});
