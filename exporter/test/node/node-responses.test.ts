// A rule that opts in with x-vigil-actions: [kill] makes the real `vigil node` kill the matching process in a
// real podman container from the kernel, and report the action as its own alert. The default ruleset has no
// actions: without the opt-in nothing is ever killed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Alert } from '../../src/alerts/types.js';
import { kernelTestSkipReason, podmanSkipReason } from '../support/privileges.js';
import { ensureBusyboxImage, PODMAN_RUN_FLAGS, removeContainer } from '../support/podman.js';
import { until } from '../support/wait.js';

const skip = kernelTestSkipReason() ?? podmanSkipReason();
const exporterDir = resolve(import.meta.dirname, '../..');
const IMAGE = 'localhost/vigil-e2e:1';

const KILL_RULES = `
- rule: Vigil test victim started
  desc: A "sleep 4242" started in a container (test rule with a kill response).
  condition: evt.type in (execve, execveat) and container.id != host and proc.name = sleep and proc.args contains "4242"
  output: victim started (process=%proc.name command=%proc.cmdline container=%container.id)
  priority: WARNING
  x-vigil-actions: [kill]
`;

describe('vigil node responses (real kernel, real container)', { skip }, () => {
  let node: ChildProcess;
  let base = '';
  const name = `vigil-kill-${process.pid}`;
  const alerts: Alert[] = [];

  before(async () => {
    ensureBusyboxImage(IMAGE);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-resp-'));
    const rules = join(dir, 'kill.yaml');
    writeFileSync(rules, KILL_RULES);
    node = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'j')], {
      cwd: exporterDir,
      env: { ...process.env, VIGIL_RULES_FILES: `[${resolve(exporterDir, 'rules/vigil_rules.yaml')}, ${rules}]`, VIGIL_RECORDER_DIR: join(dir, 'captures') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: node.stdout! }).on('line', (l) => {
      const r = JSON.parse(l) as Partial<Alert>;
      if (typeof r.rule === 'string') alerts.push(r as Alert);
    });
    base = await new Promise<string>((res, rej) => {
      createInterface({ input: node.stderr! }).on('line', (l) => {
        if (l.includes('vigil node serving')) res(`http://${(JSON.parse(l) as { listen: string }).listen}`);
        if (l.startsWith('vigil:')) rej(new Error(l));
      });
    });
    await until('readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
  });

  after(async () => {
    removeContainer(name);
    node?.kill('SIGTERM');
    if (node) await new Promise((r) => node.once('exit', r));
  });

  test('the opted-in rule kills the process; the kill is reported as an alert with its result', async () => {
    const started = Date.now();
    // The victim would sleep for an hour; killed, the container ends at once with 128 + SIGKILL.
    const run = spawnSync('podman', ['run', '--name', name, ...PODMAN_RUN_FLAGS, '--network', 'none', IMAGE, 'sh', '-c', 'exec sleep 4242'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 137, `the container's process was killed (status ${run.status}, stderr ${run.stderr})`);
    assert.ok(Date.now() - started < 25_000, 'long before its sleep would have ended');
    const trigger = await until('the rule alert', () => alerts.find((a) => a.rule === 'Vigil test victim started'));
    const response = await until('the response alert', () => alerts.find((a) => a.rule === 'Vigil response' && a.output_fields['vigil.trigger'] === trigger.uuid));
    assert.equal(response.response?.action, 'kill');
    assert.equal(response.response?.result, 'done');
    assert.equal(response.container?.id, trigger.container?.id);
    // The default rules have no actions: nothing else was ever acted on.
    assert.ok(!alerts.some((a) => a.rule === 'Vigil response' && a.output_fields['vigil.trigger_rule'] !== 'Vigil test victim started'));
  });
});
