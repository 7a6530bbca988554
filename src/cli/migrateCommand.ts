/**
 * `roster migrate [--rollback --yes]`: applies pending migrations (or reverts them all) without
 * starting the server, on DATABASE_URL or the embedded database in DATA_DIR.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { migrateLatest, migrateRollback, openDatabase, type Database } from '../db/database';
import { DataDirLockedError } from '../db/dataDirLock';
import { createLogger } from '../logger';
import type { CommandOutcome } from './runtime';

export const ROLLBACK_REFUSED = 'Refusing to roll back: it drops every table and all Roster data. Add --yes to confirm.';

/** Applies (or with `rollback` reverts) the migrations; the outcome says what changed. */
export async function migrate(rollback: boolean): Promise<CommandOutcome> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  let db: Database;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, logger });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw error;
    return failed(error);
  }
  try {
    if (rollback) {
      const reverted = await migrateRollback(db.knex);
      return { exitCode: 0, stdout: reverted.length ? `Reverted: ${reverted.join(', ')}\n` : 'Nothing to revert.\n', stderr: '' };
    }
    const applied = await migrateLatest(db.knex);
    return { exitCode: 0, stdout: applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date.\n', stderr: '' };
  } catch (error) {
    return failed(error);
  } finally {
    await db.close();
  }
}

function failed(error: unknown): CommandOutcome {
  return { exitCode: 1, stdout: '', stderr: `Migration failed: ${(error as Error).message}\n` };
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations and exit (the server does it at start too)')
    .option('--rollback', 'revert every migration instead: drops all Roster data (needs --yes)')
    .option('--yes', 'confirm --rollback')
    .exitOverride()
    .action(async function (this: Command, options: { rollback?: boolean; yes?: boolean }) {
      if (options.yes && !options.rollback) this.error('--yes only confirms --rollback', { exitCode: 2 });
      if (options.rollback && !options.yes) this.error(ROLLBACK_REFUSED, { exitCode: 2 });
      const outcome = await migrate(options.rollback === true);
      process.stdout.write(outcome.stdout);
      process.stderr.write(outcome.stderr);
      process.exit(outcome.exitCode);
    });
}
