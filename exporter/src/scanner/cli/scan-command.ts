// `vigil scan REF`: one image, one report. Progress on stderr; the report on stdout or in --output; the exit
// status from --fail-on / --fail-on-policy, or 3 when the scan could not check everything (see exit-codes.ts).
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { LayerError } from '../layers/errors.js';
import { catalogImage, assessImage, loadPolicyInputs, PolicyInputError, renderReport, type PipelineEvent, type ReportFormat } from '../pipeline/index.js';
import { colorEnabled, exitCodeFor, outputWidth, ScanProgress } from '../report/index.js';
import { loadDockerConfig, type RegistryCredential } from '../sources/credentials.js';
import { SourceError } from '../sources/errors.js';
import type { Platform } from '../sources/image-handle.js';
import type { Severity } from '../types.js';
import { openVulnDb, VulnDbError, type VulnDb } from '../vulndb/index.js';
import { noDbMessage } from './db-command.js';
import { CliError, EXIT_GATE, EXIT_INCOMPLETE, EXIT_OK, type ExitCode } from './exit-codes.js';
import { write, type CliIo } from './output.js';

export interface ScanCommandOptions {
  dbDir: string;
  format: ReportFormat;
  output?: string;
  failOn?: Severity;
  /** true: any violated policy fails; a severity: violations at or above it */
  failOnPolicy?: boolean | Severity;
  policyFile?: string;
  ignoreFile?: string;
  vexFiles?: string[];
  platform?: Platform;
  insecureRegistries?: string[];
  dockerConfig?: string;
  /** Accept an incomplete scan (e.g. a scratch image with only a Go binary) without exit status 3 */
  allowIncomplete?: boolean;
  quiet?: boolean;
  scannerVersion?: string;
}

function describeError(err: unknown): string {
  if (err instanceof SourceError) return `cannot read the image (${err.code}): ${err.message}`;
  if (err instanceof LayerError) return `cannot read a layer (${err.code}): ${err.message}`;
  return (err as Error).message;
}

/** Writes the report next to its destination first, so a failed write never leaves half a report behind. */
async function writeReportFile(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.vigil-${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

function progressHandler(progress: ScanProgress | undefined): (e: PipelineEvent) => void {
  const started = new Set<number>();
  return (e) => {
    if (!progress) return;
    if (e.type === 'phase') {
      progress.phase(e.text);
      return;
    }
    if (!started.has(e.index)) {
      started.add(e.index);
      progress.layerStart(e.digest, e.totalBytes ?? 0);
    }
    // Layers stream: every byte pulled is scanned as it arrives.
    progress.layerProgress(e.digest, { pulled: e.compressedBytes, scanned: e.compressedBytes });
    if (e.done) progress.layerDone(e.digest);
  };
}

export async function runScan(reference: string, opts: ScanCommandOptions, io: CliIo): Promise<ExitCode> {
  const now = io.now?.() ?? new Date();
  // Everything that can be checked without the image is checked first: a typo in --policy must not cost a pull.
  let db: VulnDb;
  try {
    db = openVulnDb(opts.dbDir);
  } catch (err) {
    if (err instanceof VulnDbError) throw new CliError(noDbMessage(opts.dbDir));
    throw err;
  }
  try {
    let inputs;
    try {
      inputs = await loadPolicyInputs({
        ...(opts.policyFile ? { policyFile: opts.policyFile } : {}),
        ...(opts.ignoreFile ? { ignoreFile: opts.ignoreFile } : {}),
        vexFiles: opts.vexFiles ?? [],
      });
    } catch (err) {
      if (err instanceof PolicyInputError) throw new CliError(err.message);
      throw err;
    }
    for (const w of inputs.warnings) await write(io.stderr, `vigil scan: warning: ${w}\n`);

    let credentials: RegistryCredential[];
    try {
      credentials = await loadDockerConfig(opts.dockerConfig);
    } catch (err) {
      throw new CliError((err as Error).message);
    }

    const progress = opts.quiet ? undefined : new ScanProgress(io.stderr);
    let cataloged;
    try {
      cataloged = await catalogImage({
        reference,
        credentials,
        ...(opts.platform ? { platform: opts.platform } : {}),
        ...(opts.insecureRegistries?.length ? { insecureRegistries: opts.insecureRegistries } : {}),
        onEvent: progressHandler(progress),
      });
    } catch (err) {
      progress?.done();
      throw new CliError(describeError(err));
    }
    progress?.phase(`matching ${cataloged.image.packages.length} packages against ${db.meta.records} records`);
    const assessment = assessImage(cataloged, {
      db,
      ...(inputs.policy ? { policy: inputs.policy } : {}),
      ignore: inputs.ignore,
      vex: inputs.vex,
      now,
    });
    const active = assessment.result.findings.filter((f) => !f.suppressed).length;
    progress?.done(`${assessment.result.findings.length} findings (${active} unsuppressed) in ${cataloged.image.packages.length} packages, ${cataloged.seconds.toFixed(1)} s`);

    const toFile = opts.output !== undefined;
    const text = renderReport(assessment, opts.format, {
      now,
      ...(opts.scannerVersion ? { scannerVersion: opts.scannerVersion } : {}),
      ...(toFile ? { width: 160, color: false } : { width: outputWidth(io.stdout), color: colorEnabled(io.stdout, io.env) }),
    });
    if (toFile) await writeReportFile(opts.output!, text);
    else await write(io.stdout, text);

    // The table carries its own banner; other formats (and a table in a file) get it on stderr, so it is seen.
    if (!assessment.completeness.complete && (opts.format !== 'table' || toFile)) {
      await write(io.stderr, `vigil scan: WARNING: incomplete scan, not a clean result:\n${assessment.completeness.reasons.map((r) => `  - ${r}`).join('\n')}\n`);
    }
    const gate = exitCodeFor(assessment.result, opts.failOn ?? null, {
      policies: assessment.policies,
      ...(opts.failOnPolicy !== undefined ? { failOnPolicy: opts.failOnPolicy } : {}),
    });
    if (gate !== 0) return EXIT_GATE;
    if (!assessment.completeness.complete && !opts.allowIncomplete) return EXIT_INCOMPLETE;
    return EXIT_OK;
  } finally {
    db.close();
  }
}
