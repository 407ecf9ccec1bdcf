// The scanner wing's subcommands: `vigil scan`, `vigil db import|info` and `vigil scanner`. cli.ts calls
// registerScannerCommands(program) once; each action is a thin shell over the pipeline, the vulnerability
// database or the service, and maps every failure to one line and a documented exit status (exit-codes.ts).
// Only flag parsing is loaded up front: the pipeline, the reports and the service are imported when their command
// runs, so `vigil node` does not pay for them.
import { Command, type CommanderError } from 'commander';
import { CliError, EXIT_ERROR, type ExitCode } from './exit-codes.js';
import { collect, dbDirFrom, parseFormat, parsePlatform, parseSeverityOption } from './options.js';
import { processIo, write } from './output.js';
import type { Severity } from '../types.js';

/** Usage errors exit with 2, like every other input error; help and --version stay 0. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : EXIT_ERROR);
}

/** `vigil scan … | head`: the reader went away; stop quietly instead of dying on an unhandled EPIPE. */
function quietOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
}

async function finish(what: string, run: () => Promise<ExitCode>): Promise<void> {
  quietOnClosedStdout();
  let code: ExitCode;
  try {
    code = await run();
  } catch (err) {
    const message = err instanceof CliError ? err.message : `${(err as Error).message}`;
    await write(process.stderr, `vigil ${what}: ${message.replace(/^vigil [a-z ]+: /, '')}\n`).catch(() => undefined);
    if (!(err instanceof CliError) && process.env.VIGIL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    code = err instanceof CliError ? err.exitCode : EXIT_ERROR;
  }
  // Open keep-alive sockets to a registry must not hold the process for seconds after the report is out.
  process.exit(code);
}

export function registerScannerCommands(program: Command): void {
  const version = program.version() ?? '0.0.0';

  program
    .command('scan')
    .description('scan a container image for vulnerable packages and policy violations')
    .argument('<ref>', 'image: registry/repo:tag, repo@sha256:..., oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, containers-storage:NAME')
    .option('--db <dir>', 'vulnerability database directory (default $VIGIL_DB_DIR or /var/lib/vigil/db)')
    .option('-f, --format <format>', 'table, json or cyclonedx', parseFormat, 'table')
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when an unsuppressed finding is at or above this severity', parseSeverityOption)
    .option('--fail-on-policy [severity]', 'exit 1 when a policy is violated (at or above the severity, if given)')
    .option('--policy <file>', 'policy file (see docs/scan-policies.md)')
    .option('--ignore <file>', 'ignore list with reasons and expiry dates')
    .option('--vex <file>', 'OpenVEX document (repeatable)', collect)
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default linux/amd64)', parsePlatform)
    .option('--insecure-registry <host>', 'registry spoken to over plain http (repeatable)', collect)
    .option('--docker-config <file>', 'docker config.json with registry credentials (default $DOCKER_CONFIG or ~/.docker)')
    .option('--allow-incomplete', 'exit 0 even when the scan could not check everything (e.g. no OS in a scratch image)')
    .option('-q, --quiet', 'no progress on stderr')
    .exitOverride(usageExit)
    .action(async (ref: string, o: Record<string, unknown>) => {
      await finish('scan', async () => {
        let failOnPolicy: boolean | Severity | undefined;
        if (o.failOnPolicy === true) failOnPolicy = true;
        else if (typeof o.failOnPolicy === 'string') {
          try {
            failOnPolicy = parseSeverityOption(o.failOnPolicy);
          } catch (err) {
            throw new CliError(`--fail-on-policy: ${(err as Error).message}`);
          }
        }
        const io = processIo();
        const { runScan } = await import('./scan-command.js');
        return runScan(
          ref,
          {
            dbDir: dbDirFrom(o.db as string | undefined, io.env),
            format: o.format as 'table' | 'json' | 'cyclonedx',
            ...(o.output ? { output: o.output as string } : {}),
            ...(o.failOn ? { failOn: o.failOn as Severity } : {}),
            ...(failOnPolicy !== undefined ? { failOnPolicy } : {}),
            ...(o.policy ? { policyFile: o.policy as string } : {}),
            ...(o.ignore ? { ignoreFile: o.ignore as string } : {}),
            vexFiles: (o.vex as string[] | undefined) ?? [],
            ...(o.platform ? { platform: o.platform as ReturnType<typeof parsePlatform> } : {}),
            insecureRegistries: (o.insecureRegistry as string[] | undefined) ?? [],
            ...(o.dockerConfig ? { dockerConfig: o.dockerConfig as string } : {}),
            allowIncomplete: o.allowIncomplete === true,
            quiet: o.quiet === true,
            scannerVersion: version,
          },
          io,
        );
      });
    });

  const db = program.command('db').description('the offline vulnerability database (OSV data)').exitOverride(usageExit);
  db.command('import')
    .description('import OSV records from all.zip bundles and directories of .json files')
    .argument('<path...>', 'all.zip files or directories')
    .option('--db <dir>', 'database directory (default $VIGIL_DB_DIR or /var/lib/vigil/db)')
    .exitOverride(usageExit)
    .action(async (paths: string[], o: { db?: string }) => {
      await finish('db import', async () => (await import('./db-command.js')).runDbImport(paths, dbDirFrom(o.db), processIo()));
    });
  db.command('info')
    .description('show the database in use: digest, age, records per ecosystem')
    .option('--db <dir>', 'database directory (default $VIGIL_DB_DIR or /var/lib/vigil/db)')
    .option('--json', 'print the database metadata as JSON')
    .exitOverride(usageExit)
    .action(async (o: { db?: string; json?: boolean }) => {
      await finish('db info', async () => (await import('./db-command.js')).runDbInfo(dbDirFrom(o.db), processIo(), o.json === true));
    });

  program
    .command('scanner')
    .description('run the scanner service: discover images in use, scan them, serve metrics on :9712 and the JSON API')
    .option('-c, --config <file>', 'YAML configuration file (see docs/scanner.md)')
    .option('--listen <host:port>', 'address of the metrics and API server (default 0.0.0.0:9712)')
    .option('--token-file <file>', 'file holding the bearer token required by /api/*')
    .option('--db <dir>', 'vulnerability database directory')
    .exitOverride(usageExit)
    .action(async (o: { config?: string; listen?: string; tokenFile?: string; db?: string }) => {
      const { ScannerConfigError, loadScannerConfig } = await import('../service/config.js');
      let cfg;
      try {
        cfg = loadScannerConfig({
          ...(o.config ? { file: o.config } : {}),
          env: process.env,
          flags: { 'http.listen': o.listen, 'http.tokenFile': o.tokenFile, 'db.dir': o.db ?? (process.env.VIGIL_DB_DIR && !process.env.VIGIL_SCANNER_DB_DIR ? process.env.VIGIL_DB_DIR : undefined) },
        });
      } catch (err) {
        if (err instanceof ScannerConfigError) {
          process.stderr.write(`vigil scanner: configuration error:\n${err.message}\n`);
          process.exit(EXIT_ERROR);
        }
        throw err;
      }
      const { runScanner } = await import('../service/main.js');
      // A bug somewhere in a scan must cost that scan, not the service: log it and keep serving.
      process.on('unhandledRejection', (reason) => {
        process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), component: 'vigil-scanner', msg: 'unhandled rejection', err: String((reason as Error)?.stack ?? reason).slice(0, 4000) })}\n`);
      });
      let running: Awaited<ReturnType<typeof runScanner>>;
      try {
        running = await runScanner(cfg, { version });
      } catch (err) {
        process.stderr.write(`vigil scanner: cannot start: ${(err as Error).message}\n`);
        process.exit(3);
      }
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void running.stop().finally(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
