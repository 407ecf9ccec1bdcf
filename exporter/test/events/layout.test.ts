// The decoder's view of the event layout (src/events/layout.ts) must equal the C header's, as printed by
// bpf/build/vigil-layout (compiled from bpf/layout.c against bpf/vigil_events.h).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONSTANTS, STRUCTS } from '../../src/events/layout.js';

const repo = resolve(import.meta.dirname, '../../..');
const dumper = resolve(repo, 'bpf/build/vigil-layout');

interface CLayout {
  abi: number;
  constants: Record<string, number>;
  structs: Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }>;
}

function cLayout(): CLayout {
  if (!existsSync(dumper)) execFileSync('make', ['-s', '-C', resolve(repo, 'bpf'), 'build/vigil-layout'], { stdio: 'inherit' });
  return JSON.parse(execFileSync(dumper, { encoding: 'utf8' })) as CLayout;
}

test('every C struct, size and field offset matches the TypeScript layout', () => {
  const c = cLayout();
  assert.deepEqual(Object.keys(STRUCTS).sort(), Object.keys(c.structs).sort(), 'the same set of structs');
  for (const [name, ts] of Object.entries(STRUCTS)) {
    const cs = c.structs[name]!;
    assert.equal(ts.size, cs.size, `sizeof(struct ${name})`);
    assert.deepEqual(ts.fields, cs.fields, `fields of struct ${name}`);
  }
});

test('every C constant matches the TypeScript value', () => {
  const c = cLayout();
  assert.equal(c.abi, CONSTANTS.VIGIL_ABI_VERSION);
  for (const [name, value] of Object.entries(CONSTANTS)) {
    assert.equal(c.constants[name], value, name);
  }
  for (const name of Object.keys(c.constants)) assert.ok(name in CONSTANTS, `constant ${name} is mirrored in layout.ts`);
});
