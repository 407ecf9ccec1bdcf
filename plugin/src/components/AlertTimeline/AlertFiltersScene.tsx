import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  SceneObjectBase,
  SceneObjectUrlSyncConfig,
  sceneGraph,
  type SceneComponentProps,
  type SceneObjectState,
  type SceneObjectUrlValues,
} from '@grafana/scenes';
import { Field, Input, MultiSelect, useStyles2 } from '@grafana/ui';
import { ALERT_PRIORITIES, MAX_MATCHER_VALUES, MAX_TEXT_FILTER, isPriority, type AlertFilters } from '../../services/logql';
import { promSamples } from '../../services/inspectQueries';
import { DASHBOARD_UIDS, dashboardUrl } from '../../constants';
import { testIds } from '../testIds';
import { PageLinks, onlyValue } from '../PageLinks/PageLinks';
import { PriorityLabel } from './priority';

/** URL keys: the shared var-* convention, so other pages and dashboards can link to a filtered timeline. */
export const ALERT_FILTER_URL_KEYS = {
  node: 'var-node',
  namespace: 'var-namespace',
  pod: 'var-pod',
  rule: 'var-rule',
  priority: 'var-priority',
  text: 'var-text',
} as const;

export interface AlertFiltersState extends SceneObjectState {
  /** The Overview links here with its selected node (var-node), as do the dashboards. */
  node: string[];
  namespace: string[];
  pod: string[];
  rule: string[];
  priority: string[];
  text: string;
}

const list = (v: SceneObjectUrlValues[string]): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' && v !== '' ? [v] : []).filter((x) => typeof x === 'string' && x !== '').slice(0, MAX_MATCHER_VALUES);

/**
 * The Runtime events filters, kept in the URL. Its $data (optional) is the facet query
 * (alertFacetsQuery): the namespaces, pods and rules that had alerts in the time range, offered as options.
 */
export class AlertFiltersScene extends SceneObjectBase<AlertFiltersState> {
  static Component = AlertFiltersRenderer;
  protected override _urlSync = new SceneObjectUrlSyncConfig(this, { keys: Object.values(ALERT_FILTER_URL_KEYS) });

  constructor(state: Partial<AlertFiltersState> = {}) {
    super({ node: [], namespace: [], pod: [], rule: [], priority: [], text: '', ...state });
  }

  getUrlState(): SceneObjectUrlValues {
    const s = this.state;
    return {
      [ALERT_FILTER_URL_KEYS.node]: s.node,
      [ALERT_FILTER_URL_KEYS.namespace]: s.namespace,
      [ALERT_FILTER_URL_KEYS.pod]: s.pod,
      [ALERT_FILTER_URL_KEYS.rule]: s.rule,
      [ALERT_FILTER_URL_KEYS.priority]: s.priority,
      [ALERT_FILTER_URL_KEYS.text]: s.text || undefined,
    };
  }

  updateFromUrl(values: SceneObjectUrlValues): void {
    const next: Partial<AlertFiltersState> = {};
    const k = ALERT_FILTER_URL_KEYS;
    if (k.node in values) next.node = list(values[k.node]);
    if (k.namespace in values) next.namespace = list(values[k.namespace]);
    if (k.pod in values) next.pod = list(values[k.pod]);
    if (k.rule in values) next.rule = list(values[k.rule]);
    if (k.priority in values) next.priority = list(values[k.priority]).filter(isPriority);
    if (k.text in values) {
      const t = values[k.text];
      next.text = (typeof t === 'string' ? t : Array.isArray(t) ? (t[0] ?? '') : '').slice(0, MAX_TEXT_FILTER);
    }
    if (Object.keys(next).length > 0) this.setState(next);
  }

  /**
   * A filter the user changed: a browser history step (Scenes replaces the URL entry otherwise), so the back button
   * returns to the previous filters instead of leaving the page.
   */
  applyUserChange(next: Partial<Pick<AlertFiltersState, 'node' | 'namespace' | 'pod' | 'rule' | 'priority' | 'text'>>): void {
    this._urlSync.performBrowserHistoryAction(() => this.setState(next));
  }

  /** The filters as the LogQL builders take them. */
  toFilters(): AlertFilters {
    const { node, namespace, pod, rule, priority, text } = this.state;
    return { node, namespace, pod, rule, priority, text };
  }
}

const toOptions = (values: Iterable<string>): Array<SelectableValue<string>> => [...values].sort().map((v) => ({ label: v, value: v }));

function AlertFiltersRenderer({ model }: SceneComponentProps<AlertFiltersScene>) {
  const styles = useStyles2(getStyles);
  const { node, namespace, pod, rule, priority, text } = model.useState();
  const data = model.state.$data ? sceneGraph.getData(model).useState().data : undefined;
  const series = data?.series;
  const facets = useMemo(() => {
    const nodes = new Set<string>(node);
    const ns = new Set<string>(namespace);
    const pods = new Set<string>(pod);
    const rules = new Set<string>(rule);
    for (const s of promSamples(series)) {
      const l = s.labels;
      if (l.node) nodes.add(l.node);
      if (l.namespace) ns.add(l.namespace);
      // Pods of the chosen namespaces only, when some are chosen.
      if (l.pod && (namespace.length === 0 || namespace.includes(l.namespace ?? ''))) pods.add(l.pod);
      if (l.rule) rules.add(l.rule);
    }
    return { node: toOptions(nodes), namespace: toOptions(ns), pod: toOptions(pods), rule: toOptions(rules) };
  }, [series, node, namespace, pod, rule]);

  // Free text is applied on Enter, on blur, or after a pause in typing, not on every key.
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  useEffect(() => {
    if (draft === text) return;
    const t = setTimeout(() => model.applyUserChange({ text: draft.slice(0, MAX_TEXT_FILTER) }), 600);
    return () => clearTimeout(t);
  }, [draft, text, model]);
  const commit = () => draft !== text && model.applyUserChange({ text: draft.slice(0, MAX_TEXT_FILTER) });

  const values = (opts: Array<SelectableValue<string>>) => opts.map((o) => o.value).filter((v): v is string => typeof v === 'string');
  const priorityOptions = ALERT_PRIORITIES.map((p) => ({ label: p, value: p }));
  const { from, to } = sceneGraph.getTimeRange(model).useState();
  const dashboardLink = dashboardUrl(DASHBOARD_UIDS.runtimeSecurity, {
    from,
    to,
    'var-node': onlyValue(node),
    'var-namespace': onlyValue(namespace),
    'var-pod': onlyValue(pod),
    'var-rule': onlyValue(rule),
    'var-priority': onlyValue(priority),
  });

  // The label filters differ only in key, options and test id; the input ids stay vigil-filter-<key>.
  const facetFields = [
    { key: 'node', label: 'Node', testId: testIds.runtimeEvents.nodeFilter, value: node },
    { key: 'namespace', label: 'Namespace', testId: testIds.runtimeEvents.namespaceFilter, value: namespace },
    { key: 'pod', label: 'Pod', testId: testIds.runtimeEvents.podFilter, value: pod },
    { key: 'rule', label: 'Rule', testId: testIds.runtimeEvents.ruleFilter, value: rule },
  ] as const;

  return (
    <>
      <PageLinks testId={testIds.runtimeEvents.links} links={[{ label: 'Runtime security dashboard', href: dashboardLink, icon: 'apps', dashboard: true }]} />
      <div className={styles.bar} data-testid={testIds.runtimeEvents.filters}>
        {facetFields.map((f) => (
          <Field key={f.key} label={f.label} className={styles.field}>
            <MultiSelect
              inputId={`vigil-filter-${f.key}`}
              data-testid={f.testId}
              options={facets[f.key]}
              value={f.value}
              allowCustomValue
              placeholder="All"
              onChange={(v) => model.applyUserChange({ [f.key]: values(v) })}
            />
          </Field>
        ))}
        <Field label="Priority" className={styles.field}>
          <MultiSelect
            inputId="vigil-filter-priority"
            data-testid={testIds.runtimeEvents.priorityFilter}
            options={priorityOptions}
            value={priority}
            placeholder="All"
            formatOptionLabel={(o) => (o.value && isPriority(o.value) ? <PriorityLabel priority={o.value} /> : String(o.label ?? ''))}
            onChange={(v) => model.applyUserChange({ priority: values(v).filter(isPriority) })}
          />
        </Field>
        <Field label="Text" className={styles.textField} description="Case-insensitive, anywhere in the alert">
          <Input
            id="vigil-filter-text"
            data-testid={testIds.runtimeEvents.textFilter}
            value={draft}
            maxLength={MAX_TEXT_FILTER}
            placeholder="/etc/shadow, nc, 203.0.113.7…"
            onChange={(e) => setDraft(e.currentTarget.value)}
            onBlur={commit}
            onKeyDown={(e) => e.key === 'Enter' && commit()}
          />
        </Field>
      </div>
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), alignItems: 'flex-end' }),
  field: css({ minWidth: 200, flex: '1 1 200px', marginBottom: 0 }),
  textField: css({ minWidth: 260, flex: '2 1 260px', marginBottom: 0 }),
});
