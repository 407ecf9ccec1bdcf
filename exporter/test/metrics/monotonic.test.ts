import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { DeltaTracker } from '../../src/metrics/monotonic.js';
import { ContainerMetrics } from '../../src/metrics/container-metrics.js';
import type { CgroupCounters } from '../../src/events/types.js';

test('deltas: first reading counts whole, resets restart from zero, stale sources expire', () => {
  const d = new DeltaTracker();
  assert.equal(d.delta('a', 10, 0), 10);
  assert.equal(d.delta('a', 15, 1), 5);
  assert.equal(d.delta('a', 3, 2), 3, 'went down: a new source behind the same key');
  d.delta('b', 1, 100);
  assert.equal(d.expire(50), 1);
  assert.equal(d.size, 1);
});

const counters = (cg: number, syscalls: number): CgroupCounters => ({
  cgroup_id: cg, syscalls, execs: 0, forks: 0, exits: 0, opens: 0, open_failures: 0, connects: 0, accepts: 0, bytes_sent: 0, bytes_received: 0, oncpu_ns: 0,
});

test('a container that restarts into a new cgroup keeps a monotonic counter; gone series expire', async () => {
  const reg = new Registry();
  const m = new ContainerMetrics(reg);
  const labels = { node: 'n', namespace: 'web', pod: 'p', container: 'c' };
  m.addKernelCounters('cg:1', labels, counters(1, 100), 1000);
  m.addKernelCounters('cg:1', labels, counters(1, 150), 2000);
  m.addKernelCounters('cg:2', labels, counters(2, 20), 3000); // restarted: new cgroup, small value
  const value = async (): Promise<number | undefined> =>
    (await reg.getSingleMetric('vigil_container_syscalls_total')!.get()).values.find((v) => v.labels.container === 'c')?.value;
  assert.equal(await value(), 170);
  m.expire(10_000);
  assert.equal(await value(), undefined, 'the label set is removed once nobody reports it');
});

test('start time: an ISO time becomes unix seconds, an unknown or garbled one is left out, gone series expire', async () => {
  const reg = new Registry();
  const m = new ContainerMetrics(reg);
  const labels = { node: 'n', namespace: 'web', pod: 'p', container: 'c' };
  const value = async (): Promise<number | undefined> =>
    (await reg.getSingleMetric('vigil_container_start_time_seconds')!.get()).values.find((v) => v.labels.container === 'c')?.value;
  m.setStartTime(labels, '2026-12-04T01:02:03.5Z', 1000);
  assert.equal(await value(), Date.parse('2026-12-04T01:02:03.5Z') / 1000);
  m.setStartTime(labels, 'not a time', 2000);
  assert.equal(await value(), undefined);
  m.setStartTime(labels, '2026-12-04T01:02:03Z', 3000);
  m.expire(10_000);
  assert.equal(await value(), undefined);
});
