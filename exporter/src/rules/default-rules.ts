// Where the default ruleset lives: exporter/rules/vigil_rules.yaml (next to src/ and dist/).

import { resolve } from 'node:path';

export const DEFAULT_RULES_FILE = resolve(import.meta.dirname, '../../rules/vigil_rules.yaml');
