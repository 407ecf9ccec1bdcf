// A remote peer the network rules can connect to without any traffic leaving this machine: a network
// namespace of our own, joined to the host by a veth pair, holding a documentation address (TEST-NET-2,
// outside every network the default rules allow) and the Kubernetes API service address, with a TCP
// listener on the ports the rules care about. Containers reach it with `--network host`.
//
// Routing is checked before anything is sent: if the kernel would route a peer address anywhere but our
// veth (a half-made setup, an address the host already uses), setup fails instead of leaking traffic.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PeerNetns {
  name: string;
  hostIp: string;
  peerIp: string;
  k8sApiIp: string;
  ports: readonly number[];
  /** Connections the listener accepted, as "ip:port" of the local (listening) side. */
  accepted: string[];
  remove(): void;
}

const PREFIX = 'vigil-peer-';

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces an earlier run of this test left behind (its process is gone): deleting one also deletes its veth pair. */
function removeStale(): void {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of out.split('\n')) {
    const m = new RegExp(`^${PREFIX}(\\d+)\\b`).exec(line);
    if (m && !alive(Number(m[1]))) spawnSync('ip', ['netns', 'delete', `${PREFIX}${m[1]}`], { stdio: 'ignore' });
  }
}

function routeDevice(addr: string): string | undefined {
  const out = spawnSync('ip', ['-o', 'route', 'get', addr], { encoding: 'utf8' }).stdout ?? '';
  return / dev (\S+)/.exec(out)?.[1];
}

// The listener runs inside the namespace: it accepts, says who it is and closes, so clients exit at once.
const LISTENER = `
const net = require('node:net');
for (const port of JSON.parse(process.argv[1])) {
  net.createServer((s) => { console.log('accepted ' + s.localAddress + ':' + s.localPort); s.on('error', () => {}); s.end('vigil-peer\\n'); })
    .listen(port, '0.0.0.0', () => console.log('listening ' + port));
}`;

export async function createPeerNetns(opts: { hostIp: string; peerIp: string; k8sApiIp: string; ports: number[] }): Promise<PeerNetns> {
  removeStale();
  const name = `${PREFIX}${process.pid}`;
  const hostDev = `vglh${process.pid % 10_000_000}`;
  const peerDev = `vglp${process.pid % 10_000_000}`;
  for (const addr of [opts.hostIp, opts.peerIp, opts.k8sApiIp]) {
    const dev = routeDevice(addr);
    const local = (spawnSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' }).stdout ?? '').includes(` ${addr}/`);
    if (local) throw new Error(`${addr} is already an address of this host: the peer namespace would shadow it`);
    if (dev?.startsWith('vglh')) throw new Error(`${addr} is already routed to ${dev}: another peer namespace is up`);
  }
  let listener: ChildProcess | undefined;
  const remove = (): void => {
    if (listener && listener.exitCode === null) listener.kill('SIGKILL');
    // Deleting the namespace destroys the peer end, which takes the host end and its routes with it.
    spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'delete', hostDev], { stdio: 'ignore' });
  };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostDev, 'type', 'veth', 'peer', 'name', peerDev]);
    ip(['link', 'set', peerDev, 'netns', name]);
    ip(['addr', 'add', `${opts.hostIp}/24`, 'dev', hostDev]);
    ip(['link', 'set', hostDev, 'up']);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    ip(['-n', name, 'addr', 'add', `${opts.peerIp}/24`, 'dev', peerDev]);
    ip(['-n', name, 'addr', 'add', `${opts.k8sApiIp}/32`, 'dev', 'lo']);
    ip(['-n', name, 'link', 'set', peerDev, 'up']);
    ip(['-n', name, 'route', 'add', 'default', 'via', opts.hostIp]);
    ip(['route', 'add', `${opts.k8sApiIp}/32`, 'via', opts.peerIp, 'dev', hostDev]);
    for (const addr of [opts.peerIp, opts.k8sApiIp]) {
      const dev = routeDevice(addr);
      if (dev !== hostDev) throw new Error(`${addr} routes via ${dev ?? 'nothing'}, not the peer veth ${hostDev}: refusing to send traffic`);
    }
    const accepted: string[] = [];
    listener = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', LISTENER, JSON.stringify(opts.ports)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    listener.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const listening = new Set<number>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`peer listener did not start within 60 s: ${stderr}`)), 60_000);
      listener!.on('exit', (code) => reject(new Error(`peer listener exited (${code}): ${stderr}`)));
      createInterface({ input: listener!.stdout! }).on('line', (line) => {
        const [what, arg] = line.split(' ');
        if (what === 'accepted' && arg) accepted.push(arg);
        if (what === 'listening' && arg) listening.add(Number(arg));
        if (listening.size === opts.ports.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return { name, hostIp: opts.hostIp, peerIp: opts.peerIp, k8sApiIp: opts.k8sApiIp, ports: opts.ports, accepted, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
