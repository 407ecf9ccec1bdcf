// Every line of the version-ordering vectors in fixtures/ (osv-scalibr's semantic/testdata, Apache-2.0; see
// fixtures/README.md) must be read and hold in both directions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions } from '../../../src/scanner/versions/index.js';

const DIR = join(import.meta.dirname, 'fixtures');

const FILES: Record<string, string> = {
  'debian-versions.txt': 'Debian:12',
  'debian-versions-generated.txt': 'Debian:12',
  'alpine-versions.txt': 'Alpine:v3.19',
  'alpine-versions-generated.txt': 'Alpine:v3.19',
  'redhat-versions.txt': 'Red Hat',
  'semver-versions.txt': 'npm',
  'pypi-versions.txt': 'PyPI',
  'pypi-versions-generated.txt': 'PyPI',
  'maven-versions.txt': 'Maven',
};

function expected(op: string): number {
  if (op === '<') return -1;
  if (op === '=') return 0;
  if (op === '>') return 1;
  throw new Error(`unknown comparator ${op}`);
}

describe('version vectors', () => {
  test('every vector file in the shared directory is covered', () => {
    const present = readdirVectorFiles();
    assert.deepEqual(present, Object.keys(FILES).sort());
  });

  for (const [file, ecosystem] of Object.entries(FILES)) {
    test(`${file} (${ecosystem})`, () => {
      const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
      let checked = 0;
      const failures: string[] = [];
      lines.forEach((line, i) => {
        // the format's comments: "# ..." and "// ..." lines, and blank lines
        if (line === '' || line.startsWith('# ') || line.startsWith('// ')) return;
        const parts = line.split(' ');
        assert.equal(parts.length, 3, `${file}:${i + 1}: not "A op B": ${line}`);
        const [a, op, b] = parts as [string, string, string];
        const want = expected(op);
        checked++;
        const ab = compareVersions(ecosystem, a, b);
        const ba = compareVersions(ecosystem, b, a);
        if (ab !== want || ba !== -want) failures.push(`${file}:${i + 1}: ${line} gave ${ab} / reversed ${ba}`);
      });
      assert.deepEqual(failures.slice(0, 20), []);
      // the files are not trivially small; a parser that skipped most lines would show here
      assert.ok(checked >= 30, `only ${checked} vectors read from ${file}`);
    });
  }
});

function readdirVectorFiles(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort();
}
