// No secret-looking environment variables in the image config. Details name the variable and a fingerprint only.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { detectSecrets } from '../secret-detect.js';
import { boundedLines } from '../text.js';

const params = z.strictObject({
  /** Variable names never flagged (exact, case-insensitive). */
  allowNames: z.array(z.string().min(1).max(256)).max(1000).default([]),
  /** More name words that mark a secret, matched as whole "_"-separated words. */
  extraNameWords: z.array(z.string().min(1).max(64)).max(100).default([]),
});

export const secretEnvPolicy = definePolicy({
  id: 'secret-env',
  title: () => 'No secrets in environment variables',
  defaultSeverity: 'CRITICAL',
  defaultEnabled: true,
  params,
  check(input, p) {
    const env = input.image.config.env ?? [];
    const hits = detectSecrets(env, { allowNames: p.allowNames, extraNameWords: p.extraNameWords });
    if (hits.length === 0) return { violated: false, details: [`${env.length} environment variable${env.length === 1 ? '' : 's'} checked`] };
    return {
      violated: true,
      details: boundedLines(hits.map((h) => `${h.name}: ${h.reasons.join('; ')} (value fingerprint ${h.fingerprint})`)),
    };
  },
});
