// Optional: packages that must not be installed at all (telnetd, netcat, a vendored log4j-core, ...).
import { z } from 'zod';
import type { PackageKind } from '../../types.js';
import { definePolicy } from '../definition.js';
import { boundedLines, cleanText } from '../text.js';

const KINDS = ['dpkg', 'apk', 'rpm', 'npm', 'pypi', 'go', 'maven'] as const satisfies readonly PackageKind[];

const banned = z.strictObject({
  /** Package name; "*" matches any run of characters ("openssh-*"). Case-insensitive. */
  name: z.string().min(1).max(256),
  kind: z.enum(KINDS).optional(),
  reason: z.string().max(500).optional(),
});

const params = z.strictObject({ packages: z.array(banned).min(1, 'list at least one package') });

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i');
}

export const bannedPackagesPolicy = definePolicy({
  id: 'banned-packages',
  title: () => 'No banned packages',
  defaultSeverity: 'HIGH',
  defaultEnabled: false,
  params,
  check(input, p) {
    const rules = p.packages.map((b) => ({ ...b, re: globToRegExp(b.name) }));
    const lines: string[] = [];
    for (const pkg of input.image.packages) {
      const rule = rules.find((r) => (r.kind === undefined || r.kind === pkg.kind) && r.re.test(pkg.name));
      if (!rule) continue;
      const layer = pkg.layer ? ` in layer ${pkg.layer.replace(/^sha256:/, '').slice(0, 12)}` : '';
      lines.push(`${cleanText(pkg.name, 100)} ${cleanText(pkg.version, 60)} (${pkg.kind})${layer}${rule.reason ? `: ${rule.reason}` : ''}`);
    }
    if (lines.length === 0) return { violated: false, details: [`${input.image.packages.length} packages checked`] };
    return { violated: true, details: boundedLines(lines) };
  },
});
