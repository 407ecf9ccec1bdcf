// Labels come from containers and pods that anyone with create rights controls, and end up as metric labels and
// log fields, so their number and size are capped here, once, for every source.

export interface LabelLimits {
  maxCount: number;
  maxKeyLength: number;
  maxValueLength: number;
}

/** Kubernetes allows 63-char names with a 253-char prefix; values of 63 chars. Values get a little slack. */
export const DEFAULT_LABEL_LIMITS: LabelLimits = { maxCount: 64, maxKeyLength: 317, maxValueLength: 256 };

/**
 * Keep at most maxCount string labels (in key order, so the choice is stable between calls); drop non-string
 * values and over-long keys; truncate over-long values. `dropped` counts labels not kept as given.
 */
export function boundLabels(input: unknown, limits: LabelLimits = DEFAULT_LABEL_LIMITS): { labels: Record<string, string>; dropped: number } {
  const labels: Record<string, string> = {};
  let dropped = 0;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { labels, dropped };
  const keys = Object.keys(input).sort();
  let kept = 0;
  for (const key of keys) {
    const value = (input as Record<string, unknown>)[key];
    // __proto__ would not become an own property of a plain object; nobody names a label that in good faith.
    if (typeof value !== 'string' || key.length === 0 || key.length > limits.maxKeyLength || key === '__proto__') {
      dropped++;
      continue;
    }
    if (kept >= limits.maxCount) {
      dropped++;
      continue;
    }
    if (value.length > limits.maxValueLength) {
      labels[key] = value.slice(0, limits.maxValueLength);
      dropped++;
    } else {
      labels[key] = value;
    }
    kept++;
  }
  return { labels, dropped };
}

/** A bounded string field from untrusted JSON; undefined for non-strings and empty strings. */
export function boundedString(v: unknown, maxLength = 512): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return v.length > maxLength ? v.slice(0, maxLength) : v;
}
