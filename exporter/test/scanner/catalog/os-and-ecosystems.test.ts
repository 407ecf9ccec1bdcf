import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readLayers } from '../../../src/scanner/layers/read-layers.js';
import { detectOs, osReleaseCapture, parseOsRelease } from '../../../src/scanner/catalog/os-release.js';
import { osEcosystem } from '../../../src/scanner/catalog/ecosystem.js';
import { parseDpkgStatus } from '../../../src/scanner/catalog/dpkg.js';
import { parseApkInstalled } from '../../../src/scanner/catalog/apk.js';
import { parseRpmHeader, parseSourceRpm } from '../../../src/scanner/catalog/rpm-header.js';
import { normalizePypiName } from '../../../src/scanner/catalog/pypi.js';
import { stdlibVersion } from '../../../src/scanner/catalog/go.js';
import { readGoBuildInfo } from '../../../src/scanner/catalog/go-buildinfo.js';
import { buildTar, type TarEntrySpec } from '../fixtures/tar-builder.js';
import { memoryLayer } from '../fixtures/layer-input.js';
import { readFileSync } from 'node:fs';

async function osOf(files: TarEntrySpec[]) {
  const { fs } = await readLayers([memoryLayer(await buildTar(files))], [osReleaseCapture]);
  return detectOs(fs);
}

describe('OS identification', () => {
  test('Ubuntu LTS and interim releases get the OSV ecosystem names', async () => {
    const jammy = await osOf([{ name: 'etc/os-release', content: 'NAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n' }]);
    assert.equal(osEcosystem(jammy, 'dpkg'), 'Ubuntu:22.04:LTS');
    const mantic = await osOf([{ name: 'etc/os-release', content: 'NAME="Ubuntu"\nVERSION="23.10 (Mantic Minotaur)"\nID=ubuntu\nVERSION_ID="23.10"\n' }]);
    assert.equal(osEcosystem(mantic, 'dpkg'), 'Ubuntu:23.10');
  });

  test('fallbacks: debian_version, redhat-release; nothing at all is undefined (OS unknown)', async () => {
    assert.deepEqual(await osOf([{ name: 'etc/debian_version', content: '11.9\n' }]), { id: 'debian', versionId: '11.9', source: 'etc/debian_version' });
    assert.equal(osEcosystem(await osOf([{ name: 'etc/debian_version', content: '11.9\n' }]), 'dpkg'), 'Debian:11');
    const rocky = await osOf([{ name: 'etc/redhat-release', content: 'Rocky Linux release 8.9 (Green Obsidian)\n' }]);
    assert.equal(rocky?.id, 'rocky');
    assert.equal(osEcosystem(rocky, 'rpm'), 'Rocky Linux:8');
    assert.equal(await osOf([{ name: 'etc/hostname', content: 'x' }]), undefined);
    assert.equal(osEcosystem(undefined, 'dpkg'), 'Debian', 'no release: matches no OSV ecosystem by design');
  });

  test('os-release quoting', () => {
    assert.deepEqual(parseOsRelease('A="x \\"y\\""\nB=\'z\'\n# c\nC=plain\n'), { A: 'x "y"', B: 'z', C: 'plain' });
  });
});

describe('package database parsers', () => {
  test('dpkg: only installed (or held) packages; Source with version', () => {
    const text = 'Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: hold ok installed\nVersion: 2\nSource: bsrc (1.9)\n\nPackage: c\nStatus: deinstall ok config-files\nVersion: 3\n\nPackage: d\nStatus: install ok half-installed\nVersion: 4\n\nPackage: e\nStatus: install ok installed\n';
    const skipped: string[] = [];
    const r = parseDpkgStatus(text, true, (s) => skipped.push(s));
    assert.deepEqual(r.map((x) => x.name), ['a', 'b']);
    assert.deepEqual([r[1]!.sourceName, r[1]!.sourceVersion], ['bsrc', '1.9']);
    assert.deepEqual(skipped, ['dpkg-record-incomplete']);
  });

  test('apk: files under their F: directory', () => {
    const r = parseApkInstalled('P:x\nV:1-r0\nF:usr/bin\nR:x\nF:etc\nR:x.conf\n\nP:broken\n');
    assert.equal(r.length, 1);
    assert.deepEqual(r[0]!.files, ['/usr/bin/x', '/etc/x.conf']);
  });

  test('rpm header: hostile blobs are refused, not trusted', () => {
    assert.throws(() => parseRpmHeader(Buffer.alloc(4)), /shorter than 8/);
    const huge = Buffer.alloc(16);
    huge.writeUInt32BE(0x7fffffff, 0);
    assert.throws(() => parseRpmHeader(huge), /implausible index entry count/);
    const lying = Buffer.alloc(8 + 16 + 4);
    lying.writeUInt32BE(1, 0);
    lying.writeUInt32BE(4, 4);
    lying.writeUInt32BE(1000, 8); // NAME
    lying.writeUInt32BE(6, 12); // STRING
    lying.writeUInt32BE(0, 16);
    lying.writeUInt32BE(1, 20);
    lying.write('abcd', 24); // no NUL terminator inside the store
    assert.throws(() => parseRpmHeader(lying), /runs past the data store/);
    assert.deepEqual(parseSourceRpm('openssl-3.0.7-25.el9_3.src.rpm'), { name: 'openssl', version: '3.0.7', release: '25.el9_3' });
  });

  test('PEP 503 names and Go toolchain versions', () => {
    assert.equal(normalizePypiName('Zope.Interface'), 'zope-interface');
    assert.equal(normalizePypiName('typing__extensions'), 'typing-extensions');
    assert.equal(stdlibVersion('go1.21.5'), '1.21.5');
    assert.equal(stdlibVersion('go1.22rc1'), '1.22.0-rc.1');
    assert.equal(stdlibVersion('go1.20'), '1.20.0');
    assert.equal(stdlibVersion('go1.21.0 X:boringcrypto'), '1.21.0');
  });

  test('Go reader refuses non-ELF and truncated ELF input', () => {
    assert.equal(readGoBuildInfo(Buffer.from('#!/bin/sh\n')), undefined);
    const elf = readFileSync(process.execPath);
    // node is an ELF without Go build info.
    assert.equal(readGoBuildInfo(elf.subarray(0, 1 << 20)), undefined);
    const cut = Buffer.alloc(64);
    cut.writeUInt32BE(0x7f454c46, 0);
    cut[4] = 2;
    cut[5] = 1;
    cut.writeBigUInt64LE(0xffffffffn, 0x20);
    cut.writeUInt16LE(56, 0x36);
    cut.writeUInt16LE(0xffff, 0x38);
    assert.equal(readGoBuildInfo(cut), undefined);
  });
});
