// No digestless or `latest` reference: a tag can be moved to other content at any time, a digest cannot.
// Not applicable to local sources (oci:, oci-archive:, docker-archive:, containers-storage:): they name files or a
// local store, not a reference a runtime pulls, so there is nothing to pin; the result passes and says so.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { localTransport, parseImageReference } from '../image-reference.js';
import { cleanText } from '../text.js';

const params = z.strictObject({
  /** The reference must pin a digest (name@sha256:...). */
  requireDigest: z.boolean().default(true),
  /** The reference must not use "latest", written or implied, unless a digest pins it. */
  forbidLatest: z.boolean().default(true),
});

export const imageReferencePolicy = definePolicy({
  id: 'image-reference',
  title: () => 'The image reference is pinned (digest, no latest)',
  defaultSeverity: 'MEDIUM',
  defaultEnabled: true,
  params,
  check(input, p) {
    const ref = input.image.reference;
    const shown = cleanText(ref, 200);
    const local = localTransport(ref);
    if (local) return { violated: false, details: [`not applicable: "${shown}" is read from ${local.description}, not pulled from a registry`] };
    const parsed = parseImageReference(ref);
    if (!parsed) return { violated: true, details: [`"${shown}" is not a valid image reference`] };
    const details: string[] = [];
    if (p.requireDigest && !parsed.digest) details.push(`"${shown}" has no digest: pin it as name@sha256:...`);
    if (p.forbidLatest && !parsed.digest && (parsed.tag === undefined || parsed.tag === 'latest')) {
      details.push(parsed.tag === undefined ? `"${shown}" has no tag, which means "latest"` : `"${shown}" uses the mutable "latest" tag`);
    }
    if (details.length > 0) return { violated: true, details };
    return { violated: false, details: [parsed.digest ? `pinned to ${parsed.digest}` : `tag "${parsed.tag ?? ''}"`] };
  },
});
