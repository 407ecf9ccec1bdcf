// Vulnerability DB benchmark: import rate and peak RSS for 60k synthetic OSV records in an all.zip, and the warm
// match time for 150 dpkg packages. Records are modelled on the real Debian tracker conversion (DEBIAN-CVE-* with
// per-release urgency, upstream CVE, CVSS v3 vector), DSAs over several releases, plus Alpine and GHSA records.
// Each measured run is a separate child process, so its peak RSS (getrusage maxrss) is its own.
// Run: node --import tsx bench/scanner-db.bench.ts   (VIGIL_BENCH_RECORDS=60000 VIGIL_BENCH_RUNS=3)
// No top-level await / import.meta: bench/ may be read as CommonJS by tsx.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SELF = resolve(process.argv[1] ?? 'bench/scanner-db.bench.ts');
const REPO = resolve(SELF, '../..');
const RECORDS = Number(process.env.VIGIL_BENCH_RECORDS ?? 60000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS ?? 3);
const MATCH_RUNS = 9;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Debian-like source package names; a few get most advisories, as linux, imagemagick and chromium do. */
function packageNames(n: number): string[] {
  const names = ['linux', 'imagemagick', 'chromium', 'firefox-esr', 'openssl', 'curl', 'glibc', 'systemd', 'perl', 'python3.11'];
  for (let i = names.length; i < n; i++) names.push(`lib${['xml', 'png', 'tiff', 'ssh', 'gd', 'av', 'web', 'zip'][i % 8]}${i}`);
  return names;
}

function zipfName(r: () => number, names: string[]): string {
  const i = Math.floor(Math.pow(r(), 3) * names.length);
  return names[i] ?? names[0] ?? 'x';
}

function version(r: () => number): string {
  return `${1 + Math.floor(r() * 9)}.${Math.floor(r() * 20)}.${Math.floor(r() * 30)}-${1 + Math.floor(r() * 5)}`;
}

function makeRecords(count: number): { name: string; data: string }[] {
  const r = rng(1234);
  const names = packageNames(3000);
  const out: { name: string; data: string }[] = [];
  const urgencies = ['low', 'medium', 'high', 'unimportant', 'not yet assigned', 'end-of-life'];
  const text = 'A flaw was found in the parser which allows a remote attacker to cause a denial of service or possibly execute arbitrary code via a crafted input file. ';
  for (let i = 0; i < count; i++) {
    const kind = i % 20;
    const cve = `CVE-${2005 + (i % 20)}-${10000 + i}`;
    let rec: Record<string, unknown>;
    if (kind < 15) {
      const pkg = zipfName(r, names);
      rec = {
        id: `DEBIAN-${cve}`,
        upstream: [cve],
        modified: new Date(Date.UTC(2024, 0, 1) + i * 60000).toISOString(),
        published: '2023-06-01T00:00:00Z',
        details: text.repeat(1 + (i % 4)),
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' }],
        affected: ['11', '12', '13'].map((rel) => {
          const fixed = r() < 0.7;
          return {
            package: { ecosystem: `Debian:${rel}`, name: pkg },
            ranges: [{ type: 'ECOSYSTEM', events: fixed ? [{ introduced: '0' }, { fixed: version(r) }] : [{ introduced: '0' }] }],
            ecosystem_specific: { urgency: urgencies[Math.floor(r() * urgencies.length)] },
          };
        }),
        references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }],
      };
    } else if (kind < 17) {
      const pkg = zipfName(r, names);
      rec = {
        id: `DSA-${1000 + i}-1`,
        aliases: [cve],
        modified: '2024-05-01T08:18:07Z',
        published: '2024-05-01T00:00:00Z',
        summary: `${pkg} - security update`,
        details: text,
        affected: ['11', '12'].map((rel) => ({ package: { ecosystem: `Debian:${rel}`, name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: version(r) }] }] })),
        references: [{ type: 'ADVISORY', url: `https://www.debian.org/security/dsa-${1000 + i}` }],
      };
    } else if (kind < 19) {
      rec = {
        id: cve,
        modified: '2024-03-01T00:00:00Z',
        details: text,
        affected: ['v3.18', 'v3.19', 'v3.20'].map((rel) => ({ package: { ecosystem: `Alpine:${rel}`, name: `apkpkg${i % 500}` }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.3-r1' }] }] })),
      };
    } else {
      rec = {
        schema_version: '1.4.0',
        id: `GHSA-bench-${i}`,
        modified: '2024-04-01T00:00:00Z',
        aliases: [cve],
        summary: 'Prototype pollution',
        details: text,
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N' }],
        affected: [{ package: { ecosystem: 'npm', name: `npm-pkg-${i % 2000}` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.1' }] }] }],
        database_specific: { severity: 'HIGH', github_reviewed: true },
      };
    }
    out.push({ name: `${String(rec.id)}.json`, data: JSON.stringify(rec) });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Peak RSS of this process image (VmHWM): unlike getrusage's maxrss it does not carry over from the parent. */
function maxRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

async function childGenerate(zip: string): Promise<void> {
  const { buildZip } = await import('../exporter/test/scanner/vulndb/zip-writer.js');
  writeFileSync(zip, buildZip(makeRecords(RECORDS).map((e) => ({ ...e, deflate: true }))));
  process.stdout.write('{}\n');
}

async function childImport(zip: string, dbDir: string): Promise<void> {
  const { importOsv } = await import('../exporter/src/scanner/vulndb/index.js');
  const t0 = process.hrtime.bigint();
  const res = await importOsv([zip], dbDir);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, records: res.meta.records, malformed: res.meta.import.malformed, rssMb: maxRssMb() }) + '\n');
}

async function childMatch(dbDir: string): Promise<void> {
  const { openVulnDb } = await import('../exporter/src/scanner/vulndb/index.js');
  const { matchPackages } = await import('../exporter/src/scanner/match/index.js');
  const t0 = process.hrtime.bigint();
  const db = openVulnDb(dbDir);
  const names = packageNames(3000);
  const r = rng(99);
  // 150 installed dpkg packages: the hot sources plus a spread of others, each at a mid version
  const packages = Array.from({ length: 150 }, (_, i) => {
    const source = i < 10 ? (names[i] ?? 'linux') : (names[10 + Math.floor(r() * 2990)] ?? 'x');
    return { kind: 'dpkg' as const, name: `${source}-bin${i}`, sourceName: source, version: '5.10.15-2', ecosystem: 'Debian:12', purl: '', layer: 'sha256:0', foundIn: 'bench' };
  });
  const os = { id: 'debian', versionId: '12', source: 'etc/os-release' };
  const cold = matchPackages(db, os, packages);
  const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const warm: number[] = [];
  let findings = 0;
  for (let i = 0; i < MATCH_RUNS; i++) {
    const s = process.hrtime.bigint();
    findings = matchPackages(db, os, packages).length;
    warm.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  // warm single lookups of a package with many advisories and of one with few
  const lookups = 20000;
  const s = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) db.lookup('Debian:12', i % 2 === 0 ? 'linux' : (names[100 + (i % 500)] ?? 'x'));
  const lookupUs = Number(process.hrtime.bigint() - s) / 1e3 / lookups;
  const linuxAdvisories = db.lookup('Debian:12', 'linux').length;
  db.close();
  process.stdout.write(JSON.stringify({ coldMs, warmMs: median(warm), warm, findings: findings || cold.length, lookupUs, linuxAdvisories, rssMb: maxRssMb() }) + '\n');
}

function runChild(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as Record<string, number>;
}

async function main(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === '--child-generate' && a) return childGenerate(a);
  if (mode === '--child-import' && a && b) return childImport(a, b);
  if (mode === '--child-match' && a) return childMatch(a);
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-db-'));
  try {
    const g0 = Date.now();
    const zip = join(tmp, 'all.zip');
    // generated in a child too, so this process stays small and its children start clean
    runChild(['--child-generate', zip]);
    console.log(`generated ${RECORDS} synthetic OSV records into a deflated all.zip in ${((Date.now() - g0) / 1000).toFixed(1)} s`);
    const imports: Record<string, number>[] = [];
    for (let i = 0; i < RUNS; i++) imports.push(runChild(['--child-import', zip, join(tmp, `db${i}`)]));
    const rates = imports.map((x) => (x.records ?? 0) / (x.seconds ?? 1));
    console.log(`import (${RUNS} runs, each in its own process, from the zip): ${imports.map((x) => `${(x.seconds ?? 0).toFixed(2)} s`).join(', ')}`);
    console.log(`  median rate ${Math.round(median(rates))} records/s; records kept ${imports[0]?.records}, malformed ${imports[0]?.malformed}`);
    console.log(`  peak RSS of the import process: ${imports.map((x) => `${(x.rssMb ?? 0).toFixed(0)} MB`).join(', ')}`);
    const m = runChild(['--child-match', join(tmp, 'db0')]);
    console.log(`match 150 dpkg packages (Debian:12) against that DB, own process:`);
    console.log(`  cold (open + first match) ${(m.coldMs ?? 0).toFixed(1)} ms; warm median of ${MATCH_RUNS} runs ${(m.warmMs ?? 0).toFixed(2)} ms; ${m.findings} findings`);
    console.log(`  warm lookup ${(m.lookupUs ?? 0).toFixed(1)} us average ("linux" has ${m.linuxAdvisories} advisories); peak RSS ${(m.rssMb ?? 0).toFixed(0)} MB`);
    console.log('targets: >= 10000 records/s import, warm match well under 1 s, RSS <= 300 MB');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
