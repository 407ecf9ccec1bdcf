// Per default rule: what a real intruder (or a careless operator) does inside a container to trigger it,
// the nearest benign thing a workload does that must NOT trigger it, what the alert has to say, and how to
// recognise the benign container's telling event on the node (so "no alert" means "seen and judged", not
// "never looked at"). Commands use busybox applets and the vigil-attack helper of the test image.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Alert, Priority } from '../../src/alerts/types.js';
import type { VigilEvent } from '../../src/events/types.js';
import type { ContainerSpec } from './containers.js';
import { APP_UID } from './image.js';

export interface LiveCase {
  rule: string;
  priority: Priority;
  trigger: ContainerSpec;
  /** The alert's telling output fields. */
  check(alert: Alert): void;
  benign: ContainerSpec;
  /** What the benign neighbour's key event looks like, when it leaves the kernel at all. */
  benignEvent?: { what: string; match(ev: VigilEvent): boolean };
}

export interface CaseEnv {
  peerIp: string;
  k8sApiIp: string;
  ports: { miner: number; allowed: number; disallowed: number };
  /** Host directory laid out like the kubelet's projected service-account volume. */
  tokenDir: string;
  hostDisk: { dev: string; fstype: string };
}

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const PYCACHE_FILE = '/usr/lib/python3/dist-packages/__pycache__/vigil.cpython-311.pyc';

const field = (a: Alert, f: string): unknown => a.output_fields[f];
const isOpen = (ev: VigilEvent, path: string | RegExp, who?: string): boolean =>
  ev.type === 'open' && ev.open.res >= 0 && (typeof path === 'string' ? ev.open.path === path : path.test(ev.open.path)) && (who === undefined || ev.proc.name === who);
/** argv[0] compared by its last component: the gate wrapper (containers.ts) runs programs by absolute path. */
const isExec = (ev: VigilEvent, argv: string[]): boolean => {
  const got = ev.type === 'exec' ? ev.proc.argv : undefined;
  const base = (a: readonly string[]): string => JSON.stringify([a[0]?.slice(a[0].lastIndexOf('/') + 1), ...a.slice(1)]);
  return got !== undefined && base(got) === base(argv);
};
const isConnect = (ev: VigilEvent, ip: string, port: number): boolean => ev.type === 'connect' && ev.net.remote?.ip === ip && ev.net.remote.port === port;

/** The block device holding the host's root (or else any disk filesystem), as a privileged container would find it. */
export function hostDisk(): { dev: string; fstype: string } {
  const disks = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs']);
  const rows = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => {
      const [pre, post] = l.split(' - ');
      const [fstype, source] = (post ?? '').split(' ');
      return { mountPoint: pre?.split(' ')[4], fstype: fstype ?? '', source: source ?? '' };
    })
    .filter((r) => r.source.startsWith('/dev/') && disks.has(r.fstype));
  const pick = rows.find((r) => r.mountPoint === '/') ?? rows[0];
  if (!pick) throw new Error('no block-device disk filesystem is mounted on this host: the host-mount case has nothing to mount');
  return { dev: pick.source, fstype: pick.fstype };
}

export function liveCases(env: CaseEnv): LiveCase[] {
  const { peerIp, k8sApiIp, ports } = env;
  const nc = (ip: string, port: number, ...extra: string[]): string[] => ['nc', '-w', '3', ip, String(port), ...extra];
  const changePassword = ['sh', '-c', 'printf "vigil-new-pw\\nvigil-new-pw\\n" | passwd root'];
  return [
    {
      rule: 'Terminal shell in container',
      priority: 'Notice',
      trigger: { terminal: 'container', args: ['sh', '-c', 'tty'] },
      check: (a) => {
        assert.equal(field(a, 'proc.name'), 'sh');
        assert.ok(Number(field(a, 'proc.tty')) > 0, `proc.tty is the pty: ${String(field(a, 'proc.tty'))}`);
      },
      // Launched the same way by a person at a terminal, but without -t: the shell has no tty.
      benign: { terminal: 'client-only', args: ['sh', '-c', 'tty || true'] },
      benignEvent: { what: 'the exec of sh with no tty', match: (ev) => isExec(ev, ['sh', '-c', 'tty || true']) && ev.proc.tty === 0 },
    },
    {
      rule: 'Shell spawned by a non-shell program in container',
      priority: 'Notice',
      // awk's system() runs /bin/sh -c: the shape of a command injection in an interpreter.
      trigger: { args: ['awk', 'BEGIN { exit system("echo spawned by awk") }'] },
      check: (a) => {
        assert.equal(field(a, 'proc.name'), 'sh');
        assert.equal(field(a, 'proc.pname'), 'awk');
        assert.equal(field(a, 'proc.cmdline'), 'sh -c echo spawned by awk');
      },
      // A script calling a script: a shell under a shell.
      // (The outer shell has work left after the inner one, so it forks it instead of exec'ing into it.)
      benign: { args: ['sh', '-c', '/bin/sh -c "echo nested shell"; echo back in the outer shell'] },
      benignEvent: { what: 'the exec of sh under sh', match: (ev) => isExec(ev, ['sh', '-c', 'echo nested shell']) && ev.ancestors?.[0]?.name === 'sh' },
    },
    {
      rule: 'Read sensitive file untrusted',
      priority: 'Warning',
      trigger: { args: ['cat', '/etc/shadow'] },
      check: (a) => {
        assert.equal(field(a, 'fd.name'), '/etc/shadow');
        assert.equal(field(a, 'proc.name'), 'cat');
      },
      // passwd has to read the hashes to change one.
      benign: { args: changePassword },
      benignEvent: { what: 'passwd opening /etc/shadow', match: (ev) => isOpen(ev, '/etc/shadow', 'passwd') },
    },
    {
      rule: 'Read ssh private key untrusted',
      priority: 'Warning',
      trigger: { args: ['cat', '/root/.ssh/id_ed25519'] },
      check: (a) => {
        assert.equal(field(a, 'fd.name'), '/root/.ssh/id_ed25519');
        assert.equal(field(a, 'proc.name'), 'cat');
      },
      benign: { args: ['cat', '/root/.ssh/id_ed25519.pub'] },
      benignEvent: { what: 'cat opening the public key', match: (ev) => isOpen(ev, '/root/.ssh/id_ed25519.pub', 'cat') },
    },
    {
      rule: 'Read Kubernetes service account token by a shell or file tool',
      priority: 'Warning',
      trigger: { flags: ['-v', `${env.tokenDir}:${SA_DIR}:ro`], args: ['cat', `${SA_DIR}/token`] },
      check: (a) => {
        assert.match(String(field(a, 'fd.name')), new RegExp(`^${SA_DIR}/\\.\\.[0-9_.]+/token$`), 'the resolved path of the projected token');
        assert.equal(field(a, 'proc.name'), 'cat');
      },
      // The workload's own client library reads its token all the time.
      benign: { flags: ['-v', `${env.tokenDir}:${SA_DIR}:ro`], args: ['vigil-attack', 'read', `${SA_DIR}/token`] },
      benignEvent: { what: 'the client opening the token', match: (ev) => isOpen(ev, new RegExp(`^${SA_DIR}/.*token$`), 'vigil-attack') },
    },
    {
      rule: 'Write below etc',
      priority: 'Error',
      trigger: { args: ['sh', '-c', 'echo planted > /etc/vigil-planted'] },
      check: (a) => {
        assert.equal(field(a, 'fd.name'), '/etc/vigil-planted');
        assert.equal(field(a, 'proc.name'), 'sh');
      },
      // passwd rewrites /etc/shadow (through /etc/shadow+ and a rename): user management may.
      benign: { args: changePassword },
      benignEvent: { what: 'passwd writing below /etc', match: (ev) => ev.type === 'open' && ev.proc.name === 'passwd' && ev.open.path.startsWith('/etc/') && ev.open.flag_names.some((f) => f === 'O_WRONLY' || f === 'O_RDWR') },
    },
    {
      rule: 'Write below binary dir',
      priority: 'Error',
      trigger: { args: ['cp', '/bin/busybox', '/usr/bin/vigil-dropped'] },
      check: (a) => {
        assert.equal(field(a, 'fd.name'), '/usr/bin/vigil-dropped');
        assert.equal(field(a, 'proc.name'), 'cp');
      },
      // Python writing its bytecode cache below /usr is the ruleset's listed exception.
      benign: { args: ['sh', '-c', `mkdir -p ${PYCACHE_FILE.slice(0, PYCACHE_FILE.lastIndexOf('/'))} && echo bytecode > ${PYCACHE_FILE}`] },
      benignEvent: { what: 'the write of the bytecode cache', match: (ev) => isOpen(ev, PYCACHE_FILE) },
    },
    {
      rule: 'Launch package management process in container',
      priority: 'Error',
      trigger: { args: ['dpkg', '-l'] },
      check: (a) => {
        assert.equal(field(a, 'proc.name'), 'dpkg');
        assert.equal(field(a, 'proc.cmdline'), 'dpkg -l');
      },
      // An inventory agent reading the package database without running a package manager.
      benign: { args: ['cat', '/var/lib/dpkg/status'] },
      benignEvent: { what: 'the exec of cat', match: (ev) => isExec(ev, ['cat', '/var/lib/dpkg/status']) },
    },
    {
      rule: 'Drop and execute new binary in container',
      priority: 'Critical',
      trigger: { args: ['sh', '-c', 'cp /bin/busybox /tmp/busybox && /tmp/busybox true'] },
      check: (a) => {
        assert.equal(field(a, 'proc.exepath'), '/tmp/busybox');
        assert.equal(field(a, 'proc.cmdline'), 'busybox true');
      },
      // The same copy is made, but the program that runs is the image's own.
      benign: { args: ['sh', '-c', 'cp /bin/busybox /tmp/busybox && /bin/busybox true'] },
      benignEvent: { what: 'the exec of the image busybox', match: (ev) => isExec(ev, ['/bin/busybox', 'true']) && ev.type === 'exec' && !ev.exec.upper_layer },
    },
    {
      rule: 'Fileless execution via memfd_create',
      priority: 'Critical',
      trigger: { args: ['vigil-attack', 'memfd-exec', '/bin/busybox', 'busybox', 'true'] },
      check: (a) => {
        // The program is named after the memfd: that is what the kernel shows as its executable.
        assert.equal(field(a, 'proc.exepath'), '/memfd:payload');
        assert.equal(field(a, 'proc.cmdline'), 'memfd:payload true');
      },
      // The payload sits in a memfd as before, but what runs comes from disk.
      benign: { args: ['vigil-attack', 'memfd-load', '/bin/busybox', 'busybox', 'true'] },
      benignEvent: { what: 'the exec of busybox from disk', match: (ev) => isExec(ev, ['busybox', 'true']) && ev.type === 'exec' && !ev.exec.memfd },
    },
    {
      rule: 'Unexpected outbound connection destination',
      priority: 'Notice',
      trigger: { flags: ['--network', 'host'], args: nc(peerIp, ports.disallowed) },
      check: (a) => {
        assert.equal(field(a, 'fd.rport'), ports.disallowed);
        assert.match(String(field(a, 'fd.name')), new RegExp(`->${peerIp.replace(/\./g, '\\.')}:${ports.disallowed}$`));
        assert.equal(field(a, 'proc.name'), 'nc');
      },
      benign: { flags: ['--network', 'host'], args: nc(peerIp, ports.allowed) },
      benignEvent: { what: 'the connect to an allowed port', match: (ev) => isConnect(ev, peerIp, ports.allowed) },
    },
    {
      rule: 'Netcat or socat remote code execution',
      priority: 'Warning',
      trigger: { flags: ['--network', 'host'], args: nc(peerIp, ports.allowed, '-e', '/bin/true') },
      check: (a) => {
        assert.equal(field(a, 'proc.name'), 'nc');
        assert.equal(field(a, 'proc.cmdline'), `nc -w 3 ${peerIp} ${ports.allowed} -e /bin/true`);
      },
      benign: { flags: ['--network', 'host'], args: nc(peerIp, ports.allowed) },
      benignEvent: { what: 'the exec of nc', match: (ev) => isExec(ev, nc(peerIp, ports.allowed)) },
    },
    {
      rule: 'Detect outbound connections to common miner pool ports',
      priority: 'Critical',
      trigger: { flags: ['--network', 'host'], args: nc(peerIp, ports.miner) },
      check: (a) => {
        assert.equal(field(a, 'fd.rport'), ports.miner);
        assert.equal(field(a, 'proc.name'), 'nc');
      },
      benign: { flags: ['--network', 'host'], args: nc(peerIp, ports.allowed) },
      benignEvent: { what: 'the connect to port 443', match: (ev) => isConnect(ev, peerIp, ports.allowed) },
    },
    {
      rule: 'Detect crypto miners using the Stratum protocol',
      priority: 'Critical',
      trigger: { args: ['echo', '-o', `stratum+tcp://${peerIp}:${ports.miner}`, '-u', 'wallet'] },
      check: (a) => {
        assert.equal(field(a, 'proc.cmdline'), `echo -o stratum+tcp://${peerIp}:${ports.miner} -u wallet`);
      },
      benign: { args: ['echo', 'the stratum protocol is documented at', `https://${peerIp}/`] },
      benignEvent: { what: 'the exec of echo', match: (ev) => ev.type === 'exec' && ev.proc.name === 'echo' },
    },
    {
      rule: 'Contact K8S API Server From Container',
      priority: 'Notice',
      // A program calling the in-cluster API address itself, with a non-blocking connect as client
      // libraries do (the rule counts a connect still in progress).
      trigger: { flags: ['--network', 'host'], args: ['vigil-attack', 'connect', k8sApiIp, '443'] },
      check: (a) => {
        assert.equal(field(a, 'fd.rport'), 443);
        assert.match(String(field(a, 'fd.name')), new RegExp(`->${k8sApiIp.replace(/\./g, '\\.')}:443$`));
        assert.equal(field(a, 'proc.name'), 'vigil-attack');
      },
      // The same port on an ordinary server.
      benign: { flags: ['--network', 'host'], args: nc(peerIp, 443) },
      benignEvent: { what: 'the connect to the peer on 443', match: (ev) => isConnect(ev, peerIp, 443) },
    },
    {
      rule: 'Non-root process set its uid to root',
      priority: 'Warning',
      // A non-root user holding CAP_SETUID (a misconfigured capability) becomes root.
      trigger: { flags: ['--user', String(APP_UID), '--cap-add', 'SETUID'], args: ['vigil-attack', 'setuid', '0'] },
      check: (a) => {
        assert.equal(field(a, 'user.uid'), APP_UID);
        assert.equal(field(a, 'proc.name'), 'vigil-attack');
        assert.equal(field(a, 'evt.type'), 'setuid');
      },
      // Root dropping to an unprivileged user, as every daemon does at start-up.
      benign: { args: ['vigil-attack', 'setuid', String(APP_UID)] },
      benignEvent: { what: 'the setuid call', match: (ev) => ev.type === 'setid' && ev.setid.syscall === 'setuid' && ev.setid.res === 0 },
    },
    {
      rule: 'PTRACE attached to process',
      priority: 'Warning',
      trigger: { args: ['sh', '-c', 'sleep 20 & vigil-attack ptrace-attach $!; s=$?; kill $!; exit $s'] },
      check: (a) => {
        assert.equal(field(a, 'evt.arg.request'), 'PTRACE_ATTACH');
        assert.equal(field(a, 'proc.name'), 'vigil-attack');
        assert.ok(Number(field(a, 'evt.arg.pid')) > 0, 'the target pid');
      },
      // A debugger starting its own program: the child asks to be traced.
      benign: { args: ['vigil-attack', 'ptrace-traceme'] },
      benignEvent: { what: 'the PTRACE_TRACEME call', match: (ev) => ev.type === 'ptrace' && ev.ptrace.request_name === 'PTRACE_TRACEME' },
    },
    {
      rule: 'Mount of host filesystem from container',
      priority: 'Warning',
      trigger: { flags: ['--privileged'], args: ['vigil-attack', 'mount-host', env.hostDisk.dev, '/mnt', env.hostDisk.fstype] },
      check: (a) => {
        assert.equal(field(a, 'evt.arg.dev'), env.hostDisk.dev);
        assert.equal(field(a, 'evt.arg.type'), env.hostDisk.fstype);
        assert.equal(field(a, 'evt.arg.dir'), '/mnt');
      },
      // A privileged container mounting scratch space.
      benign: { flags: ['--privileged'], args: ['vigil-attack', 'mount-tmpfs', '/mnt'] },
      benignEvent: { what: 'the tmpfs mount', match: (ev) => ev.type === 'mount' && ev.mount.fstype === 'tmpfs' && ev.mount.target === '/mnt' && ev.mount.res === 0 },
    },
    {
      rule: 'Read or write of process memory or physical memory',
      priority: 'Warning',
      trigger: { args: ['vigil-attack', 'write-mem'] },
      check: (a) => {
        assert.match(String(field(a, 'fd.name')), /^\/proc\/\d+\/mem$/);
        assert.equal(field(a, 'proc.name'), 'vigil-attack');
      },
      benign: { args: ['cat', '/proc/self/status'] },
      benignEvent: { what: 'cat opening its status', match: (ev) => isOpen(ev, /^\/proc\/\d+\/status$/, 'cat') },
    },
    {
      rule: 'Clear log activities',
      priority: 'Warning',
      trigger: { args: ['sh', '-c', ': > /var/log/app.log'] },
      check: (a) => {
        assert.equal(field(a, 'fd.name'), '/var/log/app.log');
        assert.match(String(field(a, 'evt.arg.flags')), /O_TRUNC/);
      },
      // Appending is what loggers do.
      benign: { args: ['sh', '-c', 'echo "app still running" >> /var/log/app.log'] },
      benignEvent: { what: 'the append to the log', match: (ev) => isOpen(ev, '/var/log/app.log') },
    },
    {
      rule: 'Clear shell history',
      priority: 'Warning',
      trigger: { args: ['rm', '-f', '/root/.ash_history'] },
      check: (a) => {
        assert.equal(field(a, 'proc.cmdline'), 'rm -f /root/.ash_history');
      },
      // A shell appending to its history.
      benign: { args: ['sh', '-c', 'echo "ls -l" >> /root/.ash_history'] },
      benignEvent: { what: 'the append to the history', match: (ev) => isOpen(ev, '/root/.ash_history') },
    },
  ];
}
