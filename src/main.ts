/**
 * Process entry: configuration → database → migrations → first-start data → HTTP → graceful
 * shutdown on SIGINT/SIGTERM (the embedded database is closed cleanly and its lock released).
 * `node dist/src/main.js` (the container's command) and `roster serve` both run `serve()`.
 */
import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { migrateLatest, openDatabase, type Database } from './db/database';
import { DataDirLockedError } from './db/dataDirLock';
import { createApp } from './app';
import { bootstrap, type BootstrapResult } from './bootstrap';
import { createPasswordService } from './auth/passwords';
import { makeDrainable } from './httpDrain';

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

/** How long closing the database may take after the HTTP server has closed, before the process gives up. */
const DATABASE_CLOSE_TIMEOUT_MS = 10000;

/** How long an idle keep-alive connection stays open (announced as `Keep-Alive: timeout=65`). */
const KEEP_ALIVE_TIMEOUT_MS = 65000;

export interface Running {
  server: Server;
  db: Database;
  /**
   * Graceful stop: stop accepting, let requests in flight finish (their connections are cut after
   * `timeoutMs`, default SHUTDOWN_TIMEOUT_MS), then close the application and the database.
   * Resolves with how many requests were cut.
   */
  stop(timeoutMs?: number): Promise<{ cut: number }>;
}

export async function start(config: Readonly<Config>, logger: Logger): Promise<Running> {
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
  // Longer than the idle timeout of common proxies and load balancers (60 s), so that the proxy,
  // never Roster, closes an idle keep-alive connection: otherwise a request sent on a connection at
  // the moment Roster closes it fails with a reset (Node's default is 5 s).
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const drainable = makeDrainable(server);
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

  let stopping: Promise<{ cut: number }> | undefined;
  const stop = (timeoutMs = config.shutdownTimeoutMs) =>
    (stopping ??= (async () => {
      const drained = await drainable.drain(timeoutMs);
      await roster.close();
      await db.close();
      return drained;
    })());
  return { server, db, stop };
}

/**
 * Runs the service until SIGINT or SIGTERM, then shuts down gracefully and exits 0 (1 when closing
 * failed or took too long). A bad configuration exits 2, a start-up failure 1.
 */
export async function serve(): Promise<void> {
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
  const starting = start(config, logger);
  // Listening from the start: a signal during start-up (PGlite opening, migrations) waits for the
  // start to finish and then stops cleanly instead of killing the process mid-write.
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    let running: Running;
    try {
      running = await starting;
    } catch {
      return; // the start failed: reported below, the process exits there
    }
    const timeoutMs = config.shutdownTimeoutMs;
    logger.info({ signal, timeoutMs }, 'shutting down: no new connections; requests in flight may finish');
    // The last resort if closing the database hangs (e.g. a transaction still running after its
    // connection was cut); PGlite then recovers at the next start as after a crash.
    const force = setTimeout(() => {
      logger.error({ signal }, 'the database did not close in time; exiting anyway');
      process.exit(1);
    }, timeoutMs + DATABASE_CLOSE_TIMEOUT_MS);
    force.unref();
    try {
      const { cut } = await running.stop(timeoutMs);
      if (cut > 0) logger.warn({ cut, timeoutMs }, 'requests still running at SHUTDOWN_TIMEOUT_MS were cut off');
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await starting;
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof StartupError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'Roster could not start');
    process.exit(1);
  }
}

if (require.main === module) void serve();
