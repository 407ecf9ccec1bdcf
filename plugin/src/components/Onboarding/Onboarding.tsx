import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { EmptyState, LinkButton, Stack, TextLink, useStyles2 } from '@grafana/ui';
import { PLUGIN_ID } from '../../constants';
import { testIds } from '../testIds';
import { onboardingText, type OnboardingReason } from './reasons';

export const CONFIG_PAGE_URL = `/plugins/${PLUGIN_ID}`;
export const DOCS_URL = 'https://github.com/vigil-security/vigil/tree/main/docs';

export interface OnboardingProps {
  reason: OnboardingReason;
  /** Smaller, without the illustration: for a notice above content that still renders (no-data). */
  compact?: boolean;
}

/** What is missing and what to do about it, with links to the config page and the docs. */
export function Onboarding({ reason, compact = false }: OnboardingProps) {
  const styles = useStyles2(getStyles);
  const text = onboardingText(reason);
  return (
    <div data-testid={testIds.onboarding.container} data-onboarding-kind={reason.kind} className={compact ? styles.compact : undefined}>
      <EmptyState
        variant="call-to-action"
        message={text.title}
        hideImage={compact}
        button={
          <LinkButton href={CONFIG_PAGE_URL} icon="cog" data-testid={testIds.onboarding.configLink}>
            Open the Vigil configuration
          </LinkButton>
        }
      >
        <Stack direction="column" gap={1} alignItems="center">
          <ul className={styles.steps}>
            {text.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
          <TextLink href={DOCS_URL} external>
            Vigil documentation
          </TextLink>
        </Stack>
      </EmptyState>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  steps: css({ margin: 0, paddingLeft: theme.spacing(2), textAlign: 'left', maxWidth: 720 }),
  compact: css({ marginBottom: theme.spacing(2) }),
});
