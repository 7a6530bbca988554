#!/usr/bin/env node
/**
 * The `roster` command line (commander). Today: `oidc-provider add|list|remove` (nmcuser-oidc §9.4).
 * Commands open the configured database (DATABASE_URL or the embedded one in DATA_DIR, which must
 * not be in use by a running server), apply migrations, run the domain procedures and exit.
 * Exit status: 0 success, 1 refused (message on stderr), 2 usage or configuration error.
 */
import { Command, CommanderError } from 'commander';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { migrateLatest, openDatabase } from './db/database';
import { DataDirLockedError } from './db/dataDirLock';
import { createLogger } from './logger';
import type { Dispatcher } from './core/dispatcher';
import { addProvider, listProviders, removeProvider, type CommandOutcome } from './cli/oidcProviderCommand';

async function withDispatcher(run: (dispatcher: Dispatcher) => Promise<CommandOutcome>): Promise<never> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, logger });
  let outcome: CommandOutcome;
  try {
    await migrateLatest(db.knex);
    const roster = createApp({ config, db: db.knex, logger });
    try {
      outcome = await run(roster.dispatcher);
    } finally {
      await roster.close();
    }
  } finally {
    await db.close();
  }
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  process.exit(outcome.exitCode);
}

export function buildProgram(): Command {
  const program = new Command('roster').description('Roster identity and permission admin service').exitOverride();
  const provider = program.command('oidc-provider').description('manage the OIDC providers of the nmcuser_oidc API').exitOverride();
  provider
    .command('add')
    .description('create a provider; prints its id')
    .argument('<identifier>', 'A-Z a-z 0-9 . _ -, not all digits; unique ignoring case')
    .option('--client-id <id>', 'OAuth client id (stored for reference)')
    .option('--discovery-url <url>', 'OpenID discovery URL (stored for reference, never fetched)')
    .exitOverride()
    .action((identifier: string, options: { clientId?: string; discoveryUrl?: string }) => withDispatcher((d) => addProvider(d, identifier, options)));
  provider
    .command('list')
    .description('one line per provider: id, identifier, client_id, discovery_url (tab-separated)')
    .option('--json', 'print a JSON array instead')
    .exitOverride()
    .action((options: { json?: boolean }) => withDispatcher((d) => listProviders(d, options)));
  provider
    .command('remove')
    .description('remove a provider; its users stay, unlinked from the nmcuser_oidc API')
    .argument('<id-or-identifier>', 'numeric id, or identifier ignoring case')
    .exitOverride()
    .action((idOrIdentifier: string) => withDispatcher((d) => removeProvider(d, idOrIdentifier)));
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
