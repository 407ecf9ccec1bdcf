// Image scan benchmark: an image with ~150 dpkg packages (real-looking bookworm stanzas, their .list files and a
// few thousand other files) against a database of 60k synthetic OSV records modelled on the real data (75%
// DEBIAN-CVE with per-release urgency and CVSS, 10% DSAs with aliases, 10% Alpine, 5% GHSA). Measured in a child
// process of its own (peak RSS = its VmHWM):
//   cold  = open the database + read the image + catalogue + match + group + policies (the first scan of a process)
//   warm  = the same again in the same process (median of VIGIL_BENCH_RUNS, default 7): what a second scan costs
//   rematch = assess a cached catalogue only (what the scanner service does when the database changes)
// plus the whole `vigil scan oci:... --format json` command as a subprocess (node start-up included), median of 5.
// Run: node --import tsx bench/scanner-scan.bench.ts   (VIGIL_BENCH_RECORDS=60000 VIGIL_BENCH_RUNS=7)
// No top-level await / import.meta: bench/ may be read as CommonJS by tsx.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SELF = resolve(process.argv[1] ?? 'bench/scanner-scan.bench.ts');
const REPO = resolve(SELF, '../..');
const RECORDS = Number(process.env.VIGIL_BENCH_RECORDS ?? 60000);
const RUNS = Math.max(5, Number(process.env.VIGIL_BENCH_RUNS ?? 7));
const PACKAGES = 150;

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

// Source packages of a Debian base image and common additions; more are synthesised to reach the count.
const REAL_SOURCES = [
  'glibc', 'openssl', 'zlib', 'bash', 'coreutils', 'systemd', 'util-linux', 'curl', 'krb5', 'gnutls28', 'libxml2',
  'libgcrypt20', 'ncurses', 'perl', 'python3.11', 'sqlite3', 'tar', 'gzip', 'xz-utils', 'bzip2', 'e2fsprogs',
  'shadow', 'pam', 'libssh2', 'nghttp2', 'openldap', 'expat', 'libpng1.6', 'libtiff', 'libjpeg-turbo', 'freetype',
  'fontconfig', 'libx11', 'icu', 'pcre2', 'libidn2', 'libtasn1-6', 'p11-kit', 'gmp', 'nettle', 'libzstd', 'lz4',
  'dpkg', 'apt', 'gnupg2', 'libgpg-error', 'libseccomp', 'audit', 'libcap2', 'acl', 'attr', 'libselinux', 'sed',
  'grep', 'findutils', 'diffutils', 'debianutils', 'base-files', 'tzdata', 'ca-certificates', 'mawk', 'hostname',
];

function sources(n: number): string[] {
  const out = [...REAL_SOURCES];
  for (let i = out.length; i < n; i++) out.push(`lib${['xml', 'png', 'tiff', 'ssh', 'gd', 'av', 'web', 'zip'][i % 8]}${i}`);
  return out;
}

function version(r: () => number): string {
  return `${1 + Math.floor(r() * 9)}.${Math.floor(r() * 20)}.${Math.floor(r() * 30)}-${1 + Math.floor(r() * 5)}`;
}

function makeRecords(count: number): { name: string; data: string; deflate: boolean }[] {
  const r = rng(4321);
  const names = sources(3000);
  const urgencies = ['low', 'medium', 'high', 'unimportant', 'not yet assigned', 'end-of-life'];
  const text = 'A flaw was found in the parser which allows a remote attacker to cause a denial of service or possibly execute arbitrary code via a crafted input file. ';
  const pick = (): string => names[Math.floor(Math.pow(r(), 3) * names.length)] ?? 'glibc';
  const out: { name: string; data: string; deflate: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 20;
    const cve = `CVE-${2005 + (i % 20)}-${10000 + i}`;
    let rec: Record<string, unknown>;
    if (kind < 15) {
      const pkg = pick();
      rec = {
        id: `DEBIAN-${cve}`,
        upstream: [cve],
        modified: new Date(Date.UTC(2024, 0, 1) + i * 60000).toISOString(),
        published: '2023-06-01T00:00:00Z',
        details: text.repeat(1 + (i % 4)),
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' }],
        affected: ['11', '12', '13'].map((rel) => ({
          package: { ecosystem: `Debian:${rel}`, name: pkg },
          ranges: [{ type: 'ECOSYSTEM', events: r() < 0.7 ? [{ introduced: '0' }, { fixed: version(r) }] : [{ introduced: '0' }] }],
          ecosystem_specific: { urgency: urgencies[Math.floor(r() * urgencies.length)] },
        })),
        references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }],
      };
    } else if (kind < 17) {
      const pkg = pick();
      // a DSA for the CVE of the DEBIAN-CVE record just before it, often of the same package: grouping has work
      const prevCve = `CVE-${2005 + ((i - 1) % 20)}-${10000 + i - 1}`;
      rec = {
        id: `DSA-${1000 + i}-1`,
        aliases: [r() < 0.5 ? prevCve : cve],
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
    out.push({ name: `${String(rec.id)}.json`, data: JSON.stringify(rec), deflate: true });
  }
  return out;
}

/** 150 installed packages: one or two binaries per source, bookworm-style stanzas, each with a .list file. */
function imageFiles(): { name: string; content?: string; type?: 'symlink'; linkname?: string }[] {
  const r = rng(77);
  // As in bench/scanner-db.bench.ts: the ten most-advised sources, then a spread over the rest of the names.
  const all = sources(3000);
  const srcs = [...all.slice(0, 10)];
  const taken = new Set(srcs);
  while (srcs.length < 120) {
    const s = all[10 + Math.floor(r() * (all.length - 10))] ?? 'x';
    if (!taken.has(s)) {
      taken.add(s);
      srcs.push(s);
    }
  }
  const stanzas: string[] = [];
  const files: { name: string; content?: string; type?: 'symlink'; linkname?: string }[] = [];
  let n = 0;
  for (let s = 0; n < PACKAGES; s++) {
    const src = srcs[s] ?? `src${s}`;
    const binaries = s % 3 === 0 ? [src, `lib${src}-common`] : [src.startsWith('lib') ? `${src}-1` : src];
    for (const bin of binaries) {
      if (n >= PACKAGES) break;
      n++;
      const v = `${1 + Math.floor(r() * 9)}.${Math.floor(r() * 20)}.${Math.floor(r() * 30)}-${1 + Math.floor(r() * 5)}`;
      stanzas.push(
        [
          `Package: ${bin}`,
          'Status: install ok installed',
          `Priority: ${n % 5 === 0 ? 'required' : 'optional'}`,
          'Section: libs',
          `Installed-Size: ${100 + Math.floor(r() * 5000)}`,
          'Maintainer: Debian Maintainers <maint@debian.org>',
          'Architecture: amd64',
          'Multi-Arch: same',
          ...(bin !== src ? [`Source: ${src}`] : []),
          `Version: ${v}`,
          `Depends: libc6 (>= 2.34), zlib1g (>= 1:1.2.0)`,
          `Description: ${bin} - synthetic package modelled on bookworm`,
          ` A longer description line, as dpkg keeps it in the status file.`,
          `Homepage: https://example.org/${src}`,
        ].join('\n'),
      );
      const owned = Array.from({ length: 12 }, (_, i) => `/usr/lib/x86_64-linux-gnu/${bin}/file${i}.so`);
      files.push({ name: `var/lib/dpkg/info/${bin}:amd64.list`, content: ['/.', '/usr', '/usr/lib', ...owned, `/usr/share/doc/${bin}/copyright`].join('\n') + '\n' });
      for (const o of owned.slice(0, 6)) files.push({ name: o.slice(1), content: `ELF-not-really ${bin}\n`.repeat(40) });
      files.push({ name: `usr/share/doc/${bin}/copyright`, content: 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'.repeat(20) });
    }
  }
  return [
    { name: 'usr/lib/os-release', content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n' },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'etc/debian_version', content: '12.5\n' },
    { name: 'var/lib/dpkg/status', content: stanzas.join('\n\n') + '\n' },
    ...files,
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function maxRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

async function childPrepare(dir: string): Promise<void> {
  const { buildZip } = await import('../exporter/test/scanner/vulndb/zip-writer.js');
  const { buildTar } = await import('../exporter/test/scanner/fixtures/tar-builder.js');
  const { buildImage, writeOciLayout } = await import('../exporter/test/scanner/fixtures/oci-builder.js');
  const { importOsv } = await import('../exporter/src/scanner/vulndb/index.js');
  writeFileSync(join(dir, 'all.zip'), buildZip(makeRecords(RECORDS)));
  const res = await importOsv([join(dir, 'all.zip')], join(dir, 'db'));
  const files = imageFiles();
  const base = await buildTar(files);
  const app = await buildTar([{ name: 'app/node_modules/npm-pkg-7/package.json', content: JSON.stringify({ name: 'npm-pkg-7', version: '1.0.0' }) }]);
  const img = buildImage([base, app]);
  await writeOciLayout(join(dir, 'layout'), [{ tag: 'bench', image: img }]);
  process.stdout.write(JSON.stringify({ records: res.meta.records, files: files.length, layerBytes: img.layers.reduce((n, l) => n + l.bytes.length, 0), uncompressed: base.length + app.length }) + '\n');
}

async function childScan(dir: string): Promise<void> {
  const { openVulnDb } = await import('../exporter/src/scanner/vulndb/index.js');
  const { catalogImage, assessImage } = await import('../exporter/src/scanner/pipeline/index.js');
  const ref = `oci:${join(dir, 'layout')}:bench`;
  const t0 = process.hrtime.bigint();
  const db = openVulnDb(join(dir, 'db'));
  const first = await catalogImage({ reference: ref });
  const a0 = assessImage(first, { db });
  const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const warm: number[] = [];
  const rematch: number[] = [];
  let findings = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    const c = await catalogImage({ reference: ref });
    findings = assessImage(c, { db }).result.findings.length;
    warm.push(Number(process.hrtime.bigint() - s) / 1e6);
    const m = process.hrtime.bigint();
    assessImage(c, { db });
    rematch.push(Number(process.hrtime.bigint() - m) / 1e6);
  }
  db.close();
  process.stdout.write(
    JSON.stringify({ coldMs, warmMs: median(warm), warm, rematchMs: median(rematch), findings, rawFindings: a0.rawFindings, packages: first.image.packages.length, rssMb: maxRssMb() }) + '\n',
  );
}

function runChild(args: string[]): Record<string, number | number[]> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | number[]>;
}

async function main(): Promise<void> {
  const [mode, a] = process.argv.slice(2);
  if (mode === '--child-prepare' && a) return childPrepare(a);
  if (mode === '--child-scan' && a) return childScan(a);
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-scan-'));
  try {
    const p0 = Date.now();
    const prep = runChild(['--child-prepare', tmp]);
    console.log(`prepared in ${((Date.now() - p0) / 1000).toFixed(1)} s: ${prep.records} OSV records imported; image of ${prep.files} files in 2 gzip layers (${((prep.layerBytes as number) / 1024).toFixed(0)} KiB compressed, ${((prep.uncompressed as number) / 1048576).toFixed(1)} MiB tar)`);
    const s = runChild(['--child-scan', tmp]);
    console.log(`scan of ${s.packages} packages (own process, oci: layout, gzip layers):`);
    console.log(`  cold (open DB + read + catalogue + match + group + policies): ${(s.coldMs as number).toFixed(0)} ms`);
    console.log(`  warm, median of ${RUNS}: ${(s.warmMs as number).toFixed(1)} ms  [${(s.warm as number[]).map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`  re-match of a cached catalogue (service, DB changed): median ${(s.rematchMs as number).toFixed(1)} ms`);
    console.log(`  ${s.findings} findings (${s.rawFindings} advisory matches before grouping per vulnerability); peak RSS ${(s.rssMb as number).toFixed(0)} MB`);
    const cli: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'exporter/src/cli.ts'), 'scan', `oci:${join(tmp, 'layout')}:bench`, '--db', join(tmp, 'db'), '--format', 'json', '-q', '--allow-incomplete'], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`vigil scan failed (${r.status}): ${r.stderr}`);
      cli.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(`vigil scan ... --format json as a subprocess (node + tsx start-up included), median of 5: ${median(cli).toFixed(0)} ms`);
    console.log('targets: warm scan <= 1 s, RSS <= 300 MB');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
