// The shared live stack (test/support/live-stack.ts) proves what it promises its users: a real Prometheus that
// scraped a real vigil node and vigil scanner returns the container, alert and image series, the Loki stand-in
// holds the node's alert lines and the activity lines of a flight-recorder capture, and after stop() no
// container, process or temp directory of it is left.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { descendants } from '../support/live-stack/proc-tree.js';
import { LIVE_STACK_LABEL, liveStackSkipReason, promQuery, startLiveStack, stillRunning, type LiveStack, type ProcId } from '../support/live-stack.js';

const skip = liveStackSkipReason();

const ourContainers = (): string =>
  execFileSync('podman', ['ps', '-a', '--filter', `label=${LIVE_STACK_LABEL}=vigil-live-${process.pid}`, '--format', '{{.Names}}'], { encoding: 'utf8' }).trim();
const stackDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('vigil-live-stack-'));

type Vector = { metric: Record<string, string>; value: [number, string] }[];

async function vector(stack: LiveStack, expr: string): Promise<Vector> {
  const data = await stack.query(expr);
  assert.equal(data.resultType, 'vector', expr);
  return data.result as Vector;
}

describe('the live stack (real vigil node, vigil scanner, Prometheus; Loki stand-in)', { skip, timeout: 600_000 }, () => {
  let stack: LiveStack;

  before(async () => {
    stack = await startLiveStack();
  }, { timeout: 20 * 60_000 });

  after(async () => {
    await stack?.stop();
  });

  test('it started within the bound, with tokens on both APIs', async () => {
    assert.ok(stack.startupMs < 90_000, `start took ${stack.startupMs} ms`);
    console.log(`# live stack started in ${stack.startupMs} ms`);
    assert.equal((await fetch(`${stack.nodeUrl}/api/v1/containers`)).status, 401, 'the node API wants its token');
    const containers = await fetch(`${stack.nodeUrl}/api/v1/containers`, { headers: { authorization: `Bearer ${stack.nodeToken}` } });
    assert.equal(containers.status, 200);
    assert.equal((await fetch(`${stack.scannerUrl}/api/v1/images`)).status, 401, 'the scanner API wants its token');
    const images = await fetch(`${stack.scannerUrl}/api/v1/images`, { headers: { authorization: `Bearer ${stack.scannerToken}` } });
    assert.equal(images.status, 200);
    const listed = ((await images.json()) as { images: { refs: string[]; status: string; findings: number }[] }).images;
    const vulnerable = listed.find((i) => i.refs.includes(stack.images.vulnerable));
    assert.ok(vulnerable, `the scanner lists ${stack.images.vulnerable}`);
    assert.equal(vulnerable.status, 'scanned');
  });

  test('Prometheus scrapes both jobs, and they are up', async () => {
    const up = await vector(stack, 'up');
    const jobs = Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]));
    assert.deepEqual(jobs, { 'vigil-node': '1', 'vigil-scanner': '1' });
  });

  test('vigil_container_* series carry the real container label (and the info series its image)', async () => {
    const app = stack.triggerWorkload;
    for (const name of ['vigil_container_execs_total', 'vigil_container_syscalls_total', 'vigil_container_file_opens_total', 'vigil_container_cpu_usage_seconds_total', 'vigil_container_memory_usage_bytes']) {
      await stack.waitForSeries(`${name}{container="${app.container}"}`, 30_000);
      const v = await vector(stack, `${name}{container="${app.container}"}`);
      assert.equal(v.length, 1, name);
      assert.equal(v[0]!.metric.node, stack.nodeName);
      assert.equal(v[0]!.metric.namespace ?? '', '');
      assert.ok(Number(v[0]!.value[1]) > 0, `${name} = ${v[0]!.value[1]}`);
    }
    const info = await vector(stack, `vigil_container_info{container="${app.container}"}`);
    assert.equal(info[0]?.metric.image, app.image);
    assert.equal(info[0]?.metric.runtime, 'podman');
    // The counters move between scrapes: the loop keeps running.
    await stack.waitForSeries(`rate(vigil_container_execs_total{container="${app.container}"}[10s]) > 0`, 30_000);
  });

  test('vigil_alerts_total has a series for each rule the workload fires, with its priority', async () => {
    const app = stack.triggerWorkload;
    assert.equal(app.rules.length, 4);
    for (const rule of app.rules) await stack.waitForSeries(`vigil_alerts_total{container="${app.container}",rule="${rule}"} > 0`, 30_000);
    const v = await vector(stack, `vigil_alerts_total{container="${app.container}"}`);
    assert.deepEqual(new Set(v.map((s) => s.metric.priority)), new Set(['Warning', 'Error', 'Notice', 'Critical']));
    assert.ok(v.every((s) => s.metric.node === stack.nodeName && s.metric.namespace === undefined));
    const idle = await vector(stack, `vigil_alerts_total{container="${stack.workloads[1]!.container}"}`);
    assert.deepEqual(idle, [], 'the idle neighbour fires nothing');
  });

  test('the Loki stand-in holds alert lines and the activity lines of a capture, queryable over HTTP', async () => {
    const c = stack.triggerWorkload.container;
    const q = new URLSearchParams({ query: `{stream="alert",container="${c}"}`, limit: '50' });
    const res = await fetch(`${stack.lokiUrl}/loki/api/v1/query_range?${q}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { result: { stream: Record<string, string>; values: [string, string][] }[] } };
    const alerts = body.data.result.flatMap((s) => s.values.map(([, line]) => JSON.parse(line) as { rule: string; capture_id?: string; container?: { id: string } }));
    assert.ok(alerts.length > 0);
    assert.ok(body.data.result.every((s) => s.stream.node === stack.nodeName && s.stream.job === 'vigil'));
    const withCapture = alerts.find((a) => typeof a.capture_id === 'string');
    assert.ok(withCapture, 'an alert names its capture');
    assert.equal(withCapture.container?.id, stack.triggerWorkload.id);
    await stack.loki.waitFor(() => stack.loki.select({ stream: 'activity', container: c }).some((e) => (JSON.parse(e.line) as { capture_id?: string }).capture_id === withCapture.capture_id), 30_000);
    assert.deepEqual(stack.loki.violations, [], 'every push followed the Loki format');
  });

  test('the scanner series: vulnerabilities (fixable and not), policy violations, workloads', async () => {
    const img = stack.images.vulnerable;
    const vulns = await vector(stack, `vigil_image_vulnerabilities{image="${img}"}`);
    assert.equal(vulns.length, 12, 'six severities x fixable true/false');
    const count = (fixable: string): number => vulns.filter((s) => s.metric.fixable === fixable).reduce((n, s) => n + Number(s.value[1]), 0);
    assert.ok(count('true') >= 4, `fixable findings: ${count('true')}`);
    assert.ok(count('false') >= 2, `unfixed findings: ${count('false')}`);
    const violated = await vector(stack, `vigil_image_policy_violations{image="${img}"} == 1`);
    assert.ok(violated.length >= 1, 'at least one policy violation');
    const workload = await vector(stack, `sum(vigil_workload_vulnerabilities{workload="${stack.triggerWorkload.container}",workload_kind="Container"})`);
    assert.ok(Number(workload[0]?.value[1]) >= 6);
    await stack.waitForSeries(`vigil_image_policy_violations{image="${stack.images.noOs}",policy="os-identified"} == 1`, 30_000);
  });

  test('the scanner\'s report holds the real OSV record GHSA-838r-hvwh-24h8 (apache-any23 2.4, fixed in 2.5)', async () => {
    const h = { authorization: `Bearer ${stack.scannerToken}` };
    const list = (await (await fetch(`${stack.scannerUrl}/api/v1/images`, { headers: h })).json()) as { images: { id: string; refs: string[] }[] };
    const entry = list.images.find((i) => i.refs.includes(stack.images.vulnerable));
    assert.ok(entry);
    const report = (await (await fetch(`${stack.scannerUrl}/api/v1/images/${encodeURIComponent(entry.id)}`, { headers: h })).json()) as { findings: { id: string; fixedVersion?: string; severity: string }[] };
    const real = report.findings.find((f) => f.id === 'GHSA-838r-hvwh-24h8');
    assert.ok(real, `findings: ${report.findings.map((f) => f.id).join(', ')}`);
    assert.equal(real.fixedVersion, '2.5');
    assert.equal(real.severity, 'CRITICAL');
    const critical = await vector(stack, `vigil_image_vulnerabilities{image="${stack.images.vulnerable}",severity="CRITICAL",fixable="true"}`);
    assert.equal(critical[0]?.value[1], '1', 'the metric counts it');
  });

  test('promQuery: range queries, and Prometheus\'s error text on a bad expression', async () => {
    const range = await promQuery(stack.prometheusUrl, 'up{job="vigil-node"}', { range: true, start: Date.now() / 1000 - 30, stepSeconds: 1 });
    assert.equal(range.resultType, 'matrix');
    assert.equal(range.result.length, 1);
    const values = (range.result[0] as { values: [number, string][] }).values;
    assert.ok(values.length >= 1 && values.every(([, v]) => v === '1'), JSON.stringify(values));
    await assert.rejects(promQuery(stack.prometheusUrl, 'sum(vigil_alerts_total'), /Prometheus rejected .*bad_data.*unclosed left parenthesis/);
    await assert.rejects(stack.waitForSeries('rate(', 5000), /Prometheus rejected/);
  });

  test('stop() leaves no container, process or directory, and can be called again', async () => {
    const procs: ProcId[] = stack.processes();
    const comms = new Set(procs.map((p) => p.comm));
    assert.ok(procs.length >= 5 && comms.has('prometheus') && comms.has('conmon'), `processes: ${procs.map((p) => `${p.pid}:${p.comm}`).join(' ')}`);
    assert.ok(procs.some((p) => p.comm.startsWith('vigil-loader')), 'the loader is among them');
    await stack.stop();
    await stack.stop();
    assert.deepEqual(stillRunning(procs), []);
    assert.equal(ourContainers(), '', 'no container left');
    assert.equal(existsSync(stack.dir), false);
    await assert.rejects(fetch(`${stack.prometheusUrl}/-/ready`));
    await assert.rejects(fetch(`${stack.lokiUrl}/ready`));
  });
});

describe('a live stack whose start fails half way', { skip, timeout: 300_000 }, () => {
  test('names what failed and leaves nothing behind', async () => {
    const dirsBefore = new Set(stackDirs());
    // tsx's esbuild service is a child of this process already; only what the stack starts counts.
    const childrenBefore = new Set(descendants([process.pid]).map((p) => `${p.pid}:${p.start}`));
    // Everything up to Prometheus starts for real (node, containers, scanner); then Prometheus cannot.
    await assert.rejects(startLiveStack({ prometheusBin: '/nonexistent/prometheus' }), (e: Error) => {
      assert.match(e.message, /^live stack: starting Prometheus failed: .*\/nonexistent\/prometheus/s);
      return true;
    });
    assert.equal(ourContainers(), '', 'the containers it had started are removed');
    assert.deepEqual(stackDirs().filter((d) => !dirsBefore.has(d)), [], 'its temp dir is removed');
    const children = descendants([process.pid]).filter((p) => !childrenBefore.has(`${p.pid}:${p.start}`));
    assert.deepEqual(children.map((p) => `${p.pid}:${p.comm}`), [], 'no vigil node, loader or scanner left running');
  });
});
