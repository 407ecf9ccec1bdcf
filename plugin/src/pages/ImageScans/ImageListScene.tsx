import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { SceneObjectBase, SceneObjectUrlSyncConfig, type SceneComponentProps, type SceneObjectState, type SceneObjectUrlValues } from '@grafana/scenes';
import {
  Alert,
  Field,
  IconButton,
  InlineField,
  InlineSwitch,
  Input,
  InteractiveTable,
  LoadingPlaceholder,
  MultiSelect,
  Stack,
  Text,
  TextLink,
  useStyles2,
  type Column,
  type CellProps,
} from '@grafana/ui';
import { Onboarding } from '../../components/Onboarding';
import { testIds } from '../../components/testIds';
import { compareByRisk, filterImages, isSeverity, totalOf, type ImageFilter } from '../../services/scannerApi';
import { SEVERITIES, type ImageList, type ImageListEntry, type Severity } from '../../services/scannerTypes';
import type { VigilSettings } from '../../services/settings';
import { imagePageUrl } from './links';
import { fetchImageList, ScannerRequestError } from '../../api/scannerClient';
import { SeverityCountBadges, VerdictBadge } from '../../components/SeverityCounts/SeverityCounts';

export interface ImageListSceneState extends SceneObjectState, ImageFilter {
  settings: VigilSettings;
  loading: boolean;
  list?: ImageList;
  error?: string;
}

/** The images in use (GET /api/v1/images) with filters kept in the URL: q, severity, fixable, policy. */
export class ImageListScene extends SceneObjectBase<ImageListSceneState> {
  static Component = ImageListRenderer;
  protected override _urlSync = new SceneObjectUrlSyncConfig(this, { keys: ['q', 'severity', 'fixable', 'policy'] });
  private generation = 0;

  constructor(state: Pick<ImageListSceneState, 'settings'> & Partial<ImageListSceneState>) {
    super({ text: '', severities: [], fixableOnly: false, policyFailingOnly: false, loading: false, ...state });
    // The page's OnboardingGate keeps an unconfigured scanner from mounting this; the check stays so that no
    // request leaves without a scanner URL however the scene is used.
    this.addActivationHandler(() => {
      if (this.state.settings.scannerConfigured) {
        void this.load();
      }
    });
  }

  getUrlState(): SceneObjectUrlValues {
    const s = this.state;
    return {
      q: s.text || undefined,
      severity: s.severities.length ? s.severities.join(',') : undefined,
      fixable: s.fixableOnly ? 'true' : undefined,
      policy: s.policyFailingOnly ? 'fail' : undefined,
    };
  }

  updateFromUrl(values: SceneObjectUrlValues): void {
    const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
    this.setState({
      text: str(values.q),
      severities: str(values.severity)
        .split(',')
        .filter((s): s is Severity => isSeverity(s)),
      fixableOnly: str(values.fixable) === 'true',
      policyFailingOnly: str(values.policy) === 'fail',
    });
  }

  setFilter(update: Partial<ImageFilter>) {
    this.setState(update);
  }

  async load() {
    const generation = ++this.generation;
    this.setState({ loading: true, error: undefined });
    try {
      const list = await fetchImageList();
      if (generation === this.generation) {
        this.setState({ list, loading: false });
      }
    } catch (err) {
      if (generation === this.generation) {
        const message = err instanceof ScannerRequestError || err instanceof Error ? err.message : String(err);
        this.setState({ error: message, loading: false });
      }
    }
  }
}

interface Row {
  id: string;
  ref: string;
  critical: number;
  high: number;
  total: number;
  fixable: number;
  workloads: number;
  verdict: string;
  status: string;
  entry: ImageListEntry;
}

function toRow(e: ImageListEntry): Row {
  return {
    id: e.id,
    ref: e.ref,
    critical: e.severity.CRITICAL,
    high: e.severity.HIGH,
    total: totalOf(e.severity),
    fixable: totalOf(e.fixable),
    workloads: e.workloads.length,
    verdict: e.policy.verdict,
    status: e.status,
    entry: e,
  };
}

const severityOptions: Array<SelectableValue<Severity>> = SEVERITIES.map((s) => ({ label: s, value: s }));

function workloadText(e: ImageListEntry): string {
  const names = e.workloads.slice(0, 3).map((w) => (w.namespace ? `${w.namespace}/${w.name}` : w.name));
  return names.join(', ') + (e.workloads.length > 3 ? ` +${e.workloads.length - 3}` : '');
}

function statusText(e: ImageListEntry): string {
  if (e.status === 'failed') {
    return `failed: ${e.error?.code ?? 'error'}`;
  }
  if (e.status === 'scanned' && e.complete === false) {
    return 'incomplete';
  }
  return e.status;
}

const columns: Array<Column<Row>> = [
  {
    id: 'ref',
    header: 'Image',
    sortType: 'string',
    cell: ({ row }: CellProps<Row>) => (
      <Stack direction="column" gap={0}>
        <TextLink href={imagePageUrl(row.original.ref)} inline={false}>
          {row.original.ref}
        </TextLink>
        {row.original.entry.osName && (
          <Text variant="bodySmall" color="secondary">
            {row.original.entry.osName}
          </Text>
        )}
      </Stack>
    ),
  },
  { id: 'total', header: 'Vulnerabilities', sortType: (a, b) => compareByRisk(a.original.entry, b.original.entry) * -1, cell: ({ row }: CellProps<Row>) => <SeverityCountBadges counts={row.original.entry.severity} /> },
  { id: 'fixable', header: 'Fixable', sortType: 'number', cell: ({ row }: CellProps<Row>) => <SeverityCountBadges counts={row.original.entry.fixable} /> },
  { id: 'workloads', header: 'Workloads', sortType: 'number', cell: ({ row }: CellProps<Row>) => <span title={workloadText(row.original.entry)}>{workloadText(row.original.entry) || '—'}</span> },
  {
    id: 'verdict',
    header: 'Policy',
    sortType: 'string',
    cell: ({ row }: CellProps<Row>) => (
      <span title={row.original.entry.policy.violated.map((p) => p.title).join('\n')}>
        <VerdictBadge verdict={row.original.entry.policy.verdict} />
        {row.original.entry.policy.violated.length > 0 && ` ${row.original.entry.policy.violated.length} of ${row.original.entry.policy.evaluated}`}
      </span>
    ),
  },
  { id: 'status', header: 'Scan', sortType: 'string', cell: ({ row }: CellProps<Row>) => <span title={row.original.entry.error?.message ?? ''}>{statusText(row.original.entry)}</span> },
];

function ImageListRenderer({ model }: SceneComponentProps<ImageListScene>) {
  const { settings, loading, list, error, text, severities, fixableOnly, policyFailingOnly } = model.useState();
  const styles = useStyles2(getStyles);
  const rows = useMemo(() => {
    if (!list) {
      return [];
    }
    return filterImages(list.images, { text, severities, fixableOnly, policyFailingOnly }).sort(compareByRisk).map(toRow);
  }, [list, text, severities, fixableOnly, policyFailingOnly]);

  if (!settings.scannerConfigured) {
    return null;
  }
  if (error) {
    return (
      <div data-testid={testIds.imageScans.error}>
        <Onboarding reason={{ kind: 'scanner-unreachable', detail: error }} />
      </div>
    );
  }
  return (
    <div data-testid={testIds.imageScans.container} className={styles.wrap}>
      <Stack gap={2} alignItems="flex-end" wrap="wrap">
        <Field label="Search" description="Image, digest, OS or workload" className={styles.field}>
          <Input
            data-testid={testIds.imageScans.search}
            value={text}
            placeholder="e.g. shop/api or nginx"
            onChange={(e) => model.setFilter({ text: e.currentTarget.value })}
            width={40}
          />
        </Field>
        <Field label="Severity" className={styles.field}>
          <MultiSelect<Severity>
            aria-label="Severity"
            options={severityOptions}
            value={severities}
            onChange={(v) => model.setFilter({ severities: v.map((x) => x.value).filter((x): x is Severity => x !== undefined) })}
            width={32}
          />
        </Field>
        <InlineField label="Fixable only" className={styles.field}>
          <InlineSwitch label="Fixable only" showLabel={false} value={fixableOnly} onChange={(e) => model.setFilter({ fixableOnly: e.currentTarget.checked })} />
        </InlineField>
        <InlineField label="Policy failing" className={styles.field}>
          <InlineSwitch label="Policy failing" showLabel={false} value={policyFailingOnly} onChange={(e) => model.setFilter({ policyFailingOnly: e.currentTarget.checked })} />
        </InlineField>
        <IconButton name="sync" aria-label="Reload the images" tooltip="Reload" onClick={() => void model.load()} />
      </Stack>
      {list && list.malformed > 0 && (
        <Alert severity="warning" title={`${list.malformed} malformed image ${list.malformed === 1 ? 'entry was' : 'entries were'} skipped`} data-testid={testIds.imageScans.malformed}>
          The scanner answered with entries that miss required keys; the others are shown.
        </Alert>
      )}
      {list?.db && !list.db.loaded && (
        <Alert severity="warning" title="The scanner has no vulnerability database">
          Import one with vigil db import; until then images stay pending.
        </Alert>
      )}
      {loading && !list ? (
        <LoadingPlaceholder text="Loading images…" />
      ) : (
        <div data-testid={testIds.imageScans.table}>
          <Text color="secondary" element="p">
            {rows.length} of {list?.images.length ?? 0} images
          </Text>
          <InteractiveTable columns={columns} data={rows} getRowId={(r: Row) => r.id} pageSize={50} />
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), width: '100%' }),
  field: css({ marginBottom: 0 }),
});
