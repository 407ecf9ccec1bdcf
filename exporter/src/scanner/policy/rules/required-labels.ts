// Optional: labels the organisation relies on (source repository, owner, ...) must be present, optionally matching a pattern.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { regexSchema } from '../schema-helpers.js';
import { cleanText } from '../text.js';

const labelSpec = z.union([
  z.string().min(1).max(256),
  z.strictObject({ name: z.string().min(1).max(256), pattern: regexSchema }),
]);

const params = z.strictObject({ labels: z.array(labelSpec).min(1, 'list at least one label') });

/** Label values come from the image: cap what a user's pattern is run against. */
const MAX_VALUE = 1024;

export const requiredLabelsPolicy = definePolicy({
  id: 'required-labels',
  title: () => 'Required labels are present',
  defaultSeverity: 'LOW',
  defaultEnabled: false,
  params,
  check(input, p) {
    const labels = input.image.config.labels ?? {};
    const details: string[] = [];
    for (const spec of p.labels) {
      const name = typeof spec === 'string' ? spec : spec.name;
      const value = Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : undefined;
      if (value === undefined || value === '') {
        details.push(`label "${name}" is missing`);
      } else if (typeof spec !== 'string' && !new RegExp(spec.pattern, 'u').test(value.slice(0, MAX_VALUE))) {
        details.push(`label "${name}" = "${cleanText(value, 100)}" does not match /${spec.pattern}/`);
      }
    }
    if (details.length > 0) return { violated: true, details };
    return { violated: false, details: [`${p.labels.length} required label${p.labels.length === 1 ? '' : 's'} present`] };
  },
});
