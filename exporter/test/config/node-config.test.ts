import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envVariableNames, loadNodeConfig } from '../../src/config/node-config.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('embedded defaults need no file', () => {
  const cfg = loadNodeConfig();
  assert.equal(cfg.http.listen, '0.0.0.0:9711');
  assert.equal(cfg.sensor.openMode, 'prefixes');
  assert.equal(cfg.journal.enabled, true);
  assert.ok(cfg.node.name.length > 0);
});

test('file, then environment, then flags override in that order', () => {
  const p = file('ok.yaml', 'http:\n  listen: 127.0.0.1:1234\nsensor:\n  openMode: all\n  ringbufBytes: 1048576\n');
  const cfg = loadNodeConfig({ file: p, env: { VIGIL_SENSOR_OPEN_MODE: 'none', VIGIL_JOURNAL_MAX_AGE_HOURS: '2' }, flags: { 'http.listen': '127.0.0.1:9999' } });
  assert.equal(cfg.sensor.ringbufBytes, 1048576);
  assert.equal(cfg.sensor.openMode, 'none');
  assert.equal(cfg.journal.maxAgeHours, 2);
  assert.equal(cfg.http.listen, '127.0.0.1:9999');
});

test('a wrong value in the file is reported at file:line:column', () => {
  const p = file('bad.yaml', 'http:\n  listen: 127.0.0.1:1234\nsensor:\n  openMode: sometimes\n');
  assert.throws(() => loadNodeConfig({ file: p }), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, new RegExp(`${p.replace(/[.]/g, '\\.')}:4:13: sensor\\.openMode:`));
    return true;
  });
});

test('unknown keys and bad YAML are errors with positions', () => {
  const unknown = file('unknown.yaml', 'sensor:\n  ringbufBytes: 1048576\n  colour: blue\n');
  assert.throws(() => loadNodeConfig({ file: unknown }), /unknown\.yaml:2:3: sensor: Unrecognized key/);
  const syntax = file('syntax.yaml', 'http:\n  listen: [oops\n');
  assert.throws(() => loadNodeConfig({ file: syntax }), /syntax\.yaml:\d+:\d+: /);
  const dup = file('dup.yaml', 'http:\n  listen: a:1\n  listen: b:2\n');
  assert.throws(() => loadNodeConfig({ file: dup }), /dup\.yaml:3:3: Map keys must be unique/);
});

test('an environment variable error names the variable', () => {
  assert.throws(() => loadNodeConfig({ env: { VIGIL_SENSOR_RINGBUF_BYTES: 'lots' } }), /environment variable VIGIL_SENSOR_RINGBUF_BYTES: sensor\.ringbufBytes/);
  assert.ok(envVariableNames().includes('VIGIL_HTTP_LISTEN'));
});

test('the token file is read, and a missing one is an error', () => {
  const tok = file('token', 's3cret\n');
  assert.equal(loadNodeConfig({ flags: { 'http.tokenFile': tok } }).http.token, 's3cret');
  assert.throws(() => loadNodeConfig({ flags: { 'http.tokenFile': join(dir, 'nope') } }), /http\.tokenFile .*nope: cannot read/);
});

test('string settings take environment text as it is; numbers and lists are parsed', () => {
  const cfg = loadNodeConfig({ env: { VIGIL_HTTP_TOKEN: '0123456789', VIGIL_NODE_NAME: 'true', VIGIL_SENSOR_OPEN_PREFIXES: '[/etc/, /opt/]', VIGIL_SENSOR_RINGBUF_BYTES: '1048576' } });
  assert.equal(cfg.http.token, '0123456789');
  assert.equal(cfg.node.name, 'true');
  assert.deepEqual(cfg.sensor.openPrefixes, ['/etc/', '/opt/']);
  assert.equal(cfg.sensor.ringbufBytes, 1048576);
});

test('an empty token file is an error, not "no authentication"', () => {
  const empty = file('empty-token', '  \n');
  assert.throws(() => loadNodeConfig({ flags: { 'http.tokenFile': empty } }), /the file is empty/);
});

test('the ring buffer size must be a power of two', () => {
  assert.throws(() => loadNodeConfig({ flags: { 'sensor.ringbufBytes': 5_000_000 } }), /sensor\.ringbufBytes: the kernel ring buffer size must be a power of two/);
});
