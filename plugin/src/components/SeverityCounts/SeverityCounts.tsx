import React from 'react';
import { Badge, Stack, type BadgeColor } from '@grafana/ui';
import type { PolicyVerdict, Severity, SeverityCounts as Counts } from '../../services/scannerTypes';

export const SEVERITY_BADGE: Record<Severity, BadgeColor> = {
  CRITICAL: 'red',
  HIGH: 'orange',
  MEDIUM: 'darkgrey',
  LOW: 'blue',
  UNKNOWN: 'purple',
  NONE: 'green',
};

const SHOWN: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** C/H/M/L/U counts as badges, zeros left out; the full words are in the tooltip and for screen readers. */
export function SeverityCountBadges({ counts }: { counts: Counts }) {
  const shown = SHOWN.filter((s) => counts[s] > 0);
  if (shown.length === 0) {
    return <span>0</span>;
  }
  return (
    <Stack gap={0.5} wrap="wrap">
      {shown.map((s) => (
        <Badge key={s} color={SEVERITY_BADGE[s]} text={`${s[0]} ${counts[s]}`} tooltip={`${counts[s]} ${s.toLowerCase()}`} aria-label={`${counts[s]} ${s.toLowerCase()}`} />
      ))}
    </Stack>
  );
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <Badge color={SEVERITY_BADGE[severity]} text={severity} />;
}

export function VerdictBadge({ verdict }: { verdict: PolicyVerdict }) {
  const color: BadgeColor = verdict === 'fail' ? 'red' : verdict === 'pass' ? 'green' : 'darkgrey';
  const icon = verdict === 'fail' ? 'exclamation-triangle' : verdict === 'pass' ? 'check' : 'question-circle';
  return <Badge color={color} icon={icon} text={verdict} />;
}
