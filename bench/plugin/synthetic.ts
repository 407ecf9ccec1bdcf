// Synthetic but realistic Loki content for the plugin benchmark, in the docs/loki.md shapes: alert lines are
// Falco-style JSON alerts with Vigil's keys (exporter/src/alerts/types.ts), activity lines are recorder entries
// (exporter/src/recorder/entry.ts) with capture_id first. Deterministic (seeded), so runs compare.

export interface SyntheticContainer {
  namespace: string;
  pod: string;
  container: string;
  image: string;
  id: string;
}

export interface LokiEntry {
  labels: Record<string, string>;
  tsNs: string;
  line: string;
}

const RULES: [string, string, string][] = [
  ['Terminal shell in container', 'Notice', 'A shell was spawned in a container with an attached terminal (user=%u shell=sh parent=runc cmdline=sh -i)'],
  ['Write below etc', 'Error', 'File below /etc opened for writing (file=/etc/%f user=%u command=%c)'],
  ['Read sensitive file untrusted', 'Warning', 'Sensitive file opened for reading by non-trusted program (file=/etc/shadow user=%u command=%c)'],
  ['Drop and execute new binary in container', 'Critical', 'Executing binary not part of base image (proc_exe=/tmp/%f user=%u command=%c)'],
  ['Outbound connection to C2 server', 'Critical', 'Outbound connection to a known C2 address (connection=10.0.%n:443 command=%c)'],
  ['Packet socket created in container', 'Notice', 'Packet socket was created in a container (command=%c)'],
  ['Launch privileged container', 'Informational', 'Privileged container started (image=%i)'],
  ['Shell spawned by a non-shell program in container', 'Warning', 'Shell spawned by untrusted binary (parent=%p command=%c)'],
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function containers(n: number): SyntheticContainer[] {
  const out: SyntheticContainer[] = [];
  for (let i = 0; i < n; i++) {
    const ns = ['web', 'payments', 'batch', 'monitoring'][i % 4]!;
    out.push({
      namespace: ns,
      pod: `${ns}-api-7d9c8b6f5d-${(i * 7919).toString(36).padStart(5, 'x').slice(-5)}`,
      container: ['nginx', 'api', 'worker', 'exporter'][i % 4]!,
      image: `registry.example.com/${ns}/app:1.${i}.0`,
      id: (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, '0').slice(0, 64),
    });
  }
  return out;
}

const nsOf = (ms: number) => (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6))).toString();

/** `count` alerts spread over [fromMs, toMs], round robin over containers and rules. */
export function alerts(count: number, fromMs: number, toMs: number, cs: SyntheticContainer[], node: string, captureFor?: { container: SyntheticContainer; captureId: string }): LokiEntry[] {
  const r = rng(42);
  const out: LokiEntry[] = [];
  for (let i = 0; i < count; i++) {
    const c = cs[i % cs.length]!;
    const [rule, priority, fmt] = RULES[Math.floor(r() * RULES.length)]!;
    const ms = fromMs + ((toMs - fromMs) * i) / count + r();
    const cmd = ['sh -i', 'cat /etc/shadow', 'curl -s http://10.0.3.7/x', 'busybox true', 'python3 -c import socket'][i % 5]!;
    const output = fmt.replace('%u', 'root').replace('%f', `f${i % 97}`).replace(/%c/g, cmd).replace('%n', String(i % 250)).replace('%i', c.image).replace('%p', 'node');
    const time = new Date(ms).toISOString().replace('Z', `${String(i % 1000).padStart(3, '0')}Z`);
    const capture = captureFor && captureFor.container === c ? captureFor.captureId : undefined;
    const line = {
      time,
      rule,
      priority,
      output: `${time.slice(11, 26)}: ${priority} ${output}`,
      output_fields: { 'proc.name': cmd.split(' ')[0], 'proc.cmdline': cmd, 'user.name': 'root', 'container.id': c.id.slice(0, 12), 'proc.pid': 1000 + (i % 5000) },
      tags: ['container', 'mitre_execution'],
      hostname: node,
      source: 'syscall',
      uuid: `0b6f3c52-5d55-4f57-9a39-${i.toString(16).padStart(12, '0')}`,
      ts: ms,
      count: 1,
      ...(capture ? { capture_id: capture } : {}),
      container: { id: c.id, runtime: 'containerd', name: c.container, image: c.image },
      k8s: { ns: c.namespace, pod: c.pod, container: c.container, workload_kind: 'Deployment', workload: c.pod.split('-').slice(0, 2).join('-') },
      event: { type: 'exec', time, pid: 1000 + (i % 5000), ppid: 999, name: cmd.split(' ')[0], exe: '/bin/busybox', cmdline: cmd, uid: 0 },
    };
    out.push({
      labels: { job: 'vigil', node, namespace: c.namespace, pod: c.pod, container: c.container, rule, priority, stream: 'alert' },
      tsNs: nsOf(ms),
      line: JSON.stringify(line),
    });
  }
  return out;
}

/** A capture of `count` recorder entries: a process tree of ~count/25 processes doing opens, connects and exits. */
export function capture(count: number, fromMs: number, toMs: number, c: SyntheticContainer, node: string, captureId: string): LokiEntry[] {
  const r = rng(7);
  const out: LokiEntry[] = [];
  const pids: number[] = [4000];
  const labels = { job: 'vigil', node, namespace: c.namespace, pod: c.pod, container: c.container, stream: 'activity' };
  for (let i = 0; i < count; i++) {
    const ms = fromMs + ((toMs - fromMs) * i) / count;
    const base = { capture_id: captureId, ts: ms };
    const k = r();
    let entry: Record<string, unknown>;
    if (k < 0.04 || pids.length < 3) {
      const ppid = pids[Math.floor(r() * pids.length)]!;
      const pid = 4000 + out.length + 1;
      pids.push(pid);
      const cmd = ['sh -c make', 'cat /etc/passwd', 'curl -s https://example.com', 'python3 app.py', 'ls -la /tmp'][i % 5]!;
      entry = { ...base, type: 'exec', pid, tid: pid, name: cmd.split(' ')[0], uid: 0, ppid, exe: `/usr/bin/${cmd.split(' ')[0]}`, cmdline: cmd, cwd: '/app', euid: 0, loginuid: -1, tty: 0, upper_layer: false, memfd: false };
    } else if (k < 0.07 && pids.length > 3) {
      const pid = pids.splice(1 + Math.floor(r() * (pids.length - 1)), 1)[0]!;
      entry = { ...base, type: 'exit', pid, tid: pid, name: 'sh', uid: 0, code: 0, signal: 0, core_dumped: false };
    } else if (k < 0.2) {
      const pid = pids[Math.floor(r() * pids.length)]!;
      entry = { ...base, type: 'connect', pid, tid: pid, name: 'curl', uid: 0, res: -115, proto: 'tcp', family: 'inet', local: { ip: '10.1.0.5', port: 40000 + (i % 20000) }, remote: { ip: `93.184.${i % 256}.34`, port: 443 } };
    } else {
      const pid = pids[Math.floor(r() * pids.length)]!;
      entry = { ...base, type: 'open', pid, tid: pid, name: 'cat', uid: 0, path: ['/etc/passwd', '/app/config.yaml', `/tmp/build-${i % 300}.o`, '/usr/lib/x86_64-linux-gnu/libc.so.6'][i % 4], res: 3 + (i % 50), flags: i % 7 === 0 ? 577 : 0, write: i % 7 === 0, file_type: 'file' };
    }
    out.push({ labels, tsNs: nsOf(ms), line: JSON.stringify(entry) });
  }
  return out;
}

/** Pushes entries to a Loki push endpoint in batches, grouped per stream and time-sorted (as the sink does). */
export async function pushAll(lokiUrl: string, entries: LokiEntry[]): Promise<void> {
  const BATCH = 2000;
  for (let i = 0; i < entries.length; i += BATCH) {
    const byStream = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
    for (const e of entries.slice(i, i + BATCH)) {
      const key = JSON.stringify(e.labels);
      let s = byStream.get(key);
      if (!s) byStream.set(key, (s = { stream: e.labels, values: [] }));
      s.values.push([e.tsNs, e.line]);
    }
    for (const s of byStream.values()) s.values.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
    const r = await fetch(`${lokiUrl}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ streams: [...byStream.values()] }) });
    if (r.status !== 204) throw new Error(`push: ${r.status} ${await r.text()}`);
  }
}

/** /metrics text for the containers: what vigil node exports per container (docs/metrics.md), for Prometheus. */
export function metricsText(cs: SyntheticContainer[], node: string, startedS: number): string {
  const lines: string[] = [];
  for (const c of cs) {
    const l = `node="${node}",namespace="${c.namespace}",pod="${c.pod}",container="${c.container}"`;
    lines.push(`vigil_container_info{${l},image="${c.image}",image_digest="sha256:${c.id}",runtime="containerd"} 1`);
    lines.push(`vigil_container_start_time_seconds{${l}} ${startedS}`);
    lines.push(`vigil_container_cpu_usage_seconds_total{${l}} ${(Date.now() / 1000 - startedS) * 0.05}`);
    lines.push(`vigil_container_memory_working_set_bytes{${l}} ${50_000_000 + cs.indexOf(c) * 1_000_000}`);
  }
  return `${lines.join('\n')}\n`;
}
