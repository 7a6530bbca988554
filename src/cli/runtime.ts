/**
 * What every `roster` command shares: the outcome type, opening the configured database (migrated)
 * with the application on it, and calling a procedure as the operator (app mode, surface `cli`).
 * Commands open DATABASE_URL or the embedded database in DATA_DIR (which must not be in use by a
 * running server) and exit with 0 success, 1 refused (message on stderr), 2 usage or configuration.
 */
import type { Knex } from 'knex';
import { createApp } from '../app';
import { loadConfig, type Config } from '../config';
import { migrateLatest, openDatabase } from '../db/database';
import { createLogger, type Logger } from '../logger';
import type { Dispatcher } from '../core/dispatcher';

export interface CommandOutcome {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/** What a command gets: the configuration, the migrated database, the dispatcher and a logger on stderr. */
export interface CommandSession {
  config: Readonly<Config>;
  knex: Knex;
  dispatcher: Dispatcher;
  logger: Logger;
}

/** A command's exit status when it has written its own output (e.g. a long import's progress). */
export const done = (exitCode: CommandOutcome['exitCode']): CommandOutcome => ({ exitCode, stdout: '', stderr: '' });

/** Opens the database, migrates it, runs the command, closes everything, prints the outcome and exits. */
export async function runCommand(run: (session: CommandSession) => Promise<CommandOutcome>): Promise<never> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, logger });
  let outcome: CommandOutcome;
  try {
    await migrateLatest(db.knex);
    const roster = createApp({ config, db: db.knex, logger });
    try {
      outcome = await run({ config, knex: db.knex, dispatcher: roster.dispatcher, logger });
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

/** Calls a procedure as the operator: app mode, surface `cli`, strict errors. */
export function callProcedure(dispatcher: Dispatcher, method: string, params: Record<string, unknown>): Promise<unknown> {
  const procedure = dispatcher.resolve(method, false, 'cli');
  if (!procedure) throw new Error(`Unknown procedure ${method}`);
  return dispatcher.call(procedure, params, { principal: { kind: 'app' }, mode: 'strict', requestId: `cli-${process.pid}`, surface: 'cli' });
}
