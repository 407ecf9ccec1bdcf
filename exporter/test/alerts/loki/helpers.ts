// Realistic alerts and activity records for the Loki sink tests, and a sink configuration pointing at a
// stand-in with a fresh spool directory.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Alert } from '../../../src/alerts/types.js';
import { LokiConfigSchema, type LokiConfig, type LokiConfigInput } from '../../../src/alerts/loki/config.js';

/** RFC 3339 with nine fraction digits, microseconds real (as the rules engine writes alert.time). */
export function falcoTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // ...sss Z
  const micros = Math.round((ms - Math.floor(ms)) * 1000);
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}000Z`;
}

export interface AlertOptions {
  rule?: string;
  priority?: Alert['priority'];
  ms?: number;
  ns?: string;
  pod?: string;
  container?: string;
  host?: boolean;
}

export function makeAlert(i: number, o: AlertOptions = {}): Alert {
  const ms = o.ms ?? Date.now();
  const rule = o.rule ?? 'Terminal shell in container';
  const id = 'c0ffee'.padEnd(64, String(i % 10));
  const base: Alert = {
    time: falcoTime(ms),
    rule,
    priority: o.priority ?? 'Notice',
    output: `A shell was spawned in a container with an attached terminal (user=root shell=sh parent=runc cmdline=sh -i seq=${i})`,
    output_fields: { 'proc.name': 'sh', 'proc.cmdline': 'sh -i', 'user.name': 'root', 'container.id': id.slice(0, 12), seq: i },
    tags: ['container', 'shell', 'mitre_execution'],
    hostname: 'node-a',
    source: 'syscall',
    uuid: randomUUID(),
    ts: ms,
    count: 1,
  };
  if (o.host) return { ...base, container: { id: 'host', runtime: 'host' } };
  return {
    ...base,
    container: { id, runtime: 'containerd', name: o.container ?? 'nginx', image: 'docker.io/library/nginx:1.25.3' },
    k8s: { ns: o.ns ?? 'web', pod: o.pod ?? 'frontend-7d9c8b6f5d-x2x7k', container: o.container ?? 'nginx', workload_kind: 'Deployment', workload: 'frontend' },
  };
}

/** The `seq` output field of an alert line: which alert of a test sequence it is. */
export function seqOf(line: string): number {
  return (JSON.parse(line) as { output_fields: { seq: number } }).output_fields.seq;
}

export function spoolDir(name = 'spool'): string {
  return join(mkdtempSync(join(tmpdir(), 'vigil-loki-')), name);
}

export function testConfig(url: string, over: LokiConfigInput = {}): LokiConfig {
  return LokiConfigSchema.parse({
    url,
    spoolDir: spoolDir(),
    batchMaxWaitMs: 50,
    backoffMinMs: 20,
    backoffMaxMs: 200,
    timeoutMs: 2000,
    closeTimeoutMs: 2000,
    ...over,
  });
}
