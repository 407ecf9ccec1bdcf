import React, { useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Icon, TextLink, useStyles2 } from '@grafana/ui';
import { useVirtualizer } from '@tanstack/react-virtual';
import { alertInspectHref, type AlertRow } from '../../services/alerts';
import { testIds } from '../testIds';
import { PriorityLabel } from './priority';

export interface AlertTimelineProps {
  rows: readonly AlertRow[];
  malformed: number;
  /** Route of the Inspect page (prefixRoute(ROUTES.Inspect)). */
  inspectRoute: string;
  /** Rows at the query's line limit: older alerts in the range were not loaded. */
  limitReached?: boolean;
  limit?: number;
  /** On the Inspect page the container is implied: hide its column. */
  hideContainer?: boolean;
  /** Height of the scrolling area in px. */
  height?: number;
}

const ROW_HEIGHT = 36;

const COLUMNS = ['Time', 'Priority', 'Rule', 'Container', 'Process', 'Command line', 'User', 'Output', 'Capture'] as const;

const timeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});

function formatTime(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? `${timeFmt.format(d)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}` : '';
}

/** The alert timeline: a virtualized ARIA table (10k rows render ~30 at a time), newest first. */
export function AlertTimeline({ rows, malformed, inspectRoute, limitReached, limit, hideContainer, height = 520 }: AlertTimelineProps) {
  const styles = useStyles2(getStyles);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<string | undefined>();
  const columns = useMemo(() => COLUMNS.filter((c) => !(hideContainer && c === 'Container')), [hideContainer]);
  const template = hideContainer ? styles.gridNoContainer : styles.grid;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 1200, height },
    observeElementRect: fixedHeightRect(height),
    // Rows are measured (an expanded row is taller); no layout (jsdom, detached) reads as the collapsed height.
    measureElement: (el) => el.getBoundingClientRect().height || ROW_HEIGHT,
  });

  return (
    <div data-testid={testIds.runtimeEvents.timeline}>
      {malformed > 0 && (
        <Alert severity="warning" title={`${malformed} malformed alert line${malformed === 1 ? '' : 's'} skipped`} data-testid={testIds.runtimeEvents.malformed} />
      )}
      {limitReached && (
        <Alert severity="info" title={`Showing the newest ${limit ?? rows.length} alerts`}>
          Narrow the time range or the filters to see older ones.
        </Alert>
      )}
      <div role="table" aria-label="Alerts" aria-rowcount={rows.length + 1} className={styles.table}>
        <div role="rowgroup">
          <div role="row" aria-rowindex={1} className={`${template} ${styles.header}`}>
            {columns.map((c) => (
              <div role="columnheader" key={c} className={styles.cell}>
                {c}
              </div>
            ))}
          </div>
        </div>
        <div ref={scrollRef} role="rowgroup" className={styles.scroll} style={{ height }}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const r = rows[v.index]!;
              const isOpen = expanded === r.key;
              return (
                <div
                  key={r.key}
                  ref={virtualizer.measureElement}
                  data-index={v.index}
                  role="row"
                  aria-rowindex={v.index + 2}
                  data-testid={testIds.runtimeEvents.row}
                  className={styles.rowWrap}
                  style={{ transform: `translateY(${v.start}px)` }}
                >
                  <div className={`${template} ${styles.row}`}>
                    <div role="cell" className={styles.cell}>
                      <button
                        type="button"
                        className={styles.expand}
                        aria-expanded={isOpen}
                        aria-label={`${isOpen ? 'Hide' : 'Show'} details of ${r.rule} at ${formatTime(r.timeMs)}`}
                        onClick={() => setExpanded(isOpen ? undefined : r.key)}
                      >
                        <Icon name={isOpen ? 'angle-down' : 'angle-right'} />
                      </button>
                      <time dateTime={new Date(r.timeMs).toISOString()}>{formatTime(r.timeMs)}</time>
                    </div>
                    <div role="cell" className={styles.cell}>
                      <PriorityLabel priority={r.priority} />
                    </div>
                    <div role="cell" className={styles.cell} title={r.rule}>
                      {r.rule}
                      {r.count > 1 ? ` ×${r.count}` : ''}
                    </div>
                    {!hideContainer && (
                      <div role="cell" className={styles.cell}>
                        {r.container ? (
                          <TextLink href={alertInspectHref(inspectRoute, r, false)} inline={false} title={`Inspect ${[r.namespace, r.pod, r.container].filter(Boolean).join('/')}`}>
                            {[r.namespace, r.pod, r.container].filter(Boolean).join('/')}
                          </TextLink>
                        ) : (
                          '—'
                        )}
                      </div>
                    )}
                    <div role="cell" className={styles.cell} title={r.pid !== undefined ? `pid ${r.pid}` : undefined}>
                      {r.process}
                    </div>
                    <div role="cell" className={`${styles.cell} ${styles.mono}`} title={r.cmdline}>
                      {r.cmdline}
                    </div>
                    <div role="cell" className={styles.cell}>
                      {r.user}
                    </div>
                    <div role="cell" className={styles.cell} title={r.output}>
                      {r.output}
                    </div>
                    <div role="cell" className={styles.cell}>
                      {r.captureId ? (
                        <TextLink href={alertInspectHref(inspectRoute, r, true)} inline={false}>
                          Capture
                        </TextLink>
                      ) : (
                        '—'
                      )}
                    </div>
                  </div>
                  {isOpen && (
                    <pre className={styles.detail} data-testid={testIds.runtimeEvents.detail}>
                      {prettyLine(r.line)}
                    </pre>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}

/**
 * The scroll area's height is fixed by its style, so a zero measurement only means "no layout yet" (first paint,
 * jsdom): fall back to the styled height instead of rendering no rows.
 */
export function fixedHeightRect(height: number) {
  return (instance: { scrollElement: Element | null }, cb: (rect: { width: number; height: number }) => void) => {
    const el = instance.scrollElement;
    if (!el) return undefined;
    const report = () => {
      const r = el.getBoundingClientRect();
      cb({ width: r.width || 1200, height: r.height || height });
    };
    report();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver(report);
    ro.observe(el);
    return () => ro.disconnect();
  };
}

function prettyLine(line: string): string {
  try {
    return JSON.stringify(JSON.parse(line), null, 2);
  } catch {
    return line;
  }
}

const getStyles = (theme: GrafanaTheme2) => {
  const cols = 'minmax(190px, 1.2fr) 130px minmax(160px, 1.5fr) minmax(160px, 1.5fr) 90px minmax(140px, 1.5fr) 70px minmax(200px, 3fr) 70px';
  const colsNoContainer = 'minmax(190px, 1.2fr) 130px minmax(160px, 1.5fr) 90px minmax(140px, 1.5fr) 70px minmax(200px, 3fr) 70px';
  return {
    table: css({ border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default, overflow: 'hidden' }),
    grid: css({ display: 'grid', gridTemplateColumns: cols, alignItems: 'center', minHeight: ROW_HEIGHT }),
    gridNoContainer: css({ display: 'grid', gridTemplateColumns: colsNoContainer, alignItems: 'center', minHeight: ROW_HEIGHT }),
    header: css({ background: theme.colors.background.secondary, fontWeight: theme.typography.fontWeightMedium }),
    scroll: css({ overflowY: 'auto', position: 'relative' }),
    rowWrap: css({ position: 'absolute', top: 0, left: 0, width: '100%', borderTop: `1px solid ${theme.colors.border.weak}` }),
    row: css({ '&:hover': { background: theme.colors.action.hover } }),
    cell: css({ padding: theme.spacing(0, 1), overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', display: 'flex', alignItems: 'center', gap: theme.spacing(0.5) }),
    mono: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
    expand: css({ background: 'none', border: 'none', color: 'inherit', padding: 0, cursor: 'pointer', display: 'inline-flex' }),
    detail: css({ margin: theme.spacing(0, 1, 1, 4), maxHeight: 300, overflow: 'auto', fontSize: theme.typography.bodySmall.fontSize }),
  };
};
