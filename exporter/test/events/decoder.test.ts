import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, isoMicros } from '../../src/events/decoder.js';
import { FrameReader } from '../../src/events/frames.js';
import { CONSTANTS as C } from '../../src/events/layout.js';
import { frame, record } from './encode-fixture.js';

const clock = { realtimeOffsetMs: 1_764_800_000_000 };
const decode = (b: Buffer) => decodeRecord(b, 0, b.length, clock);

describe('decodeRecord', () => {
  test('exec carries process, argv, cwd, flags and wall time', () => {
    const argv = 'cat\0/etc/hostname\0';
    const b = record(
      'vigil_exec',
      { type: C.VIGIL_EV_EXEC, pid: 4242, tid: 4242, uid: 1000, gid: 1000, comm: 'cat', ts_ns: 2_500_000_123, cgroup_id: 9876, cpu: 1 },
      {
        ppid: 1, loginuid: 0xffffffff, euid: 0, egid: 0, tty: (136 << 20) | 3, flags: C.VIGIL_EXEC_UPPER_LAYER | C.VIGIL_EXEC_OVERLAY,
        cap_effective: 0x1ffffffffffn, cap_permitted: 0x1ffffffffffn, start_ns: 2_000_000_000,
        exe_len: 8, filename_len: 8, argv_len: Buffer.byteLength(argv), cwd_len: 5, env_len: 0,
      },
      ['/bin/cat', '/bin/cat', argv, '/root'],
    );
    const r = decode(b);
    assert.equal(r.kind, 'event');
    if (r.kind !== 'event' || r.event.type !== 'exec') return;
    const ev = r.event;
    assert.equal(ev.proc.pid, 4242);
    assert.equal(ev.proc.ppid, 1);
    assert.equal(ev.proc.exe, '/bin/cat');
    assert.deepEqual(ev.proc.argv, ['cat', '/etc/hostname']);
    assert.equal(ev.proc.cmdline, 'cat /etc/hostname');
    assert.equal(ev.proc.cwd, '/root');
    assert.equal(ev.proc.loginuid, -1);
    assert.equal(ev.proc.tty, (136 << 20) | 3);
    assert.equal(ev.exec.upper_layer, true);
    assert.equal(ev.exec.memfd, false);
    assert.equal(ev.exec.overlay, true);
    assert.equal(ev.exec.cap_effective, '0x1ffffffffff');
    assert.equal(ev.cgroup_id, 9876);
    assert.equal(ev.cpu, 1);
    assert.equal(ev.ts, clock.realtimeOffsetMs + 2500.000123);
    assert.equal(ev.time, isoMicros(ev.ts));
    assert.match(ev.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('an exec through /proc/self/exe (busybox applets) is named after argv[0]', () => {
    const argv = 'dpkg\0-l\0';
    const b = record('vigil_exec', { type: C.VIGIL_EV_EXEC, comm: 'exe' }, {
      exe_len: 12, filename_len: 14, argv_len: Buffer.byteLength(argv), cwd_len: 1,
    }, ['/bin/busybox', '/proc/self/exe', argv, '/']);
    const r = decode(b);
    assert.ok(r.kind === 'event' && r.event.type === 'exec');
    assert.equal(r.event.proc.name, 'dpkg');
    assert.equal(r.event.proc.cmdline, 'dpkg -l');
  });

  test('open decodes negative results, flags and file type', () => {
    const b = record('vigil_open', { type: C.VIGIL_EV_OPEN }, {
      res: -2, flags: 0o1101, mode: 0o644, syscall: C.VIGIL_OPEN_OPENAT, i_mode: 0, dev: 0, ino: 0, path_len: 10,
    }, ['/etc/shado']);
    const r = decode(b);
    assert.ok(r.kind === 'event' && r.event.type === 'open');
    assert.equal(r.event.open.res, -2);
    assert.equal(r.event.open.path, '/etc/shado');
    assert.deepEqual(r.event.open.flag_names, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
    assert.equal(r.event.open.file_type, 'unknown');
    const ok = decode(record('vigil_open', { type: C.VIGIL_EV_OPEN }, { res: 3, syscall: C.VIGIL_OPEN_OPENAT, i_mode: 0o100644, path_len: 4, ino: 2 ** 40 + 5 }, ['/etc']));
    assert.ok(ok.kind === 'event' && ok.event.type === 'open');
    assert.equal(ok.event.open.file_type, 'file');
    assert.equal(ok.event.open.ino, 2 ** 40 + 5);
  });

  test('connect formats IPv4 and IPv6 endpoints', () => {
    const v4 = Buffer.alloc(16);
    v4.set([10, 1, 2, 3]);
    const local4 = Buffer.alloc(16);
    local4.set([127, 0, 0, 1]);
    const r = decode(record('vigil_sock', { type: C.VIGIL_EV_CONNECT }, {
      res: -115, syscall: C.VIGIL_SOCK_CONNECT, fd: 3, family: 2, sock_type: 1, protocol: 6, sport: 40000, dport: 443, saddr: local4, daddr: v4,
    }));
    assert.ok(r.kind === 'event' && r.event.type === 'connect');
    assert.deepEqual(r.event.net.remote, { ip: '10.1.2.3', port: 443 });
    assert.deepEqual(r.event.net.local, { ip: '127.0.0.1', port: 40000 });
    assert.equal(r.event.net.proto, 'tcp');
    assert.equal(r.event.net.res, -115);
    const v6 = Buffer.from('20010db8000000000000000000000001', 'hex');
    const r6 = decode(record('vigil_sock', { type: C.VIGIL_EV_ACCEPT }, { res: 5, syscall: C.VIGIL_SOCK_ACCEPT4, family: 10, sock_type: 1, protocol: 0, daddr: v6 }));
    assert.ok(r6.kind === 'event' && r6.event.type === 'accept');
    assert.equal(r6.event.net.remote?.ip, '2001:db8::1');
    assert.equal(r6.event.net.local?.ip, '::');
    assert.equal(r6.event.net.proto, 'tcp', 'falls back to the socket type when sk_protocol is 0');
    assert.equal(r6.event.net.syscall, 'accept4');
  });

  test('setid, ptrace, mount, module, fork and exit', () => {
    const s = decode(record('vigil_setid', { type: C.VIGIL_EV_SETID, uid: 1000 }, { res: 0, syscall: C.VIGIL_SETID_SETRESUID, id0: 0, id1: 0xffffffff, id2: 0, euid_before: 1000 }));
    assert.ok(s.kind === 'event' && s.event.type === 'setid');
    assert.deepEqual(s.event.setid, { syscall: 'setresuid', res: 0, ids: [0, -1, 0], euid_before: 1000 });
    const p = decode(record('vigil_ptrace', { type: C.VIGIL_EV_PTRACE }, { res: 0, request: 16, target_pid: 77 }));
    assert.ok(p.kind === 'event' && p.event.type === 'ptrace');
    assert.equal(p.event.ptrace.request_name, 'PTRACE_ATTACH');
    const m = decode(record('vigil_mount', { type: C.VIGIL_EV_MOUNT }, { res: 0, flags: 4096, source_len: 1, target_len: 4, fstype_len: 4 }, ['/', '/mnt', 'none']));
    assert.ok(m.kind === 'event' && m.event.type === 'mount');
    assert.deepEqual(m.event.mount, { res: 0, source: '/', target: '/mnt', fstype: 'none', flags: 4096 });
    const mod = decode(record('vigil_module', { type: C.VIGIL_EV_MODULE }, { res: -1, syscall: C.VIGIL_MODULE_FINIT, fd: 4, args_len: 0 }));
    assert.ok(mod.kind === 'event' && mod.event.type === 'module');
    assert.equal(mod.event.module.syscall, 'finit_module');
    const f = decode(record('vigil_fork', { type: C.VIGIL_EV_FORK, pid: 10 }, { child_pid: 11, child_tid: 11, clone_flags_thread: 0 }));
    assert.ok(f.kind === 'event' && f.event.type === 'fork');
    assert.deepEqual(f.event.fork, { child_pid: 11, child_tid: 11, thread: false });
    const e = decode(record('vigil_exit', { type: C.VIGIL_EV_EXIT, flags: C.VIGIL_F_TRUNCATED }, { exit_code: 3, signal: 0, core_dumped: 0 }));
    assert.ok(e.kind === 'event' && e.event.type === 'exit');
    assert.equal(e.event.exit.code, 3);
    assert.equal(e.event.truncated, true);
  });

  test('loader messages: hello, counters, stats, log', () => {
    const json = JSON.stringify({ hooks: { sys_enter: 'tp_btf', fentry: 'unavailable' }, kernel: '6.18' });
    const h = decode(record('vigil_msg_hello', { type: C.VIGIL_MSG_HELLO }, { abi_version: 1, ncpu: 2, realtime_offset_ns: 1_764_800_000_000_000_000n, json_len: json.length }, [json]));
    assert.ok(h.kind === 'hello');
    assert.equal(h.hello.ncpu, 2);
    assert.equal(h.hello.info.hooks?.fentry, 'unavailable');
    assert.ok(Math.abs(h.hello.realtime_offset_ns - 1.7648e18) < 1e3);

    const entry = Buffer.alloc(104);
    entry.writeBigUInt64LE(555n, 0);
    entry.writeBigUInt64LE(12n, 8); // syscalls
    entry.writeBigUInt64LE(2n ** 40n, 8 + 80); // oncpu_ns
    const cnt = record('vigil_msg_counters', { type: C.VIGIL_MSG_COUNTERS }, { count: 1 }, []);
    const cbuf = Buffer.concat([cnt, entry]);
    cbuf.writeUInt32LE(cbuf.length, 20);
    const c = decode(cbuf);
    assert.ok(c.kind === 'counters');
    assert.equal(c.counters[0]?.cgroup_id, 555);
    assert.equal(c.counters[0]?.syscalls, 12);
    assert.equal(c.counters[0]?.oncpu_ns, 2 ** 40);

    const ntypes = C.VIGIL_EV_TYPE_COUNT;
    const st = Buffer.alloc(2 * ntypes * 24);
    st.writeBigUInt64LE(9n, (1 * ntypes + 4) * 24 + 8); // cpu 1, open, dropped
    const sbuf = Buffer.concat([record('vigil_msg_stats', { type: C.VIGIL_MSG_STATS }, { ncpu: 2, ntypes }), st]);
    sbuf.writeUInt32LE(sbuf.length, 20);
    const s = decode(sbuf);
    assert.ok(s.kind === 'stats');
    assert.equal(s.stats.length, 2 * (ntypes - 1));
    assert.deepEqual(s.stats.find((x) => x.cpu === 1 && x.type === 'open'), { cpu: 1, type: 'open', emitted: 0, dropped: 9, filtered: 0 });

    const l = decode(record('vigil_msg_log', { type: C.VIGIL_MSG_LOG }, { level: 3, text_len: 8 }, ['error x!']));
    assert.deepEqual(l, { kind: 'log', log: { level: 'error', text: 'error x!' } });
  });

  test('malformed records are reported with a reason, never thrown', () => {
    assert.deepEqual(decode(Buffer.alloc(10)), { kind: 'malformed', reason: 'short', type: 0 });
    const wrongSize = record('vigil_fork', { type: C.VIGIL_EV_FORK }, {});
    wrongSize.writeUInt32LE(999, 20);
    assert.equal((decode(wrongSize) as { reason: string }).reason, 'size_mismatch');
    assert.equal((decode(record('vigil_fork', { type: 77 }, {})) as { reason: string }).reason, 'unknown_type');
    const overflow = record('vigil_open', { type: C.VIGIL_EV_OPEN }, { path_len: 500 }, ['/x']);
    assert.equal((decode(overflow) as { reason: string }).reason, 'string_overflow');
    const badJson = record('vigil_msg_hello', { type: C.VIGIL_MSG_HELLO }, { json_len: 3 }, ['{x}']);
    assert.equal((decode(badJson) as { reason: string }).reason, 'bad_json');
    const truncatedExec = record('vigil_exit', { type: C.VIGIL_EV_EXEC }, {});
    assert.equal((decode(truncatedExec) as { reason: string }).reason, 'short');
    // Random garbage of every length never throws.
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const len = 72 + (i % 200);
      const g = Buffer.alloc(len);
      for (let j = 0; j < len; j++) g[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      g.writeUInt32LE(1 + (i % 12), 16);
      g.writeUInt32LE(len, 20);
      assert.doesNotThrow(() => decode(g));
    }
  });
});

describe('FrameReader', () => {
  test('splits frames across arbitrary chunk boundaries', () => {
    const recs = [1, 2, 3].map((pid) => record('vigil_fork', { type: C.VIGIL_EV_FORK, pid }, { child_pid: pid + 100 }));
    const stream = Buffer.concat(recs.map(frame));
    for (const chunkSize of [1, 3, 7, 50, stream.length]) {
      const pids: number[] = [];
      const reader = new FrameReader((b, s, e) => {
        const r = decodeRecord(b, s, e, clock);
        if (r.kind === 'event') pids.push(r.event.proc.pid);
      }, () => assert.fail('no desync'));
      for (let i = 0; i < stream.length; i += chunkSize) reader.push(stream.subarray(i, i + chunkSize));
      assert.deepEqual(pids, [1, 2, 3], `chunk size ${chunkSize}`);
      assert.equal(reader.buffered, 0);
    }
  });

  test('an impossible length reports a desync and stops reading', () => {
    let desync = -1;
    let frames = 0;
    const reader = new FrameReader(() => frames++, (len) => (desync = len));
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(5, 0);
    reader.push(bad);
    reader.push(frame(record('vigil_fork', { type: C.VIGIL_EV_FORK }, {})));
    assert.equal(desync, 5);
    assert.equal(frames, 0);
    assert.equal(reader.desynchronized, true);
  });
});
