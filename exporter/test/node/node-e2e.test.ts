// End to end: the real `vigil node` (real loader, real BPF programs) watches a real podman container.
// The exec, open and connect events must carry the container's id and image, its metrics must move, the API
// must need its token, and stopping must leave no BPF program behind.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Alert } from '../../src/alerts/types.js';
import type { VigilEvent } from '../../src/events/types.js';
import { until } from '../support/wait.js';
import { LokiStandIn } from '../support/loki-standin.js';
import { kernelTestSkipReason, podmanSkipReason } from '../support/privileges.js';
import { ensureBusyboxImage, PODMAN_RUN_FLAGS, removeContainer } from '../support/podman.js';

const skip = kernelTestSkipReason() ?? podmanSkipReason();
const exporterDir = resolve(import.meta.dirname, '../..');
const IMAGE = 'localhost/vigil-e2e:1';
const TOKEN = 'e2e-token-7f3a';

function loadedProgramIds(): Set<number> {
  const out = execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
  return new Set((JSON.parse(out) as { id: number }[]).map((p) => p.id));
}

function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('vigil node with a real container', { skip }, () => {
  let node: ChildProcess;
  let base = '';
  const events: VigilEvent[] = [];
  let listener: Server;
  let port = 0;
  const name = `vigil-e2e-${process.pid}`;
  let containerId = '';
  let exitCode: number | null = null;
  // Loki cannot be installed here: a stand-in that checks every push strictly against Loki's documented format.
  const loki = new LokiStandIn();
  let resolveExit: () => void = () => undefined;
  const exited = new Promise<void>((r) => (resolveExit = r));

  before(async () => {
    ensureBusyboxImage(IMAGE);
    loki.multiTenant = true;
    // Loki's default since 2.4 (unordered_writes): entries within the window of a stream's newest are accepted.
    loki.ordering = 'unordered';
    await loki.start();
    listener = createServer((s) => s.end());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
    writeFileSync(join(dir, 'token'), TOKEN);
    node = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'node', '--listen', '127.0.0.1:0', '--journal-dir', join(dir, 'journal'), '--token-file', join(dir, 'token')], {
      cwd: exporterDir,
      env: { ...process.env, VIGIL_CONTAINERS_CGROUP_STATS_INTERVAL_MS: '500', VIGIL_LOG_LEVEL: 'info', VIGIL_RECORDER_DIR: join(dir, 'captures'), VIGIL_RECORDER_AFTER_MS: '1000', VIGIL_LOKI_URL: loki.url, VIGIL_LOKI_SPOOL_DIR: join(dir, 'spool'), VIGIL_LOKI_TENANT: 'team-a' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    node.on('exit', (code) => {
      exitCode = code;
      resolveExit();
    });
    createInterface({ input: node.stdout! }).on('line', (line) => {
      try {
        events.push(JSON.parse(line) as VigilEvent);
      } catch {
        assert.fail(`stdout carried a line that is not JSON: ${line.slice(0, 200)}`);
      }
    });
    const serving = new Promise<string>((resolveAddr, reject) => {
      createInterface({ input: node.stderr! }).on('line', (line) => {
        if (line.includes('vigil node serving')) resolveAddr((JSON.parse(line) as { listen: string }).listen);
        if (line.startsWith('vigil:')) reject(new Error(line));
      });
    });
    base = `http://${await serving}`;
    await until('readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    const run = spawnSync('podman', ['run', '-d', '--name', name, ...PODMAN_RUN_FLAGS, '--network', 'host', '--label', 'team=e2e', IMAGE,
      'sh', '-c', `cat /etc/hostname; echo hello | nc 127.0.0.1 ${port}; echo x > /etc/vigil-e2e; sleep 4`], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    containerId = run.stdout.trim().split('\n').pop()!;
  });

  after(async () => {
    removeContainer(name);
    listener?.close();
    await loki.stop();
    if (node && exitCode === null) node.kill('SIGKILL');
  });

  const mine = (ev: VigilEvent): boolean => ev.container?.id === containerId;

  test('exec events carry the container id, image and the command line', async () => {
    const cat = await until('exec of cat in the container', () => events.find((e) => mine(e) && e.type === 'exec' && e.proc.argv?.[0] === 'cat'));
    assert.equal(cat.container?.runtime, 'podman');
    assert.equal(cat.container?.image, IMAGE);
    assert.equal(cat.container?.name, name);
    assert.equal(cat.container?.metadata_pending, undefined, 'metadata arrived within the wait');
    assert.deepEqual(cat.proc.argv, ['cat', '/etc/hostname']);
    assert.equal(cat.proc.exe, '/bin/busybox', 'the exe is resolved inside the container root');
    assert.ok(cat.type === 'exec' && cat.exec.overlay, 'the image root is overlayfs');
    assert.ok(cat.ancestors?.some((a) => a.name === 'sh'), 'ancestry comes from the process table');
    const hostPidns = Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]);
    assert.ok(hostPidns > 0 && cat.pidns !== hostPidns, 'a container has its own pid namespace');
  });

  test('the open of /etc/hostname and the connect carry the container too', async () => {
    const open = await until('open of /etc/hostname', () => events.find((e) => mine(e) && e.type === 'open' && e.open.path === '/etc/hostname'));
    assert.ok(open.type === 'open' && open.open.res >= 0);
    assert.equal(open.container?.image, IMAGE);
    const conn = await until('connect to the listener', () => events.find((e) => mine(e) && e.type === 'connect' && e.net.remote?.port === port));
    assert.ok(conn.type === 'connect');
    assert.equal(conn.net.remote?.ip, '127.0.0.1');
    assert.equal(conn.net.proto, 'tcp');
    assert.equal(conn.proc.name, 'nc');
  });

  test('its metrics move: eBPF counters and cgroup files', async () => {
    const labels = { container: name, namespace: '', pod: '' };
    const text = await until('container metrics', async () => {
      const t = await (await fetch(`${base}/metrics`)).text();
      return (metricValue(t, 'vigil_container_execs_total', labels) ?? 0) >= 2 && metricValue(t, 'vigil_container_memory_usage_bytes', labels) !== undefined ? t : undefined;
    });
    assert.ok((metricValue(text, 'vigil_container_syscalls_total', labels) ?? 0) > 10);
    assert.ok((metricValue(text, 'vigil_container_connects_total', labels) ?? 0) >= 1);
    assert.ok((metricValue(text, 'vigil_container_file_opens_total', labels) ?? 0) >= 1);
    assert.ok((metricValue(text, 'vigil_container_memory_usage_bytes', labels) ?? 0) > 0);
    assert.ok((metricValue(text, 'vigil_container_cpu_usage_seconds_total', labels) ?? 0) > 0);
    assert.equal(metricValue(text, 'vigil_container_info', { ...labels, image: IMAGE, runtime: 'podman' }), 1);
    const started = metricValue(text, 'vigil_container_start_time_seconds', labels);
    assert.ok(started !== undefined && Math.abs(started - Date.now() / 1000) < 600, `start time from podman inspect: ${started}`);
    assert.equal(metricValue(text, 'vigil_sensor_loader_up', {}), undefined, 'no labels: matched below');
    assert.match(text, /^vigil_sensor_loader_up 1$/m);
    assert.match(text, /^vigil_sensor_hook_active\{hook="sys_enter",attach="tp_btf"\} 1$/m);
    assert.doesNotMatch(text, new RegExp(containerId), 'no container id in any metric label');
  });

  test('the API needs the token and lists the container; events filter by container', async () => {
    assert.equal((await fetch(`${base}/api/v1/containers`)).status, 401);
    const h = { authorization: `Bearer ${TOKEN}` };
    type Row = { id: string; image?: string; labels: Record<string, string>; counters?: { syscalls: number; execs: number }; resources?: { memoryUsageBytes?: number } };
    const row = await until('the container row with live counters', async () => {
      const list = (await (await fetch(`${base}/api/v1/containers`, { headers: h })).json()) as { containers: Row[] };
      const r = list.containers.find((c) => c.id === containerId);
      return r?.counters && r.resources ? r : undefined;
    });
    assert.equal(row.image, IMAGE);
    assert.equal(row.labels.team, 'e2e');
    assert.ok(row.counters!.syscalls > 0 && row.counters!.execs >= 2, 'live kernel counters');
    assert.ok((row.resources!.memoryUsageBytes ?? 0) > 0, 'live cgroup resources');
    const evs = (await (await fetch(`${base}/api/v1/events?container=${containerId.slice(0, 12)}&type=exec`, { headers: h })).json()) as { events: VigilEvent[] };
    assert.ok(evs.events.length >= 2);
    assert.ok(evs.events.every((e) => e.type === 'exec' && e.container?.id === containerId));
  });

  test('a rule of the default ruleset raises an alert for the container, on the API and in metrics', async () => {
    const h = { authorization: `Bearer ${TOKEN}` };
    const alert = await until('the write-below-etc alert', async () => {
      const r = (await (await fetch(`${base}/api/v1/alerts?container=${containerId.slice(0, 12)}`, { headers: h })).json()) as { alerts: Alert[] };
      return r.alerts.find((a) => a.rule === 'Write below etc' && a.output_fields['fd.name'] === '/etc/vigil-e2e');
    });
    assert.equal(alert.container?.id, containerId);
    assert.equal(alert.priority, 'Error');
    assert.equal(alert.source, 'syscall');
    assert.match(alert.output, /File below \/etc opened for writing/);
    assert.ok(events.some((e) => (e as unknown as Alert).uuid === alert.uuid), 'the alert is on stdout too');
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, new RegExp(`vigil_alerts_total\\{node="[^"]+",rule="Write below etc",priority="Error",namespace="",workload="",container="${name}"\\} [1-9]`));
  });

  test('the alert carries a flight-recorder capture with what the container did before it', async () => {
    const h = { authorization: `Bearer ${TOKEN}` };
    const r = (await (await fetch(`${base}/api/v1/alerts?rule=Write%20below%20etc&container=${containerId.slice(0, 12)}`, { headers: h })).json()) as { alerts: Alert[] };
    const alert = r.alerts.find((a) => a.output_fields['fd.name'] === '/etc/vigil-e2e');
    assert.ok(alert?.capture_id, 'the alert names its capture');
    const doc = await until('the capture to complete', async () => {
      const res = await fetch(`${base}/api/v1/captures/${alert.capture_id}`, { headers: h });
      const d = (await res.json()) as { status: string; container: { id: string }; entries: { type: string; ts: number; path?: string; argv?: string[]; cmdline?: string }[]; processes: unknown[] };
      return d.status === 'complete' ? d : undefined;
    });
    assert.equal(doc.container.id, containerId);
    const types = new Set(doc.entries.map((e) => e.type));
    assert.ok(types.has('exec') && types.has('open') && types.has('connect'), `activity types ${[...types].join(',')}`);
    const ts = doc.entries.map((e) => e.ts);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'entries are ordered in time');
    assert.ok(doc.entries.some((e) => e.ts < alert.ts && e.type === 'connect'), 'the connect before the alert is in the capture');
    assert.ok(doc.processes.length > 0, 'the process tree is there');
    const list = (await (await fetch(`${base}/api/v1/captures?container=${containerId.slice(0, 12)}`, { headers: h })).json()) as { captures: { id: string }[] };
    assert.ok(list.captures.some((c) => c.id === alert.capture_id));
  });

  test('the alert and the capture\'s activity reach Loki with the documented labels', async () => {
    await loki.waitFor(() => loki.select({ stream: 'alert', rule: 'Write below etc', container: name }, 'team-a').length > 0, 20_000);
    const [entry] = loki.select({ stream: 'alert', rule: 'Write below etc', container: name }, 'team-a');
    assert.equal(entry!.tenant, 'team-a');
    assert.deepEqual(Object.keys(entry!.labels).sort(), ['container', 'job', 'node', 'priority', 'rule', 'stream']);
    assert.equal(entry!.labels.job, 'vigil');
    assert.equal(entry!.labels.priority, 'Error');
    const line = JSON.parse(entry!.line) as Alert;
    assert.equal(line.container?.id, containerId);
    assert.ok(line.capture_id);
    await loki.waitFor(() => loki.select({ stream: 'activity', container: name }, 'team-a').some((e) => (JSON.parse(e.line) as { capture_id?: string }).capture_id === line.capture_id), 20_000);
    assert.deepEqual(loki.violations, [], 'every push followed the Loki format');
  });

  test('SIGTERM stops it cleanly and leaves no BPF program loaded', async () => {
    // Only this node's own programs (their ids are in the loader's HELLO): other loaders may run beside it.
    const h = { authorization: `Bearer ${TOKEN}` };
    const sensorState = (await (await fetch(`${base}/api/v1/sensor`, { headers: h })).json()) as { loader: { prog_ids: number[] } };
    const mine = sensorState.loader.prog_ids;
    assert.ok(mine.length > 5 && mine.every((id) => loadedProgramIds().has(id)), 'its programs are loaded while it runs');
    node.kill('SIGTERM');
    await exited;
    assert.equal(exitCode, 0);
    await until('programs unloaded', () => (mine.some((id) => loadedProgramIds().has(id)) ? undefined : true), 5000);
  });
});
