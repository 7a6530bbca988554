#!/usr/bin/env node
/**
 * The `roster` command line (commander). Each command group lives in src/cli/<name>Command.ts and
 * registers itself on the program; `COMMANDS` is the one list of them.
 * Exit status: 0 success, 1 refused (message on stderr), 2 usage or configuration error.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from './config';
import { DataDirLockedError } from './db/dataDirLock';
import { registerOidcProviderCommands } from './cli/oidcProviderCommand';
import { registerServeCommand } from './cli/serveCommand';
import { registerMigrateCommand } from './cli/migrateCommand';
import { registerCreateAdminCommand } from './cli/createAdminCommand';
import { registerTokenCommands } from './cli/tokenCommand';
import { registerImportCommand } from './cli/importCommand';
import { registerExportCommand } from './cli/exportCommand';

const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerServeCommand,
  registerMigrateCommand,
  registerCreateAdminCommand,
  registerTokenCommands,
  registerImportCommand,
  registerExportCommand,
  registerOidcProviderCommands,
];

export function buildProgram(): Command {
  const program = new Command('roster').description('Roster identity and permission admin service').exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem is a usage error
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`roster: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
