// Cgroup resource stats: fixture hierarchies written in the kernel's real v1 and v2 file formats, and a real
// podman container whose memory and CPU use grow while we watch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupLayout, type CgroupLayout, type CgroupMount } from '../../src/cgroups/mounts.js';
import { CgroupStatsReader } from '../../src/cgroups/stats.js';
import { parseBlkio, parseCpuMax, parseIoStat, parseV1MemoryLimit } from '../../src/cgroups/parse.js';
import { ensureTestImage, podmanUnavailable, removeContainer, runContainer } from '../containers/helpers/podman.js';

const CG = '/kubepods/burstable/pod3c1d6e2a-9b4f-4d8e-a1c2-7f6e5d4c3b2a/' + 'ab'.repeat(32);

function mount(mountPoint: string, fsType: 'cgroup' | 'cgroup2', controllers: string[] = []): CgroupMount {
  return { mountPoint, root: '/', fsType, controllers };
}

function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

// Contents as a 6.x kernel prints them for a cgroup with the cpu, memory, io and pids controllers enabled.
const V2_FILES = {
  'cpu.stat': 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnice_usec 0\ncore_sched.force_idle_usec 0\nnr_periods 120\nnr_throttled 30\nthrottled_usec 1500000\nnr_bursts 0\nburst_usec 0\n',
  'cpu.max': '50000 100000\n',
  'memory.current': '104857600\n',
  'memory.stat': 'anon 62914560\nfile 41943040\nkernel 1048576\nactive_anon 60000000\ninactive_anon 2914560\nactive_file 20971520\ninactive_file 20971520\nunevictable 0\n',
  'memory.max': '268435456\n',
  'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n',
  'io.stat': '8:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=0 dios=0\n253:0 rbytes=1048576 wbytes=0 rios=5 wios=0 dbytes=0 dios=0\n',
  'pids.current': '7\n',
  'pids.max': 'max\n',
};

describe('cgroup stats: file formats', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'vigil-cgstats-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('pure v2: every value in base units', async () => {
    const m = join(root, 'v2');
    writeFiles(join(m, CG), V2_FILES);
    const reader = new CgroupStatsReader({ mode: 'v2', unified: mount(m, 'cgroup2'), v1: new Map() });
    const s = await reader.read(CG);
    assert.deepEqual(s, {
      cpuUsageSeconds: 2.5, cpuUserSeconds: 2, cpuSystemSeconds: 0.5, cpuPeriods: 120, cpuThrottledPeriods: 30,
      cpuThrottledSeconds: 1.5, cpuQuotaSeconds: 0.05, cpuPeriodSeconds: 0.1, cpuLimitCores: 0.5,
      memoryUsageBytes: 104857600, memoryAnonBytes: 62914560, memoryFileBytes: 41943040,
      memoryInactiveFileBytes: 20971520, memoryWorkingSetBytes: 104857600 - 20971520, memoryLimitBytes: 268435456,
      memoryOomKills: 1, ioReadBytes: 2097152, ioWriteBytes: 2097152, ioReadOps: 15, ioWriteOps: 20,
      pidsCurrent: 7, pidsLimit: null,
    });
    assert.equal(reader.stats().filesMissing, 0);
  });

  test('v2 without limits and without the cpu controller', async () => {
    const m = join(root, 'v2b');
    writeFiles(join(m, CG), {
      'cpu.stat': 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\n',
      'cpu.max': 'max 100000\n',
      'memory.max': 'max\n',
      'io.stat': '',
    });
    const s = await new CgroupStatsReader({ mode: 'v2', unified: mount(m, 'cgroup2'), v1: new Map() }).read(CG);
    assert.equal(s.cpuUsageSeconds, 0.001);
    assert.equal(s.cpuThrottledPeriods, undefined, 'no cpu controller: no throttling figures, not zero');
    assert.equal(s.cpuQuotaSeconds, null);
    assert.equal(s.cpuLimitCores, null);
    assert.equal(s.memoryLimitBytes, null);
    assert.equal(s.memoryUsageBytes, undefined, 'memory.current missing: absent');
    assert.equal(s.memoryWorkingSetBytes, undefined);
    assert.equal(s.ioReadBytes, 0, 'an empty io.stat means no I/O yet');
  });

  test('pure v1: controller hierarchies, ns and USER_HZ units, the huge default limit', async () => {
    const base = join(root, 'v1');
    const cpu = join(base, 'cpu,cpuacct');
    const layout: CgroupLayout = {
      mode: 'v1',
      v1: new Map([
        ['cpu', mount(cpu, 'cgroup', ['cpu', 'cpuacct'])],
        ['cpuacct', mount(cpu, 'cgroup', ['cpu', 'cpuacct'])],
        ['memory', mount(join(base, 'memory'), 'cgroup', ['memory'])],
        ['blkio', mount(join(base, 'blkio'), 'cgroup', ['blkio'])],
        ['pids', mount(join(base, 'pids'), 'cgroup', ['pids'])],
      ]),
    };
    writeFiles(join(cpu, CG), {
      'cpuacct.usage': '3500000000\n',
      'cpuacct.stat': 'user 250\nsystem 100\n',
      'cpu.stat': 'nr_periods 200\nnr_throttled 50\nthrottled_time 2500000000\n',
      'cpu.cfs_quota_us': '-1\n',
      'cpu.cfs_period_us': '100000\n',
    });
    writeFiles(join(base, 'memory', CG), {
      'memory.usage_in_bytes': '52428800\n',
      'memory.stat': 'cache 10485760\nrss 31457280\ninactive_file 4194304\ntotal_cache 10485760\ntotal_rss 31457280\ntotal_inactive_file 5242880\n',
      'memory.limit_in_bytes': '9223372036854771712\n',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    });
    writeFiles(join(base, 'blkio', CG), {
      'blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 12288\n8:16 Read 4096\n8:16 Write 0\n8:16 Total 4096\nTotal 16384\n',
      'blkio.throttle.io_serviced_recursive': '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\n8:16 Read 1\n8:16 Write 0\n8:16 Total 1\nTotal 4\n',
    });
    writeFiles(join(base, 'pids', CG), { 'pids.current': '3\n', 'pids.max': '100\n' });
    const s = await new CgroupStatsReader(layout).read(CG);
    assert.deepEqual(s, {
      cpuUsageSeconds: 3.5, cpuUserSeconds: 2.5, cpuSystemSeconds: 1, cpuPeriods: 200, cpuThrottledPeriods: 50,
      cpuThrottledSeconds: 2.5, cpuQuotaSeconds: null, cpuPeriodSeconds: 0.1, cpuLimitCores: null,
      memoryUsageBytes: 52428800, memoryAnonBytes: 31457280, memoryFileBytes: 10485760,
      memoryInactiveFileBytes: 5242880, memoryWorkingSetBytes: 52428800 - 5242880, memoryLimitBytes: null,
      memoryOomKills: 2, ioReadBytes: 8192, ioWriteBytes: 8192, ioReadOps: 2, ioWriteOps: 2,
      pidsCurrent: 3, pidsLimit: 100,
    });
  });

  test('hybrid: v1 controllers win, v2 core files fill in what v1 lacks', async () => {
    const base = join(root, 'hybrid');
    const layout: CgroupLayout = {
      mode: 'hybrid',
      unified: mount(join(base, 'unified'), 'cgroup2'),
      v1: new Map([['memory', mount(join(base, 'memory'), 'cgroup', ['memory'])]]),
    };
    writeFiles(join(base, 'unified', CG), { 'cpu.stat': 'usage_usec 750000\nuser_usec 500000\nsystem_usec 250000\n' });
    writeFiles(join(base, 'memory', CG), {
      'memory.usage_in_bytes': '1000\n',
      'memory.stat': 'total_inactive_file 200\ntotal_rss 800\ntotal_cache 200\n',
      'memory.limit_in_bytes': '4096\n',
    });
    const s = await new CgroupStatsReader(layout).read(CG);
    assert.equal(s.cpuUsageSeconds, 0.75, 'no cpuacct hierarchy: v2 cpu.stat answers');
    assert.equal(s.memoryUsageBytes, 1000);
    assert.equal(s.memoryWorkingSetBytes, 800);
    assert.equal(s.memoryLimitBytes, 4096);
    assert.equal(s.pidsCurrent, undefined);
  });

  test('missing, unreadable and malformed files leave values absent and are counted', async () => {
    const m = join(root, 'bad');
    writeFiles(join(m, CG), {
      'cpu.stat': 'garbage\n',
      'memory.max': 'lots\n',
      'pids.current': '-1\n',
    });
    mkdirSync(join(m, CG, 'memory.current')); // EISDIR: unreadable
    const reader = new CgroupStatsReader({ mode: 'v2', unified: mount(m, 'cgroup2'), v1: new Map() });
    const s = await reader.read(CG);
    assert.deepEqual(s, {});
    const c = reader.stats();
    assert.equal(c.filesUnreadable, 1);
    assert.ok(c.parseErrors >= 3, `parseErrors ${c.parseErrors}`);
    assert.ok(c.filesMissing >= 4, `filesMissing ${c.filesMissing}`);
    assert.deepEqual(await reader.read('/no/such/cgroup'), {});
    assert.deepEqual(await reader.read('/../../etc'), {});
    assert.equal(reader.stats().invalidPaths, 1);
  });

  test('an oversized interface file is not trusted', async () => {
    const m = join(root, 'big');
    writeFiles(join(m, CG), { 'io.stat': '8:0 rbytes=1 wbytes=1 rios=1 wios=1\n'.repeat(2000) });
    const reader = new CgroupStatsReader({ mode: 'v2', unified: mount(m, 'cgroup2'), v1: new Map() }, { maxFileBytes: 4096 });
    const s = await reader.read(CG);
    assert.equal(s.ioReadBytes, undefined);
    assert.equal(reader.stats().filesTooLarge, 1);
  });

  test('parsers reject what is not their format', () => {
    assert.equal(parseCpuMax('100000'), undefined);
    assert.equal(parseCpuMax('max 0'), undefined);
    assert.equal(parseIoStat('not io stat'), undefined);
    assert.equal(parseBlkio('8:0 Read x'), undefined);
    assert.equal(parseV1MemoryLimit('9223372036854771712'), null);
    assert.equal(parseV1MemoryLimit('1073741824'), 1073741824);
  });
});

describe('cgroup stats: a real podman container', async () => {
  const skip = await podmanUnavailable();
  let id = '';
  after(async () => {
    if (id) await removeContainer(id);
  });

  test('limits are read and memory and CPU grow as the container works', { skip, timeout: 60_000 }, async () => {
    await ensureTestImage();
    // Sleeps first so the baseline is read before the work; allocates 20 MB in the shell, then burns CPU under a
    // 0.5-CPU quota (so it is throttled). The trailing command stops busybox from exec'ing `sleep` (which would
    // drop the shell's memory).
    const c = await runContainer(
      ['sh', '-c', 'sleep 1; x=$(head -c 20000000 /dev/zero | tr "\\0" a); i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 30; echo ${#x}'],
      { extra: ['--memory', '256m', '--cpus', '0.5', '--pids-limit', '100'] },
    );
    id = c.id;
    const reader = new CgroupStatsReader(detectCgroupLayout());
    const before = await reader.read(c.cgroupPath);
    assert.equal(before.memoryLimitBytes, 256 * 1024 * 1024);
    assert.equal(before.cpuLimitCores, 0.5);
    assert.equal(before.pidsLimit, 100);
    assert.ok((before.pidsCurrent ?? 0) >= 1);
    assert.ok(before.memoryUsageBytes !== undefined && before.memoryUsageBytes < 15e6, `baseline ${before.memoryUsageBytes}`);
    assert.ok(before.cpuUsageSeconds !== undefined);

    let now = before;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      now = await reader.read(c.cgroupPath);
      if ((now.memoryUsageBytes ?? 0) > before.memoryUsageBytes + 18e6 && (now.cpuUsageSeconds ?? 0) > (before.cpuUsageSeconds ?? 0) + 0.3) break;
    }
    assert.ok((now.memoryUsageBytes ?? 0) > before.memoryUsageBytes + 18e6, `memory ${before.memoryUsageBytes} -> ${now.memoryUsageBytes}`);
    assert.ok((now.memoryWorkingSetBytes ?? 0) > 18e6, `working set ${now.memoryWorkingSetBytes}`);
    assert.ok((now.memoryAnonBytes ?? 0) > 18e6, `anon ${now.memoryAnonBytes}`);
    assert.ok((now.cpuUsageSeconds ?? 0) > (before.cpuUsageSeconds ?? 0) + 0.3, `cpu ${before.cpuUsageSeconds} -> ${now.cpuUsageSeconds}`);
    assert.ok((now.cpuThrottledPeriods ?? 0) > 0, 'a busy loop under a 0.5 CPU quota is throttled');
    assert.equal(now.memoryOomKills, 0);
  });
});
