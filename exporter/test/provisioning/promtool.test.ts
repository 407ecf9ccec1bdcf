// provisioning/prometheus checked by the real promtool (Debian package prometheus): the config, the rule files, and
// the unit tests of every rule. Broken copies of the rules prove that each step can fail. Also: every PromQL query
// of the Grafana-managed rules parses, and every vigil_* metric the rules use is documented.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const REPO = resolve(import.meta.dirname, '../../..');
const PROM_DIR = join(REPO, 'provisioning/prometheus');
const PROMTOOL = '/usr/bin/promtool';
const haveTool = existsSync(PROMTOOL);
// Without promtool these tests cannot say anything; on CI that is a broken machine, not a reason to pass.
const skip = haveTool ? false : process.env.CI === 'true' ? false : `${PROMTOOL} missing (apt-get install prometheus)`;

interface RuleFile { groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string }[] }[] }
interface AlertTestCase { eval_time: string; alertname: string; exp_alerts?: unknown[] }
interface UnitTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: AlertTestCase[]; promql_expr_test?: { expr: string }[] }[];
}

function promtool(cwd: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;
const rulesOf = (f: RuleFile) => f.groups.flatMap((g) => g.rules);
const testFiles = () => readdirSync(join(PROM_DIR, 'tests')).filter((n) => n.endsWith('.test.yml')).sort();

// promtool resolves rule_files relative to the config and the test files, so each test works on its own copy of the
// whole folder: the broken copies below can never touch the real files.
function copyProvisioning(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
  cpSync(PROM_DIR, dir, { recursive: true });
  return dir;
}

describe('promtool on provisioning/prometheus', { skip }, () => {
  let dir = '';
  before(() => { dir = copyProvisioning(); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check config: prometheus.yml is valid and finds both rule files', () => {
    const r = promtool(dir, 'check', 'config', 'prometheus.yml');
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: 2 rule files found/);
    const cfg = readYaml<{ scrape_configs: { job_name: string; static_configs: { targets: string[] }[]; authorization?: unknown }[] }>(join(dir, 'prometheus.yml'));
    const jobs = Object.fromEntries(cfg.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((s) => s.targets)]));
    assert.deepEqual(jobs, { 'vigil-node': ['vigil-node:9711'], 'vigil-scanner': ['vigil-scanner:9712'] });
    // /metrics needs no token on either service (docs/node-api.md, docs/scanner.md), so no credentials are configured.
    assert.ok(cfg.scrape_configs.every((j) => j.authorization === undefined));
  });

  test('check rules: both rule files pass and promtool counts the rules the YAML holds', () => {
    for (const f of ['rules/vigil-recording.yml', 'rules/vigil-alerts.yml']) {
      const r = promtool(dir, 'check', 'rules', f);
      assert.equal(r.status, 0, r.out);
      const n = rulesOf(readYaml<RuleFile>(join(dir, f))).length;
      assert.ok(n > 0);
      assert.match(r.out, new RegExp(`SUCCESS: ${n} rules found`), r.out);
    }
  });

  test('test rules: every unit test file passes', () => {
    const files = testFiles().map((n) => `tests/${n}`);
    assert.ok(files.length >= 2, files.join(', '));
    const r = promtool(dir, 'test', 'rules', ...files);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out.match(/SUCCESS/g)?.length, files.length, r.out);
  });
});

describe('the unit tests cover every rule', () => {
  const alerts = rulesOf(readYaml<RuleFile>(join(PROM_DIR, 'rules/vigil-alerts.yml')));
  const records = rulesOf(readYaml<RuleFile>(join(PROM_DIR, 'rules/vigil-recording.yml')));
  const units = testFiles().map((n) => readYaml<UnitTestFile>(join(PROM_DIR, 'tests', n)));
  const alertCases = units.flatMap((u) => u.tests.flatMap((t) => t.alert_rule_test ?? []));
  const exprTests = units.flatMap((u) => u.tests.flatMap((t) => t.promql_expr_test ?? []));

  test('every alerting rule has a firing case and a not-firing case', () => {
    assert.ok(alerts.length >= 9);
    for (const a of alerts) {
      assert.ok(a.alert, `a rule of vigil-alerts.yml without alert: ${a.expr}`);
      const cases = alertCases.filter((c) => c.alertname === a.alert);
      assert.ok(cases.some((c) => (c.exp_alerts ?? []).length > 0), `${a.alert}: no case where it fires`);
      assert.ok(cases.some((c) => (c.exp_alerts ?? []).length === 0), `${a.alert}: no case where it must stay quiet`);
    }
    const unknown = alertCases.filter((c) => !alerts.some((a) => a.alert === c.alertname)).map((c) => c.alertname);
    assert.deepEqual(unknown, [], 'unit tests of alerts that do not exist');
  });

  test('every recording rule is evaluated by a unit test', () => {
    assert.ok(records.length >= 10);
    for (const r of records) {
      assert.ok(r.record, `a rule of vigil-recording.yml without record: ${r.expr}`);
      assert.ok(exprTests.some((t) => t.expr.trim() === r.record), `${r.record}: not tested`);
    }
  });
});

describe('broken copies make the harness fail', { skip }, () => {
  const alertsFile = join(PROM_DIR, 'rules/vigil-alerts.yml');
  const original = readFileSync(alertsFile, 'utf8');

  function withBrokenAlerts(edit: (s: string) => string, run: (dir: string) => void): void {
    const dir = copyProvisioning();
    try {
      const broken = edit(original);
      assert.notEqual(broken, original, 'the edit must change the file');
      writeFileSync(join(dir, 'rules/vigil-alerts.yml'), broken);
      run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('a PromQL syntax error fails check rules and check config, naming the file', () => {
    withBrokenAlerts((s) => s.replace('expr: up{job=~"vigil-.*"} == 0', 'expr: up{job=~"vigil-.*" == 0'), (dir) => {
      const rules = promtool(dir, 'check', 'rules', 'rules/vigil-alerts.yml');
      assert.notEqual(rules.status, 0, rules.out);
      assert.match(rules.out, /vigil-alerts\.yml/);
      const config = promtool(dir, 'check', 'config', 'prometheus.yml');
      assert.notEqual(config.status, 0, config.out);
    });
  });

  test('a threshold that no longer fires fails test rules (the firing case)', () => {
    withBrokenAlerts((s) => s.replace('> 0.25\n', '> 0.9\n'), (dir) => {
      const r = promtool(dir, 'test', 'rules', 'tests/vigil-alerts.test.yml');
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /alertname: VigilContainerCPUThrottled/);
    });
  });

  test('a selector that lets Warning through fails test rules (the not-firing case)', () => {
    withBrokenAlerts((s) => s.replaceAll('priority=~"Emergency|Alert|Critical|Error"', 'priority=~"Emergency|Alert|Critical|Error|Warning"'), (dir) => {
      const r = promtool(dir, 'test', 'rules', 'tests/vigil-alerts.test.yml');
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /Read sensitive file/, 'the Warning series now raises an alert the test does not expect');
    });
  });
});

// The Grafana rules' PromQL never reaches promtool otherwise: wrap each query in a recording rule and check that.
describe('the Grafana rules\' PromQL', { skip }, () => {
  interface GrafanaRules { groups: { rules: { uid: string; data: { datasourceUid: string; model: { expr?: string } }[] }[] }[] }
  const grafana = readYaml<GrafanaRules>(join(REPO, 'provisioning/grafana/alerting/vigil-rules.yaml'));
  const queries = grafana.groups.flatMap((g) => g.rules.flatMap((r) =>
    r.data.filter((d) => d.datasourceUid === 'vigil-prometheus').map((d) => ({ uid: r.uid, expr: d.model.expr ?? '' }))));

  test('every Prometheus query of the Grafana alert rules parses', () => {
    assert.ok(queries.length >= 8, `${queries.length} queries`);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-grafana-promql-'));
    try {
      const rules = { groups: [{ name: 'grafana-queries', rules: queries.map((q, i) => ({ record: `grafana:query_${i}:check`, expr: q.expr })) }] };
      writeFileSync(join(dir, 'queries.yml'), JSON.stringify(rules)); // JSON is YAML
      const r = promtool(dir, 'check', 'rules', 'queries.yml');
      assert.equal(r.status, 0, `${r.out}\n${queries.map((q, i) => `${i}: ${q.uid}`).join('\n')}`);
      assert.match(r.out, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('every vigil_* metric the rules use is documented in docs/metrics.md or docs/loki.md', () => {
  const documented = new Set<string>();
  for (const doc of ['docs/metrics.md', 'docs/loki.md']) {
    for (const m of readFileSync(join(REPO, doc), 'utf8').matchAll(/`(vigil_[a-z0-9_]+)`/g)) documented.add(m[1]!);
  }
  const sources = [
    ...rulesOf(readYaml<RuleFile>(join(PROM_DIR, 'rules/vigil-alerts.yml'))).map((r) => r.expr),
    ...rulesOf(readYaml<RuleFile>(join(PROM_DIR, 'rules/vigil-recording.yml'))).map((r) => r.expr),
    readFileSync(join(REPO, 'provisioning/grafana/alerting/vigil-rules.yaml'), 'utf8').split('\n').filter((l) => /^\s*expr:/.test(l)).join('\n'),
  ].join('\n');
  // Recorded names (level:vigil_x:op) contain a vigil_ part that is no metric of its own.
  const used = new Set([...sources.matchAll(/(?<![:\w])(vigil_[a-z0-9_]+)/g)].map((m) => m[1]!));
  assert.ok(used.size >= 15, [...used].join(' '));
  const undocumented = [...used].filter((m) => !documented.has(m));
  assert.deepEqual(undocumented, []);
});
