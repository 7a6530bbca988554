/**
 * Opens the database: node-postgres pool when DATABASE_URL is set, otherwise embedded PGlite in
 * DATA_DIR (single instance, guarded by a lock file). Migrations run through knex on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { lockDataDir, type DataDirLock } from './dataDirLock';
import { migrationSource } from './migrations';

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  knex: Knex;
  kind: DatabaseKind;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Postgres connection string; unset = embedded PGlite. */
  url?: string;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir: string;
  poolSize: number;
  /** Where knex's own warnings and errors go (else knex writes plain text to the console). */
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

function knexLog(logger: DatabaseOptions['logger']): Knex.Config['log'] {
  if (!logger) return undefined;
  const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
  return {
    warn: (message: unknown) => logger.warn({ source: 'knex' }, text(message)),
    error: (message: unknown) => logger.error({ source: 'knex' }, text(message)),
    deprecate: (method: string, alternative: string) => logger.warn({ source: 'knex' }, `${method} is deprecated, use ${alternative}`),
    debug: (message: unknown) => logger.debug({ source: 'knex' }, text(message)),
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const knex = knexFactory({
      client: 'pg',
      // TCP keepalive: a connection to a host that vanished (no FIN, no RST) is found dead by the OS
      // and dropped from the pool instead of holding a slot and a caller indefinitely
      connection: { connectionString: options.url, keepAlive: true },
      pool: { min: 0, max: options.poolSize },
      acquireConnectionTimeout: 10000,
      // an error's message must not carry the statement with its values (password hashes, tokens)
      compileSqlOnError: false,
      log: knexLog(options.logger),
    });
    return { knex, kind: 'postgres', close: () => knex.destroy() };
  }

  let lock: DataDirLock | undefined;
  let connection: { filename?: string } = {};
  if (options.dataDir !== 'memory://') {
    const dir = path.resolve(options.dataDir);
    fs.mkdirSync(dir, { recursive: true });
    lock = lockDataDir(dir);
    connection = { filename: path.join(dir, 'pgdata') };
  }
  try {
    const knex = knexFactory({
      client: ClientPgLite,
      dialect: 'postgres',
      connection: connection as Knex.StaticConnectionConfig,
      acquireConnectionTimeout: 60000,
      compileSqlOnError: false,
      log: knexLog(options.logger),
    });
    await knex.raw('select 1');
    return {
      knex,
      kind: 'pglite',
      async close() {
        try {
          await knex.destroy();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Whether the database answers `select 1` within `timeoutMs` — waiting for a pool connection and
 * connecting included (knex's `.timeout()` covers the query only, so a server that accepts TCP but
 * never answers, or a full pool, would hold a readiness probe for the whole acquire timeout).
 * Never rejects; a query left behind ends on its own at the acquire timeout.
 */
export async function databaseAnswers(knex: Knex, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = knex.raw('select 1').timeout(timeoutMs).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function isMigrationLocked(error: unknown): boolean {
  return !!error && typeof error === 'object' && (error as Error).name === 'MigrationLocked';
}

/**
 * Whether the migrations table lists exactly the known migrations: then there is nothing to apply,
 * and a warm start skips knex's migrator (its table checks, lock and listing are a dozen statements,
 * a tenth of a warm start on PGlite). Anything else (no table yet, a migration missing, one that this
 * version does not know) is left to the migrator, which applies, waits for the lock or refuses.
 */
async function migrationsUpToDate(knex: Knex): Promise<boolean> {
  const table = await knex.raw("SELECT to_regclass('knex_migrations') IS NOT NULL AS present");
  if (!(table.rows as { present: boolean }[])[0]?.present) return false;
  const recorded = (await knex('knex_migrations').select('name')).map((row: { name: string }) => row.name);
  const known = (await migrationSource.getMigrations([])).map((migration) => migrationSource.getMigrationName(migration));
  return recorded.length === known.length && known.every((name) => recorded.includes(name));
}

/** Applies pending migrations; waits while another instance holds the migration lock. */
export async function migrateLatest(knex: Knex, timeoutMs = 60000): Promise<string[]> {
  if (await migrationsUpToDate(knex)) return [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
      return applied;
    } catch (error) {
      if (!isMigrationLocked(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export async function migrateRollback(knex: Knex): Promise<string[]> {
  const [, reverted] = (await knex.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return reverted;
}
