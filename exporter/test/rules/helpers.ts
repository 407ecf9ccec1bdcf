// Shared helpers for the rules tests: load rule text through the real loader and engine, and build events in
// the documented JSON shape (docs/events.md).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic } from '../../src/rules/diagnostics.js';
import { RuleEngine, type EngineOptions } from '../../src/rules/engine.js';
import { hostUserDirectory } from '../../src/rules/fields/users.js';
import { loadRulesSources, type LoadResult } from '../../src/rules/load.js';

export const CID = '5f0c0e4a9b2d4c6e8f1a3b5c7d9e0f21436587a9bcdef0123456789abcdef012';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-users-'));
writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/zsh\nbad line\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n');
writeFileSync(join(dir, 'group'), 'root:x:0:\nalice:x:1000:\ndocker:x:998:alice\n');
/** A real UserDirectory over test passwd/group files. */
export const users = hostUserDirectory(join(dir, 'passwd'), join(dir, 'group'));

export function load(text: string, file = 'test.yaml'): LoadResult {
  return loadRulesSources([{ file, text }]);
}

export function engineFor(text: string, opts: EngineOptions = {}): RuleEngine {
  const r = load(text);
  if (!r.ok) throw new Error(`rules did not load:\n${r.errors.map(formatDiagnostic).join('\n')}`);
  return new RuleEngine(r.ruleset, { users, hostname: 'test-node', ...opts });
}

/** One rule with this condition (and output); fields used by the output must exist. */
export function oneRule(condition: string, extra = '', output = 'matched %proc.name'): string {
  return `- rule: R\n  desc: test\n  condition: ${JSON.stringify(condition)}\n  output: ${JSON.stringify(output)}\n  priority: WARNING\n${extra}`;
}

type Json = Record<string, unknown>;
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b as Json, v as Json) : v;
  }
  return out;
}

const common = (type: string): Json => ({
  type,
  time: '2026-12-03T22:40:01.123456Z',
  ts: 1796337601123.456,
  node: 'node-a',
  cpu: 1,
  cgroup_id: 10424,
  mntns: 4026532801,
  pidns: 4026532804,
  proc: { pid: 31337, tid: 31337, name: 'cat', uid: 0, gid: 0 },
  ancestors: [
    { pid: 31330, name: 'sh', exe: '/bin/busybox', cmdline: 'sh -c cat /etc/hostname' },
    { pid: 31300, name: 'conmon', exe: '/usr/bin/conmon', cmdline: 'conmon --api-version 1' },
  ],
  container: { id: CID, runtime: 'podman', name: 'demo', image: 'localhost/vigil-demo:1', image_digest: 'sha256:9b2a6c' },
});

export function execEvent(over: Json = {}): Json {
  return merge(
    merge(common('exec'), {
      proc: { ppid: 31330, exe: '/bin/busybox', argv: ['cat', '/etc/hostname'], cmdline: 'cat /etc/hostname', cwd: '/', euid: 0, egid: 0, loginuid: -1, tty: 0, start_ns: 88123456789 },
      exec: { filename: '/bin/cat', upper_layer: false, memfd: false, overlay: true, cap_effective: '0xa80425fb', cap_permitted: '0xa80425fb' },
    }),
    over,
  );
}

export function openEvent(over: Json = {}): Json {
  return merge(
    merge(common('open'), {
      open: { syscall: 'openat', path: '/etc/hostname', res: 3, flags: 524288, flag_names: ['O_RDONLY', 'O_CLOEXEC'], mode: 0, file_type: 'file', dev: 44, ino: 1234 },
    }),
    over,
  );
}

export function connectEvent(over: Json = {}): Json {
  return merge(
    merge(common('connect'), {
      proc: { pid: 31340, tid: 31340, name: 'nc' },
      net: { syscall: 'connect', res: 0, fd: 3, family: 'inet', proto: 'tcp', local: { ip: '10.88.0.5', port: 40112 }, remote: { ip: '203.0.113.9', port: 9000 } },
    }),
    over,
  );
}

export function acceptEvent(over: Json = {}): Json {
  return merge(
    merge(common('accept'), {
      proc: { pid: 31341, tid: 31341, name: 'nginx' },
      net: { syscall: 'accept4', res: 7, fd: 5, family: 'inet', proto: 'tcp', local: { ip: '10.88.0.5', port: 80 }, remote: { ip: '198.51.100.4', port: 51515 } },
    }),
    over,
  );
}

export function event(type: string, over: Json = {}): Json {
  return merge(common(type), over);
}

/** Names of the rules the event matches. */
export function fired(engine: RuleEngine, ev: Json): string[] {
  return engine.evaluate(ev).map((m) => m.rule.name);
}

/** Does a one-rule ruleset with this condition match the event? */
export function matches(condition: string, ev: Json, extra = ''): boolean {
  return fired(engineFor(oneRule(condition, extra)), ev).length === 1;
}
