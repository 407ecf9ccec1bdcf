// No end-of-life OS release: past that date the distribution publishes no more security fixes.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { lookupEol } from '../eol.js';
import { cleanText } from '../text.js';

const DAY_MS = 86_400_000;

const params = z.strictObject({
  /** standard: free security support; extended: count paid extended support (ESM, ELTS, ELS) as supported. */
  support: z.enum(['standard', 'extended']).default('standard'),
  /** Mention (without violating) a release that reaches its end of life within this many days. */
  warnDays: z.number().int().min(0).max(3650).default(90),
  /** What to do with a release or distribution the embedded table does not know. */
  unknownRelease: z.enum(['pass', 'violate']).default('pass'),
});

export const osEndOfLifePolicy = definePolicy({
  id: 'os-end-of-life',
  title: () => 'No end-of-life OS release',
  defaultSeverity: 'HIGH',
  defaultEnabled: true,
  params,
  check(input, p, ctx) {
    const os = input.image.os;
    // A missing OS is reported by os-identified; reporting it twice would double-count one problem.
    if (!os || os.id.trim() === '') return { violated: false, details: ['skipped: the OS could not be identified'] };
    const label = cleanText(`${os.id} ${os.versionId}`.trim(), 80);
    const look = lookupEol(os);
    const unknown = (why: string) => ({ violated: p.unknownRelease === 'violate', details: [why] });
    switch (look.kind) {
      case 'unknown-distro':
        return unknown(`no end-of-life data for ${label}`);
      case 'unknown-release':
        return unknown(`${look.distro.name}: release "${cleanText(look.versionId, 40)}" could not be recognised`);
      case 'unlisted':
        return unknown(`${look.distro.name} ${look.release} is not a known release`);
      case 'rolling':
        return { violated: false, details: [`${look.distro.name} ${look.name} is a rolling branch without an end-of-life date`] };
      case 'newer':
        return { violated: false, details: [`${look.distro.name} ${look.release} is newer than the embedded end-of-life table; assumed supported`] };
      case 'older':
        return { violated: true, details: [`${look.distro.name} ${look.release} is older than every release in the end-of-life table and long unsupported`] };
      case 'release': {
        const e = look.entry;
        const end = p.support === 'extended' ? (e.extendedEol ?? e.eol) : e.eol;
        const what = p.support === 'extended' && e.extendedEol ? 'end of extended support' : e.note;
        const name = `${look.distro.name} ${e.release}${e.codename ? ` (${e.codename})` : ''}`;
        // The table's date is the last supported day: end of life starts at the next midnight UTC.
        const lastDayMs = Date.parse(`${end}T00:00:00Z`);
        const nowMs = ctx.now.getTime();
        if (nowMs >= lastDayMs + DAY_MS) {
          const ago = Math.floor((nowMs - lastDayMs) / DAY_MS);
          return { violated: true, details: [`${name} reached end of life: ${what} on ${end}, ${ago} day${ago === 1 ? '' : 's'} ago`] };
        }
        const days = Math.ceil((lastDayMs + DAY_MS - nowMs) / DAY_MS);
        const details = [`${name} is supported until ${end} (${what})`];
        if (days <= p.warnDays) details.push(`${name} reaches end of life in ${days} day${days === 1 ? '' : 's'}`);
        if (p.support === 'standard' && e.extendedEol) details.push(`paid extended support runs until ${e.extendedEol}`);
        return { violated: false, details };
      }
    }
  },
});
