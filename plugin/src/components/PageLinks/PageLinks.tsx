import React from 'react';
import { LinkButton, Stack, type IconName } from '@grafana/ui';

export interface PageLink {
  label: string;
  href: string;
  icon: IconName;
  /** Links to provisioned dashboards are drawn lighter than links to the app's own pages. */
  dashboard?: boolean;
}

/** `path?k=v…` with empty values left out, so a link never filters on "". */
export function withParams(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v) {
      q.set(k, v);
    }
  }
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The one selected value of a multi-value filter, or undefined (dashboard links carry single values only). */
export function onlyValue(values: readonly string[]): string | undefined {
  return values.length === 1 ? values[0] : undefined;
}

/** A row of links to the app's pages and the dashboards; plain anchors, so keyboard and middle-click work. */
export function PageLinks({ links, testId }: { links: PageLink[]; testId: string }) {
  return (
    <nav data-testid={testId} aria-label="Related pages and dashboards">
      <Stack gap={1} wrap="wrap">
        {links.map((l) => (
          <LinkButton key={l.label} variant="secondary" size="sm" fill={l.dashboard ? 'text' : 'outline'} icon={l.icon} href={l.href}>
            {l.label}
          </LinkButton>
        ))}
      </Stack>
    </nav>
  );
}
