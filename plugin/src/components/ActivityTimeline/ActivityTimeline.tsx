import React, { useMemo, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Select, Stack, Tag, Text, useStyles2 } from '@grafana/ui';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  brushToRange,
  bucketCounts,
  entriesInRange,
  processActivity,
  type ActivityEntryView,
  type ActivityModel,
  type BrushRange,
} from '../../services/capture';
import { fixedHeightRect } from '../AlertTimeline/AlertTimeline';
import { ProcessTree, processLabel } from '../ProcessTree/ProcessTree';
import { testIds } from '../testIds';

/** Width of the overview strip's coordinate system (the SVG scales to its box). */
export const STRIP_WIDTH = 1000;
const STRIP_HEIGHT = 48;
const BUCKETS = 100;
const ENTRY_ROW = 28;

export interface ActivityTimelineProps {
  model: ActivityModel;
  /** The capture shown (URL `capture`), or undefined for all of the container's captures in the time range. */
  captureId?: string;
  onCaptureChange?: (id: string | undefined) => void;
  /** Capture ids to offer (the model's own when not given). */
  captureIds?: readonly string[];
}

function clock(ms: number): string {
  const d = new Date(ms);
  if (!Number.isFinite(d.getTime())) return '';
  return `${d.toISOString().slice(11, 23)}`;
}

/**
 * Sysdig-Inspect-style activity view of a container's captures: an overview strip to brush a time range, the
 * process tree, and the entries (every one of them, in time order) that follow the brush and the selected process.
 */
export function ActivityTimeline({ model, captureId, onCaptureChange, captureIds }: ActivityTimelineProps) {
  const styles = useStyles2(getStyles);
  const [brush, setBrush] = useState<BrushRange | undefined>();
  const [drag, setDrag] = useState<{ a: number; b: number } | undefined>();
  const [selectedProcess, setSelectedProcess] = useState<number | undefined>();
  const [selectedEntry, setSelectedEntry] = useState<number | undefined>();
  const stripRef = useRef<SVGSVGElement>(null);

  const buckets = useMemo(() => bucketCounts(model.entries, model.from, model.to, BUCKETS), [model]);
  const maxBucket = Math.max(1, ...buckets);
  const inRange = useMemo(() => entriesInRange(model.entries, brush), [model, brush]);
  const active = useMemo(() => (brush ? new Set(inRange.map((e) => e.process)) : undefined), [brush, inRange]);
  const shown = useMemo(
    () => (selectedProcess === undefined ? inRange : inRange.filter((e) => e.process === selectedProcess)),
    [inRange, selectedProcess]
  );
  const drill = useMemo(() => (selectedProcess === undefined ? undefined : processActivity(model, selectedProcess)), [model, selectedProcess]);

  const fraction = (clientX: number) => {
    const rect = stripRef.current?.getBoundingClientRect();
    // Without layout (first paint, jsdom) the strip is as wide as its coordinate system.
    const width = rect && rect.width > 0 ? rect.width : STRIP_WIDTH;
    return (clientX - (rect?.left ?? 0)) / width;
  };
  const finishDrag = (clientX: number) => {
    if (!drag) return;
    const b = fraction(clientX);
    setDrag(undefined);
    // A click without a drag clears the selection.
    if (Math.abs(b - drag.a) < 0.002) setBrush(undefined);
    else setBrush(brushToRange(model.from, model.to, drag.a, b));
  };

  const selectedBrush = drag ? { lo: Math.min(drag.a, drag.b), hi: Math.max(drag.a, drag.b) } : brush && model.to > model.from
    ? { lo: (brush.from - model.from) / (model.to - model.from), hi: (brush.to - model.from) / (model.to - model.from) }
    : undefined;

  const ids = captureIds ?? model.captureIds;
  const captureOptions = [{ label: 'All captures in the time range', value: '' }, ...ids.map((id) => ({ label: id, value: id }))];

  return (
    <div data-testid={testIds.inspect.activity} className={styles.wrap}>
      <Stack direction="row" gap={2} alignItems="flex-end" wrap="wrap">
        {onCaptureChange && (
          <Field label="Capture" className={styles.noMargin}>
            <Select
              inputId="vigil-inspect-capture"
              data-testid={testIds.inspect.captureSelect}
              width={40}
              options={captureOptions}
              value={captureId ?? ''}
              onChange={(v) => onCaptureChange(v.value ? v.value : undefined)}
            />
          </Field>
        )}
        <div className={styles.counts} aria-label="Entries by type">
          {Object.entries(model.counts).map(([type, n]) => (
            <Tag key={type} name={`${type} ${n}`} colorIndex={typeColorIndex(type)} />
          ))}
        </div>
      </Stack>
      {/* Only malformed lines are a problem; overlapping captures repeat entries by design, so merging them is
          a plain note, not a warning. */}
      {model.malformed > 0 && (
        <Alert severity="warning" data-testid={testIds.inspect.activityMalformed} title={`${model.malformed} malformed activity line(s) skipped`} />
      )}
      {model.duplicates > 0 && (
        <Text element="p" variant="bodySmall" color="secondary" data-testid={testIds.inspect.activityDuplicates}>
          {model.duplicates} duplicate entr{model.duplicates === 1 ? 'y' : 'ies'} of overlapping captures merged.
        </Text>
      )}

      <div className={styles.stripWrap}>
        <svg
          ref={stripRef}
          className={styles.strip}
          viewBox={`0 0 ${STRIP_WIDTH} ${STRIP_HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Activity over time, ${model.entries.length} entries from ${clock(model.from)} to ${clock(model.to)}. Drag to select a range.`}
          data-testid={testIds.inspect.strip}
          onMouseDown={(e) => {
            const a = fraction(e.clientX);
            setDrag({ a, b: a });
          }}
          onMouseMove={(e) => drag && setDrag({ a: drag.a, b: fraction(e.clientX) })}
          onMouseUp={(e) => finishDrag(e.clientX)}
          onMouseLeave={(e) => drag && finishDrag(e.clientX)}
        >
          {buckets.map((n, i) => {
            const h = n === 0 ? 0 : Math.max(2, (n / maxBucket) * (STRIP_HEIGHT - 4));
            return <rect key={i} x={(i * STRIP_WIDTH) / BUCKETS + 1} width={STRIP_WIDTH / BUCKETS - 2} y={STRIP_HEIGHT - h} height={h} className={styles.bar} />;
          })}
          {selectedBrush && (
            <rect x={selectedBrush.lo * STRIP_WIDTH} width={Math.max(1, (selectedBrush.hi - selectedBrush.lo) * STRIP_WIDTH)} y={0} height={STRIP_HEIGHT} className={styles.brush} />
          )}
        </svg>
        <Stack direction="row" gap={1} alignItems="center">
          <span aria-live="polite">
            {brush ? `Selected ${clock(brush.from)} – ${clock(brush.to)}: ${inRange.length} of ${model.entries.length} entries` : `${model.entries.length} entries, ${clock(model.from)} – ${clock(model.to)}`}
          </span>
          {brush && (
            <Button size="sm" variant="secondary" fill="text" icon="times" onClick={() => setBrush(undefined)} data-testid={testIds.inspect.brushReset}>
              Clear range
            </Button>
          )}
        </Stack>
      </div>

      <div className={styles.columns}>
        <div className={styles.left}>
          <h4>Processes ({model.processes.length})</h4>
          <ProcessTree model={model} selected={selectedProcess} onSelect={setSelectedProcess} active={active} />
          {drill && selectedProcess !== undefined && (
            <div data-testid={testIds.inspect.processDetail} className={styles.drill}>
              <h5>{processLabel(model.processes[selectedProcess]!)}</h5>
              <DrillList title="Files" items={drill.files} onPick={setSelectedEntry} />
              <DrillList title="Connections" items={drill.connections} onPick={setSelectedEntry} />
              <h6>Children ({drill.children.length})</h6>
              <ul className={styles.plain}>
                {drill.children.map((c) => (
                  <li key={c.key}>
                    <Button size="sm" variant="secondary" fill="text" onClick={() => setSelectedProcess(c.key)}>
                      {processLabel(c)} {c.cmdline ?? ''}
                    </Button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div className={styles.right}>
          <h4>
            Entries ({shown.length}){selectedProcess !== undefined ? ` of ${processLabel(model.processes[selectedProcess]!)}` : ''}
          </h4>
          <EntryList entries={shown} model={model} selected={selectedEntry} onSelect={setSelectedEntry} />
          {selectedEntry !== undefined && model.entries[selectedEntry] && (
            <pre className={styles.json} data-testid={testIds.inspect.entryDetail} aria-label="Entry JSON">
              {JSON.stringify(model.entries[selectedEntry]!.raw, null, 2)}
            </pre>
          )}
        </div>
      </div>
    </div>
  );
}

function typeColorIndex(type: string): number {
  return ['exec', 'fork', 'exit', 'open', 'connect', 'accept', 'setid', 'ptrace', 'mount', 'module'].indexOf(type) + 1;
}

function DrillList({ title, items, onPick }: { title: string; items: readonly ActivityEntryView[]; onPick: (i: number) => void }) {
  const styles = useStyles2(getStyles);
  return (
    <>
      <h6>
        {title} ({items.length})
      </h6>
      <ul className={styles.plain}>
        {items.slice(0, 200).map((e) => (
          <li key={e.index}>
            <Button size="sm" variant={e.failed ? 'destructive' : 'secondary'} fill="text" onClick={() => onPick(e.index)}>
              {e.summary}
              {e.failed ? ' (failed)' : ''}
            </Button>
          </li>
        ))}
        {items.length > 200 && <li>… {items.length - 200} more in the entries list</li>}
      </ul>
    </>
  );
}

function EntryList({ entries, model, selected, onSelect }: { entries: readonly ActivityEntryView[]; model: ActivityModel; selected?: number; onSelect: (i: number) => void }) {
  const styles = useStyles2(getStyles);
  const scrollRef = useRef<HTMLDivElement>(null);
  const height = 420;
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ENTRY_ROW,
    overscan: 12,
    initialRect: { width: 800, height },
    observeElementRect: fixedHeightRect(height),
  });
  return (
    <div ref={scrollRef} className={styles.entries} style={{ height }} data-testid={testIds.inspect.entries}>
      <ol className={styles.entryList} style={{ height: virtualizer.getTotalSize() }} aria-label="Entries in time order">
        {virtualizer.getVirtualItems().map((v) => {
          const e = entries[v.index]!;
          const proc = model.processes[e.process];
          return (
            <li key={e.index} className={styles.entryRow} style={{ transform: `translateY(${v.start}px)` }} data-testid={testIds.inspect.entry}>
              <button type="button" className={cx(styles.entryButton, selected === e.index && styles.entrySelected)} onClick={() => onSelect(e.index)}>
                <time className={styles.mono}>{clock(e.ts)}</time>
                <span className={styles.type}>{e.type}</span>
                <span>{proc ? processLabel(proc) : e.pid}</span>
                <span className={cx(styles.mono, e.failed && styles.failed)} title={e.summary}>
                  {e.summary}
                  {e.failed ? ' (failed)' : ''}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  noMargin: css({ marginBottom: 0 }),
  counts: css({ display: 'flex', gap: theme.spacing(0.5), flexWrap: 'wrap' }),
  stripWrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  strip: css({ width: '100%', height: STRIP_HEIGHT, cursor: 'crosshair', background: theme.colors.background.secondary, borderRadius: theme.shape.radius.default, userSelect: 'none' }),
  bar: css({ fill: theme.colors.primary.main }),
  brush: css({ fill: theme.colors.primary.transparent, stroke: theme.colors.primary.border }),
  columns: css({ display: 'grid', gridTemplateColumns: 'minmax(280px, 2fr) 3fr', gap: theme.spacing(2) }),
  left: css({ minWidth: 0 }),
  right: css({ minWidth: 0 }),
  drill: css({ marginTop: theme.spacing(1) }),
  plain: css({ listStyle: 'none', margin: 0, padding: 0 }),
  entries: css({ overflowY: 'auto', border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
  entryList: css({ listStyle: 'none', margin: 0, padding: 0, position: 'relative' }),
  entryRow: css({ position: 'absolute', top: 0, left: 0, width: '100%', height: ENTRY_ROW }),
  entryButton: css({
    width: '100%',
    height: '100%',
    display: 'grid',
    gridTemplateColumns: '100px 70px minmax(100px, 160px) 1fr',
    gap: theme.spacing(1),
    alignItems: 'center',
    background: 'none',
    border: 'none',
    color: 'inherit',
    textAlign: 'left',
    cursor: 'pointer',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    '&:hover': { background: theme.colors.action.hover },
  }),
  entrySelected: css({ background: theme.colors.action.selected }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace, overflow: 'hidden', textOverflow: 'ellipsis' }),
  type: css({ fontWeight: theme.typography.fontWeightMedium }),
  failed: css({ color: theme.colors.error.text }),
  json: css({ maxHeight: 300, overflow: 'auto', marginTop: theme.spacing(1) }),
});
