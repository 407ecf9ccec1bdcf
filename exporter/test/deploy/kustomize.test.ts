// deploy/kubernetes as `kubectl kustomize` renders it: the base, every component, and the example overlay.
// Every object round-trips through @kubernetes/client-node's typed models (a misspelt or misplaced field is
// dropped by the model and shows up as a difference); the monitors are checked against their documented
// fields; the shipped node and scanner configuration loads with the real loaders and names only paths the pods
// mount; the rules load with the real rules loader; RBAC grants exactly what the code's API calls need, no write
// verbs, and never lists secrets.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import type {
  V1ClusterRole, V1ConfigMap, V1Container, V1DaemonSet, V1Deployment, V1EnvVar, V1PodSpec, V1Role, V1Secret,
} from '@kubernetes/client-node';
import { envVariableNames, loadNodeConfig } from '../../src/config/node-config.js';
import { loadScannerConfig, scannerEnvVariableNames } from '../../src/scanner/service/config.js';
import { loadRulesFiles } from '../../src/rules/index.js';
import { REPO, toolSkipReason } from './tools.js';

const skip = toolSkipReason('kubectl', ['version', '--client']);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

/** Where the image puts the default ruleset (Dockerfile: WORKDIR /opt/vigil, COPY exporter/rules/). */
const IMAGE_RULES = '/opt/vigil/exporter/rules/vigil_rules.yaml';
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
const READ_VERBS = new Set(['get', 'list', 'watch']);

let work = '';

/**
 * The Kubernetes API calls exporter/src makes (@kubernetes/client-node method names) and the grant each needs.
 * listPodForAllNamespaces runs inside a ListWatch informer, so it lists and watches.
 */
const API_CALL_GRANTS: Record<string, { group: string; resource: string; verbs: string[] }> = {
  listPodForAllNamespaces: { group: '', resource: 'pods', verbs: ['list', 'watch'] },
  readNamespacedReplicaSet: { group: 'apps', resource: 'replicasets', verbs: ['get'] },
  readNamespacedJob: { group: 'batch', resource: 'jobs', verbs: ['get'] },
  readNamespacedSecret: { group: '', resource: 'secrets', verbs: ['get'] },
};

/** What each ClusterRole must grant, exactly: the calls of the code that runs under it, nothing more. */
const ROLE_CALLS: Record<string, string[]> = {
  // containers/kubernetes-pods.ts (owner lookups) with containers/supervised-informer.ts supervisePods (the node's pod informer).
  'vigil-node': ['listPodForAllNamespaces', 'readNamespacedReplicaSet', 'readNamespacedJob'],
  // scanner/service/discovery/kubernetes-images.ts (supervisePods, the node's owner lookup).
  'vigil-scanner': ['listPodForAllNamespaces', 'readNamespacedReplicaSet', 'readNamespacedJob'],
  // scanner/service/discovery/pull-secrets.ts, bound only where an overlay says so.
  'vigil-scanner-pull-secrets': ['readNamespacedSecret'],
};

/** "group/resource verb" strings a role's rules grant, sorted. */
function grantsOf(role: V1ClusterRole): string[] {
  return (role.rules ?? []).flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`)))).sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

function render(dir: string): { status: number | null; objects: Obj[]; stderr: string } {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  const objects = r.status === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj) : [];
  return { status: r.status, objects, stderr: r.stderr };
}

function renderOk(dir: string): Obj[] {
  const r = render(dir);
  assert.equal(r.status, 0, `kubectl kustomize ${dir} failed:\n${r.stderr}`);
  assert.ok(r.objects.length > 0);
  return r.objects;
}

/** An overlay in the temporary copy that applies `components` to the base. */
function overlayWith(name: string, components: string[]): string {
  const dir = join(work, 'kubernetes/overlays', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kustomization.yaml'), `resources: [../../base]\ncomponents: [${components.map((c) => `../../components/${c}`).join(', ')}]\n`);
  return dir;
}

const one = <T>(objs: Obj[], kind: string, name: string): T => {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name}`);
  return found[0] as unknown as T;
};
const configMap = (objs: Obj[], prefix: string): V1ConfigMap => {
  const found = objs.filter((o) => o.kind === 'ConfigMap' && (o.metadata.name === prefix || o.metadata.name.startsWith(`${prefix}-`)));
  assert.equal(found.length, 1, `exactly one ConfigMap ${prefix}`);
  return found[0] as unknown as V1ConfigMap;
};

/** Drops undefined members so a serialized model compares equal to parsed YAML. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}

/** The typed model for core/apps/rbac objects: V1 + kind. */
function modelName(o: Obj): string {
  const version = o.apiVersion.split('/').pop()!;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${o.kind}`;
}

// The Prometheus Operator's documented fields (monitoring.coreos.com/v1), as much as Vigil uses, strictly.
const relabel = z.strictObject({
  sourceLabels: z.array(z.string()).optional(), targetLabel: z.string().optional(), regex: z.string().optional(),
  replacement: z.string().optional(), action: z.enum(['replace', 'keep', 'drop', 'labelmap', 'labeldrop', 'labelkeep']).optional(),
});
const endpoint = z.strictObject({
  port: z.string().min(1), path: z.string().startsWith('/'), interval: z.string().regex(/^\d+[smh]$/),
  scrapeTimeout: z.string().regex(/^\d+[smh]$/).optional(), relabelings: z.array(relabel).optional(),
});
const selector = z.strictObject({ matchLabels: z.record(z.string(), z.string()) });
const monitorMeta = z.object({ name: z.string(), namespace: z.string(), labels: z.record(z.string(), z.string()).optional() });
const PodMonitorSchema = z.strictObject({
  apiVersion: z.literal('monitoring.coreos.com/v1'), kind: z.literal('PodMonitor'), metadata: monitorMeta,
  spec: z.strictObject({ jobLabel: z.string().optional(), selector, podMetricsEndpoints: z.array(endpoint).min(1) }),
});
const ServiceMonitorSchema = z.strictObject({
  apiVersion: z.literal('monitoring.coreos.com/v1'), kind: z.literal('ServiceMonitor'), metadata: monitorMeta,
  spec: z.strictObject({ jobLabel: z.string().optional(), selector, endpoints: z.array(endpoint).min(1) }),
});

function checkObjects(objs: Obj[]): void {
  for (const o of objs) {
    const where = `${o.kind} ${o.metadata.name}`;
    if (o.apiVersion === 'monitoring.coreos.com/v1') {
      const schema = o.kind === 'PodMonitor' ? PodMonitorSchema : o.kind === 'ServiceMonitor' ? ServiceMonitorSchema : undefined;
      assert.ok(schema, `unexpected ${where}`);
      const r = schema.safeParse(o);
      assert.ok(r.success, `${where}: ${r.success ? '' : r.error.message}`);
      continue;
    }
    const model = modelName(o);
    const typed = ObjectSerializer.deserialize(o, model) as object;
    assert.equal(typed.constructor.name, model, `${where}: no model ${model}`);
    assert.deepEqual(plain(ObjectSerializer.serialize(typed, model)), plain(o), `${where}: fields the ${model} model does not know`);
    if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${where} is cluster-scoped`);
    else assert.equal(o.metadata.namespace !== undefined, true, `${where} has no namespace`);
  }
}

/** Environment of a container as the kubelet would set it, from the rendered ConfigMaps and the downward API. */
function resolveEnv(objs: Obj[], env: V1EnvVar[] | undefined, nodeName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const cm = one<V1ConfigMap>(objs, 'ConfigMap', ref.name!);
      const v = cm.data?.[ref.key];
      assert.ok(v !== undefined, `${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
      out[e.name] = v;
    } else if (e.valueFrom?.fieldRef) {
      assert.equal(e.valueFrom.fieldRef.fieldPath, 'spec.nodeName');
      out[e.name] = nodeName;
    } else assert.fail(`${e.name}: unsupported env source`);
  }
  return out;
}

/** The file a pod sees at `path`: which volume and key serve it. */
function fileAt(spec: V1PodSpec, c: V1Container, path: string): { volume: string; key: string } | undefined {
  for (const m of c.volumeMounts ?? []) {
    if (!path.startsWith(`${m.mountPath}/`)) continue;
    const rest = path.slice(m.mountPath.length + 1);
    const vol = spec.volumes?.find((v) => v.name === m.name);
    const items = vol?.configMap?.items ?? vol?.secret?.items;
    const key = items ? items.find((i) => i.path === rest)?.key : rest;
    if (key !== undefined) return { volume: m.name, key };
  }
  return undefined;
}

function mountedUnder(c: V1Container, path: string): boolean {
  return (c.volumeMounts ?? []).some((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
}

describe('deploy/kubernetes', { skip }, () => {
  let base: Obj[] = [];
  let example: Obj[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-kustomize-'));
    cpSync(join(REPO, 'deploy/kubernetes'), join(work, 'kubernetes'), { recursive: true });
    base = renderOk(join(work, 'kubernetes/base'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the base renders, every object round-trips through its typed model, and it needs no Prometheus Operator CRD', () => {
    checkObjects(base);
    assert.ok(!base.some((o) => o.apiVersion.startsWith('monitoring.coreos.com/')));
    const kinds = new Set(base.map((o) => o.kind));
    for (const k of ['Namespace', 'DaemonSet', 'Deployment', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Service', 'ConfigMap']) assert.ok(kinds.has(k), `no ${k}`);
    assert.equal(one<Obj>(base, 'Namespace', 'vigil').metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  });

  test('every component renders on the base and its objects validate', () => {
    for (const c of ['prometheus-operator', 'node-freeze-responses', 'scanner-pull-secrets-cluster-wide']) {
      const objs = renderOk(overlayWith(`only-${c}`, [c]));
      checkObjects(objs);
    }
    const monitors = renderOk(overlayWith('monitors', ['prometheus-operator']));
    const pm = one<{ spec: { jobLabel: string; selector: { matchLabels: Record<string, string> } } }>(monitors, 'PodMonitor', 'vigil-node');
    const sm = one<{ spec: { jobLabel: string; selector: { matchLabels: Record<string, string> } } }>(monitors, 'ServiceMonitor', 'vigil-scanner');
    // The job label's value on the selected pod/service is the job name the dashboards expect.
    const ds = one<V1DaemonSet>(monitors, 'DaemonSet', 'vigil-node');
    assert.equal(ds.spec!.template.metadata!.labels![pm.spec.jobLabel], 'vigil-node');
    const svc = one<Obj>(monitors, 'Service', 'vigil-scanner');
    assert.equal(svc.metadata.labels![sm.spec.jobLabel], 'vigil-scanner');
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) assert.equal(ds.spec!.template.metadata!.labels![k], v);
    const freeze = one<V1DaemonSet>(renderOk(overlayWith('freeze', ['node-freeze-responses'])), 'DaemonSet', 'vigil-node');
    assert.equal(freeze.spec!.template.spec!.containers[0]!.volumeMounts!.find((m) => m.mountPath === '/sys/fs/cgroup')!.readOnly, false);
  });

  test('the example overlay does not render without tokens.env (there is no default token), and renders with it', () => {
    const dir = join(work, 'kubernetes/overlays/example');
    const without = render(dir);
    assert.notEqual(without.status, 0);
    assert.match(without.stderr, /tokens\.env/);
    const nodeToken = randomBytes(16).toString('hex');
    writeFileSync(join(dir, 'tokens.env'), `node-token=${nodeToken}\nscanner-token=${randomBytes(16).toString('hex')}\n`);
    example = renderOk(dir);
    checkObjects(example);
    const secret = example.find((o) => o.kind === 'Secret') as unknown as V1Secret;
    assert.equal(Buffer.from(secret.data!['node-token']!, 'base64').toString(), nodeToken);
    const ds = one<V1DaemonSet>(example, 'DaemonSet', 'vigil-node');
    assert.equal(ds.spec!.template.spec!.volumes!.find((v) => v.name === 'token')!.secret!.secretName, secret.metadata!.name);
    assert.match(ds.spec!.template.spec!.containers[0]!.image!, /^registry\.example\.com\/security\/vigil:/);
    for (const m of example.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')) assert.equal(m.metadata.labels?.release, 'kube-prometheus-stack');
    assert.equal(configMap(example, 'vigil-settings').data!['loki-url'], 'http://loki-gateway.loki.svc.cluster.local');
  });

  test('the node DaemonSet: host PID, privileged, the host mounts it needs, NODE_NAME from the downward API, every node, probes', () => {
    const ds = one<V1DaemonSet>(base, 'DaemonSet', 'vigil-node');
    const spec = ds.spec!.template.spec!;
    const c = spec.containers[0]!;
    assert.equal(spec.hostPID, true);
    assert.equal(spec.hostNetwork, undefined);
    assert.equal(c.securityContext?.privileged, true);
    assert.ok(spec.tolerations?.some((t) => t.operator === 'Exists' && t.key === undefined && t.effect === undefined), 'tolerates every taint');
    const hostPaths = new Map(spec.volumes!.filter((v) => v.hostPath).map((v) => [v.name, v.hostPath!.path]));
    const mounts = new Map(c.volumeMounts!.map((m) => [m.mountPath, m]));
    const expected: [string, boolean][] = [['/sys/kernel/btf', true], ['/sys/kernel/tracing', false], ['/sys/fs/bpf', false], ['/sys/fs/cgroup', true]];
    for (const [path, ro] of expected) {
      const m = mounts.get(path);
      assert.ok(m, `no mount at ${path}`);
      assert.equal(hostPaths.get(m.name), path, `${path} is the host's`);
      assert.equal(m.readOnly ?? false, ro, `${path} readOnly`);
    }
    assert.deepEqual([...hostPaths.values()].sort(), ['/sys/fs/bpf', '/sys/fs/cgroup', '/sys/kernel/btf', '/sys/kernel/tracing', '/var/lib/vigil']);
    const nodeName = c.env!.find((e) => e.name === 'VIGIL_NODE_NAME');
    assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    assert.ok(c.resources?.requests?.memory && c.resources.limits?.memory && c.resources.requests.cpu && c.resources.limits.cpu);
    const port = c.ports!.find((p) => p.containerPort === 9711)!;
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.equal(p?.httpGet?.port, port.name);
  });

  test('the node\'s shipped config loads with the real loader, and every path it names is mounted or in the image', () => {
    const ds = one<V1DaemonSet>(base, 'DaemonSet', 'vigil-node');
    const spec = ds.spec!.template.spec!;
    const c = spec.containers[0]!;
    assert.deepEqual(c.command?.slice(0, 2), ['enter-host-cgroupns', 'node']);
    const args = c.args!;
    assert.equal(args[0], 'node');
    const configPath = args[args.indexOf('--config') + 1]!;
    const served = fileAt(spec, c, configPath);
    assert.ok(served, `${configPath} is not mounted`);
    const cm = configMap(base, 'vigil-node-config');
    assert.equal(spec.volumes!.find((v) => v.name === served.volume)!.configMap!.name, cm.metadata!.name);
    const text = cm.data![served.key]!;
    const env = resolveEnv(base, c.env, 'node-a');
    const known = new Set(envVariableNames());
    for (const k of Object.keys(env)) assert.ok(known.has(k), `vigil node reads no ${k}`);

    const dir = mkdtempSync(join(work, 'node-'));
    writeFileSync(join(dir, 'node.yaml'), text);
    writeFileSync(join(dir, 'token'), 'tok\n');
    const fromFile = loadNodeConfig({ file: join(dir, 'node.yaml'), env, flags: { 'http.tokenFile': join(dir, 'token') } });
    assert.equal(fromFile.node.name, 'node-a');
    assert.equal(fromFile.containers.kubernetes, 'on');
    assert.equal(fromFile.loki.url, '', 'the base ships Loki off');
    // The token file the config names is the Secret's node-token item.
    const shipped = fromFile;
    const tokenFile = (/tokenFile:\s*(\S+)/.exec(text) ?? [])[1]!;
    assert.deepEqual(fileAt(spec, c, tokenFile), { volume: 'token', key: 'node-token' });
    for (const p of [shipped.journal.dir, shipped.loki.spoolDir, shipped.recorder.dir]) {
      assert.ok(mountedUnder(c, p), `${p} is not on a volume (the root filesystem is read-only)`);
    }
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    // Rules: the image's default set, then files mounted from the rules ConfigMap; together they load.
    const rulesCm = configMap(base, 'vigil-node-rules');
    const ruleFiles: string[] = [];
    for (const f of shipped.rules.files) {
      if (f === IMAGE_RULES) ruleFiles.push(join(REPO, 'exporter/rules/vigil_rules.yaml'));
      else {
        const at = fileAt(spec, c, f);
        assert.ok(at, `rules file ${f} is neither in the image nor mounted`);
        assert.equal(spec.volumes!.find((v) => v.name === at.volume)!.configMap!.name, rulesCm.metadata!.name);
        const local = join(dir, at.key);
        writeFileSync(local, rulesCm.data![at.key]!);
        ruleFiles.push(local);
      }
    }
    assert.ok(ruleFiles.length >= 2, 'the default ruleset and the local one');
    const rules = loadRulesFiles(ruleFiles);
    assert.deepEqual(rules.errors.map((d) => d.message), []);
    assert.deepEqual(rules.ruleset.rules.filter((r) => r.enabled && r.skipped).map((r) => r.name), [], 'no rule skipped');
    // The local rules recognise Vigil's own pods by namespace: the one this renders into.
    const ns = /k8s\.ns\.name = (\S+)/.exec(Object.values(rulesCm.data!).join('\n'))?.[1];
    assert.equal(ns, ds.metadata!.namespace);
  });

  test('the scanner Deployment: config loads with the real loader, token and database paths are mounted, no privilege', () => {
    const dep = one<V1Deployment>(base, 'Deployment', 'vigil-scanner');
    const spec = dep.spec!.template.spec!;
    const c = spec.containers[0]!;
    const args = c.args!;
    assert.equal(args[0], 'scanner');
    const configPath = args[args.indexOf('--config') + 1]!;
    const served = fileAt(spec, c, configPath);
    assert.ok(served);
    const text = configMap(base, 'vigil-scanner-config').data![served.key]!;
    const env = resolveEnv(base, c.env, 'node-a');
    const known = new Set(scannerEnvVariableNames());
    for (const k of Object.keys(env)) assert.ok(known.has(k), `vigil scanner reads no ${k}`);
    const dir = mkdtempSync(join(work, 'scanner-'));
    writeFileSync(join(dir, 'scanner.yaml'), text);
    writeFileSync(join(dir, 'token'), 'tok\n');
    const cfg = loadScannerConfig({ file: join(dir, 'scanner.yaml'), env, flags: { 'http.tokenFile': join(dir, 'token') } });
    assert.equal(cfg.discovery.kubernetes, 'on');
    const tokenFile = (/tokenFile:\s*(\S+)/.exec(text) ?? [])[1]!;
    assert.deepEqual(fileAt(spec, c, tokenFile), { volume: 'token', key: 'scanner-token' });
    const dbMount = c.volumeMounts!.find((m) => cfg.db.dir.startsWith(`${m.mountPath}/`))!;
    assert.ok(spec.volumes!.find((v) => v.name === dbMount.name)!.persistentVolumeClaim, 'the database is on the PVC');
    assert.ok(mountedUnder(c, cfg.scan.tempDir), 'scan.tempDir is on a volume');
    assert.equal(dep.spec!.strategy?.type, 'Recreate');
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    assert.equal(spec.hostPID, undefined);
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
  });

  test('RBAC: each ClusterRole grants exactly what the API calls of its code need', () => {
    // Every call into the Kubernetes API in exporter/src must be in API_CALL_GRANTS: a new call fails here until
    // its grant is decided (and added to the role, or the call reconsidered).
    const calls = new Set<string>();
    for (const f of sourceFiles(join(REPO, 'exporter/src'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\.((?:read|list|create|patch|replace|delete)(?:Namespaced)?[A-Z][A-Za-z]*)\(/g)) {
        if (/^(list|read|create|patch|replace|delete)(Namespaced)?(Pod|ReplicaSet|Job|Secret|Node|Namespace|Deployment|DaemonSet|StatefulSet|CronJob|ConfigMap|Service|Event)/.test(m[1]!)) calls.add(m[1]!);
      }
    }
    assert.ok(calls.size > 0, 'no Kubernetes API call found: the scan is broken');
    for (const c of calls) assert.ok(c in API_CALL_GRANTS, `exporter/src calls ${c}, which no role is checked for`);
    for (const names of Object.values(ROLE_CALLS)) for (const c of names) assert.ok(calls.has(c), `${c} is no longer called: drop its grant`);
    for (const [name, roleCalls] of Object.entries(ROLE_CALLS)) {
      const want = roleCalls.flatMap((c) => API_CALL_GRANTS[c]!.verbs.map((v) => `${API_CALL_GRANTS[c]!.group}/${API_CALL_GRANTS[c]!.resource} ${v}`)).sort();
      assert.deepEqual(grantsOf(one<V1ClusterRole>(base, 'ClusterRole', name)), want, `ClusterRole ${name}`);
    }
  });

  test('RBAC: read verbs only, never list or watch on secrets, and the base binds no secret access', () => {
    for (const objs of [base, example, renderOk(overlayWith('rbac-all', ['scanner-pull-secrets-cluster-wide']))]) {
      for (const role of objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as unknown as (V1ClusterRole | V1Role)[]) {
        for (const rule of role.rules ?? []) {
          for (const v of rule.verbs) assert.ok(READ_VERBS.has(v), `${role.metadata!.name} grants ${v}`);
          assert.ok(!rule.resources?.includes('*') && !rule.apiGroups?.includes('*'), `${role.metadata!.name} uses a wildcard`);
          if (rule.resources?.includes('secrets')) assert.deepEqual(rule.verbs, ['get'], `${role.metadata!.name}: secrets get only`);
        }
      }
    }
    const secretRoles = new Set(base.filter((o) => (o as unknown as V1ClusterRole).rules?.some((r) => r.resources?.includes('secrets'))).map((o) => o.metadata.name));
    const bound = base.filter((o) => o.kind.endsWith('Binding')).map((b) => (b as unknown as { roleRef: { name: string } }).roleRef.name);
    assert.deepEqual(bound.filter((n) => secretRoles.has(n)), [], 'the base binds no role that reads secrets');
    const node = one<V1ClusterRole>(base, 'ClusterRole', 'vigil-node');
    assert.ok(!node.rules!.some((r) => r.resources!.includes('secrets')), 'the node never reads secrets');
    // The example's pull-secret grant is a RoleBinding, confined to one namespace.
    const rb = example.filter((o) => o.kind === 'RoleBinding');
    assert.equal(rb.length, 1);
    assert.notEqual(rb[0]!.metadata.namespace, undefined);
  });
});
