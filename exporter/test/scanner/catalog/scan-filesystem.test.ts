import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { scanImageFilesystem } from '../../../src/scanner/catalog/scan-filesystem.js';
import type { InstalledPackage } from '../../../src/scanner/types.js';
import { buildTar, gzip } from '../fixtures/tar-builder.js';
import { memoryImage } from '../fixtures/memory-image.js';
import { sha256 } from '../fixtures/layer-input.js';
import { alpineFiles, appFiles, debianFiles, fixtureFile } from '../fixtures/image-content.js';
import { inlineGoBinary, modInfo, pointerGoBinary } from '../fixtures/go-elf.js';
import { buildRpmdb } from '../fixtures/rpmdb.js';
import { missingTools } from '../fixtures/tools.js';

const byName = (pkgs: InstalledPackage[], name: string): InstalledPackage | undefined => pkgs.find((p) => p.name === name);

describe('Debian images', () => {
  test('dpkg status, sources, owned files, layer attribution, ecosystem and purl', async () => {
    const base = await buildTar(debianFiles());
    const extraStatus = `${fixtureFile('dpkg-status').toString()}\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u5\n`;
    const upper = await buildTar([
      { name: 'var/lib/dpkg/status', content: extraStatus },
      { name: 'var/lib/dpkg/info/curl.list', content: '/.\n/usr/bin/curl\n' },
    ]);
    const blobs = [gzip(base), gzip(upper)];
    const diffIds = [sha256(base), sha256(upper)];
    const scan = await scanImageFilesystem(memoryImage(blobs, diffIds, [{ created_by: 'debootstrap' }, { created_by: 'ENV X=1', empty_layer: true }, { created_by: 'apt-get install curl' }]));
    assert.deepEqual(scan.os && { id: scan.os.id, versionId: scan.os.versionId, codename: scan.os.codename, source: scan.os.source }, { id: 'debian', versionId: '12', codename: 'bookworm', source: 'etc/os-release' });
    const names = scan.packages.filter((p) => p.kind === 'dpkg').map((p) => p.name).sort();
    assert.deepEqual(names, ['bash', 'curl', 'libc6', 'libssl3', 'python3-six', 'tzdata', 'zlib1g']);
    const bash = byName(scan.packages, 'bash')!;
    assert.equal(bash.version, '5.2.15-2+b8');
    assert.equal(bash.sourceName, 'bash');
    assert.equal(bash.sourceVersion, '5.2.15-2');
    assert.equal(bash.ecosystem, 'Debian:12');
    assert.equal(bash.purl, 'pkg:deb/debian/bash@5.2.15-2+b8?arch=amd64&distro=debian-12');
    assert.equal(byName(scan.packages, 'libc6')!.sourceName, 'glibc');
    assert.equal(byName(scan.packages, 'libc6')!.sourceVersion, '2.36-9+deb12u14');
    assert.ok(byName(scan.packages, 'zlib1g')!.ownedFiles!.some((f) => f.startsWith('/lib/x86_64-linux-gnu/libz.so')));
    // Base packages stay attributed to the base layer although the upper layer rewrote the status file.
    assert.equal(bash.layer, diffIds[0]);
    assert.equal(byName(scan.packages, 'curl')!.layer, diffIds[1]);
    // python3-six owns the egg-info: no PyPI duplicate.
    assert.equal(scan.packages.filter((p) => p.kind === 'pypi').length, 0);
    assert.equal(scan.stats.skipped['owned-by-os-package'], 1);
    assert.equal(scan.layers[1]!.createdBy, 'apt-get install curl');
    assert.equal(scan.layers[0]!.diffId, diffIds[0]);
  });

  test('a status file removed by a whiteout, or hidden by an opaque directory, takes its packages with it', async () => {
    const base = gzip(await buildTar(debianFiles()));
    const whiteout = gzip(await buildTar([{ name: 'var/lib/dpkg/.wh.status' }]));
    const gone = await scanImageFilesystem(memoryImage([base, whiteout]));
    assert.equal(gone.packages.filter((p) => p.kind === 'dpkg').length, 0);
    assert.equal(gone.os?.id, 'debian');
    const opaque = gzip(await buildTar([
      { name: 'var/lib/dpkg/.wh..wh..opq' },
      { name: 'var/lib/dpkg/status', content: 'Package: only\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n' },
    ]));
    const replaced = await scanImageFilesystem(memoryImage([base, opaque]));
    assert.deepEqual(replaced.packages.filter((p) => p.kind === 'dpkg').map((p) => p.name), ['only']);
    // The .list files went with the opaque directory, so python3-six's egg-info is now a plain PyPI package.
    assert.deepEqual(replaced.packages.filter((p) => p.kind === 'pypi').map((p) => `${p.name}@${p.version}`), ['six@1.16.0']);
  });

  test('distroless status.d files and a testing release without VERSION_ID', async () => {
    const layer = gzip(await buildTar([
      { name: 'etc/os-release', content: 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\nVERSION_CODENAME=trixie\n' },
      { name: 'etc/debian_version', content: 'trixie/sid\n' },
      { name: 'var/lib/dpkg/status.d/base-files', content: 'Package: base-files\nVersion: 13.5\nArchitecture: amd64\n' },
      { name: 'var/lib/dpkg/status.d/libssl3', content: 'Package: libssl3\nSource: openssl\nVersion: 3.3.2-1\nArchitecture: amd64\n' },
      { name: 'var/lib/dpkg/status.d/libssl3.md5sums', content: 'abc  usr/lib/x86_64-linux-gnu/libssl.so.3\n' },
    ]));
    const scan = await scanImageFilesystem(memoryImage([layer]));
    assert.equal(scan.os?.versionId, '13');
    const ssl = byName(scan.packages, 'libssl3')!;
    assert.equal(ssl.ecosystem, 'Debian:13');
    assert.equal(ssl.sourceName, 'openssl');
    assert.equal(ssl.foundIn, 'var/lib/dpkg/status.d/libssl3');
    assert.equal(scan.packages.length, 2);
  });
});

describe('Alpine and rpm images', () => {
  test('apk installed db: origin is the source package, owned python metadata is not duplicated', async () => {
    const scan = await scanImageFilesystem(memoryImage([gzip(await buildTar(alpineFiles()))]));
    assert.equal(scan.os?.id, 'alpine');
    const crypto = byName(scan.packages, 'libcrypto3')!;
    assert.equal(crypto.sourceName, 'openssl');
    assert.equal(crypto.ecosystem, 'Alpine:v3.19');
    assert.equal(crypto.purl, 'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1');
    assert.deepEqual(crypto.ownedFiles, ['/lib/libcrypto.so.3', '/usr/lib/ossl-modules/legacy.so']);
    assert.deepEqual(crypto.licenses, ['Apache-2.0']);
    assert.equal(byName(scan.packages, 'musl')!.version, '1.2.4_git20230717-r4');
    assert.equal(scan.packages.filter((p) => p.kind === 'pypi').length, 0);
    assert.equal(scan.packages.length, 3);
  });

  test('Alpine release from etc/apk/repositories when os-release is missing', async () => {
    const layer = gzip(await buildTar([{ name: 'etc/apk/repositories', content: 'https://dl-cdn.alpinelinux.org/alpine/v3.18/main\n' }]));
    const scan = await scanImageFilesystem(memoryImage([layer]));
    assert.deepEqual(scan.os, { id: 'alpine', versionId: '3.18', source: 'etc/apk/repositories' });
  });

  const rpmSkip = ((): string | false => missingTools('rpm', 'rpmbuild') ?? false)();
  test('sqlite rpmdb made by rpm itself: headers, epoch, source rpm, file lists', { skip: rpmSkip }, async () => {
    const { db, wal } = buildRpmdb();
    const files = [
      { name: 'etc/os-release', content: 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nVERSION_ID="9.3"\n' },
      { name: 'var/lib/rpm/rpmdb.sqlite', content: db },
      ...(wal ? [{ name: 'var/lib/rpm/rpmdb.sqlite-wal', content: wal }] : []),
      { name: 'usr/lib/vigil-demo/node_modules/left-pad/package.json', content: '{"name":"left-pad","version":"1.3.0"}' },
    ];
    const scan = await scanImageFilesystem(memoryImage([gzip(await buildTar(files))]));
    assert.deepEqual(scan.errors, []);
    const main = byName(scan.packages, 'vigil-demo')!;
    assert.equal(main.version, '2:1.2.3-4.el9');
    assert.equal(main.ecosystem, 'Rocky Linux:9');
    assert.equal(main.arch, 'noarch');
    assert.deepEqual(main.licenses, ['MIT']);
    assert.deepEqual(main.ownedFiles, ['/usr/share/vigil-demo/hello.txt']);
    const libs = byName(scan.packages, 'vigil-demo-libs')!;
    assert.equal(libs.sourceName, 'vigil-demo');
    assert.equal(libs.sourceVersion, '2:1.2.3-4.el9');
    assert.match(libs.purl, /^pkg:rpm\/rocky\/vigil-demo-libs@1\.2\.3-4\.el9\?arch=noarch&distro=rocky-9\.3&epoch=2&upstream=vigil-demo-1\.2\.3-4\.el9\.src\.rpm$/);
    // left-pad's package.json belongs to the rpm: not an npm finding.
    assert.equal(scan.packages.filter((p) => p.kind === 'npm').length, 0);
  });

  test('a corrupt rpmdb is a reported cataloger error, the scan goes on', async () => {
    const layer = gzip(await buildTar([
      { name: 'var/lib/rpm/rpmdb.sqlite', content: Buffer.alloc(8192, 0x55) },
      { name: 'app/node_modules/a/package.json', content: '{"name":"a","version":"1.0.0"}' },
    ]));
    const scan = await scanImageFilesystem(memoryImage([layer]));
    assert.equal(scan.errors.length, 1);
    assert.equal(scan.errors[0]!.cataloger, 'rpm');
    assert.match(scan.errors[0]!.message, /var\/lib\/rpm\/rpmdb.sqlite/);
    assert.deepEqual(scan.packages.map((p) => p.name), ['a']);
    assert.equal(scan.os, undefined);
  });
});

describe('language packages', () => {
  test('npm, PyPI and Maven (with a jar nested in a war)', async () => {
    const scan = await scanImageFilesystem(memoryImage([gzip(await buildTar(appFiles()))]));
    const list = (kind: string): string[] => scan.packages.filter((p) => p.kind === kind).map((p) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(list('npm'), ['@babel/core@7.23.0', 'debug@2.6.9', 'express@4.17.1']);
    assert.equal(byName(scan.packages, '@babel/core')!.purl, 'pkg:npm/%40babel/core@7.23.0');
    assert.deepEqual(byName(scan.packages, 'debug')!.licenses, ['MIT']);
    assert.equal(scan.stats.skipped['npm-package-json-invalid'], 1);
    assert.deepEqual(list('pypi'), ['django@4.2.1', 'zope-interface@6.0']);
    assert.deepEqual(list('maven'), ['com.fasterxml.jackson.core:jackson-databind@2.9.10', 'org.apache.logging.log4j:log4j-core@2.14.1']);
    const jackson = byName(scan.packages, 'com.fasterxml.jackson.core:jackson-databind')!;
    assert.equal(jackson.purl, 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10');
    assert.equal(jackson.foundIn, 'opt/app/webapps/app.war!/WEB-INF/lib/jackson-databind-2.9.10.jar');
    assert.equal(scan.os, undefined, 'no OS files: OS unknown, not clean');
  });

  test('Go build info: inline (>= 1.18) and pointer (< 1.18) formats, replace directives, stdlib', async () => {
    const inline = inlineGoBinary('go1.21.5', modInfo(['example.com/app', 'v1.4.0'], [['golang.org/x/net', 'v0.17.0'], ['github.com/old/lib', 'v1.0.0']], { index: 1, to: ['github.com/new/lib', 'v1.2.0'] }));
    const pointer = pointerGoBinary('go1.16.15', modInfo(['example.com/legacy', 'v0.3.1'], [['github.com/gorilla/mux', 'v1.8.0']]));
    const files = [
      { name: 'usr/local/bin/app', content: inline, mode: 0o755 },
      { name: 'usr/local/bin/legacy', content: pointer, mode: 0o755 },
      // Not executable: not inspected.
      { name: 'usr/share/app.bin', content: inline, mode: 0o644 },
      { name: 'usr/local/bin/script', content: '#!/bin/sh\necho hi\n' + 'x'.repeat(100), mode: 0o755 },
    ];
    const real = '/usr/bin/docker-registry';
    if (existsSync(real)) files.push({ name: 'bin/registry', content: readFileSync(real), mode: 0o755 });
    const scan = await scanImageFilesystem(memoryImage([gzip(await buildTar(files))]));
    const go = (path: string): string[] => scan.packages.filter((p) => p.kind === 'go' && p.foundIn === path).map((p) => `${p.name}@${p.version}`);
    assert.deepEqual(go('usr/local/bin/app'), ['stdlib@1.21.5', 'example.com/app@v1.4.0', 'golang.org/x/net@v0.17.0', 'github.com/new/lib@v1.2.0']);
    assert.deepEqual(go('usr/local/bin/legacy'), ['stdlib@1.16.15', 'example.com/legacy@v0.3.1', 'github.com/gorilla/mux@v1.8.0']);
    assert.deepEqual(go('usr/share/app.bin'), []);
    assert.equal(byName(scan.packages, 'golang.org/x/net')!.purl, 'pkg:golang/golang.org/x/net@v0.17.0');
    if (existsSync(real)) assert.deepEqual(go('bin/registry'), ['stdlib@1.19.8'], 'Debian builds docker-registry with go1.19.8 in GOPATH mode');
  });
});
