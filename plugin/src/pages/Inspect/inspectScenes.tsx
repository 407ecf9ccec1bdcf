import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  SceneObjectBase,
  SceneObjectUrlSyncConfig,
  sceneGraph,
  type SceneComponentProps,
  type SceneObject,
  type SceneObjectState,
  type SceneObjectUrlValues,
} from '@grafana/scenes';
import { Alert, EmptyState, Field, LinkButton, LoadingPlaceholder, Select, Stack, Tag, TextLink, useStyles2 } from '@grafana/ui';
import { DASHBOARD_UIDS, dashboardUrl, prefixRoute, ROUTES } from '../../constants';
import { PageLinks, withParams } from '../../components/PageLinks/PageLinks';
import { isCaptureId } from '../../services/logql';
import { activityModelFromFrames } from '../../services/capture';
import { containerMetadata, promSamples, type ContainerTarget } from '../../services/inspectQueries';
import { matchImage } from '../../services/imageMatch';
import type { ImageListEntry } from '../../services/scannerTypes';
import { fetchImageList } from '../../api/scannerClient';
import { imagePageUrl } from '../ImageScans/links';
import { ActivityTimeline } from '../../components/ActivityTimeline/ActivityTimeline';
import { CONFIG_PAGE_URL } from '../../components/Onboarding';
import { testIds } from '../../components/testIds';

export const INSPECT_TARGET_KEY = 'vigil-inspect-target';
/** URL keys of the selection: the shared var-* names, and `capture` for one capture. */
export const INSPECT_URL_KEYS = ['var-namespace', 'var-pod', 'var-container', 'var-node', 'capture'] as const;
const MAX_VALUE = 1024;

export interface InspectTargetState extends SceneObjectState {
  namespace: string;
  pod: string;
  container: string;
  node: string;
  captureId?: string;
}

const one = (v: SceneObjectUrlValues[string]): string => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.slice(0, MAX_VALUE) : '';
};

/** The container (and capture) the Inspect page shows, in the URL. Its $data lists the known containers. */
export class InspectTargetScene extends SceneObjectBase<InspectTargetState> {
  static Component = InspectTargetRenderer;
  protected override _urlSync = new SceneObjectUrlSyncConfig(this, { keys: [...INSPECT_URL_KEYS] });

  constructor(state: Partial<InspectTargetState> = {}) {
    super({ key: INSPECT_TARGET_KEY, namespace: '', pod: '', container: '', node: '', ...state });
  }

  getUrlState(): SceneObjectUrlValues {
    const s = this.state;
    return {
      'var-namespace': s.namespace || undefined,
      'var-pod': s.pod || undefined,
      'var-container': s.container || undefined,
      'var-node': s.node || undefined,
      capture: s.captureId,
    };
  }

  updateFromUrl(values: SceneObjectUrlValues): void {
    const next: Partial<InspectTargetState> = {};
    if ('var-namespace' in values) next.namespace = one(values['var-namespace']);
    if ('var-pod' in values) next.pod = one(values['var-pod']);
    if ('var-container' in values) next.container = one(values['var-container']);
    if ('var-node' in values) next.node = one(values['var-node']);
    if ('capture' in values) {
      const c = one(values.capture);
      next.captureId = isCaptureId(c) ? c : undefined;
    }
    this.setState(next);
  }

  /** The container to query, or undefined when none is selected. */
  target(): ContainerTarget | undefined {
    const { namespace, pod, container, node } = this.state;
    return container ? { namespace, pod, container, node: node || undefined } : undefined;
  }
}

export function findTarget(model: SceneObject): InspectTargetScene {
  return sceneGraph.findByKeyAndType(model, INSPECT_TARGET_KEY, InspectTargetScene);
}

const targetValue = (t: { namespace?: string; pod?: string; container?: string; node?: string }) =>
  JSON.stringify([t.namespace ?? '', t.pod ?? '', t.container ?? '', t.node ?? '']);

function InspectTargetRenderer({ model }: SceneComponentProps<InspectTargetScene>) {
  const state = model.useState();
  const data = state.$data ? sceneGraph.getData(model).useState().data : undefined;
  const series = data?.series;
  const options = useMemo(() => {
    const out = new Map<string, SelectableValue<string>>();
    for (const s of promSamples(series)) {
      const l = s.labels;
      if (!l.container) continue;
      const v = targetValue(l);
      out.set(v, { value: v, label: [l.namespace, l.pod, l.container].filter(Boolean).join('/'), description: l.node ? `node ${l.node}` : undefined });
    }
    return [...out.values()].sort((a, b) => String(a.label).localeCompare(String(b.label)));
  }, [series]);
  const { from, to } = sceneGraph.getTimeRange(model).useState();
  const current = state.container ? targetValue(state) : undefined;
  const selection = {
    'var-namespace': state.namespace || undefined,
    'var-pod': state.pod || undefined,
    'var-container': state.container || undefined,
    'var-node': state.node || undefined,
  };
  const currentOption =
    current && !options.some((o) => o.value === current)
      ? [{ value: current, label: [state.namespace, state.pod, state.container].filter(Boolean).join('/') }]
      : [];

  return (
    <div data-testid={testIds.inspect.picker}>
      <Field label="Container" description="From vigil_container_info; the URL carries var-namespace, var-pod, var-container, var-node">
        <Select
          inputId="vigil-inspect-container"
          width={70}
          options={[...currentOption, ...options]}
          value={current}
          placeholder="Pick a container"
          isLoading={data?.state === 'Loading'}
          onChange={(v) => {
            if (!v.value) return;
            const [namespace = '', pod = '', container = '', node = ''] = JSON.parse(v.value) as string[];
            model.setState({ namespace, pod, container, node, captureId: undefined });
          }}
        />
      </Field>
      {state.container && (
        <PageLinks
          testId={testIds.inspect.links}
          links={[
            {
              label: 'Runtime events of this pod',
              icon: 'bell',
              href: withParams(prefixRoute(ROUTES.RuntimeEvents), { from, to, 'var-node': selection['var-node'], 'var-namespace': selection['var-namespace'], 'var-pod': selection['var-pod'] }),
            },
            { label: 'Workload dashboard', icon: 'apps', dashboard: true, href: dashboardUrl(DASHBOARD_UIDS.workload, { from, to, ...selection }) },
            { label: 'Node dashboard', icon: 'apps', dashboard: true, href: dashboardUrl(DASHBOARD_UIDS.node, { from, to, 'var-node': selection['var-node'] }) },
          ]}
        />
      )}
      {!state.container && (
        <div data-testid={testIds.inspect.noTarget}>
          <EmptyState variant="call-to-action" message="Pick a container to inspect">
            Or follow a link from an alert on the{' '}
            <TextLink href={prefixRoute(ROUTES.RuntimeEvents)} inline>
              Runtime events
            </TextLink>{' '}
            page.
          </EmptyState>
        </div>
      )}
    </div>
  );
}

export interface ContainerSummaryState extends SceneObjectState {
  scannerConfigured: boolean;
}

/** Metadata (vigil_container_info, start time, kube_pod_labels) and the scanner's verdict on the image. */
export class ContainerSummaryScene extends SceneObjectBase<ContainerSummaryState> {
  static Component = ContainerSummaryRenderer;
}

type ScanState = { kind: 'idle' } | { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'done'; images: ImageListEntry[] };

function ContainerSummaryRenderer({ model }: SceneComponentProps<ContainerSummaryScene>) {
  const styles = useStyles2(getStyles);
  const { scannerConfigured } = model.useState();
  const target = findTarget(model).useState();
  const { data } = sceneGraph.getData(model).useState();
  const series = data?.series;
  const md = useMemo(() => containerMetadata(series), [series]);
  const [scan, setScan] = useState<ScanState>({ kind: 'idle' });

  useEffect(() => {
    if (!scannerConfigured || !target.container) return;
    let cancelled = false;
    setScan({ kind: 'loading' });
    fetchImageList()
      .then((list) => !cancelled && setScan({ kind: 'done', images: list.images }))
      .catch((e: unknown) => !cancelled && setScan({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
    return () => {
      cancelled = true;
    };
  }, [scannerConfigured, target.container]);

  if (!target.container) return null;
  const image = scan.kind === 'done' ? matchImage(scan.images, md.image, md.imageDigest) : undefined;
  const rows: Array<[string, React.ReactNode]> = [
    ['Namespace', target.namespace || '—'],
    ['Pod', target.pod || '—'],
    ['Container', target.container],
    ['Node', md.node ?? (target.node || '—')],
    ['Image', md.image ?? '—'],
    ['Digest', md.imageDigest ? <code key="d">{md.imageDigest}</code> : '—'],
    ['Runtime', md.runtime ?? '—'],
    ['Workload', md.workload ? `${md.workloadKind ?? ''} ${md.workload}`.trim() : '—'],
    ['Started', md.startedAt ? new Date(md.startedAt).toISOString() : '—'],
  ];
  return (
    <div className={styles.summary}>
      <section data-testid={testIds.inspect.metadata} aria-label="Container metadata">
        {md.ambiguous && <Alert severity="warning" title="Several nodes run a container by this name: pick the node (var-node)" />}
        <dl className={styles.dl}>
          {rows.map(([k, v]) => (
            <React.Fragment key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </React.Fragment>
          ))}
        </dl>
        <div data-testid={testIds.inspect.podLabels}>
          <strong>Pod labels</strong> <small>(kube-state-metrics kube_pod_labels)</small>
          <div className={styles.tags}>
            {md.podLabels === undefined
              ? ' not available (no kube_pod_labels series for this pod)'
              : Object.entries(md.podLabels).map(([k, v]) => <Tag key={k} name={`${k}=${v}`} colorIndex={9} />)}
          </div>
        </div>
      </section>
      <section data-testid={testIds.inspect.vulnerabilities} aria-label="Image vulnerabilities">
        <h4>Vulnerabilities of the image</h4>
        {!scannerConfigured ? (
          <span>
            The scanner API is not configured (
            <TextLink href={CONFIG_PAGE_URL} inline>
              configuration page
            </TextLink>
            ).
          </span>
        ) : scan.kind === 'loading' || scan.kind === 'idle' ? (
          <LoadingPlaceholder text="Asking the scanner…" />
        ) : scan.kind === 'error' ? (
          <Alert severity="error" title="Scanner API failed">
            {scan.message}
          </Alert>
        ) : !image ? (
          <span>The scanner does not know this image{md.image ? ` (${md.image})` : ''}.</span>
        ) : (
          <Stack direction="column" gap={1}>
            <div className={styles.tags}>
              {(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const).map((sev) => (
                <Tag key={sev} name={`${sev} ${image.severity[sev]} (fixable ${image.fixable[sev]})`} colorIndex={sevColor(sev)} />
              ))}
            </div>
            <span>
              Policy: <strong>{image.policy.verdict}</strong>
              {image.policy.violated.length > 0 ? ` — violates ${image.policy.violated.map((p) => p.id).join(', ')}` : ''}
            </span>
            <LinkButton variant="secondary" size="sm" icon="shield" href={imagePageUrl(image.ref)}>
              Findings of {image.ref}
            </LinkButton>
          </Stack>
        )}
      </section>
    </div>
  );
}

function sevColor(s: string): number {
  return ({ CRITICAL: 6, HIGH: 7, MEDIUM: 3, LOW: 5, UNKNOWN: 9 } as Record<string, number>)[s] ?? 0;
}

/** The activity of the selected container's captures (Loki `stream="activity"`), via its $data runner. */
export class ContainerActivityScene extends SceneObjectBase<SceneObjectState> {
  static Component = ContainerActivityRenderer;
}

function ContainerActivityRenderer({ model }: SceneComponentProps<ContainerActivityScene>) {
  const targetScene = findTarget(model);
  const target = targetScene.useState();
  const { data } = sceneGraph.getData(model).useState();
  const series = data?.series;
  const activity = useMemo(() => activityModelFromFrames(series, { captureId: target.captureId }), [series, target.captureId]);
  // The capture list comes from the unfiltered answer: choosing one capture must not hide the others.
  const allIds = useMemo(() => (target.captureId ? activityModelFromFrames(series).captureIds : activity.captureIds), [series, target.captureId, activity]);

  if (!target.container) return null;
  if (!data || (data.state === 'Loading' && activity.entries.length === 0)) return <LoadingPlaceholder text="Loading activity…" />;
  if (data.state === 'Error') {
    return (
      <Alert severity="error" title="Loki query failed">
        {data.errors?.map((e) => e.message).join('; ') || 'unknown error'}
      </Alert>
    );
  }
  if (activity.entries.length === 0) {
    return (
      <div data-testid={testIds.inspect.activity}>
        <EmptyState variant="not-found" message="No captured activity for this container in the time range">
          Captures are recorded around alerts (docs/recorder.md); they reach Loki when <code>loki.activity</code> is on.
        </EmptyState>
      </div>
    );
  }
  return <ActivityTimeline model={activity} captureId={target.captureId} captureIds={allIds} onCaptureChange={(id) => targetScene.setState({ captureId: id })} />;
}

const getStyles = (theme: GrafanaTheme2) => ({
  summary: css({ display: 'grid', gridTemplateColumns: 'minmax(320px, 1fr) minmax(320px, 1fr)', gap: theme.spacing(2) }),
  dl: css({ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: theme.spacing(0.5, 2), margin: 0, dt: { color: theme.colors.text.secondary }, dd: { margin: 0, wordBreak: 'break-all' } }),
  tags: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5), marginTop: theme.spacing(0.5) }),
});
