import React, { useMemo, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import { useVirtualizer } from '@tanstack/react-virtual';
import { flattenTree, type ActivityModel, type ProcessNode } from '../../services/capture';
import { fixedHeightRect } from '../AlertTimeline/AlertTimeline';
import { testIds } from '../testIds';

const ROW = 28;

export interface ProcessTreeProps {
  model: ActivityModel;
  selected?: number;
  onSelect: (key: number | undefined) => void;
  /** Processes with an entry in the brushed range (undefined: no brush). */
  active?: ReadonlySet<number>;
  height?: number;
}

export function processLabel(n: ProcessNode): string {
  return `${n.name || '?'} (${n.pid})`;
}

/** The process tree as a virtualized tree view: one button per process (keyboard reachable), collapsible. */
export function ProcessTree({ model, selected, onSelect, active, height = 360 }: ProcessTreeProps) {
  const styles = useStyles2(getStyles);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  const rows = useMemo(() => flattenTree(model, collapsed), [model, collapsed]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW,
    overscan: 10,
    initialRect: { width: 400, height },
    observeElementRect: fixedHeightRect(height),
  });
  const toggle = (key: number) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <div ref={scrollRef} className={styles.scroll} style={{ height }} data-testid={testIds.inspect.processTree}>
      <ul role="tree" aria-label="Process tree" className={styles.list} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const { node, depth } = rows[v.index]!;
          const hasKids = node.children.length > 0;
          const isCollapsed = collapsed.has(node.key);
          const dim = active !== undefined && !active.has(node.key);
          return (
            <li
              key={node.key}
              role="treeitem"
              aria-level={depth + 1}
              aria-selected={selected === node.key}
              aria-expanded={hasKids ? !isCollapsed : undefined}
              className={cx(styles.row, selected === node.key && styles.selected, dim && styles.dim)}
              style={{ transform: `translateY(${v.start}px)`, paddingLeft: depth * 16 }}
              data-testid={testIds.inspect.process}
            >
              {hasKids ? (
                <button
                  type="button"
                  className={styles.twisty}
                  aria-label={`${isCollapsed ? 'Expand' : 'Collapse'} ${processLabel(node)}`}
                  onClick={() => toggle(node.key)}
                >
                  <Icon name={isCollapsed ? 'angle-right' : 'angle-down'} />
                </button>
              ) : (
                <span className={styles.twisty} />
              )}
              <button type="button" className={styles.name} onClick={() => onSelect(selected === node.key ? undefined : node.key)} title={node.cmdline ?? node.exe}>
                <strong>{processLabel(node)}</strong>
                {node.cmdline && <span className={styles.cmd}>{node.cmdline}</span>}
                {node.parentMissing && <span className={styles.note}>parent {node.ppid} not in capture</span>}
                {node.exitSignal ? <span className={styles.note}>signal {node.exitSignal}</span> : null}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflowY: 'auto', border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
  list: css({ listStyle: 'none', margin: 0, padding: 0, position: 'relative' }),
  row: css({ position: 'absolute', top: 0, left: 0, width: '100%', height: ROW, display: 'flex', alignItems: 'center' }),
  selected: css({ background: theme.colors.action.selected }),
  dim: css({ opacity: 0.45 }),
  twisty: css({ width: 20, flexShrink: 0, background: 'none', border: 'none', color: 'inherit', padding: 0, cursor: 'pointer', display: 'inline-flex' }),
  name: css({
    background: 'none',
    border: 'none',
    color: 'inherit',
    cursor: 'pointer',
    textAlign: 'left',
    display: 'flex',
    gap: theme.spacing(1),
    overflow: 'hidden',
    whiteSpace: 'nowrap',
    textOverflow: 'ellipsis',
    padding: theme.spacing(0, 0.5),
  }),
  cmd: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary, overflow: 'hidden', textOverflow: 'ellipsis' }),
  note: css({ color: theme.colors.warning.text, fontSize: theme.typography.bodySmall.fontSize }),
});
