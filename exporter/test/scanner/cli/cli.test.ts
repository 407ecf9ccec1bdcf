// The scanner commands' option handling and the forms of `vigil scan` that need no registry: option parsers,
// defaults ($VIGIL_DB_DIR), help, usage errors (exit 2), a docker-archive written by skopeo, and runScan called
// in-process with captured streams.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { dbDirFrom, parseFormat, parsePlatform, parseSeverityOption } from '../../../src/scanner/cli/options.js';
import { describeAge } from '../../../src/scanner/cli/output.js';
import { runScan } from '../../../src/scanner/cli/scan-command.js';
import { runDbImport } from '../../../src/scanner/cli/db-command.js';
import { CliError, EXIT_GATE, EXIT_INCOMPLETE } from '../../../src/scanner/cli/exit-codes.js';
import { importOsv } from '../../../src/scanner/vulndb/index.js';
import { writeOciLayout } from '../fixtures/oci-builder.js';
import { missingTools } from '../fixtures/tools.js';
import { buildDebianApp, buildUnknownOsImage, osvRecords, osvZip } from '../e2e/fixtures.js';
import { runVigil } from '../e2e/support.js';
import { spawnSync } from 'node:child_process';

describe('option parsers', () => {
  test('platform, severity, format, database directory', () => {
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    for (const bad of ['linux', 'linux/', 'linux/amd64/v1/x', 'Linux/AMD64', 'linux/$(id)']) assert.throws(() => parsePlatform(bad), /expected os\/arch/);
    assert.equal(parseSeverityOption('high'), 'HIGH');
    assert.throws(() => parseSeverityOption('severe'), /expected one of CRITICAL/);
    assert.equal(parseFormat('JSON'), 'json');
    assert.throws(() => parseFormat('sarif'), /expected one of table, json, cyclonedx/);
    assert.equal(dbDirFrom(undefined, {}), '/var/lib/vigil/db');
    assert.equal(dbDirFrom(undefined, { VIGIL_DB_DIR: '/srv/db' }), '/srv/db');
    assert.equal(dbDirFrom('/x', { VIGIL_DB_DIR: '/srv/db' }), '/x');
    assert.match(dbDirFrom('rel/db', {}), /^\/.*\/rel\/db$/);
    const now = new Date('2026-12-01T00:00:00Z');
    assert.equal(describeAge('2026-11-28T00:00:00Z', now), '3 days old');
    assert.equal(describeAge('2026-11-30T19:00:00Z', now), '5 hours old');
    assert.equal(describeAge('garbage', now), 'unknown age');
  });
});

describe('runScan in-process and the CLI without a registry', () => {
  let work: string;
  const capture = () => {
    const s = new PassThrough();
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    return { stream: s, text: () => text };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
    await writeFile(join(work, 'all.zip'), osvZip(osvRecords()));
    await importOsv([join(work, 'all.zip')], join(work, 'db'));
    await writeOciLayout(join(work, 'layout'), [
      { tag: 'app', image: await buildDebianApp() },
      { tag: 'noos', image: await buildUnknownOsImage() },
    ]);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('exit codes from runScan: gate 1, incomplete 3, errors as CliError; progress only where asked', async () => {
    const out = capture();
    const err = capture();
    const io = { stdout: out.stream, stderr: err.stream, env: {} };
    const base = { dbDir: join(work, 'db'), format: 'json' as const };
    assert.equal(await runScan(`oci:${join(work, 'layout')}:app`, { ...base, failOn: 'HIGH' }, io), EXIT_GATE);
    const report = JSON.parse(out.text());
    assert.equal(report.findings.length, 10);
    assert.equal(report.complete, true);
    // an OCI layout is not a registry reference: nothing to pin, and certainly not "an invalid reference"
    const pinning = report.policies.find((p: { id: string }) => p.id === 'image-reference');
    assert.equal(pinning.violated, false);
    assert.match(pinning.details[0], /^not applicable: "oci:.*:app" is read from an OCI layout directory, not pulled from a registry$/);
    assert.match(err.text(), /^resolving oci:/);
    const quietErr = capture();
    assert.equal(await runScan(`oci:${join(work, 'layout')}:noos`, { ...base, quiet: true }, { stdout: capture().stream, stderr: quietErr.stream, env: {} }), EXIT_INCOMPLETE);
    assert.match(quietErr.text(), /^vigil scan: WARNING: incomplete scan/);
    await assert.rejects(runScan(`oci:${join(work, 'nope')}`, { ...base, quiet: true }, io), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /not-found/.test(e.message));
    await assert.rejects(runScan('oci:x', { ...base, dbDir: join(work, 'nodb') }, io), (e: unknown) => e instanceof CliError && /vigil db import/.test(e.message));
    await assert.rejects(runScan('UPPER/Case:x', { ...base, quiet: true }, io), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /^cannot read the image \(bad-reference\)/.test(e.message));
    await writeFile(join(work, 'vex.json'), '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": 7}');
    await assert.rejects(runScan('oci:x', { ...base, vexFiles: [join(work, 'vex.json')] }, io), (e: unknown) => e instanceof CliError && /VEX document is invalid:\n {2}.*vex\.json:1:\d+: /.test(e.message));
    await assert.rejects(runScan('oci:x', { ...base, ignoreFile: join(work, 'absent.yaml') }, io), (e: unknown) => e instanceof CliError && /ignore file .*absent\.yaml: no such file/.test(e.message));
    await assert.rejects(runDbImport([join(work, 'absent.zip')], join(work, 'db2'), io), (e: unknown) => e instanceof CliError && /absent\.zip: no such file or directory/.test(e.message));
  });

  test('help lists the flags; unknown flags and missing arguments are usage errors (exit 2)', async () => {
    const help = await runVigil(['scan', '--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--db', '--format', '--output', '--fail-on', '--fail-on-policy', '--policy', '--ignore', '--vex', '--platform', '--insecure-registry', '--docker-config', '--allow-incomplete']) {
      assert.ok(help.stdout.includes(flag), flag);
    }
    const unknown = await runVigil(['scan', 'x', '--no-such-flag']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--no-such-flag'/);
    assert.equal((await runVigil(['scan'])).code, 2);
    assert.equal((await runVigil(['db', 'import'])).code, 2);
    assert.equal((await runVigil(['scan', 'x', '--platform', 'amd64'])).code, 2);
    const info = await runVigil(['db', 'info'], { env: { VIGIL_DB_DIR: join(work, 'empty') } });
    assert.equal(info.code, 2);
    assert.match(info.stderr, /^vigil db info: no vulnerability database in .*empty/);
  });

  test('docker-archive written by skopeo, database from $VIGIL_DB_DIR', { skip: missingTools('skopeo') ?? false }, async () => {
    const archive = join(work, 'app.tar');
    const r = spawnSync('skopeo', ['copy', '--quiet', '--insecure-policy', `oci:${join(work, 'layout')}:app`, `docker-archive:${archive}:shop/api:1.4.2`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const scan = await runVigil(['scan', `docker-archive:${archive}`, '--format', 'json', '-q'], { env: { VIGIL_DB_DIR: join(work, 'db') } });
    assert.equal(scan.code, 0, scan.stderr);
    const report = JSON.parse(scan.stdout) as { findings: { id: string; package: string }[]; image: { os: { id: string } } };
    assert.equal(report.image.os.id, 'debian');
    assert.equal(report.findings.length, 10);
  });
});
