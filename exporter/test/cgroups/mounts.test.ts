// Cgroup layout detection from mountinfo: recorded tables of the three node shapes, and this machine's own
// table verified with statfs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  cgroupDir, cgroupLayoutFromMountinfo, detectCgroupLayout, normalizeCgroupPath, parseMountinfo, statfsCheck,
} from '../../src/cgroups/mounts.js';

const HYBRID = `22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// Debian 12 / Ubuntu 22.04 default: systemd with a pure unified hierarchy (optional fields present).
const PURE_V2 = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

// CentOS 7 style pure v1 with combined controllers.
const PURE_V1 = `24 18 0:19 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
25 24 0:20 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
28 24 0:23 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
30 24 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
31 24 0:26 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,blkio
`;

// Inside a container with its own cgroup namespace view bind-mounted from a sub-tree, plus an escaped space.
const NAMESPACED = `1200 1100 0:26 /kubepods.slice/x.scope /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw
1201 1100 0:26 / /host/sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw
1202 1100 0:40 / /mnt/with\\040space rw - ext4 /dev/sda1 rw
garbage line
`;

const any = () => true;

describe('cgroup mounts', () => {
  test('hybrid: v1 controllers plus the unified hierarchy', () => {
    const l = cgroupLayoutFromMountinfo(HYBRID, any);
    assert.equal(l.mode, 'hybrid');
    assert.equal(l.unified?.mountPoint, '/sys/fs/cgroup/unified');
    assert.equal(l.v1.get('memory')?.mountPoint, '/sys/fs/cgroup/memory');
    assert.equal(l.v1.get('name=systemd')?.mountPoint, '/sys/fs/cgroup/systemd');
    assert.equal(l.v1.has('rw'), false, 'mount flags are not controllers');
  });

  test('pure v2', () => {
    const l = cgroupLayoutFromMountinfo(PURE_V2, any);
    assert.equal(l.mode, 'v2');
    assert.equal(l.unified?.mountPoint, '/sys/fs/cgroup');
    assert.equal(l.v1.size, 0);
  });

  test('pure v1 with combined cpu,cpuacct', () => {
    const l = cgroupLayoutFromMountinfo(PURE_V1, any);
    assert.equal(l.mode, 'v1');
    assert.equal(l.unified, undefined);
    assert.equal(l.v1.get('cpu')?.mountPoint, '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(l.v1.get('cpuacct'), l.v1.get('cpu'));
    assert.deepEqual(l.v1.get('name=systemd')?.controllers, ['name=systemd']);
  });

  test('a whole-hierarchy mount beats a sub-tree bind; escapes and bad lines', () => {
    const l = cgroupLayoutFromMountinfo(NAMESPACED, any);
    assert.equal(l.unified?.mountPoint, '/host/sys/fs/cgroup');
    assert.equal(l.badLines, 1);
    const { entries } = parseMountinfo(NAMESPACED);
    assert.equal(entries.find((e) => e.fsType === 'ext4')?.mountPoint, '/mnt/with space');
  });

  test('mounts that fail the statfs check are rejected', () => {
    const l = cgroupLayoutFromMountinfo(HYBRID, (mp) => mp !== '/sys/fs/cgroup/unified');
    assert.equal(l.mode, 'v1');
    assert.equal(l.rejected, 1);
  });

  test('this machine: detected from /proc/self/mountinfo and confirmed by statfs', () => {
    const layout = detectCgroupLayout();
    const text = readFileSync('/proc/self/mountinfo', 'utf8');
    const expectUnified = / - cgroup2 /.test(text);
    const expectV1 = / - cgroup cgroup [^\n]*\b(memory|cpu|pids)\b/.test(text);
    assert.equal(layout.mode, expectUnified ? (expectV1 ? 'hybrid' : 'v2') : expectV1 ? 'v1' : 'none');
    if (layout.unified) assert.equal(statfsCheck(layout.unified.mountPoint, 'cgroup2'), true);
    for (const m of layout.v1.values()) assert.equal(statfsCheck(m.mountPoint, 'cgroup'), true);
    // A tmpfs is not a cgroup filesystem, whatever its path.
    assert.equal(statfsCheck('/tmp', 'cgroup2'), false);
  });

  test('cgroupDir maps paths into a mount and refuses escapes', () => {
    const m = { mountPoint: '/sys/fs/cgroup/unified', root: '/', fsType: 'cgroup2' as const, controllers: [] };
    assert.equal(cgroupDir(m, '/libpod_parent/libpod-x'), '/sys/fs/cgroup/unified/libpod_parent/libpod-x');
    assert.equal(cgroupDir(m, '/'), '/sys/fs/cgroup/unified');
    assert.equal(cgroupDir(m, '/a/../../etc'), undefined);
    assert.equal(cgroupDir(m, 'relative'), undefined);
    const sub = { ...m, mountPoint: '/sys/fs/cgroup', root: '/kubepods.slice/x.scope' };
    assert.equal(cgroupDir(sub, '/kubepods.slice/x.scope/child'), '/sys/fs/cgroup/child');
    assert.equal(cgroupDir(sub, '/system.slice'), undefined, 'outside the mounted sub-tree');
    assert.equal(normalizeCgroupPath('//a///b/'), '/a/b');
  });
});
