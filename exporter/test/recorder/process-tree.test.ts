// The capture's process tree: fork/exec/exit chains, ancestry from the events, orphans reparented by the
// kernel, parents the capture never saw, pid reuse, threads, inconsistent (cyclic) pids and deep chains.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder } from '../../src/recorder/recorder.js';
import { buildProcessTree, MAX_TREE_DEPTH } from '../../src/recorder/process-tree.js';
import { toEntry } from '../../src/recorder/entry.js';
import type { VigilEvent } from '../../src/events/types.js';
import type { ProcessNode } from '../../src/recorder/types.js';
import { ContainerEvents, containerId, T0 } from './events.js';

const A = containerId(0xa1);

function tree(events: VigilEvent[]): ProcessNode[] {
  return buildProcessTree(events.map(toEntry), events.map((e) => e.ancestors));
}

/** pid(children...) notation, for comparing shapes at a glance. */
function shape(nodes: ProcessNode[]): string {
  return nodes.map((n) => (n.children.length ? `${n.pid}(${shape(n.children)})` : `${n.pid}`)).join(' ');
}

function find(nodes: ProcessNode[], pid: number): ProcessNode[] {
  const out: ProcessNode[] = [];
  const stack = [...nodes];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.pid === pid) out.push(n);
    stack.push(...n.children);
  }
  return out;
}

function countNodes(nodes: ProcessNode[]): number {
  return nodes.reduce((n, p) => n + 1 + countNodes(p.children), 0);
}

function depth(nodes: ProcessNode[]): number {
  let max = 0;
  let level = nodes;
  while (level.length) {
    max++;
    level = level.flatMap((n) => n.children);
  }
  return max;
}

describe('process tree', () => {
  test('a shell in a container runs cat and nc: fork/exec/exit chains under ancestry the events carried', async () => {
    const c = new ContainerEvents(A)
      .known(1, 0, 'systemd', '/usr/lib/systemd/systemd', 'systemd --system')
      .known(400, 1, 'conmon', '/usr/bin/conmon', 'conmon --api-version 1')
      .known(500, 400, 'sh', '/bin/busybox', 'sh -c while true; do sleep 1; done');
    const rec = new FlightRecorder({ now: () => T0 + 60_000 });
    const evs: VigilEvent[] = [
      c.fork(T0 + 1, 500, 501),
      c.exec(T0 + 2, 501, 500, '/bin/busybox', ['cat', '/etc/shadow']),
      c.open(T0 + 3, 501, '/etc/shadow'),
      c.exit(T0 + 4, 501, 0),
      c.fork(T0 + 5, 500, 502),
      c.exec(T0 + 6, 502, 500, '/usr/bin/nc', ['nc', '10.0.0.9', '4444']),
      c.fork(T0 + 6.5, 502, 502_1, true),
      c.connect(T0 + 7, 502, '10.0.0.9', 4444),
      c.exit(T0 + 8, 502, 0, 9),
    ];
    for (const e of evs) rec.record(e);
    const id = rec.onAlert({ uuid: 'u', ts: T0 + 3, rule: 'r', priority: 'Warning', containerId: A, pid: 501 })!;
    rec.sweep();
    const doc = (await rec.get(id))!;
    assert.equal(doc.status, 'complete');
    assert.equal(shape(doc.processes), '1(400(500(501 502)))');
    const [systemd] = doc.processes;
    assert.equal(systemd!.seen, 'ancestry');
    assert.equal(systemd!.exe, '/usr/lib/systemd/systemd');
    assert.equal(systemd!.ppid, undefined);
    const sh = find(doc.processes, 500)[0]!;
    assert.equal(sh.seen, 'window');
    assert.equal(sh.ppid, 400);
    assert.equal(sh.cmdline, 'sh -c while true; do sleep 1; done', 'known from ancestry only');
    const cat = find(doc.processes, 501)[0]!;
    assert.deepEqual(
      { pid: cat.pid, ppid: cat.ppid, name: cat.name, exe: cat.exe, cmdline: cat.cmdline, start: cat.start, execs: cat.execs, exit_code: cat.exit_code, exit_signal: cat.exit_signal, exit_ts: cat.exit_ts },
      { pid: 501, ppid: 500, name: 'busybox', exe: '/bin/busybox', cmdline: 'busybox /etc/shadow', start: T0 + 1, execs: 1, exit_code: 0, exit_signal: 0, exit_ts: T0 + 4 },
    );
    assert.equal(cat.start_ns, 88_123_456_789 + 501);
    const nc = find(doc.processes, 502)[0]!;
    assert.equal(nc.exe, '/usr/bin/nc');
    assert.equal(nc.exit_signal, 9);
    assert.equal(find(doc.processes, 502_1).length, 0, 'a thread is not a process');
    assert.equal(countNodes(doc.processes), 5);
  });

  test('a forked child runs its parent\'s program until it execs', () => {
    const c = new ContainerEvents(A).known(500, 400, 'sh', '/bin/sh', 'sh -i');
    const roots = tree([c.exec(T0, 500, 400, '/bin/sh', ['sh', '-i']), c.fork(T0 + 1, 500, 501)]);
    const child = find(roots, 501)[0]!;
    assert.equal(child.exe, '/bin/sh');
    assert.equal(child.cmdline, 'sh -i');
    assert.equal(child.execs, 0);
  });

  test('a parent the capture never saw: the process is a root that keeps its ppid', () => {
    const c = new ContainerEvents(A);
    const ev = c.exec(T0, 700, 650, '/bin/ls', ['ls']);
    ev.ancestors = [];
    const roots = tree([ev, c.open(T0 + 1, 700, '/etc/hosts')]);
    assert.equal(roots.length, 1);
    assert.equal(roots[0]!.pid, 700);
    assert.equal(roots[0]!.ppid, 650);
    assert.equal(roots[0]!.parent_missing, true);
  });

  test('an orphan reparented by the kernel stays under the process that forked it', () => {
    const c = new ContainerEvents(A).known(1, 0, 'init').known(500, 1, 'sh', '/bin/sh');
    const roots = tree([
      c.fork(T0, 500, 510),
      c.exit(T0 + 1, 500),
      // The kernel handed 510 to init; its exec now reports ppid 1 and its ancestry starts at init.
      { ...c.exec(T0 + 2, 510, 1, '/bin/sleep', ['sleep', '60']), ancestors: [{ pid: 1, name: 'init' }] },
    ]);
    assert.equal(shape(roots), '1(500(510))');
    assert.equal(find(roots, 510)[0]!.ppid, 500);
  });

  test('pid reuse: a pid forked again after its exit is a second process', () => {
    const c = new ContainerEvents(A).known(500, 1, 'sh');
    const roots = tree([
      c.fork(T0, 500, 520),
      c.exec(T0 + 1, 520, 500, '/bin/true', ['true']),
      c.exit(T0 + 2, 520, 0),
      c.fork(T0 + 3, 500, 520),
      c.exec(T0 + 4, 520, 500, '/bin/false', ['false']),
      c.exit(T0 + 5, 520, 1),
    ]);
    const both = find(roots, 520).sort((a, b) => a.start! - b.start!);
    assert.equal(both.length, 2);
    assert.deepEqual(both.map((n) => [n.exe, n.exit_code, n.start]), [['/bin/true', 0, T0], ['/bin/false', 1, T0 + 3]]);
    assert.equal(shape(roots), '500(520 520)');
    assert.equal(roots[0]!.ppid, undefined, 'nothing in the capture names its parent');
  });

  test('inconsistent pids that would form a cycle give a finite tree with every process once', () => {
    const c = new ContainerEvents(A);
    const e1 = c.exec(T0, 10, 11, '/bin/a', ['a']);
    const e2 = c.exec(T0 + 1, 11, 10, '/bin/b', ['b']);
    e1.ancestors = [{ pid: 11, name: 'b' }];
    e2.ancestors = [{ pid: 10, name: 'a' }];
    const roots = tree([e1, e2]);
    assert.equal(countNodes(roots), 2);
    assert.equal(roots.length, 1);
    assert.equal(JSON.parse(JSON.stringify(roots)).length, 1);
    assert.ok(roots[0]!.parent_missing, 'the cut link is marked');
  });

  test(`a fork chain deeper than ${MAX_TREE_DEPTH} is cut into shallow trees that keep every process`, () => {
    const c = new ContainerEvents(A).known(1000, 1, 'sh');
    const evs: VigilEvent[] = [];
    for (let i = 0; i < 600; i++) evs.push(c.fork(T0 + i, 1000 + i, 1001 + i));
    const roots = tree(evs);
    assert.equal(countNodes(roots), 601);
    assert.ok(depth(roots) <= MAX_TREE_DEPTH + 1, `depth ${depth(roots)}`);
    const cut = roots.filter((r) => r.nesting_cut);
    assert.equal(cut.length, 2);
    assert.equal(cut[0]!.ppid, cut[0]!.pid - 1, 'a cut node still names its parent');
  });

  test('a tree of 20 000 entries is built quickly', () => {
    const c = new ContainerEvents(A).known(500, 1, 'sh');
    const evs: VigilEvent[] = [];
    for (let i = 0; i < 5000; i++) {
      const pid = 10_000 + i;
      evs.push(c.fork(T0 + i, 500, pid), c.exec(T0 + i + 0.1, pid, 500, '/bin/true', ['true']), c.open(T0 + i + 0.2, pid, '/etc/ld.so.cache'), c.exit(T0 + i + 0.3, pid));
    }
    const t0 = performance.now();
    const roots = tree(evs);
    const ms = performance.now() - t0;
    assert.equal(find(roots, 500)[0]!.children.length, 5000);
    assert.ok(ms < 500, `${ms.toFixed(1)} ms`);
  });
});
