// The stand-in must itself be strict, or the sink's tests prove nothing: every deviation from Loki's push
// format is answered 400 and recorded; query_range answers in Loki's documented shape.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LokiStandIn, parseLokiTime, parseSelector } from '../../support/loki-standin.js';

let loki: LokiStandIn;
before(async () => {
  loki = new LokiStandIn();
  await loki.start();
});
after(async () => loki.stop());

const nowNs = () => (BigInt(Date.now()) * 1_000_000n).toString();

async function push(body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; text: string }> {
  const r = await fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', headers, body });
  return { status: r.status, text: await r.text() };
}

describe('push validation', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['not JSON', () => '{"streams":', /invalid JSON/],
    ['no streams key', () => ({ stream: [] }), /exactly one key/],
    ['an extra top-level key', () => ({ streams: [{ stream: { a: 'b' }, values: [[nowNs(), 'x']] }], extra: 1 }), /exactly one key/],
    ['empty streams', () => ({ streams: [] }), /non-empty array/],
    ['timestamp as a number', () => ({ streams: [{ stream: { a: 'b' }, values: [[Date.now() * 1e6, 'x']] }] }), /decimal digits/],
    ['timestamp with a sign', () => ({ streams: [{ stream: { a: 'b' }, values: [['-1', 'x']] }] }), /decimal digits/],
    ['line not a string', () => ({ streams: [{ stream: { a: 'b' }, values: [[nowNs(), { x: 1 }]] }] }), /must be a string/],
    ['label name with a dash', () => ({ streams: [{ stream: { 'k8s-ns': 'b' }, values: [[nowNs(), 'x']] }] }), /invalid label name/],
    ['label name starting with a digit', () => ({ streams: [{ stream: { '1a': 'b' }, values: [[nowNs(), 'x']] }] }), /invalid label name/],
    ['reserved label name', () => ({ streams: [{ stream: { __name__: 'b' }, values: [[nowNs(), 'x']] }] }), /reserved/],
    ['empty label value', () => ({ streams: [{ stream: { a: '' }, values: [[nowNs(), 'x']] }] }), /empty value/],
    ['no labels', () => ({ streams: [{ stream: {}, values: [[nowNs(), 'x']] }] }), /at least one label/],
    ['no values', () => ({ streams: [{ stream: { a: 'b' }, values: [] }] }), /non-empty array/],
    ['a value with four elements', () => ({ streams: [{ stream: { a: 'b' }, values: [[nowNs(), 'x', {}, 1]] }] }), /must be \["<ns>"/],
  ];
  for (const [name, body, message] of bad) {
    test(`400: ${name}`, async () => {
      const before = loki.entries.length;
      const b = body();
      const r = await push(typeof b === 'string' ? b : JSON.stringify(b));
      assert.equal(r.status, 400);
      assert.match(r.text, message);
      assert.equal(loki.entries.length, before);
      assert.match(loki.violations[loki.violations.length - 1]!, message);
    });
  }

  test('400: wrong content type, unknown or broken encoding', async () => {
    const ok = JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [[nowNs(), 'x']] }] });
    assert.equal((await push(ok, { 'Content-Type': 'text/plain' })).status, 400);
    assert.equal((await push(ok, { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })).status, 400);
    assert.equal((await push(ok, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })).status, 400);
    assert.equal((await push(gzipSync(ok), { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip' })).status, 204);
  });

  test('ordering: an older entry on a stream is refused, others in the same push are kept; exact duplicates are ignored', async () => {
    const t = BigInt(Date.now()) * 1_000_000n;
    const stream = { job: 'order-test' };
    assert.equal((await push(JSON.stringify({ streams: [{ stream, values: [[String(t), 'b']] }] }))).status, 204);
    const r = await push(JSON.stringify({ streams: [{ stream, values: [[String(t - 5n), 'a'], [String(t), 'b'], [String(t + 1n), 'c']] }] }));
    assert.equal(r.status, 400);
    assert.match(r.text, /entry out of order/);
    assert.match(r.text, /total ignored: 1 out of 3/);
    assert.deepEqual(loki.select(stream).map((e) => e.line), ['b', 'c']);
    assert.ok(loki.duplicates >= 1);
  });

  test('too old and too far in the future are refused per entry', async () => {
    const old = (BigInt(Date.now() - 8 * 24 * 3_600_000) * 1_000_000n).toString();
    const future = (BigInt(Date.now() + 3_600_000) * 1_000_000n).toString();
    const r = await push(JSON.stringify({ streams: [{ stream: { job: 'age' }, values: [[old, 'old'], [future, 'future']] }] }));
    assert.equal(r.status, 400);
    assert.match(r.text, /too far behind/);
    assert.match(r.text, /too far in the future/);
  });
});

describe('query_range', () => {
  test('selects by exact labels and time range, newest first by default, in Loki\'s streams shape', async () => {
    const t = BigInt(Date.now()) * 1_000_000n;
    const values = [0n, 1n, 2n, 3n].map((d) => [String(t + d), `line ${d}`]);
    assert.equal((await push(JSON.stringify({ streams: [
      { stream: { job: 'vigil', stream: 'alert', pod: 'p1' }, values: values.slice(0, 2) },
      { stream: { job: 'vigil', stream: 'alert', pod: 'p2' }, values: values.slice(2) },
      { stream: { job: 'vigil', stream: 'activity', pod: 'p1' }, values: [[String(t), 'activity']] },
    ] }))).status, 204);
    const q = new URLSearchParams({ query: '{job="vigil", stream="alert"}', start: String(t), end: String(t + 3n), limit: '10' });
    const r = await fetch(`${loki.url}/loki/api/v1/query_range?${q}`);
    assert.equal(r.status, 200);
    const doc = (await r.json()) as { status: string; data: { resultType: string; result: { stream: Record<string, string>; values: [string, string][] }[] } };
    assert.equal(doc.status, 'success');
    assert.equal(doc.data.resultType, 'streams');
    // end is exclusive: t+3 is out; backward: p2 (t+2) first, then p1 newest first.
    assert.deepEqual(doc.data.result, [
      { stream: { job: 'vigil', stream: 'alert', pod: 'p2' }, values: [[String(t + 2n), 'line 2']] },
      { stream: { job: 'vigil', stream: 'alert', pod: 'p1' }, values: [[String(t + 1n), 'line 1'], [String(t), 'line 0']] },
    ]);
    const fwd = new URLSearchParams({ query: '{pod="p1"}', start: String(t), end: String(t + 10n), direction: 'forward', limit: '2' });
    const f = (await (await fetch(`${loki.url}/loki/api/v1/query_range?${fwd}`)).json()) as { data: { result: { values: [string, string][] }[] } };
    assert.equal(f.data.result.flatMap((s) => s.values).length, 2);
  });

  test('unsupported queries and parameters are 400', async () => {
    for (const query of ['{job=~"v.*"}', '{job="vigil"} | json', 'count_over_time({job="vigil"}[5m])', '{job=""}']) {
      const r = await fetch(`${loki.url}/loki/api/v1/query_range?${new URLSearchParams({ query })}`);
      assert.equal(r.status, 400, query);
    }
    const r = await fetch(`${loki.url}/loki/api/v1/query_range?${new URLSearchParams({ query: '{a="b"}', direction: 'sideways' })}`);
    assert.equal(r.status, 400);
  });

  test('time parameters parse like Loki\'s', () => {
    assert.equal(parseLokiTime('1700000000', 0n), 1_700_000_000_000_000_000n);
    assert.equal(parseLokiTime('1700000000.25', 0n), 1_700_000_000_250_000_000n);
    assert.equal(parseLokiTime('1700000000000000001', 0n), 1_700_000_000_000_000_001n);
    assert.equal(parseLokiTime('2023-11-14T22:13:20.5Z', 0n), 1_700_000_000_500_000_000n);
    assert.deepEqual(parseSelector('{a="b", c=`d`,e="q\\"x"}'), [['a', 'b'], ['c', 'd'], ['e', 'q"x']]);
  });
});

describe('tenants', () => {
  test('multi-tenant: push and query need X-Scope-OrgID, and tenants do not see each other', async () => {
    const mt = new LokiStandIn();
    mt.multiTenant = true;
    await mt.start();
    try {
      const body = JSON.stringify({ streams: [{ stream: { job: 't' }, values: [[nowNs(), 'x']] }] });
      const none = await fetch(`${mt.url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(none.status, 401);
      assert.match(await none.text(), /no org id/);
      const a = await fetch(`${mt.url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Scope-OrgID': 'a' }, body });
      assert.equal(a.status, 204);
      const q = `${mt.url}/loki/api/v1/query_range?${new URLSearchParams({ query: '{job="t"}' })}`;
      const asB = (await (await fetch(q, { headers: { 'X-Scope-OrgID': 'b' } })).json()) as { data: { result: unknown[] } };
      const asA = (await (await fetch(q, { headers: { 'X-Scope-OrgID': 'a' } })).json()) as { data: { result: unknown[] } };
      assert.equal(asB.data.result.length, 0);
      assert.equal(asA.data.result.length, 1);
    } finally {
      await mt.stop();
    }
  });
});
