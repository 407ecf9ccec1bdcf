// The dashboards' structure: parseable, schemaVersion 42, fixed file names and uids, panel ids, data sources that
// are the dashboard's variables, defined variables only, links that lead somewhere, and the JSON exactly as
// dashboards/generate.mjs writes it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIORITIES } from '../../src/alerts/types.js';
import {
  APP_PAGES, DASHBOARD_DIR, INSPECT_PARAMS, allLinks, allPanels, dsKind, foreignExporter, isBuiltin, isLayoutPanel,
  linkVarParams, loadDashboards, varRefs, variables, type Dashboard, type DashboardFile,
} from './grafana-queries.js';

const FIXED: Record<string, string> = {
  'vigil-cluster-overview.json': 'vigil-cluster-overview',
  'vigil-node.json': 'vigil-node',
  'vigil-workload.json': 'vigil-workload',
  'vigil-runtime-security.json': 'vigil-runtime-security',
  'vigil-vulnerabilities.json': 'vigil-vulnerabilities',
};

const files = loadDashboards();
const byUid = new Map(files.map((f) => [f.dashboard.uid, f.dashboard]));

/** Every string in the dashboard that Grafana interpolates: targets, variable queries, links, titles. */
function interpolated(d: Dashboard): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const p of allPanels(d)) {
    if (p.title) out.push({ where: `panel ${p.id} title`, text: p.title });
    for (const t of p.targets ?? []) {
      if (typeof t.expr === 'string') out.push({ where: `${p.title} › ${t.refId}`, text: t.expr });
      const legend = (t as { legendFormat?: unknown }).legendFormat;
      if (typeof legend === 'string') out.push({ where: `${p.title} › ${t.refId} legend`, text: legend });
    }
  }
  for (const v of variables(d)) {
    const q = v.query;
    const texts = typeof q === 'string' ? [q] : q && typeof q === 'object' ? Object.values(q as Record<string, unknown>).filter((x): x is string => typeof x === 'string') : [];
    for (const t of texts) out.push({ where: `variable ${v.name}`, text: t });
    if (v.definition) out.push({ where: `variable ${v.name} definition`, text: v.definition });
  }
  return out;
}

describe('dashboards', () => {
  test('the five fixed files exist, parse, and carry their fixed uids; uids are unique', () => {
    assert.deepEqual(files.map((f) => f.file).sort(), Object.keys(FIXED).sort());
    for (const { file, dashboard } of files) assert.equal(dashboard.uid, FIXED[file], file);
    assert.equal(new Set(files.map((f) => f.dashboard.uid)).size, files.length);
  });

  test('the JSON is exactly what dashboards/generate.mjs writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-dash-'));
    try {
      // The generator is plain ESM JavaScript; run it in a child so its output is compared byte for byte.
      const script = join(dir, 'render.mjs');
      writeFileSync(script, `import { renderDashboards } from ${JSON.stringify(join(DASHBOARD_DIR, 'generate.mjs'))};\nprocess.stdout.write(JSON.stringify(renderDashboards()));\n`);
      const rendered = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' })) as Record<string, string>;
      assert.deepEqual(Object.keys(rendered).sort(), Object.keys(FIXED).sort());
      for (const [file, text] of Object.entries(rendered)) {
        assert.ok(readFileSync(join(DASHBOARD_DIR, file), 'utf8') === text, `dashboards/${file} differs from generate.mjs: run node dashboards/generate.mjs`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const f of files) {
    const { file, dashboard: d } = f;
    describe(file, () => {
      const vars = variables(d);
      const names = new Set(vars.map((v) => v.name));

      test('schemaVersion 42, a title, tag vigil, no fixed numeric id', () => {
        assert.equal(d.schemaVersion, 42);
        assert.ok(d.title.startsWith('Vigil / '), d.title);
        assert.ok(d.tags?.includes('vigil'));
        assert.equal((d as { id?: unknown }).id ?? null, null);
      });

      test('data source variables default to the provisioned uids; node, namespace and pod variables exist', () => {
        const ds = vars.find((v) => v.name === 'datasource');
        assert.equal(ds?.type, 'datasource');
        assert.equal(ds?.query, 'prometheus');
        assert.equal(ds?.current?.value, 'vigil-prometheus');
        const usesLoki = allPanels(d).some((p) => dsKind(p.datasource, d) === 'loki');
        const lokiVar = vars.find((v) => v.name === 'loki');
        assert.equal(lokiVar !== undefined, usesLoki, 'a loki variable exactly when a panel queries Loki');
        if (lokiVar) {
          assert.equal(lokiVar.type, 'datasource');
          assert.equal(lokiVar.query, 'loki');
          assert.equal(lokiVar.current?.value, 'vigil-loki');
        }
        for (const n of ['node', 'namespace', 'pod']) assert.ok(names.has(n), `variable ${n}`);
        assert.equal(names.size, vars.length, 'variable names are unique');
      });

      test('every panel has a unique id, a grid position, and a data source that is a variable of the dashboard', () => {
        const ids = new Set<number>();
        for (const p of allPanels(d)) {
          assert.equal(typeof p.id, 'number', `${p.title}: id`);
          assert.ok(!ids.has(p.id!), `${p.title}: id ${p.id} used twice`);
          ids.add(p.id!);
          const g = p.gridPos;
          assert.ok(g && g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24, `${p.title}: gridPos ${JSON.stringify(g)}`);
          if (isLayoutPanel(p)) continue;
          assert.ok(p.title, `panel ${p.id}: title`);
          const refs = [p.datasource, ...(p.targets ?? []).map((t) => t.datasource ?? p.datasource)];
          for (const ref of refs) {
            const m = /^\$\{([A-Za-z0-9_]+)\}$/.exec(ref?.uid ?? '');
            assert.ok(m, `${p.title}: data source ${JSON.stringify(ref)} is not a variable reference`);
            const v = vars.find((x) => x.name === m[1]);
            assert.equal(v?.type, 'datasource', `${p.title}: \${${m[1]}} is not a data source variable`);
            assert.equal(ref?.type, v?.query, `${p.title}: data source type ${ref?.type} vs variable ${v?.name} (${String(v?.query)})`);
          }
          assert.ok((p.targets ?? []).length > 0, `${p.title}: no query`);
          const refIds = (p.targets ?? []).map((t) => t.refId);
          assert.equal(new Set(refIds).size, refIds.length, `${p.title}: refIds unique`);
        }
        // Layout: no two panels overlap.
        const cells = new Set<string>();
        for (const p of allPanels(d)) {
          const g = p.gridPos;
          if (!g) continue;
          for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
            const k = `${x},${y}`;
            assert.ok(!cells.has(k), `${p.title} overlaps another panel at ${k}`);
            cells.add(k);
          }
        }
      });

      test('query variables use a data source variable; every variable a query or link uses is defined', () => {
        for (const v of vars) {
          if (v.type !== 'query') continue;
          const m = /^\$\{([A-Za-z0-9_]+)\}$/.exec(v.datasource?.uid ?? '');
          assert.ok(m && names.has(m[1]!), `variable ${v.name}: data source ${JSON.stringify(v.datasource)}`);
        }
        const texts = [...interpolated(d), ...allLinks(f).map((l) => ({ where: l.where, text: l.link.url ?? '' }))];
        for (const { where, text } of texts) {
          for (const r of varRefs(text)) {
            if (isBuiltin(r.name)) continue;
            assert.ok(names.has(r.name), `${where}: ${r.text} is not defined`);
          }
        }
        // A variable refers only to variables defined before it (Grafana resolves them in order).
        vars.forEach((v, i) => {
          const earlier = new Set(vars.slice(0, i).map((x) => x.name));
          const q = typeof v.query === 'string' ? v.query : JSON.stringify(v.query ?? '');
          for (const r of varRefs(q)) if (!isBuiltin(r.name)) assert.ok(earlier.has(r.name), `variable ${v.name} uses ${r.text} defined after it`);
        });
      });

      test('multi-valued variables are used with regex matchers only', () => {
        const multi = vars.filter((v) => v.multi || v.includeAll).map((v) => v.name);
        for (const { where, text } of interpolated(d)) {
          for (const name of multi) {
            // name="$x" would never match "a|b" or ".*"
            const eq = new RegExp(`[A-Za-z_]\\s*!?=\\s*"[^"]*\\$\\{?${name}\\b`);
            assert.ok(!eq.test(text), `${where}: $${name} is multi-valued but used with = or != in ${text}`);
          }
        }
      });

      test('links lead to existing dashboards (with their variables) or to the app\'s pages', () => {
        const links = allLinks(f);
        assert.ok(links.length > 0);
        for (const { where, link } of links) {
          if (link.type === 'dashboards') {
            const tags = link.tags ?? [];
            assert.ok(tags.length > 0, `${where}: a dashboards link without tags lists every dashboard`);
            assert.ok(files.some((o) => o.dashboard.uid !== d.uid && tags.every((t) => o.dashboard.tags?.includes(t))), `${where}: no other dashboard has tags ${tags}`);
            continue;
          }
          const url = link.url ?? '';
          const path = url.split(/[?#]/)[0]!;
          const params = linkVarParams(url);
          const dash = /^\/d\/([A-Za-z0-9_-]+)(?:\/[A-Za-z0-9_-]*)?$/.exec(path);
          const app = /^\/a\/vigil-security-app\/([a-z-]+)(\/.+)?$/.exec(path);
          if (dash) {
            const target = byUid.get(dash[1]!);
            assert.ok(target, `${where}: no dashboard with uid ${dash[1]} (${url})`);
            const targetVars = new Set(variables(target).map((v) => v.name));
            for (const p of params) assert.ok(targetVars.has(p), `${where}: ${dash[1]} has no variable ${p}`);
          } else if (app) {
            const page = app[1]!;
            assert.ok((APP_PAGES as readonly string[]).includes(page), `${where}: the app has no page ${page}`);
            if (app[2] !== undefined) assert.equal(page, 'image-scans', `${where}: only image-scans has sub-pages (${url})`);
            if (page === 'image-scans' && app[2] !== undefined) assert.match(app[2], /:percentencode\}$/, `${where}: an image reference must be URL-encoded`);
            if (page === 'inspect') assert.deepEqual([...params].sort(), [...INSPECT_PARAMS].sort(), `${where}: inspect takes ${INSPECT_PARAMS}`);
            else assert.deepEqual(params, [], `${where}: ${page} takes no var- parameters`);
          } else {
            assert.fail(`${where}: ${url} is neither /d/<uid> nor /a/vigil-security-app/<page>`);
          }
        }
      });

      // Grafana draws a dashboard link's icon from linkIconMap (public/app/features/dashboard/components/
      // LinksSettings): an icon name outside these keys is kept in the JSON but shows nothing.
      test('dashboard links use icon names Grafana knows', () => {
        const GRAFANA_LINK_ICONS = new Set(['external link', 'dashboard', 'question', 'info', 'bolt', 'doc', 'cloud']);
        assert.ok((d.links ?? []).length > 0);
        for (const l of d.links ?? []) assert.ok(GRAFANA_LINK_ICONS.has(l.icon ?? ''), `${l.title}: icon ${JSON.stringify(l.icon)} is not one of ${[...GRAFANA_LINK_ICONS].join(', ')}`);
      });

      test('panels that need node-exporter or kube-state-metrics say so in title and description, and are few', () => {
        let n = 0;
        for (const p of allPanels(d)) {
          const foreign = foreignExporter(p);
          const exprs = (p.targets ?? []).map((t) => t.expr ?? '').join(' ');
          const usesNodeExporter = /\bnode_[a-z]/.test(exprs.replace(/\{[^}]*\}/g, ''));
          const usesKsm = /\bkube_[a-z]/.test(exprs);
          if (usesNodeExporter) assert.equal(foreign, 'node-exporter', `${p.title}: uses node-exporter metrics`);
          if (usesKsm) assert.equal(foreign, 'kube-state-metrics', `${p.title}: uses kube-state-metrics`);
          if (foreign) {
            n++;
            assert.ok(p.title?.includes(`(${foreign})`), `${p.title}: the title names ${foreign}`);
          }
        }
        assert.ok(n <= 2, `${n} panels need other exporters`);
      });

      if (d.uid === 'vigil-runtime-security') {
        test('the priority variable lists the eight alert priorities in order', () => {
          const v = vars.find((x) => x.name === 'priority');
          assert.equal(v?.query, PRIORITIES.join(','));
        });
      }
    });
  }

  test('the dashboards cover what Node Exporter Full / Kubernetes Views / Trivy Operator show for containers and images', () => {
    const all = files.flatMap((f: DashboardFile) => allPanels(f.dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''))).join('\n');
    for (const m of [
      'vigil_container_cpu_usage_seconds_total', 'vigil_container_cpu_cfs_throttled_periods_total', 'vigil_container_cpu_limit_cores',
      'vigil_container_memory_working_set_bytes', 'vigil_container_memory_usage_bytes', 'vigil_container_memory_limit_bytes',
      'vigil_container_oom_kills_total', 'vigil_container_fs_read_bytes_total', 'vigil_container_fs_write_bytes_total',
      'vigil_container_network_receive_bytes_total', 'vigil_container_network_transmit_bytes_total', 'vigil_container_pids',
      'vigil_container_process_exits_total', 'vigil_container_syscalls_total', 'vigil_container_execs_total', 'vigil_container_connects_total',
      'vigil_sensor_events_lost_total', 'vigil_sensor_loader_up', 'vigil_sensor_hook_active', 'vigil_image_vulnerabilities',
      'vigil_workload_vulnerabilities', 'vigil_image_policy_violations', 'vigil_vulndb_age_seconds', 'vigil_alerts_total',
      'count_over_time({job="vigil", stream="alert"',
    ]) assert.ok(all.includes(m), `no panel queries ${m}`);
    const types = new Set(files.flatMap((f) => allPanels(f.dashboard).map((p) => p.type)));
    assert.ok(types.has('logs'), 'a logs panel');
  });
});
