import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { SceneObjectBase, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert, Badge, Button, InteractiveTable, LoadingPlaceholder, Stack, Text, TextLink, useStyles2, type CellProps, type Column } from '@grafana/ui';
import { testIds } from '../../components/testIds';
import { PageLinks } from '../../components/PageLinks/PageLinks';
import { DASHBOARD_UIDS, dashboardUrl, prefixRoute, ROUTES } from '../../constants';
import { describeAdvice, remediationForReport } from '../../services/remediation';
import { advisoryUrl, compareFindings, findImage, isScannerId } from '../../services/scannerApi';
import type { Finding, ImageLayer, ImageListEntry, ImagePackage, ImageReport, ImageReportAnswer } from '../../services/scannerTypes';
import type { VigilSettings } from '../../services/settings';
import { fetchImageList, fetchImageReport } from '../../api/scannerClient';
import { SeverityBadge, VerdictBadge } from '../../components/SeverityCounts/SeverityCounts';

export interface ImageDetailSceneState extends SceneObjectState {
  settings: VigilSettings;
  /** The image page address: a reference as workloads write it, or a scanner id / digest. */
  imageRef: string;
  loading: boolean;
  entry?: ImageListEntry;
  answer?: ImageReportAnswer;
  error?: string;
}

/** One image: findings, remediation, policies, packages and layers (GET /api/v1/images/:id). */
export class ImageDetailScene extends SceneObjectBase<ImageDetailSceneState> {
  static Component = ImageDetailRenderer;
  private generation = 0;

  constructor(state: Pick<ImageDetailSceneState, 'settings' | 'imageRef'>) {
    super({ loading: false, ...state });
    this.addActivationHandler(() => {
      if (this.state.settings.scannerConfigured) {
        void this.load();
      }
    });
  }

  async load() {
    const generation = ++this.generation;
    this.setState({ loading: true, error: undefined });
    try {
      let id = this.state.imageRef;
      let entry: ImageListEntry | undefined;
      if (!isScannerId(id)) {
        // The scanner knows images by id and digest; a reference is looked up in the list first.
        entry = findImage((await fetchImageList()).images, id);
        if (!entry) {
          throw new Error(`no image ${id} is in use or configured on the scanner`);
        }
        id = entry.id;
      }
      const answer = await fetchImageReport(id);
      if (generation === this.generation) {
        this.setState({ loading: false, entry: entry ?? (answer.kind !== 'report' ? (answer.image ?? undefined) : undefined), answer });
      }
    } catch (err) {
      if (generation === this.generation) {
        this.setState({ loading: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}

const findingColumns: Array<Column<Finding & { key: string }>> = [
  {
    id: 'id',
    header: 'Vulnerability',
    sortType: 'string',
    cell: ({ row }: CellProps<Finding & { key: string }>) => (
      <Stack direction="column" gap={0}>
        <TextLink href={advisoryUrl(row.original)} external inline={false}>
          {row.original.id}
        </TextLink>
        {row.original.aliases.length > 0 && (
          <Text variant="bodySmall" color="secondary">
            {row.original.aliases.slice(0, 3).join(', ')}
          </Text>
        )}
      </Stack>
    ),
  },
  { id: 'package', header: 'Package', sortType: 'string' },
  { id: 'installedVersion', header: 'Installed' },
  { id: 'fixedVersion', header: 'Fixed', cell: ({ row }: CellProps<Finding & { key: string }>) => row.original.fixedVersion ?? '—' },
  {
    id: 'severity',
    header: 'Severity',
    sortType: (a, b) => compareFindings(b.original, a.original),
    cell: ({ row }: CellProps<Finding & { key: string }>) => (
      <span>
        <SeverityBadge severity={row.original.severity} />
        {row.original.score !== null && ` ${row.original.score}`}
      </span>
    ),
  },
  {
    id: 'status',
    header: 'Status',
    sortType: 'string',
    cell: ({ row }: CellProps<Finding & { key: string }>) =>
      row.original.suppressedBy ? <Badge color="darkgrey" text="suppressed" tooltip={row.original.suppressedBy} /> : row.original.status,
  },
];

const packageColumns: Array<Column<ImagePackage & { key: string }>> = [
  { id: 'name', header: 'Package', sortType: 'string' },
  { id: 'version', header: 'Version' },
  { id: 'kind', header: 'Kind', sortType: 'string' },
  { id: 'ecosystem', header: 'Ecosystem', sortType: 'string' },
  { id: 'sourceName', header: 'Source', cell: ({ row }: CellProps<ImagePackage & { key: string }>) => row.original.sourceName ?? '' },
  { id: 'layer', header: 'Layer', cell: ({ row }: CellProps<ImagePackage & { key: string }>) => shortDigest(row.original.layer) },
];

const layerColumns: Array<Column<ImageLayer & { key: string }>> = [
  { id: 'digest', header: 'Digest', cell: ({ row }: CellProps<ImageLayer & { key: string }>) => <code>{shortDigest(row.original.digest)}</code> },
  { id: 'size', header: 'Size', cell: ({ row }: CellProps<ImageLayer & { key: string }>) => formatBytes(row.original.size) },
  { id: 'createdBy', header: 'Created by', cell: ({ row }: CellProps<ImageLayer & { key: string }>) => row.original.createdBy ?? '' },
];

export function shortDigest(d: string): string {
  const m = /^sha(256|512):([a-f0-9]{12})/.exec(d);
  return m ? (m[2] ?? d) : d;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function ReportView({ report, entry }: { report: ImageReport; entry?: ImageListEntry }) {
  const styles = useStyles2(getStyles);
  const plan = useMemo(() => remediationForReport(report), [report]);
  const findings = useMemo(() => [...report.findings].sort(compareFindings).map((f, i) => ({ ...f, key: `${f.id}\n${f.package}\n${i}` })), [report]);
  const packages = useMemo(() => report.packages.map((p, i) => ({ ...p, key: `${p.name}\n${p.version}\n${i}` })), [report]);
  const layers = useMemo(() => report.image.layers.map((l, i) => ({ ...l, key: `${l.digest}\n${i}` })), [report]);
  const violated = report.policies.filter((p) => p.violated);
  const malformed = Object.entries(report.malformed).filter(([, n]) => n > 0);

  return (
    <Stack direction="column" gap={2}>
      <div>
        <Text element="p">
          {report.image.osName ?? 'OS unknown'} · {report.packages.length} packages in {report.image.layers.length} layers
          {report.image.digest && (
            <>
              {' '}
              · <code>{report.image.digest}</code>
            </>
          )}
        </Text>
        {entry && entry.workloads.length > 0 && (
          <Text element="p" color="secondary">
            Run by: {entry.workloads.map((w) => `${w.namespace ? `${w.namespace}/` : ''}${w.kind} ${w.name} (${w.container}, ${w.pods} pods)`).join('; ')}
          </Text>
        )}
      </div>
      {!report.complete && (
        <Alert severity="warning" title="Incomplete scan: this is not a clean result">
          <ul>
            {report.incompleteReasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </Alert>
      )}
      {malformed.length > 0 && (
        <Alert severity="warning" title="Malformed entries skipped">
          {malformed.map(([k, n]) => `${n} ${k}`).join(', ')}
        </Alert>
      )}

      <section data-testid={testIds.imageScans.remediation} aria-labelledby="vigil-remediation">
        <h3 id="vigil-remediation">Remediation</h3>
        {plan.advice.length === 0 ? (
          <Text color="secondary">No upgrade fixes an active finding.</Text>
        ) : (
          <ol className={styles.list}>
            {plan.advice.map((a) => (
              <li key={`${a.ecosystem}\n${a.package}\n${a.installedVersion}\n${a.targetVersion}`}>
                {describeAdvice(a)}
                {a.packages.length > 1 && <Text color="secondary"> — replaces {a.packages.join(', ')}</Text>}
                {a.source === 'approximate' && <Text color="secondary"> (target chosen with an approximate version order)</Text>}
              </li>
            ))}
          </ol>
        )}
        {plan.unfixable > 0 && <Text color="secondary">{plan.unfixable} active findings have no fix yet.</Text>}
      </section>

      <section data-testid={testIds.imageScans.policies} aria-labelledby="vigil-policies">
        <h3 id="vigil-policies">
          Policies: {violated.length} of {report.policies.length} violated
        </h3>
        <ul className={styles.list}>
          {violated.map((p) => (
            <li key={p.id}>
              <SeverityBadge severity={p.severity} /> <strong>{p.id}</strong>: {p.title}
              {p.details.length > 0 && (
                <ul>
                  {p.details.slice(0, 10).map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </section>

      <section data-testid={testIds.imageScans.findings} aria-labelledby="vigil-findings">
        <h3 id="vigil-findings">Findings ({findings.length})</h3>
        <InteractiveTable columns={findingColumns} data={findings} getRowId={(f) => f.key} pageSize={50} />
      </section>

      <section data-testid={testIds.imageScans.packages} aria-labelledby="vigil-packages">
        <h3 id="vigil-packages">Packages ({packages.length})</h3>
        <InteractiveTable columns={packageColumns} data={packages} getRowId={(p) => p.key} pageSize={50} />
      </section>

      <section data-testid={testIds.imageScans.layers} aria-labelledby="vigil-layers">
        <h3 id="vigil-layers">Layers ({layers.length})</h3>
        <InteractiveTable columns={layerColumns} data={layers} getRowId={(l) => l.key} />
      </section>
    </Stack>
  );
}

function ImageDetailRenderer({ model }: SceneComponentProps<ImageDetailScene>) {
  const { settings, imageRef, loading, answer, entry, error } = model.useState();
  // The page's OnboardingGate explains a missing scanner; this scene alone renders nothing then.
  if (!settings.scannerConfigured) {
    return null;
  }
  let content: React.ReactNode;
  if (error) {
    content = (
      <div data-testid={testIds.imageScans.error}>
        <Alert severity="error" title={`Cannot show ${imageRef}`}>
          {error}
        </Alert>
      </div>
    );
  } else if (!answer) {
    content = loading ? <LoadingPlaceholder text="Loading the scan…" /> : null;
  } else if (answer.kind === 'pending') {
    content = (
      <Alert severity="info" title={`The image is ${answer.status}`}>
        No result yet. <Button size="sm" variant="secondary" onClick={() => void model.load()}>Check again</Button>
      </Alert>
    );
  } else if (answer.kind === 'failed') {
    content = (
      <Alert severity="error" title={`The scan failed: ${answer.error?.code ?? 'error'}`}>
        {answer.error?.message}
        {answer.nextRetryAt && ` Next retry at ${answer.nextRetryAt}.`}
      </Alert>
    );
  } else {
    content = <ReportView report={answer.report} entry={entry} />;
  }
  return (
    <div data-testid={testIds.imageScans.image}>
      <Stack direction="column" gap={1}>
        <Stack gap={1} alignItems="center">
          <Text element="h2" variant="h4">
            {imageRef}
          </Text>
          {entry && <VerdictBadge verdict={entry.policy.verdict} />}
        </Stack>
        <PageLinks
          testId={testIds.imageScans.imageLinks}
          links={[
            { label: 'All images', icon: 'arrow-left', href: prefixRoute(ROUTES.ImageScans) },
            { label: 'Vulnerabilities dashboard', icon: 'apps', dashboard: true, href: dashboardUrl(DASHBOARD_UIDS.vulnerabilities) },
          ]}
        />
        {content}
      </Stack>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ paddingLeft: theme.spacing(3), margin: 0 }),
});
