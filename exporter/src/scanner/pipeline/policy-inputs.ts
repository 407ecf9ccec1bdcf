// Reads the files that steer an assessment: the policy file (fatal when broken: a dropped policy would let images
// pass), the ignore list and OpenVEX documents (bad entries are skipped and reported: skipping a suppression can
// only show more findings). Shared by `vigil scan` and the scanner service.
import { readFile, stat } from 'node:fs/promises';
import { formatIssue, parseIgnoreFile, parseOpenVex, parsePolicyConfig, SourceFileError, type IgnoreEntry, type PolicyConfig, type VexDocument } from '../policy/index.js';

export interface PolicyFiles {
  policyFile?: string;
  ignoreFile?: string;
  vexFiles?: readonly string[];
}

export interface PolicyInputs {
  policy?: PolicyConfig;
  ignore: IgnoreEntry[];
  vex: VexDocument[];
  /** Skipped ignore entries and VEX statements, as file:line:column lines */
  warnings: string[];
}

/** A file named on the command line or in the configuration could not be used. */
export class PolicyInputError extends Error {
  override readonly name = 'PolicyInputError';
}

// The parsers enforce their own, smaller limits; this only keeps a huge file from being read into memory first.
const MAX_INPUT_BYTES = 32 * 1024 * 1024;

async function readInput(file: string, what: string): Promise<string> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new PolicyInputError(`${what} ${file}: not a regular file`);
    size = s.size;
  } catch (err) {
    if (err instanceof PolicyInputError) throw err;
    throw new PolicyInputError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (size > MAX_INPUT_BYTES) throw new PolicyInputError(`${what} ${file}: ${size} bytes is more than the ${MAX_INPUT_BYTES} allowed`);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new PolicyInputError(`${what} ${file}: ${(err as Error).message}`);
  }
}

function fatal(err: unknown, what: string): never {
  if (err instanceof SourceFileError) {
    throw new PolicyInputError(`${what} is invalid:\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
  throw err;
}

export async function loadPolicyInputs(files: PolicyFiles): Promise<PolicyInputs> {
  const out: PolicyInputs = { ignore: [], vex: [], warnings: [] };
  if (files.policyFile) {
    const text = await readInput(files.policyFile, 'policy file');
    try {
      out.policy = parsePolicyConfig(text, files.policyFile);
    } catch (err) {
      fatal(err, 'policy file');
    }
  }
  if (files.ignoreFile) {
    const text = await readInput(files.ignoreFile, 'ignore file');
    try {
      const parsed = parseIgnoreFile(text, files.ignoreFile);
      out.ignore = parsed.entries;
      for (const i of parsed.errors) out.warnings.push(`ignore entry skipped: ${formatIssue(i)}`);
    } catch (err) {
      fatal(err, 'ignore file');
    }
  }
  for (const file of files.vexFiles ?? []) {
    const text = await readInput(file, 'VEX document');
    try {
      const doc = parseOpenVex(text, file);
      out.vex.push(doc);
      for (const i of doc.errors) out.warnings.push(`VEX statement skipped: ${formatIssue(i)}`);
    } catch (err) {
      fatal(err, 'VEX document');
    }
  }
  return out;
}
