#!/usr/bin/env node
// Runs exporter/test/**/*.test.ts with node's own test runner (through tsx), optionally limited to the
// paths given as arguments. Node 20's --test does not expand globs itself, hence this file.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2).map((p) => resolve(process.cwd(), p));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = walk(join(root, 'test'))
  // A filter names a file or a folder: test/rules must not also pick test/rules-live.
  .filter((f) => filters.length === 0 || filters.some((p) => f === p || f.startsWith(p.endsWith('/') ? p : `${p}/`)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files match', filters.join(' '));
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files.map((f) => relative(root, f))];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
