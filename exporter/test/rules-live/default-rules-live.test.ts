// Every rule of the default ruleset (exporter/rules/vigil_rules.yaml), proven on the real kernel: one real
// `vigil node` watches real podman containers; per rule, a trigger container does the thing the rule is
// about and must get an alert of that rule (right priority, right container, the telling output field), and
// a benign neighbour does the nearest harmless thing and must get none, checked after the node has seen its
// key event and every one of its processes exit (+1 s). Network rules talk only to a peer namespace this
// test creates (peer-netns.ts). Kernel module loads cannot happen on a kernel without module syscalls: that
// rule is checked live where the hooks exist, otherwise through the hooks' state in /metrics and recorded
// events run through `vigil rules test` (the one non-live case, said so in its test).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Alert } from '../../src/alerts/types.js';
import type { VigilEvent } from '../../src/events/types.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { kernelTestSkipReason, podmanSkipReason } from '../support/privileges.js';
import { until } from '../support/wait.js';
import { hostDisk, liveCases, type LiveCase } from './cases.js';
import { removeContainers, runToCompletion, type Finished } from './containers.js';
import { ensureLiveImage } from './image.js';
import { startLiveNode, type LiveNode } from './live-node.js';
import { acquireMachineLock, type MachineLock } from './machine-lock.js';
import { createPeerNetns, type PeerNetns } from './peer-netns.js';

const skip = kernelTestSkipReason() ?? podmanSkipReason();
const exporterDir = resolve(import.meta.dirname, '../..');
const RULES_FILE = resolve(exporterDir, 'rules/vigil_rules.yaml');
const MODULE_RULE = 'Linux kernel module injection detected';
// TEST-NET-2: outside every network the default rules allow, and (unlike TEST-NET-1 here) not this VM's own LAN.
const PEER = { hostIp: '198.51.100.1', peerIp: '198.51.100.2', k8sApiIp: '10.96.0.1' };
const PORTS = { miner: 3333, allowed: 443, disallowed: 9999 };
const ALERT_WAIT_MS = 120_000;
const QUIET_AFTER_EXIT_MS = 1000;
const LOCK_FILE = join(existsSync('/run/lock') ? '/run/lock' : tmpdir(), 'vigil-rules-live.lock');
const LOCK_WAIT_MS = 15 * 60_000;

const tokenDir = join(tmpdir(), `vigil-rules-live-sa-${process.pid}`);
const cases: LiveCase[] = skip ? [] : liveCases({ ...PEER, ports: PORTS, tokenDir, hostDisk: hostDisk() });
const prefix = `vigil-rl-${process.pid}`;
const slug = (rule: string): string => rule.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);

/** The kubelet's layout of a projected service-account volume: token -> ..data/token -> ..<timestamp>/token. */
function makeTokenDir(): void {
  const stamp = '..2026_12_03_22_40_01.000000001';
  mkdirSync(join(tokenDir, stamp), { recursive: true });
  writeFileSync(join(tokenDir, stamp, 'token'), 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDp2aWdpbCJ9.c2lnbmF0dXJl');
  writeFileSync(join(tokenDir, stamp, 'namespace'), 'default');
  symlinkSync(stamp, join(tokenDir, '..data'));
  symlinkSync('..data/token', join(tokenDir, 'token'));
  symlinkSync('..data/namespace', join(tokenDir, 'namespace'));
}

/** Every process that exec'd in the container has been seen to exit (and there was at least one). */
function allExited(events: readonly VigilEvent[]): true | undefined {
  const execs = new Set(events.filter((e) => e.type === 'exec').map((e) => e.proc.pid));
  const exits = new Set(events.filter((e) => e.type === 'exit').map((e) => e.proc.pid));
  return execs.size > 0 && [...execs].every((p) => exits.has(p)) ? true : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line per event: what a failing wait saw of the container, so its message says why. */
function seen(events: readonly VigilEvent[]): string {
  const line = (e: VigilEvent): string => {
    const what =
      e.type === 'exec' ? JSON.stringify(e.proc.argv) :
      e.type === 'open' ? `${e.open.path} ${e.open.flag_names.join('|')} res=${e.open.res}` :
      e.type === 'connect' ? `${e.net.remote?.ip}:${e.net.remote?.port} res=${e.net.res}` :
      e.type === 'exit' ? `code=${e.exit.code} signal=${e.exit.signal}` :
      e.type === 'setid' ? `${e.setid.syscall}(${e.setid.ids.join(',')}) res=${e.setid.res}` :
      e.type === 'ptrace' ? `${e.ptrace.request_name} res=${e.ptrace.res}` :
      e.type === 'mount' ? `${e.mount.source} ${e.mount.target} ${e.mount.fstype} res=${e.mount.res}` : '';
    return `  ${e.type} pid=${e.proc.pid} ${e.proc.name} ${what}`;
  };
  // The gate's polling sleeps (containers.ts) are noise here.
  const gateSleeps = new Set(events.filter((e) => e.type === 'exec' && e.proc.argv?.[0] === 'sleep').map((e) => e.proc.pid));
  const rows = events.filter((e) => e.type !== 'fork' && !e.proc.name.startsWith('runc') && !gateSleeps.has(e.proc.pid));
  return rows.length === 0 ? '  (no events attributed to this container)' : rows.slice(-40).map(line).join('\n');
}

/** until(), with what the node saw of the container added to a timeout. */
async function waitFor<T>(node: LiveNode, id: string, what: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  try {
    return await until(what, fn, ALERT_WAIT_MS, 250);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the node saw of ${id.slice(0, 12)}:\n${seen(node.events(id))}`);
  }
}

describe('the default rules on the real kernel, with real podman containers', { skip, concurrency: true }, () => {
  let node: LiveNode;
  let image = '';
  let peer: PeerNetns | undefined;
  let lock: MachineLock | undefined;
  const started: string[] = [];

  const run = async (name: string, spec: LiveCase['trigger']): Promise<Finished> => {
    started.push(name);
    return runToCompletion(image, name, spec, { created: (id) => node.follow(id), attributed: (id) => node.events(id).length > 0 });
  };

  before(async () => {
    lock = await acquireMachineLock(LOCK_FILE, LOCK_WAIT_MS, (owner) => console.log(`# waiting for another run of the live rule tests (pid ${owner}) to finish`));
    image = ensureLiveImage();
    makeTokenDir();
    peer = await createPeerNetns({ ...PEER, ports: [PORTS.miner, PORTS.allowed, PORTS.disallowed, 6443] });
    node = await startLiveNode();
  }, { timeout: LOCK_WAIT_MS + 300_000 });

  after(async () => {
    try {
      await removeContainers(started);
      peer?.remove();
      rmSync(tokenDir, { recursive: true, force: true });
      if (node) assert.equal(await node.stop(), 0, 'vigil node stopped cleanly');
    } finally {
      lock?.release();
    }
  }, { timeout: 180_000 });

  test('every rule of the default ruleset has a live case here', () => {
    const names = loadRulesFiles([RULES_FILE]).ruleset.rules.filter((r) => r.enabled).map((r) => r.name).sort();
    assert.deepEqual([...cases.map((c) => c.rule), MODULE_RULE].sort(), names);
  });

  for (const c of cases) {
    test(`${c.rule}: the trigger container gets the alert`, { timeout: 300_000 }, async () => {
      const r = await run(`${prefix}-${slug(c.rule)}-t`, c.trigger);
      assert.equal(r.code, 0, `the trigger itself must work (exit 0), or the test proves nothing:\n${r.output}`);
      // The gate wrapper (containers.ts) can match too where the rule reads the command line (a stratum URL,
      // a terminal shell): the alert that counts is the one about the command itself.
      const ofCommand = (a: Alert): boolean => !String(a.output_fields['proc.cmdline'] ?? '').includes('vigil-gate');
      const alert: Alert = await waitFor(node, r.id, `an alert "${c.rule}" for ${r.name}`, () => node.streamedAlerts(r.id).find((a) => a.rule === c.rule && ofCommand(a)));
      const listed = await node.alerts(r.id.slice(0, 12), c.rule);
      assert.ok(listed.some((a) => a.uuid === alert.uuid), 'GET /api/v1/alerts?container=<id prefix>&rule= lists it too');
      assert.equal(alert.rule, c.rule);
      assert.equal(alert.priority, c.priority);
      assert.equal(alert.source, 'syscall');
      assert.equal(alert.container?.id, r.id);
      c.check(alert);
    });

    test(`${c.rule}: the benign neighbour gets none (of any rule)`, { timeout: 300_000 }, async () => {
      const r = await run(`${prefix}-${slug(c.rule)}-b`, c.benign);
      assert.equal(r.code, 0, `the benign command must work (exit 0):\n${r.output}`);
      if (c.benignEvent) {
        const match = c.benignEvent.match;
        await waitFor(node, r.id, `${c.benignEvent.what} in ${r.name}`, () => (node.events(r.id).some(match) ? true : undefined));
      }
      await waitFor(node, r.id, `every process of ${r.name} seen to exit`, () => allExited(node.events(r.id)));
      await sleep(QUIET_AFTER_EXIT_MS);
      // Not this rule, and not any other either: a benign neighbour that trips a different rule is a false
      // positive all the same.
      const alerts = [...node.streamedAlerts(r.id), ...(await node.alerts(r.id))];
      assert.deepEqual(alerts.map((a) => `${a.rule}: ${a.output}`), [], `no alert at all for the benign neighbour of "${c.rule}"`);
    });
  }

  test(`${MODULE_RULE}: live where the kernel has module hooks; here without them, /metrics says so and recorded events go through \`vigil rules test\``, { timeout: 300_000 }, async () => {
    const r = await run(`${prefix}-module-t`, { args: ['sh', '-c', 'echo junk > /tmp/vigil.ko; /bin/insmod /tmp/vigil.ko; true'] });
    assert.equal(r.code, 0, r.output);
    const text = await node.metrics();
    const hooks = ['sys_exit_init_module', 'sys_exit_finit_module'].map((hook) => {
      const m = new RegExp(`^vigil_sensor_hook_active\\{hook="${hook}",attach="([^"]*)"\\} ([01])$`, 'm').exec(text);
      assert.ok(m, `/metrics reports the ${hook} hook`);
      return { hook, attach: m[1], active: m[2] === '1' };
    });
    const insmod = await waitFor(node, r.id, 'the exec of insmod', () => node.events(r.id).find((e) => e.type === 'exec' && e.proc.name === 'insmod'));

    if (hooks.every((h) => h.active)) {
      // A kernel with module syscalls: the (refused) load attempt is a real event and raises the alert.
      const alert = await waitFor(node, r.id, `an alert "${MODULE_RULE}"`, () => node.streamedAlerts(r.id).find((a) => a.rule === MODULE_RULE));
      assert.equal(alert.priority, 'Warning');
      assert.equal(alert.container?.id, r.id);
      assert.equal(alert.output_fields['proc.name'], 'insmod');
      return;
    }
    // This kernel has no module-load syscalls, so their tracepoints do not exist and nothing can be seen live.
    assert.deepEqual(hooks.map((h) => [h.hook, h.attach, h.active]), [['sys_exit_init_module', 'unavailable', false], ['sys_exit_finit_module', 'unavailable', false]]);
    await waitFor(node, r.id, `every process of ${r.name} seen to exit`, () => allExited(node.events(r.id)));
    assert.deepEqual(node.events(r.id).filter((e) => e.type === 'module'), [], 'no module event without the hooks');

    // Recorded events built from the live insmod exec: the module-load record its finit_module would have
    // produced inside the container (trigger), and a host modprobe loading a module (the exception: benign).
    const { exec: _exec, ...common } = insmod as Extract<VigilEvent, { type: 'exec' }>;
    const trigger = { ...common, type: 'module', module: { syscall: 'finit_module', res: -38, fd: 3, args: '' } };
    const benign = {
      ...trigger,
      proc: { ...insmod.proc, name: 'modprobe', exe: '/usr/sbin/modprobe', argv: ['modprobe', 'overlay'], cmdline: 'modprobe overlay' },
      container: { id: 'host', runtime: 'host' },
      module: { syscall: 'finit_module', res: 0, fd: 3, args: '' },
    };
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-live-module-'));
    try {
      const file = join(dir, 'events.ndjson');
      writeFileSync(file, `${JSON.stringify(trigger)}\n${JSON.stringify(benign)}\n`);
      // Run as the real command, asynchronously: the other tests' streams keep flowing meanwhile.
      const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'rules', 'test', '--rules', RULES_FILE, '--events', file], { cwd: exporterDir, encoding: 'utf8', timeout: 120_000 });
      const alerts = cli.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Alert);
      assert.deepEqual(alerts.map((a) => a.rule), [MODULE_RULE], 'the container load attempt alerts, the host modprobe does not');
      const alert = alerts[0]!;
      assert.equal(alert.priority, 'Warning');
      assert.equal(alert.output_fields['proc.name'], 'insmod');
      assert.equal(alert.output_fields['evt.type'], 'finit_module');
      assert.match(alert.output, new RegExp(r.id.slice(0, 12)), 'the output names the container');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
