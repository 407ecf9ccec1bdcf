#!/usr/bin/env -S node --max-semi-space-size=2
// The `vigil` command. Each subcommand has its own composition root; this file only parses arguments.

import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadNodeConfig } from './config/node-config.js';
import { RulesError, runNode, version } from './node/main.js';
import { registerRulesCommands } from './rules/cli/commands.js';
import { registerScannerCommands } from './scanner/cli/commands.js';

const program = new Command();
program.name('vigil').description('Kubernetes security and monitoring: eBPF node sensor, runtime rules, image scanning').version(version());

const int = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
};

program
  .command('node')
  .description('run the node sensor and exporter (metrics on :9711, events on stdout and in the local journal)')
  .option('-c, --config <file>', 'YAML configuration file (see docs/configuration.md)')
  .option('--listen <host:port>', 'address of the metrics and API server')
  .option('--token-file <file>', 'file holding the bearer token required by /api/*')
  .option('--loader <path>', 'path of the vigil-loader binary')
  .option('--journal-dir <dir>', 'directory of the local event journal')
  .option('--no-journal', 'do not keep the local journal')
  .option('--no-stdout', 'do not print events on stdout')
  .option('--open-mode <mode>', 'which file opens leave the kernel: all, prefixes or none')
  .option('--ringbuf-bytes <n>', 'size of the kernel ring buffer', int)
  .option('--node-name <name>', 'node name used in labels (default: the host name)')
  .action(async (opts: Record<string, unknown>) => {
    let cfg;
    try {
      cfg = loadNodeConfig({
        file: opts.config as string | undefined,
        env: process.env,
        flags: {
          'http.listen': opts.listen,
          'http.tokenFile': opts.tokenFile,
          'sensor.loaderPath': opts.loader,
          'journal.dir': opts.journalDir,
          'journal.enabled': opts.journal === false ? false : undefined,
          'stdout.events': opts.stdout === false ? false : undefined,
          'sensor.openMode': opts.openMode,
          'sensor.ringbufBytes': opts.ringbufBytes,
          'node.name': opts.nodeName,
        },
      });
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`vigil: configuration error:\n${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
    let running: Awaited<ReturnType<typeof runNode>> | undefined;
    const fatal = (msg: string): void => {
      process.stderr.write(`vigil: cannot run the sensor: ${msg}\n`);
      void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(3));
    };
    try {
      running = await runNode(cfg, fatal);
    } catch (err) {
      if (err instanceof RulesError) {
        process.stderr.write(`vigil: rules error:\n${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`vigil: cannot start: ${(err as Error).message}\n`);
      process.exit(3);
    }
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      void running!.stop().finally(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

// Other wings register their own subcommands (one import and one call each, below this line).
registerRulesCommands(program);
registerScannerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${(err as Error).message}\n`);
  process.exit(1);
});
