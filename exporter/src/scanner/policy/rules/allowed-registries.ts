// Optional: images must come from listed registries (or registry path prefixes such as "ghcr.io/my-org").
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { localTransport, normalizeRegistry, parseImageReference } from '../image-reference.js';
import { cleanText } from '../text.js';

const params = z.strictObject({
  registries: z.array(z.string().min(1).max(512)).min(1, 'list at least one registry'),
});

/** "ghcr.io/org" allows ghcr.io/org/app but not ghcr.io/organisation/app: prefixes end at a "/". */
export function registryAllowed(registry: string, repository: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const [host = '', ...path] = entry.trim().replace(/\/+$/, '').split('/');
    if (normalizeRegistry(host) !== registry) return false;
    const prefix = path.join('/');
    return prefix === '' || repository === prefix || repository.startsWith(`${prefix}/`);
  });
}

export const allowedRegistriesPolicy = definePolicy({
  id: 'allowed-registries',
  title: () => 'The image comes from an allowed registry',
  defaultSeverity: 'HIGH',
  defaultEnabled: false,
  params,
  check(input, p) {
    const parsed = parseImageReference(input.image.reference);
    const shown = cleanText(input.image.reference, 200);
    // A local layout, archive or store has no registry to vouch for it: that fails this policy, but it is no
    // invalid reference.
    const local = localTransport(input.image.reference);
    if (local) return { violated: true, details: [`"${shown}" is read from ${local.description}, not from a registry: no allowed registry vouches for it`] };
    if (!parsed) return { violated: true, details: [`"${shown}" is not a valid image reference`] };
    const where = `${parsed.registry}/${parsed.repository}`;
    if (registryAllowed(parsed.registry, parsed.repository, p.registries)) return { violated: false, details: [`${where} is allowed`] };
    return { violated: true, details: [`${where} is not in the allowed registries (${p.registries.join(', ')})`] };
  },
});
