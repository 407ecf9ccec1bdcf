// docker-compose.yml as `docker-compose config` (the real Compose 1.29 parser) resolves it: it validates, the
// services have the fixed names, every bind mount exists (or is a documented host path / build output), Grafana
// gets the plugin, provisioning and dashboards, the node gets its privileges, and the environment handed to
// `vigil node` and `vigil scanner` passes their real configuration loaders.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { envVariableNames, loadNodeConfig } from '../../src/config/node-config.js';
import { LokiConfigSchema } from '../../src/alerts/loki/config.js';
import { loadScannerConfig, scannerEnvVariableNames } from '../../src/scanner/service/config.js';
import { REPO, toolSkipReason } from './tools.js';

const skip = toolSkipReason('docker-compose', ['version']);
const FIXED_SERVICES = ['grafana', 'loki', 'prometheus', 'vigil-node', 'vigil-scanner'];

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  privileged?: boolean;
  pid?: string;
  network_mode?: string;
  ports?: string[];
}

function composeConfig(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['--project-directory', REPO, '-f', join(REPO, 'docker-compose.yml'), 'config'], {
    encoding: 'utf8',
    timeout: 60_000,
    // Only what the test sets: a developer's own VIGIL_* variables must not change the outcome.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** "source:target[:mode]" as `docker-compose config` prints volumes. */
function splitVolume(v: string): { source: string; target: string; mode: string } {
  const [source = '', target = '', mode = 'rw'] = v.split(':');
  return { source, target, mode };
}

describe('docker-compose.yml', { skip }, () => {
  const nodeToken = randomBytes(16).toString('hex');
  const scannerToken = randomBytes(16).toString('hex');
  let services: Record<string, Service> = {};
  let namedVolumes: string[] = [];
  let deploymentDoc = '';

  before(() => {
    deploymentDoc = readFileSync(join(REPO, 'docs/deployment.md'), 'utf8');
    const r = composeConfig({ VIGIL_NODE_TOKEN: nodeToken, VIGIL_SCANNER_TOKEN: scannerToken });
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    const doc = parseYaml(r.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
    services = doc.services;
    namedVolumes = Object.keys(doc.volumes ?? {});
  });

  test('docker-compose config passes, and the services have exactly the fixed names', () => {
    assert.deepEqual(Object.keys(services).sort(), FIXED_SERVICES);
  });

  test('without the tokens the stack does not start with a default one: config fails naming the variable', () => {
    const r = composeConfig({ VIGIL_SCANNER_TOKEN: scannerToken });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /VIGIL_NODE_TOKEN/);
    const r2 = composeConfig({ VIGIL_NODE_TOKEN: nodeToken });
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /VIGIL_SCANNER_TOKEN/);
  });

  test('no service uses the host network: Prometheus reaches vigil-node and vigil-scanner by service name', () => {
    for (const [name, s] of Object.entries(services)) assert.equal(s.network_mode, undefined, `${name} has network_mode ${s.network_mode}`);
  });

  test('every bind mount source exists in the repository, or is a build output or host path docs/deployment.md names', () => {
    const buildOutputs = new Map([['plugin/dist', 'npm run build --workspace plugin']]);
    let binds = 0;
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const { source } = splitVolume(v);
        if (!isAbsolute(source)) {
          assert.ok(namedVolumes.includes(source), `${name}: volume ${source} is not declared`);
          continue;
        }
        binds++;
        const inRepo = relative(REPO, source);
        if (!inRepo.startsWith('..')) {
          const build = buildOutputs.get(inRepo);
          if (build) {
            assert.ok(deploymentDoc.includes(build), `docs/deployment.md must say how ${inRepo} is built (${build})`);
            const pkg = JSON.parse(readFileSync(join(REPO, 'plugin/package.json'), 'utf8')) as { scripts?: Record<string, string> };
            assert.ok(pkg.scripts?.build, 'plugin/package.json has no build script');
          } else {
            assert.ok(existsSync(source), `${name}: bind source ./${inRepo} does not exist`);
          }
        } else {
          assert.ok(deploymentDoc.includes(`\`${source}\``), `${name}: host path ${source} is not documented in docs/deployment.md`);
        }
      }
    }
    assert.ok(binds >= 10, `only ${binds} bind mounts seen`);
  });

  test('Grafana: unsigned loading of the app, the plugin, provisioning and dashboards mounted, the shared scanner token', () => {
    const g = services.grafana!;
    assert.match(g.image ?? '', /^grafana\/grafana:\d+\.\d+\.\d+$/, 'a pinned Grafana tag');
    const unsigned = (g.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '').split(',');
    assert.ok(unsigned.includes('vigil-security-app'));
    const mounts = new Map((g.volumes ?? []).map((v) => [splitVolume(v).target, relative(REPO, splitVolume(v).source)]));
    assert.equal(mounts.get('/var/lib/grafana/plugins/vigil-security-app'), 'plugin/dist');
    assert.equal(mounts.get('/etc/grafana/provisioning'), 'provisioning/grafana');
    assert.equal(mounts.get('/var/lib/grafana/dashboards/vigil'), 'dashboards');
    // Grafana's app provisioning reads $VIGIL_SCANNER_TOKEN; it must be the token the scanner checks.
    assert.equal(g.environment?.VIGIL_SCANNER_TOKEN, scannerToken);
    assert.equal(services['vigil-scanner']!.environment?.VIGIL_SCANNER_HTTP_TOKEN, scannerToken);
    assert.ok(g.ports?.some((p) => /(^|:)3000:3000/.test(p)), 'Grafana on :3000');
  });

  test('vigil-node: privileged, host pid, the kernel and runtime mounts; its environment loads with the real config loader', () => {
    const n = services['vigil-node']!;
    assert.equal(n.privileged, true);
    assert.equal(n.pid, 'host');
    const targets = new Map((n.volumes ?? []).map((v) => [splitVolume(v).target, splitVolume(v)]));
    for (const t of ['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/fs/bpf', '/sys/fs/cgroup', '/var/run/docker.sock', '/var/lib/vigil']) {
      assert.ok(targets.has(t), `vigil-node lacks a mount at ${t}`);
    }
    assert.equal(targets.get('/sys/kernel/btf')!.mode, 'ro');
    assert.equal(targets.get('/var/run/docker.sock')!.mode, 'ro');
    const env = n.environment ?? {};
    const known = new Set(envVariableNames());
    for (const k of Object.keys(env).filter((k) => k.startsWith('VIGIL_'))) assert.ok(known.has(k), `vigil node reads no ${k}`);
    // The command after the subcommand: `node --listen 0.0.0.0:9711`.
    assert.deepEqual(n.command, ['node', '--listen', '0.0.0.0:9711']);
    const cfg = loadNodeConfig({ env, flags: { 'http.listen': '0.0.0.0:9711' } });
    assert.equal(cfg.http.token, nodeToken);
    assert.equal(cfg.loki.url, 'http://loki:3100');
    assert.equal(cfg.containers.kubernetes, 'off');
    assert.ok(cfg.journal.dir.startsWith('/var/lib/vigil/') && cfg.loki.spoolDir.startsWith('/var/lib/vigil/'), 'journal and spool on the volume');
  });

  test('vigil-node: Loki is the compose service, on the port its config listens on, with a line limit above the sink\'s', () => {
    const url = new URL(services['vigil-node']!.environment!.VIGIL_LOKI_URL!);
    assert.equal(url.hostname, 'loki');
    const loki = services.loki!;
    assert.match(loki.image ?? '', /^grafana\/loki:\d+\.\d+\.\d+$/);
    const cfgMount = (loki.volumes ?? []).map(splitVolume).find((v) => v.source.endsWith('/deploy/compose/loki.yaml'));
    assert.ok(cfgMount, 'loki mounts deploy/compose/loki.yaml');
    assert.ok(loki.command?.includes(`-config.file=${cfgMount.target}`), 'loki reads the mounted config');
    const lokiCfg = parseYaml(readFileSync(join(REPO, 'deploy/compose/loki.yaml'), 'utf8')) as {
      server: { http_listen_port: number }; limits_config: { max_line_size: string; unordered_writes: boolean };
    };
    assert.equal(String(lokiCfg.server.http_listen_port), url.port);
    const m = /^(\d+)KB$/.exec(lokiCfg.limits_config.max_line_size);
    assert.ok(m, 'max_line_size in KB');
    const sinkMax = LokiConfigSchema.parse({}).maxLineBytes;
    assert.ok(Number(m[1]) * 1024 >= sinkMax, `Loki max_line_size ${lokiCfg.limits_config.max_line_size} < the sink's ${sinkMax} bytes`);
    assert.equal(lokiCfg.limits_config.unordered_writes, true);
  });

  test('vigil-scanner: a cache volume, docker discovery through the CLI image target, environment loads with the real loader', () => {
    const s = services['vigil-scanner']!;
    assert.equal(s.build?.target, 'scanner-docker');
    const env = s.environment ?? {};
    const known = new Set(scannerEnvVariableNames());
    for (const k of Object.keys(env).filter((k) => k.startsWith('VIGIL_SCANNER_'))) assert.ok(known.has(k), `vigil scanner reads no ${k}`);
    const cfg = loadScannerConfig({ env, flags: { 'http.listen': '0.0.0.0:9712' } });
    assert.equal(cfg.http.token, scannerToken);
    assert.equal(cfg.discovery.runtime, 'docker');
    const data = (s.volumes ?? []).map(splitVolume).find((v) => cfg.db.dir.startsWith(`${v.target}/`));
    assert.ok(data && namedVolumes.includes(data.source), `the database ${cfg.db.dir} is on a named volume`);
    assert.ok((s.volumes ?? []).some((v) => splitVolume(v).target === '/var/run/docker.sock'));
  });

  test('Prometheus reads provisioning/prometheus, whose scrape jobs name the compose services', () => {
    const p = services.prometheus!;
    const conf = (p.volumes ?? []).map(splitVolume).find((v) => relative(REPO, v.source) === 'provisioning/prometheus');
    assert.ok(conf, 'prometheus mounts ./provisioning/prometheus');
    assert.ok(p.command?.includes(`--config.file=${conf.target}/prometheus.yml`));
    const prom = parseYaml(readFileSync(join(REPO, 'provisioning/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
    };
    const targets = (job: string) => prom.scrape_configs.find((j) => j.job_name === job)?.static_configs?.flatMap((c) => c.targets) ?? [];
    assert.ok(targets('vigil-node').includes('vigil-node:9711'), 'job vigil-node scrapes vigil-node:9711');
    assert.ok(targets('vigil-scanner').includes('vigil-scanner:9712'), 'job vigil-scanner scrapes vigil-scanner:9712');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM\s+\S+(?:\s+AS\s+(\S+))?/gim)].map((m) => m[1]);

  test('installs only the exporter workspace and never copies plugin/', () => {
    assert.match(dockerfile, /npm ci --workspace exporter\b/);
    assert.match(dockerfile, /npm prune --omit=dev --workspace exporter\b/);
    assert.doesNotMatch(dockerfile, /^COPY[^\n]*\bplugin\b/m);
    // The checkout's node_modules and dist must not be copied over the image's.
    assert.doesNotMatch(dockerfile, /^COPY\s+exporter\/\s/m);
  });

  test('ships the default rules where `vigil node` looks for them, and the cgroup-namespace helper compose and the DaemonSet call', () => {
    assert.match(dockerfile, /^COPY exporter\/rules\/ exporter\/rules\/$/m);
    assert.match(dockerfile, /^WORKDIR \/opt\/vigil$/m);
    assert.ok(existsSync(join(REPO, 'exporter/rules/vigil_rules.yaml')));
    assert.match(dockerfile, /^COPY deploy\/image\/enter-host-cgroupns\.sh \/usr\/local\/bin\/enter-host-cgroupns$/m);
  });

  test('the targets docker-compose.yml builds exist, and the default target is the plain image', { skip }, () => {
    const r = spawnSync('docker-compose', ['--project-directory', REPO, '-f', join(REPO, 'docker-compose.yml'), 'config'], {
      encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_NODE_TOKEN: 'x', VIGIL_SCANNER_TOKEN: 'y' },
    });
    const doc = parseYaml(r.stdout) as { services: Record<string, Service> };
    for (const s of Object.values(doc.services)) if (s.build?.target) assert.ok(stages.includes(s.build.target), `no stage ${s.build.target}`);
    assert.equal(stages[stages.length - 1], undefined, 'the last stage (the default target) is unnamed: FROM runtime');
    assert.match(dockerfile, /FROM runtime\s*$/);
  });

  test('enter-host-cgroupns runs the command it is given, whether or not it can enter the namespace', () => {
    const out = execFileSync('sh', [join(REPO, 'deploy/image/enter-host-cgroupns.sh'), 'sh', '-c', 'echo ran "$0"', 'arg'], { encoding: 'utf8' });
    assert.equal(out, 'ran arg\n');
  });
});
