/**
 * Process entry: configuration → database → migrations → first-start data → HTTP → graceful
 * shutdown on SIGINT/SIGTERM (the embedded database is closed cleanly and its lock released).
 */
import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { migrateLatest, openDatabase, type Database } from './db/database';
import { DataDirLockedError } from './db/dataDirLock';
import { createApp } from './app';
import { bootstrap, type BootstrapResult } from './bootstrap';
import { createPasswordService } from './auth/passwords';

/** A start-up failure with a message for the operator (no stack trace). */
export class StartupError extends Error {}

function announceSecrets(result: BootstrapResult): void {
  const lines: string[] = [];
  if (result.admin) {
    lines.push(`Created the admin user "${result.admin.username}" (id 1, app-admin).`);
    if (result.admin.generatedPassword) lines.push(`  admin password: ${result.admin.generatedPassword}`);
  }
  if (result.generatedApiToken) lines.push(`  API token (HTTP Basic user "jsonrpc"): ${result.generatedApiToken}`);
  if (lines.length === 0) return;
  if (result.admin?.generatedPassword || result.generatedApiToken) lines.push('  These secrets are shown only this once; store them now.');
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}

export async function start(config: Readonly<Config>, logger: Logger): Promise<{ server: Server; db: Database; stop(): Promise<void> }> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize, logger });
  try {
    if (db.kind === 'pglite') {
      logger.warn({ dataDir: config.dataDir }, 'using the embedded PGlite database: for a single instance only (set DATABASE_URL for Postgres)');
    }
    const applied = await migrateLatest(db.knex);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    const passwords = createPasswordService({ cost: config.bcryptCost, concurrency: config.hashConcurrency });
    const result = await bootstrap(db.knex, {
      adminUsername: config.adminUsername,
      adminPassword: config.adminPassword,
      apiToken: config.apiToken,
      passwords,
      now: Math.floor(Date.now() / 1000),
      oidcProviders: config.oidcProviders,
    });
    announceSecrets(result);
  } catch (error) {
    await db.close();
    throw error;
  }

  const roster = createApp({ config, db: db.knex, logger });
  const { app } = roster;
  // node:http directly: express 5's app.listen reports a listen error through the callback too.
  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await roster.close();
    await db.close();
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new StartupError(`Cannot listen on ${config.host}:${config.port}: ${code || (error as Error).message} (set PORT or HOST)`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ host: config.host, port, database: db.kind }, `Roster listening on http://${config.host}:${port}`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await roster.close();
      await db.close();
    })());
  return { server, db, stop };
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, undefined, { format: config.logFormat });
  let running: Awaited<ReturnType<typeof start>>;
  try {
    running = await start(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof StartupError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'Roster could not start');
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10000);
    force.unref();
    running.server.closeIdleConnections?.();
    running.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) void main();
