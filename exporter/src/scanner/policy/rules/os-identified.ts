// Scanning without a known OS means distro packages were not matched at all: that must not pass silently.
import { z } from 'zod';
import { definePolicy } from '../definition.js';
import { cleanText } from '../text.js';

export const osIdentifiedPolicy = definePolicy({
  id: 'os-identified',
  title: () => 'The OS could be identified',
  defaultSeverity: 'MEDIUM',
  defaultEnabled: true,
  params: z.strictObject({}),
  check(input) {
    const os = input.image.os;
    if (!os || os.id.trim() === '') {
      return {
        violated: true,
        details: ['OS could not be identified: no os-release or distribution release file was found, so OS packages were not checked'],
      };
    }
    const name = os.prettyName ?? `${os.id} ${os.versionId}`;
    return { violated: false, details: [`${cleanText(name, 100)} (from ${cleanText(os.source, 100)})`] };
  },
});
