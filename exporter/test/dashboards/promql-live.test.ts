// Every PromQL expression of the dashboards (panels and variables), of the Grafana alert rules on
// vigil-prometheus and of the Prometheus rules (provisioning/) — first checked offline (it parses; it reads only
// metrics docs/metrics.md and docs/loki.md list, or recording rules, or it belongs to a panel labelled as
// needing node-exporter / kube-state-metrics), then run against a real Prometheus scraping a real vigil node and
// vigil scanner (the live stack): no error, and data where data must be.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { liveStackSkipReason, seriesCount, startLiveStack, type LiveStack } from '../support/live-stack.js';
import {
  REPO_ROOT, alertingQueries, dashboardQueries, foreignExporter, loadDashboards, prometheusRuleQueries, recordingRuleNames, substitute,
  type QuerySite,
} from './grafana-queries.js';

// ---------------------------------------------------------------------------------------------------------------
// The documented metric names

/** Backticked names in the docs' metric tables: full names, `_suffix` shorthands of the row's first name, and `prefix_*` families. */
function documentedMetrics(): { names: Set<string>; prefixes: string[] } {
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const doc of ['docs/metrics.md', 'docs/loki.md']) {
    for (const line of readFileSync(join(REPO_ROOT, doc), 'utf8').split('\n')) {
      if (!line.startsWith('| `')) continue;
      const first = line.split('|')[1] ?? '';
      const tokens = [...first.matchAll(/`([A-Za-z0-9_*]+)`/g)].map((m) => m[1]!);
      const head = tokens[0];
      for (const t of tokens) {
        if (t.endsWith('*')) prefixes.push(t.slice(0, -1));
        else if (t.startsWith('_') && head) {
          // `vigil_container_fs_read_bytes_total`, `_fs_write_bytes_total`: the shorthand replaces the head from its first segment on.
          const seg = t.split('_')[1]!;
          const at = head.indexOf(`_${seg}`);
          assert.ok(at > 0, `${doc}: cannot expand ${t} after ${head}`);
          names.add(head.slice(0, at) + t);
        } else if (t.startsWith('vigil_')) names.add(t);
      }
    }
  }
  return { names, prefixes };
}

const DOCUMENTED = documentedMetrics();
const RECORDING_RULES = recordingRuleNames();
/** Series Prometheus itself makes for every target. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

function isDocumented(metric: string): boolean {
  const base = metric.replace(/_(bucket|sum|count)$/, '');
  return DOCUMENTED.names.has(metric) || DOCUMENTED.names.has(base) || DOCUMENTED.prefixes.some((p) => metric.startsWith(p) && p.length > 'vigil_'.length);
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

const text = (q: string, n: SyntaxNode): string => q.slice(n.from, n.to);

function promNodes(q: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  parser.parse(q).iterate({ enter: (n) => { out.push(n.node); } });
  return out;
}

interface Parsed { errors: string[]; metrics: string[]; selectors: { metric: string; text: string }[] }

function parsePromql(q: string): Parsed {
  const all = promNodes(q);
  const errors = all.filter((n) => n.type.isError).map((n) => `syntax error at ${n.from}: …${q.slice(Math.max(0, n.from - 20), n.from + 20)}…`);
  const selectors: Parsed['selectors'] = [];
  for (const vs of all.filter((n) => n.name === 'VectorSelector')) {
    const id = vs.getChild('Identifier');
    let metric = id ? text(q, id) : '';
    if (!metric) {
      // {__name__="x"}
      const m = /__name__\s*=\s*"([^"]+)"/.exec(text(q, vs));
      metric = m?.[1] ?? '';
    }
    selectors.push({ metric, text: text(q, vs) });
  }
  if (all[0]?.name !== 'PromQL') errors.push('not a PromQL expression');
  return { errors, metrics: [...new Set(selectors.map((s) => s.metric))], selectors };
}

// ---------------------------------------------------------------------------------------------------------------
// What may come back empty in the live stack, and why. The stack runs two podman containers (the idle one with a
// CPU quota and a memory limit, far above what it uses), outside Kubernetes, with a Loki stand-in and no node-exporter or kube-state-metrics.

const NO_CPU_QUOTA = 'the only container with a CPU quota is idle, so it is never throttled (the panels list throttling > 0)';

/** Whole expressions (origin › item › refId) that are empty in the stack, and why. */
const ALLOWED_EMPTY: Record<string, string> = {
  'vigil-cluster-overview › Top 10 CPU-throttled containers › A': NO_CPU_QUOTA,
  'vigil-workload › CPU throttling › A': NO_CPU_QUOTA,
  'vigil-recording.yml › namespace_pod_container:vigil_container_cpu_cfs_throttled_periods:ratio_rate5m › ': NO_CPU_QUOTA,
  'vigil-cluster-overview › OOM kills in range › A': 'lists containers with an OOM kill (> 0); nothing is OOM-killed in the stack',
  'vigil-vulnerabilities › Scan failures by code › A': 'vigil_image_scan_failures_total gets a series with the first failed scan; every live scan succeeds',
  'vigil-runtime-security › Folded duplicates › A': 'vigil_alerts_deduplicated_total gets a series when a dedup window closes with folded repeats, which need not have happened yet',
};

/** Single selectors (by metric name) that the stack cannot produce, and why. */
const ALLOWED_EMPTY_SELECTORS: Record<string, string> = {
  vigil_image_scan_failures_total: 'no live scan fails',
  vigil_alerts_deduplicated_total: 'no dedup window need have closed yet',
};

const siteKey = (s: QuerySite): string => `${s.origin} › ${s.item} › ${s.refId}`;

// ---------------------------------------------------------------------------------------------------------------

const dashSites = dashboardQueries(loadDashboards()).filter((s) => s.language === 'promql');
const alertSites = alertingQueries().filter((s) => s.language === 'promql');
const ruleSites = prometheusRuleQueries();
const allSites = [...dashSites, ...alertSites, ...ruleSites];

describe('PromQL, offline', () => {
  test('every allowed-empty entry names a query that exists', () => {
    const keys = new Set(allSites.map(siteKey));
    for (const k of Object.keys(ALLOWED_EMPTY)) assert.ok(keys.has(k), `ALLOWED_EMPTY: no query ${k}`);
    const metrics = new Set(allSites.flatMap((s) => parsePromql(substitute(s.expr, s.vars)).metrics));
    for (const m of Object.keys(ALLOWED_EMPTY_SELECTORS)) assert.ok(metrics.has(m), `ALLOWED_EMPTY_SELECTORS: no query reads ${m}`);
  });

  test('there is PromQL to check', () => {
    assert.ok(dashSites.filter((s) => s.kind === 'panel').length >= 100, `${dashSites.length} dashboard PromQL queries`);
    assert.ok(DOCUMENTED.names.has('vigil_container_fs_write_bytes_total') && DOCUMENTED.names.has('vigil_loki_spool_bytes') && DOCUMENTED.names.has('vigil_capture_bytes'));
    assert.ok(!isDocumented('vigil_container_memory_rss_bytes') && !isDocumented('vigil_nope') && isDocumented('vigil_process_cpu_seconds_total') && isDocumented('vigil_image_scan_duration_seconds_bucket'));
  });

  for (const s of allSites) {
    test(`${s.where}: parses; reads only documented metrics`, () => {
      const expr = substitute(s.expr, s.vars);
      const p = parsePromql(expr);
      assert.deepEqual(p.errors, [], expr);
      assert.ok(p.metrics.length > 0, `no metric in ${expr}`);
      const foreign = foreignExporter(s.panel);
      for (const m of p.metrics) {
        if (foreign === 'node-exporter' && m.startsWith('node_')) continue;
        if (foreign === 'kube-state-metrics' && m.startsWith('kube_')) continue;
        if (s.kind !== 'panel' && s.kind !== 'variable' && PROMETHEUS_SERIES.has(m)) continue;
        assert.ok(isDocumented(m) || RECORDING_RULES.has(m), `${m} is neither in docs/metrics.md / docs/loki.md nor a recording rule in provisioning/prometheus/rules`);
      }
    });
  }
});

const skip = liveStackSkipReason();

describe('PromQL against the live stack', { skip, timeout: 25 * 60_000 }, () => {
  let stack: LiveStack | undefined;
  before(async () => {
    stack = await startLiveStack();
    // Rates over 1m and increases need a few scrapes of every family after the stack's own readiness.
    await stack.waitForSeries('rate(vigil_container_syscalls_total[1m]) > 0', 60_000);
    await stack.waitForSeries('vigil_image_scan_duration_seconds_count > 0', 60_000);
  }, { timeout: 20 * 60_000 });
  after(() => stack?.stop());

  const run = async (expr: string, range: boolean): Promise<number> => seriesCount(await stack!.query(expr, range ? { range: true, stepSeconds: 15 } : {}));

  for (const s of allSites) {
    test(s.where, async () => {
      const expr = substitute(s.expr, s.vars);
      const foreign = foreignExporter(s.panel);
      const isRange = s.kind === 'panel' && (s.panel?.targets?.find((t) => t.refId === s.refId) as { instant?: boolean } | undefined)?.instant !== true;
      const n = await run(expr, isRange);
      const alertRule = s.kind === 'grafana-alert' || (s.kind === 'prometheus-rule' && !RECORDING_RULES.has(s.item));
      // An alert expression is empty while nothing is wrong; its selectors (below) must still find data.
      if (!foreign && !alertRule && !(siteKey(s) in ALLOWED_EMPTY)) assert.ok(n > 0, `no series for ${expr}`);
      if (foreign) return;
      for (const sel of parsePromql(expr).selectors) {
        if (RECORDING_RULES.has(sel.metric) || sel.metric in ALLOWED_EMPTY_SELECTORS || siteKey(s) in ALLOWED_EMPTY) continue;
        assert.ok((await run(sel.text, false)) > 0, `selector ${sel.text} finds no series`);
      }
    });
  }

  test('a selected node gives the same data as All', async () => {
    const node = stack!.nodeName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const s of dashSites.filter((x) => x.kind === 'panel' && /\$\{?node\b/.test(x.expr) && !(siteKey(x) in ALLOWED_EMPTY))) {
      const expr = substitute(s.expr, s.vars, { node });
      assert.ok((await run(expr, false)) > 0, `${s.where}: no series with node=${node}: ${expr}`);
    }
  });
});
