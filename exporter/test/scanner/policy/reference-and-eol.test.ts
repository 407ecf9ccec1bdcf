import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EOL_TABLE, localTransport, lookupEol, parseImageReference } from '../../../src/scanner/policy/index.js';

describe('image references', () => {
  const hex = 'e'.repeat(64);
  const cases: [string, ReturnType<typeof parseImageReference>][] = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['bitnami/redis:7.2', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.2' }],
    ['index.docker.io/library/nginx:latest', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app' }],
    ['localhost/app:1', { registry: 'localhost', repository: 'app', tag: '1' }],
    [`ghcr.io/org/team/app:v1.2.3@sha256:${hex}`, { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1.2.3', digest: `sha256:${hex}` }],
    [`quay.io/prometheus/node-exporter@sha256:${hex}`, { registry: 'quay.io', repository: 'prometheus/node-exporter', digest: `sha256:${hex}` }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['', undefined],
    ['UPPER', undefined],
    ['ghcr.io/Org/app', undefined],
    // Like Docker: an upper-case first component is a registry host.
    ['Registry/app', { registry: 'registry', repository: 'app' }],
    ['nginx:', undefined],
    ['nginx@sha256:short', undefined],
    ['a b', undefined],
    ['ghcr.io/org/app:bad\u001btag', undefined],
    ['docker://nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    // local sources are no registry references (the policies ask localTransport about them first)
    ['oci:/tmp/layout:app', undefined],
    ['docker-archive:/srv/app.tar', undefined],
  ];
  for (const [ref, want] of cases) {
    test(JSON.stringify(ref), () => assert.deepEqual(parseImageReference(ref), want));
  }
});

test('localTransport recognises the local sources by prefix, as the sources do', () => {
  assert.deepEqual(localTransport(' oci:./dir:tag')?.transport, 'oci');
  assert.deepEqual(localTransport('oci-archive:x.tar')?.transport, 'oci-archive');
  assert.deepEqual(localTransport('docker-archive:x.tar:a:b')?.transport, 'docker-archive');
  assert.deepEqual(localTransport('containers-storage:localhost/x:1')?.transport, 'containers-storage');
  for (const registry of ['nginx:1', 'docker://oci:5000/x', 'ocirepo/x:1', 'localhost:5000/oci:1', 'registry.example.com/docker-archive:1']) {
    assert.equal(localTransport(registry), undefined, registry);
  }
});

describe('EOL table', () => {
  test('every date is a real date, extended support ends after standard support', () => {
    for (const d of EOL_TABLE) {
      for (const e of d.entries) {
        for (const date of [e.eol, e.extendedEol].filter((x): x is string => x !== undefined)) {
          assert.match(date, /^\d{4}-\d{2}-\d{2}$/);
          assert.equal(new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10), date, `${d.name} ${e.release}`);
        }
        if (e.extendedEol) assert.ok(e.extendedEol > e.eol, `${d.name} ${e.release}`);
      }
      const releases = d.entries.map((e) => e.release);
      assert.equal(new Set(releases).size, releases.length, `${d.name}: no duplicate releases`);
    }
  });

  test('the dates the brief names', () => {
    const get = (id: string, v: string) => {
      const r = lookupEol({ id, versionId: v, source: 'test' });
      assert.equal(r.kind, 'release', `${id} ${v}`);
      return r.kind === 'release' ? r.entry : undefined;
    };
    assert.equal(get('debian', '11')?.eol, '2026-08-31');
    assert.equal(get('debian', '12')?.eol, '2028-06-30');
    assert.equal(get('debian', '10')?.eol, '2024-06-30');
    assert.equal(get('debian', '9')?.eol, '2022-06-30');
    assert.equal(get('debian', '8')?.eol, '2020-06-30');
    for (const v of ['14.04', '16.04', '18.04', '20.04', '22.04', '24.04']) assert.ok(get('ubuntu', v)?.extendedEol, `Ubuntu ${v} has an ESM date`);
    for (let minor = 0; minor <= 22; minor++) assert.ok(get('alpine', `3.${minor}.0`), `Alpine 3.${minor}`);
    for (const id of ['rhel', 'rocky', 'almalinux']) for (const v of ['8.10', '9.5']) assert.ok(get(id, v), `${id} ${v}`);
    assert.ok(get('rhel', '7.9'));
    assert.equal(lookupEol({ id: 'rocky', versionId: '7', source: 't' }).kind, 'older');
  });
});
