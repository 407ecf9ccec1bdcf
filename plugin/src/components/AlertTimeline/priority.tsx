import React from 'react';
import { css } from '@emotion/css';
import type { PriorityOrUnknown } from '../../services/alerts';

/**
 * One colour per Falco priority, shared by the timeline's labels and the histogram's series, so a colour means
 * the same on every panel. The text label is always shown next to it: colour is never the only carrier.
 */
export const PRIORITY_COLORS: Record<PriorityOrUnknown, string> = {
  Emergency: '#8F3BB8',
  Alert: '#C4162A',
  Critical: '#F2495C',
  Error: '#FF780A',
  Warning: '#FADE2A',
  Notice: '#5794F2',
  Informational: '#73BF69',
  Debug: '#8E8E8E',
  Unknown: '#8E8E8E',
};

const dot = css({ display: 'inline-block', width: 10, height: 10, borderRadius: '50%', marginRight: 6, flexShrink: 0 });
const wrap = css({ display: 'inline-flex', alignItems: 'center', whiteSpace: 'nowrap' });

export function PriorityLabel({ priority }: { priority: PriorityOrUnknown }) {
  return (
    <span className={wrap}>
      <span className={dot} style={{ background: PRIORITY_COLORS[priority] }} aria-hidden="true" />
      {priority}
    </span>
  );
}
