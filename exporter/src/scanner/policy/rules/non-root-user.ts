// The image must not run as root by default. Kubernetes can override the user (runAsUser), but an image that
// defaults to root runs as root wherever nobody remembered to.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { cleanText } from '../text.js';

/** True when Config.User selects uid 0: empty (runtime default), "root", "0", "0:0", "root:wheel", "00". */
export function runsAsRoot(user: string | undefined): boolean {
  const u = (user ?? '').trim();
  if (u === '') return true;
  const name = u.split(':')[0] ?? '';
  return name === 'root' || /^0+$/.test(name);
}

export const nonRootUserPolicy = definePolicy({
  id: 'non-root-user',
  title: () => 'The image does not run as root',
  defaultSeverity: 'MEDIUM',
  defaultEnabled: true,
  params: z.strictObject({}),
  check(input) {
    const user = input.image.config.user;
    const shown = cleanText((user ?? '').trim(), 64);
    if (!runsAsRoot(user)) return { violated: false, details: [`runs as user "${shown}"`] };
    const why = shown === '' ? 'no USER is set, so the container runs as root' : `USER is "${shown}", which is root`;
    return { violated: true, details: [why, 'set a non-root USER in the Dockerfile (e.g. USER 65532:65532)'] };
  },
});
