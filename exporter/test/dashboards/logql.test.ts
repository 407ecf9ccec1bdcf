// Every LogQL expression of the dashboards and of the Grafana alert rules (provisioning/grafana/alerting, rules
// on vigil-loki) parsed with Grafana's own LogQL grammar (@grafana/lezer-logql), after template variables are
// substituted as Grafana would. Stream selectors may use only the sink's stream labels (LOKI_STREAM_LABELS);
// label filters, groupings and line_format fields after `| json` only the keys the sink's lines have. Those keys
// are derived from the alert and activity types below: the compiler checks each key tree is complete.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';
import { LOKI_STREAM_LABELS } from '../../src/alerts/loki/labels.js';
import { PRIORITIES, type Alert, type ResponseOutcome } from '../../src/alerts/types.js';
import type {
  ContainerRef, Endpoint, ExecArgs, ExitArgs, ForkArgs, K8sRef, ModuleArgs, MountArgs, NetArgs, OpenArgs, ProcessInfo, PtraceArgs, SetidArgs, VigilEvent,
} from '../../src/events/types.js';
import type { ActivityEntry } from '../../src/recorder/entry.js';
import { allFields } from '../../src/rules/fields/index.js';
import { ALERTING_DIR, alertingQueries, dashboardQueries, loadDashboards, substitute, type QuerySite } from './grafana-queries.js';

// ---------------------------------------------------------------------------------------------------------------
// The JSON keys of the sink's lines (docs/loki.md). `satisfies Record<keyof T, …>` makes tsc fail when a type
// gains or loses a key and this tree does not follow. Arrays are left out: Loki's `| json` skips them.

type Tree = 'leaf' | 'array' | 'output_fields' | { [key: string]: Tree };
type AllKeys<U> = U extends unknown ? keyof U : never;

const ENDPOINT = { ip: 'leaf', port: 'leaf' } satisfies Record<keyof Endpoint, Tree>;
const CONTAINER = {
  id: 'leaf', runtime: 'leaf', name: 'leaf', image: 'leaf', image_digest: 'leaf', privileged: 'leaf', metadata_pending: 'leaf',
} satisfies Record<keyof ContainerRef, Tree>;
const K8S = { ns: 'leaf', pod: 'leaf', pod_uid: 'leaf', container: 'leaf', workload_kind: 'leaf', workload: 'leaf' } satisfies Record<keyof K8sRef, Tree>;
const PROC = {
  pid: 'leaf', tid: 'leaf', name: 'leaf', uid: 'leaf', gid: 'leaf', ppid: 'leaf', exe: 'leaf', argv: 'array', cmdline: 'leaf', cwd: 'leaf',
  euid: 'leaf', egid: 'leaf', loginuid: 'leaf', tty: 'leaf', start_ns: 'leaf',
} satisfies Record<keyof ProcessInfo, Tree>;
const EVENT = {
  time: 'leaf', ts: 'leaf', node: 'leaf', cpu: 'leaf', cgroup_id: 'leaf', mntns: 'leaf', pidns: 'leaf', proc: PROC, ancestors: 'array',
  container: CONTAINER, k8s: K8S, truncated: 'leaf', type: 'leaf',
  exec: { filename: 'leaf', upper_layer: 'leaf', memfd: 'leaf', overlay: 'leaf', cap_effective: 'leaf', cap_permitted: 'leaf', env: 'array' } satisfies Record<keyof ExecArgs, Tree>,
  fork: { child_pid: 'leaf', child_tid: 'leaf', thread: 'leaf' } satisfies Record<keyof ForkArgs, Tree>,
  exit: { code: 'leaf', signal: 'leaf', core_dumped: 'leaf' } satisfies Record<keyof ExitArgs, Tree>,
  open: {
    syscall: 'leaf', path: 'leaf', res: 'leaf', flags: 'leaf', flag_names: 'array', mode: 'leaf', file_type: 'leaf', dev: 'leaf', ino: 'leaf',
  } satisfies Record<keyof OpenArgs, Tree>,
  net: { syscall: 'leaf', res: 'leaf', fd: 'leaf', family: 'leaf', proto: 'leaf', local: ENDPOINT, remote: ENDPOINT, unix_path: 'leaf' } satisfies Record<keyof NetArgs, Tree>,
  setid: { syscall: 'leaf', res: 'leaf', ids: 'array', euid_before: 'leaf' } satisfies Record<keyof SetidArgs, Tree>,
  ptrace: { res: 'leaf', request: 'leaf', request_name: 'leaf', target_pid: 'leaf' } satisfies Record<keyof PtraceArgs, Tree>,
  mount: { res: 'leaf', source: 'leaf', target: 'leaf', fstype: 'leaf', flags: 'leaf' } satisfies Record<keyof MountArgs, Tree>,
  module: { syscall: 'leaf', res: 'leaf', fd: 'leaf', args: 'leaf' } satisfies Record<keyof ModuleArgs, Tree>,
} satisfies Record<AllKeys<VigilEvent>, Tree>;
const RESPONSE = {
  action: 'leaf', result: 'leaf', reason: 'leaf',
  target: { pid: 'leaf', container: 'leaf' } satisfies Record<keyof ResponseOutcome['target'], Tree>,
} satisfies Record<keyof ResponseOutcome, Tree>;
const ALERT_LINE = {
  time: 'leaf', rule: 'leaf', priority: 'leaf', output: 'leaf', output_fields: 'output_fields', tags: 'array', hostname: 'leaf', source: 'leaf',
  uuid: 'leaf', ts: 'leaf', count: 'leaf', capture_id: 'leaf', container: CONTAINER, k8s: K8S, event: EVENT, response: RESPONSE,
} satisfies Record<keyof Alert, Tree>;
/** The sink marks a line it had to shorten (alertLine in exporter/src/alerts/loki/entries.ts). */
const ALERT_SINK_KEYS = { loki_truncated: 'leaf' } as const;
const ACTIVITY_LINE = {
  ts: 'leaf', pid: 'leaf', tid: 'leaf', name: 'leaf', uid: 'leaf', ppid: 'leaf', truncated: 'leaf', type: 'leaf',
  exe: 'leaf', cmdline: 'leaf', cwd: 'leaf', euid: 'leaf', loginuid: 'leaf', tty: 'leaf', start_ns: 'leaf', upper_layer: 'leaf', memfd: 'leaf',
  child_pid: 'leaf', thread: 'leaf', code: 'leaf', signal: 'leaf', core_dumped: 'leaf', path: 'leaf', res: 'leaf', flags: 'leaf', write: 'leaf',
  file_type: 'leaf', proto: 'leaf', family: 'leaf', local: ENDPOINT, remote: ENDPOINT, unix_path: 'leaf', syscall: 'leaf', ids: 'array',
  euid_before: 'leaf', request: 'leaf', target_pid: 'leaf', source: 'leaf', target: 'leaf', fstype: 'leaf', args: 'leaf',
} satisfies Record<AllKeys<ActivityEntry>, Tree>;

/** Loki's `| json` label name for a key path: joined with `_`, characters outside [A-Za-z0-9_] become `_`. */
const sanitize = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');

function flatten(tree: { [key: string]: Tree }, prefix: string, out: Set<string>, prefixes: Set<string>): void {
  for (const [k, v] of Object.entries(tree)) {
    const name = prefix + sanitize(k);
    if (v === 'leaf') out.add(name);
    else if (v === 'output_fields') {
      // The rule's output fields: Falco field names (proc.name -> output_fields_proc_name); fields with an
      // argument (proc.aname[2], evt.arg.path) reach any name under their base.
      for (const f of allFields()) {
        const base = `${name}_${sanitize(f.name)}`;
        if (f.arg === 'none' || f.arg.startsWith('optional')) out.add(base);
        if (f.arg !== 'none') prefixes.add(`${base}_`);
      }
    } else if (v !== 'array') flatten(v, `${name}_`, out, prefixes);
  }
}

interface FieldSet { names: Set<string>; prefixes: Set<string> }
function lineFields(): FieldSet {
  const names = new Set<string>();
  const prefixes = new Set<string>();
  flatten({ ...ALERT_LINE, ...ALERT_SINK_KEYS }, '', names, prefixes);
  // An activity line is a recorder entry or a whole event (docs/loki.md), always with capture_id first.
  flatten({ ...ACTIVITY_LINE, capture_id: 'leaf' }, '', names, prefixes);
  flatten(EVENT, '', names, prefixes);
  // A JSON key that is also a stream label is renamed <key>_extracted by Loki.
  for (const l of LOKI_STREAM_LABELS) if (names.has(l)) names.add(`${l}_extracted`);
  // Loki's own labels for parse errors.
  names.add('__error__');
  names.add('__error_details__');
  return { names, prefixes };
}

const FIELDS = lineFields();
const STREAM_LABELS = new Set<string>(LOKI_STREAM_LABELS);
const isLineField = (n: string): boolean => STREAM_LABELS.has(n) || FIELDS.names.has(n) || [...FIELDS.prefixes].some((p) => n.startsWith(p));

// ---------------------------------------------------------------------------------------------------------------
// Checking one expression

const text = (q: string, n: SyntaxNode): string => q.slice(n.from, n.to);
const unquote = (s: string): string => (s.startsWith('`') ? s.slice(1, -1) : (JSON.parse(s) as string));

function nodes(q: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  parser.parse(q).iterate({ enter: (n) => { out.push(n.node); } });
  return out;
}

/** Problems found in one (already substituted) LogQL expression; empty = fine. */
export function checkLogql(q: string, opts: { streamOnly?: boolean } = {}): string[] {
  const problems: string[] = [];
  const all = nodes(q);
  if (all[0]?.name !== 'LogQL') problems.push('not a LogQL expression');
  for (const n of all) if (n.type.isError) problems.push(`syntax error at ${n.from}: …${q.slice(Math.max(0, n.from - 20), n.from + 20)}…`);
  if (opts.streamOnly && !/^\s*\{[^}]*\}\s*$/.test(q)) problems.push('a variable query must be a stream selector only');
  const selectors = all.filter((n) => n.name === 'Selector');
  const parsers = all.filter((n) => n.name === 'LabelParser' || n.name === 'JsonExpressionParser' || n.name === 'LogfmtParser' || n.name === 'LogfmtExpressionParser');
  if (selectors.length === 0) problems.push('no stream selector');
  /** Is there a `| json` between the selector this position belongs to and the position? */
  const parsedAt = (pos: number): boolean => {
    const sel = selectors.filter((s) => s.to <= pos).at(-1);
    return sel !== undefined && parsers.some((p) => p.from > sel.to && p.to <= pos && text(q, p) === 'json');
  };
  const anyJson = parsers.some((p) => text(q, p) === 'json');

  for (const p of parsers) if (text(q, p) !== 'json') problems.push(`parser "${text(q, p)}": the sink writes JSON lines, use | json`);

  for (const m of all.filter((n) => n.name === 'Matcher')) {
    const id = m.getChild('Identifier');
    const str = m.getChild('String');
    if (!id) continue;
    const name = text(q, id);
    const inSelector = m.parent?.name === 'Matchers';
    const opNode = id.nextSibling;
    const op = opNode ? text(q, opNode) : '';
    const value = str ? unquote(text(q, str)) : '';
    if (inSelector) {
      if (!STREAM_LABELS.has(name)) problems.push(`stream selector label ${name} is not a stream label (${LOKI_STREAM_LABELS.join(', ')})`);
    } else if (parsedAt(m.from)) {
      if (!isLineField(name)) problems.push(`label filter on ${name}: neither a stream label nor a JSON field of the sink's lines`);
    } else if (!STREAM_LABELS.has(name)) {
      problems.push(`label filter on ${name} before | json: only stream labels exist there`);
    }
    // Fixed value sets: a literal that can never match is a typo.
    if ((op === '=' || op === '=~') && (name === 'stream' || name === 'priority' || name === 'job') && /^[A-Za-z|]+$/.test(value)) {
      const allowed = name === 'stream' ? ['alert', 'activity'] : name === 'priority' ? [...PRIORITIES] : ['vigil'];
      for (const alt of value.split('|')) if (!allowed.includes(alt)) problems.push(`${name}${op}"${value}": ${alt} is not one of ${allowed.join(', ')}`);
    }
  }
  // Grouping labels (sum by (...)) must exist on the series: stream labels, or line fields when the query parses.
  for (const g of all.filter((n) => n.name === 'Grouping')) {
    for (const id of g.getChildren('Labels').flatMap((l) => l.getChildren('Identifier'))) {
      const name = text(q, id);
      if (!(STREAM_LABELS.has(name) || (anyJson && isLineField(name)))) problems.push(`grouping by ${name}: no such label${anyJson ? ' or JSON field' : ' (no | json in the query)'}`);
    }
  }
  // line_format / label_format templates: {{.name}} must be a label at that point.
  for (const f of all.filter((n) => n.name === 'LineFormatExpr' || n.name === 'LabelFormatExpr')) {
    const tpl = f.getChild('String') ?? f.getChild('LabelsFormat');
    if (!tpl) continue;
    for (const m of text(q, tpl).matchAll(/\{\{[^}]*?\.([A-Za-z_][A-Za-z0-9_]*)[^}]*\}\}/g)) {
      const name = m[1]!;
      const ok = STREAM_LABELS.has(name) || (parsedAt(f.from) && isLineField(name));
      if (!ok) problems.push(`template field .${name} in ${text(q, f).slice(0, 60)}: no such label or JSON field`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------

const dashboardSites = dashboardQueries(loadDashboards()).filter((s) => s.language === 'logql');
const alertSites = alertingQueries().filter((s) => s.language === 'logql');

/** Substitutions: Grafana's defaults (All = .*, empty text boxes), and a concrete multi-value selection. */
function variants(s: QuerySite): { label: string; expr: string }[] {
  const chosen: Record<string, string> = {};
  for (const v of s.vars) {
    if (v.type === 'query' || v.type === 'custom') chosen[v.name] = v.name === 'priority' ? 'Critical|Error' : `${v.name}-a|${v.name}-b`;
    if (v.type === 'textbox') chosen[v.name] = 'cap-0b6f3c52';
  }
  return [
    { label: 'defaults', expr: substitute(s.expr, s.vars) },
    { label: 'selected values', expr: substitute(s.expr, s.vars, chosen) },
  ];
}

describe('LogQL', () => {
  test('the checker itself finds what it must', () => {
    assert.deepEqual(checkLogql('{job="vigil", stream="alert"} | json | k8s_workload="frontend" | line_format "{{.output}}"'), []);
    assert.deepEqual(checkLogql('sum by (priority) (count_over_time({job="vigil", stream="alert"}[5m]))'), []);
    assert.deepEqual(checkLogql('{job="vigil", stream="alert"} | json | output_fields_proc_name="sh" and event_net_remote_ip!=""'), []);
    assert.match(checkLogql('{job="vigil", image="x"}').join(), /image is not a stream label/);
    assert.match(checkLogql('{job="vigil"} | json | k8s_workloads="x"').join(), /k8s_workloads: neither/);
    assert.match(checkLogql('{job="vigil"} | k8s_workload="x"').join(), /before \| json/);
    assert.match(checkLogql('{job="vigil"} | json | tags="x"').join(), /tags: neither/);
    assert.match(checkLogql('{job="vigil"} | json | output_fields_proc_nam="x"').join(), /output_fields_proc_nam: neither/);
    assert.match(checkLogql('{job="vigil" | json').join(), /syntax error/);
    assert.match(checkLogql('{job="vigil", stream="alerts"}').join(), /alerts is not one of/);
    assert.match(checkLogql('{job="vigil"} | logfmt').join(), /use \| json/);
    assert.match(checkLogql('sum by (image) (count_over_time({job="vigil"}[5m]))').join(), /grouping by image/);
    assert.match(checkLogql('{job="vigil"} | json | line_format "{{.outptu}}"').join(), /\.outptu/);
    // The key trees follow the real line shapes (types.ts, entry.ts): nested keys flatten with _.
    for (const k of ['k8s_workload', 'container_image', 'response_target_pid', 'event_proc_cmdline', 'event_exec_filename', 'capture_id', 'remote_ip', 'rule_extracted', 'output_fields_proc_aname_2_']) {
      assert.ok(isLineField(k), k);
    }
  });

  test('the dashboards have LogQL to check (panels and Loki variables)', () => {
    assert.ok(dashboardSites.filter((s) => s.kind === 'panel').length >= 15, `${dashboardSites.length} LogQL panel queries`);
    assert.ok(dashboardSites.some((s) => s.kind === 'variable'));
  });

  for (const s of dashboardSites) {
    test(`${s.where}`, () => {
      if (s.kind === 'variable') assert.ok(STREAM_LABELS.has(s.label ?? ''), `label_values of ${s.label}: not a stream label`);
      for (const v of variants(s)) assert.deepEqual(checkLogql(v.expr, { streamOnly: s.kind === 'variable' }), [], `${v.label}: ${v.expr}`);
    });
  }

  describe('Grafana alert rules on vigil-loki', () => {
    test('provisioning/grafana/alerting has Loki rules to check', () => {
      assert.ok(existsSync(ALERTING_DIR), `${ALERTING_DIR} is missing`);
      assert.ok(alertSites.length >= 1, 'no alert rule queries vigil-loki');
    });
    for (const s of alertSites) {
      test(s.where, () => {
        const expr = substitute(s.expr, []);
        assert.deepEqual(checkLogql(expr), [], expr);
        // Grafana can only alert on numbers: a Loki alert query must be a metric query.
        assert.ok(nodes(expr).some((n) => n.name === 'MetricExpr'), `${s.where}: needs a metric query such as count_over_time(...)`);
      });
    }
  });
});
