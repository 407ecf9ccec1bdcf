// Hostile and unusual registry behaviour, from a STAND-IN registry (node:http) that speaks the Distribution API but
// misbehaves on purpose: Basic auth, cross-host blob redirects, oversized and malformed manifests, bad configs,
// blobs that do not match their digest, and a server that never answers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { openImage } from '../../../src/scanner/sources/open-image.js';
import { SourceError } from '../../../src/scanner/sources/errors.js';
import { parseChallenge, TokenCache } from '../../../src/scanner/sources/registry-auth.js';
import { scanImageFilesystem } from '../../../src/scanner/catalog/scan-filesystem.js';
import { buildTar } from '../fixtures/tar-builder.js';
import { buildImage, sha256, type BuiltImage } from '../fixtures/oci-builder.js';

const AUTH = `Basic ${Buffer.from('alice:pw').toString('base64')}`;
const creds = [{ registry: '', username: 'alice', password: 'pw' }];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('registry client against a misbehaving stand-in registry', () => {
  let registry: Server;
  let blobHost: Server;
  let host: string;
  let image: BuiltImage;
  const blobRequests: { authorization: string | undefined }[] = [];
  const routes = new Map<string, { status?: number; body?: Buffer; headers?: Record<string, string>; hang?: boolean; chunked?: boolean }>();

  before(async () => {
    image = buildImage([await buildTar([{ name: 'etc/alpine-release', content: '3.19.0\n' }])]);
    blobHost = createServer((req, res) => {
      blobRequests.push({ authorization: req.headers.authorization });
      const digest = req.url!.split('/').pop()!;
      const blob = [image.config, ...image.layers].find((b) => b.digest === digest);
      res.writeHead(blob ? 200 : 404).end(blob?.bytes);
    });
    const blobPort = await listen(blobHost);
    registry = createServer((req, res) => {
      if (req.headers.authorization !== AUTH) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="stand-in"', 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      const url = req.url!;
      if (url === '/v2/') return void res.writeHead(200).end('{}');
      const m = /^\/v2\/([a-z/]+)\/(manifests|blobs)\/(.+)$/.exec(url);
      const repo = (m?.[1] ?? "").split("/")[0]!;
      const route = routes.get(`${repo}/${m?.[2]}`);
      if (route?.hang) return; // never answers
      if (route) {
        res.writeHead(route.status ?? 200, { ...(route.chunked ? {} : { 'content-length': String(route.body?.length ?? 0) }), ...route.headers });
        return void res.end(route.body);
      }
      if (m?.[2] === 'manifests') return void res.writeHead(200, { 'content-type': image.manifest.mediaType }).end(image.manifest.bytes);
      if (m?.[2] === 'blobs' && repo === 'redirect') {
        return void res.writeHead(307, { location: `http://localhost:${blobPort}/storage/${m[3]}` }).end();
      }
      if (m?.[2] === 'blobs') {
        const blob = [image.config, ...image.layers].find((b) => b.digest === m[3]);
        if (repo === 'mismatch' && blob && blob !== image.config) {
          // Same length, still a valid gzip of the same tar (only the header's MTIME differs): only the digest can tell.
          const forged = Buffer.from(blob.bytes);
          forged[4]! ^= 0xff;
          return void res.writeHead(200).end(forged);
        }
        return void res.writeHead(blob ? 200 : 404).end(blob?.bytes);
      }
      res.writeHead(404).end();
    });
    host = `127.0.0.1:${await listen(registry)}`;
    creds[0]!.registry = host;
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    routes.set('huge/manifests', { body: big });
    routes.set('hugechunked/manifests', { body: big, chunked: true });
    routes.set('badjson/manifests', { body: Buffer.from('{"schemaVersion": 2, "layers": [') });
    routes.set('schemaone/manifests', { body: Buffer.from('{"schemaVersion":1,"name":"x","tag":"1","fsLayers":[]}') });
    routes.set('liar/manifests', { body: image.manifest.bytes, headers: { 'docker-content-digest': sha256(Buffer.from('other')) } });
    routes.set('slow/manifests', { hang: true });
    const badConfig = Buffer.from('{"rootfs": "nope"');
    const badManifest = JSON.parse(image.manifest.bytes.toString());
    badManifest.config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(badConfig), size: badConfig.length };
    routes.set('badconfig/manifests', { body: Buffer.from(JSON.stringify(badManifest)) });
    routes.set('badconfig/blobs', { body: badConfig });
  });

  after(async () => {
    registry?.closeAllConnections();
    await new Promise((r) => registry?.close(r));
    await new Promise((r) => blobHost?.close(r));
  });

  test('Basic auth challenge: refused without credentials, accepted with them', async () => {
    await assert.rejects(openImage(`${host}/plain/app:1`), (err: unknown) => err instanceof SourceError && err.code === 'unauthorized' && /no credentials/.test(err.message));
    const handle = await openImage(`${host}/plain/app:1`, { credentials: creds });
    assert.equal(handle.digest, image.manifest.digest);
    const scan = await scanImageFilesystem(handle);
    assert.equal(scan.os?.id, 'alpine');
  });

  test('blob redirects to another host are followed without the Authorization header', async () => {
    blobRequests.length = 0;
    const scan = await scanImageFilesystem(await openImage(`${host}/redirect/app:1`, { credentials: creds }));
    assert.equal(scan.os?.versionId, '3.19.0');
    assert.equal(blobRequests.length, 2, 'config and layer came from the blob host');
    assert.ok(blobRequests.every((r) => r.authorization === undefined), 'credentials must not leak to blob storage');
  });

  test('a manifest over 4 MiB is refused, with or without Content-Length', async () => {
    for (const repo of ['huge', 'hugechunked']) {
      await assert.rejects(openImage(`${host}/${repo}/app:1`, { credentials: creds }), (err: unknown) => {
        assert.ok(err instanceof SourceError);
        assert.equal(err.code, 'manifest-too-large');
        return true;
      });
    }
  });

  test('malformed manifests and configs are clear errors', async () => {
    await assert.rejects(openImage(`${host}/badjson/app:1`, { credentials: creds }), (err: unknown) => err instanceof SourceError && err.code === 'bad-manifest' && /not valid JSON/.test(err.message));
    await assert.rejects(openImage(`${host}/schemaone/app:1`, { credentials: creds }), (err: unknown) => err instanceof SourceError && err.code === 'unsupported-media-type');
    await assert.rejects(openImage(`${host}/badconfig/app:1`, { credentials: creds }), (err: unknown) => err instanceof SourceError && err.code === 'bad-config');
    await assert.rejects(openImage(`${host}/liar/app:1`, { credentials: creds }), (err: unknown) => err instanceof SourceError && err.code === 'digest-mismatch');
  });

  test('a layer whose bytes do not match its digest fails the scan', async () => {
    const handle = await openImage(`${host}/mismatch/app:1`, { credentials: creds });
    await assert.rejects(scanImageFilesystem(handle), (err: unknown) => {
      assert.ok(err instanceof SourceError, String(err));
      assert.equal(err.code, 'digest-mismatch');
      assert.match(err.message, new RegExp(image.layers[0]!.digest));
      return true;
    });
  });

  test('a registry that never answers times out', async () => {
    const started = Date.now();
    await assert.rejects(openImage(`${host}/slow/app:1`, { credentials: creds, requestTimeoutMs: 400 }), (err: unknown) => err instanceof SourceError && err.code === 'timeout');
    assert.ok(Date.now() - started < 5000);
  });

  test('WWW-Authenticate parsing and token cache expiry', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
    });
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    cache.set('k', 'tok', 60);
    assert.equal(cache.get('k'), 'tok');
    now += 49_000;
    assert.equal(cache.get('k'), 'tok');
    now += 2_000;
    assert.equal(cache.get('k'), undefined, 'renewed 10 s before expiry');
  });
});
