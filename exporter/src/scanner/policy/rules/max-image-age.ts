// Optional: images older than N days were built from stale packages; rebuild them.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { cleanText } from '../text.js';

const DAY_MS = 86_400_000;
/** Reproducible builds (ko, Bazel, distroless) stamp 1970-01-01 or thereabouts: that is "unknown", not "old". */
const REPRODUCIBLE_BEFORE = Date.parse('1990-01-01T00:00:00Z');

const params = z.strictObject({
  maxDays: z.number().int().min(1).max(36500),
  /** Whether an image without a usable creation time violates the policy. */
  unknownCreated: z.enum(['pass', 'violate']).default('pass'),
});

export const maxImageAgePolicy = definePolicy({
  id: 'max-image-age',
  title: (p) => `The image is at most ${p.maxDays} days old`,
  defaultSeverity: 'LOW',
  defaultEnabled: false,
  params,
  check(input, p, ctx) {
    const created = input.image.config.created;
    const ms = created ? Date.parse(created) : Number.NaN;
    if (Number.isNaN(ms) || ms < REPRODUCIBLE_BEFORE) {
      const why = created ? `creation time "${cleanText(created, 40)}" is not usable (missing, invalid or a reproducible-build placeholder)` : 'the image config has no creation time';
      return { violated: p.unknownCreated === 'violate', details: [why] };
    }
    const age = Math.floor((ctx.now.getTime() - ms) / DAY_MS);
    if (age < 0) return { violated: false, details: [`creation time ${new Date(ms).toISOString()} is in the future`] };
    const detail = `built ${new Date(ms).toISOString().slice(0, 10)}, ${age} day${age === 1 ? '' : 's'} ago`;
    return { violated: age > p.maxDays, details: [age > p.maxDays ? `${detail}, more than ${p.maxDays}` : detail] };
  },
});
