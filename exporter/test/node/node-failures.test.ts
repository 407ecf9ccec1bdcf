// Bad situations for `vigil node`: a crashed loader is restarted and counted, missing privileges give one
// clear line and a non-zero exit, and the metrics page passes promtool's lint.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { until } from '../support/wait.js';
import { kernelTestSkipReason } from '../support/privileges.js';

const skip = kernelTestSkipReason();
const exporterDir = resolve(import.meta.dirname, '../..');
const loader = resolve(exporterDir, '../bpf/build/vigil-loader');

function startNode() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fail-'));
  const node = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'j'), '--no-stdout'], {
    cwd: exporterDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const address = new Promise<string>((res, rej) => {
    createInterface({ input: node.stderr! }).on('line', (line) => {
      if (line.includes('vigil node serving')) res(`http://${(JSON.parse(line) as { listen: string }).listen}`);
      if (line.startsWith('vigil:')) rej(new Error(line));
    });
  });
  return { node, address };
}

const loaderPids = (): number[] => {
  const r = spawnSync('pgrep', ['-f', `^${loader}`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
};

describe('vigil node under failure', { skip }, () => {
  test('a killed loader is restarted, counted, and events flow again', async () => {
    const before = new Set(loaderPids());
    const { node, address } = startNode();
    try {
      const base = await address;
      const metric = async (re: RegExp): Promise<number | undefined> => {
        const m = re.exec(await (await fetch(`${base}/metrics`)).text());
        return m ? Number(m[1]) : undefined;
      };
      await until('loader up', async () => ((await metric(/^vigil_sensor_loader_up (\d+)$/m)) === 1 ? true : undefined));
      // This node's own loader (other loaders may run beside it on a shared machine).
      const loaderPid = async (): Promise<number | undefined> =>
        ((await (await fetch(`${base}/api/v1/sensor`)).json()) as { loader?: { loader_pid?: number } }).loader?.loader_pid;
      const first = await until('the loader process', loaderPid);
      process.kill(first, 'SIGKILL');
      await until('restart counted', async () => ((await metric(/^vigil_sensor_loader_restarts_total (\d+)$/m)) === 1 ? true : undefined));
      await until('loader up again', async () => ((await metric(/^vigil_sensor_loader_up (\d+)$/m)) === 1 ? true : undefined));
      const second = await loaderPid();
      assert.ok(second !== undefined && second !== first, 'a new loader process runs');
      assert.ok(loaderPids().includes(second));
      assert.ok(!before.has(second));
      const execs = async () => (await metric(/^vigil_sensor_events_decoded_total\{type="exec"\} (\d+)$/m)) ?? 0;
      const n0 = await execs();
      execFileSync('/bin/true');
      await until('events after the restart', async () => ((await execs()) > n0 ? true : undefined));

      // promtool's linter agrees with the metric names, types and help texts.
      const text = await (await fetch(`${base}/metrics`)).text();
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
    } finally {
      node.kill('SIGTERM');
      await new Promise((r) => node.once('exit', r));
    }
  });

  test('without root it exits non-zero with one line that names what is missing', () => {
    const r = spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', process.execPath, '--import', 'tsx', 'src/cli.ts', 'node', '--listen', '127.0.0.1:0', '--no-journal'], {
      cwd: exporterDir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 3);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^vigil: cannot start: vigil node needs root/);
  });

  test('the loader alone, without privileges, exits 3 with one clear line', () => {
    const r = spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', '--inh-caps=-all', loader], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^vigil-loader: /);
  });

  test('a missing loader binary is named', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '--loader', '/nonexistent/vigil-loader', '--no-journal'], { cwd: exporterDir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 3);
    assert.match(r.stderr, /the BPF loader is not built at \/nonexistent\/vigil-loader/);
  });

  test('a bad configuration file gives file:line:column and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-badcfg-'));
    const file = join(dir, 'vigil.yaml');
    execFileSync('sh', ['-c', `printf 'sensor:\\n  openMode: maybe\\n' > ${file}`]);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '--config', file], { cwd: exporterDir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`${file}:2:13: sensor\\.openMode: `));
  });
});
