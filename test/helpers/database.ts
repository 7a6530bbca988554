/**
 * A fresh database per test file or test: an in-memory PGlite from a migrated snapshot (used again
 * after a reset to new within a test file: ./pglitePool.ts), or a new Postgres database dropped
 * afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { PGlite } from '@electric-sql/pglite';
import ClientPgLite from 'knex-pglite';
import { migrateLatest, openDatabase, type DatabaseKind } from '../../src/db/database';
import { describeNew, giveBack, takeIdle, type PooledPglite } from './pglitePool';

export interface TestDatabase {
  knex: Knex;
  kind: DatabaseKind;
  /** Postgres only: the URL of this test database (for a second app instance). */
  url?: string;
  close(): Promise<void>;
}

const globals = globalThis as unknown as { ROSTER_TEST_DB?: string; ROSTER_TEST_POSTGRES_URL?: string };

export function testDatabaseKind(): DatabaseKind {
  return globals.ROSTER_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const MIGRATIONS_DIR = path.resolve(__dirname, '../../src/db/migrations');

/** A key that changes whenever a migration's source or the PGlite version changes. */
function migrationsKey(): string {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(path.resolve(__dirname, '../../node_modules/@electric-sql/pglite/package.json')));
  for (const file of fs.readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
  return hash.digest('hex').slice(0, 16);
}

/** A path next to `final` for building it, unique to this process and call. */
function temporaryBeside(final: string): string {
  return `${final}.${process.pid}.${randomBytes(4).toString('hex')}`;
}

/**
 * Moves what was built at `temporary` to `final` in one rename, so that concurrent workers never see
 * it half made. A directory that another worker published first stays, and this one is dropped.
 */
function publish(temporary: string, final: string): void {
  try {
    fs.renameSync(temporary, final);
  } catch {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}

/**
 * A migrated, empty PGlite data directory as a tarball, made once per migration set and shared by
 * every test file (starting PGlite from it skips initdb and the migrations, about half the time).
 * Each database is an in-memory one (on disk, PGlite writes every page through the file system,
 * which made the suite slower on a busy machine); `migrateLatest` then checks it is current.
 */
async function migratedPgliteSnapshot(): Promise<Blob> {
  const file = path.join(os.tmpdir(), `roster-test-pglite-${migrationsKey()}.tar`);
  if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
  const db = await openDatabase({ dataDir: 'memory://', poolSize: 1 });
  await migrateLatest(db.knex);
  const pglite = (db.knex.client as { pglite: PGlite }).pglite;
  // Without a checkpoint the image restarts like after a crash and every sequence skips ahead
  // (Postgres pre-logs 32 values), so ids would not start where the tests expect.
  await pglite.query('CHECKPOINT');
  const dump = await pglite.dumpDataDir('none');
  await db.close();
  const temporary = temporaryBeside(file);
  fs.writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
  publish(temporary, file);
  return dump;
}

/**
 * Gives `dataDir` a migrated, empty embedded database, for process tests whose subject is not the
 * first start: a copy of a template DATA_DIR made once per migration set from the migrated snapshot
 * (initdb and the migrations cost seconds of CPU per directory; copying takes milliseconds). Only
 * `pgdata` is copied: the lock file and everything else start as in a new directory, and the first
 * start still runs the migrations check and the bootstrap (admin, API token) itself.
 */
export async function seedMigratedDataDir(dataDir: string): Promise<void> {
  const template = path.join(os.tmpdir(), `roster-test-datadir-${migrationsKey()}`);
  if (!fs.existsSync(path.join(template, 'pgdata'))) {
    const building = temporaryBeside(template);
    fs.mkdirSync(building);
    const pglite = await PGlite.create({ dataDir: path.join(building, 'pgdata'), loadDataDir: await migratedPgliteSnapshot() });
    await pglite.close(); // a clean shutdown: the copies open without crash recovery
    publish(building, template);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.cpSync(path.join(template, 'pgdata'), path.join(dataDir, 'pgdata'), { recursive: true });
}

/** knex-pglite, except that destroying the knex leaves the PGlite open (it goes back to the pool). */
class BorrowedPglite extends ClientPgLite {
  override async destroyRawConnection(): Promise<void> {}
}

/** A new in-memory PGlite from the migrated snapshot. */
async function newPglite(): Promise<PooledPglite> {
  const pglite = await PGlite.create({ loadDataDir: await migratedPgliteSnapshot() });
  return describeNew(pglite);
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') {
    const entry = takeIdle() ?? (await newPglite());
    const knex = knexFactory({ client: BorrowedPglite, dialect: 'postgres', connection: { pglite: entry.pglite } as Knex.StaticConnectionConfig, acquireConnectionTimeout: 60000, compileSqlOnError: false });
    await migrateLatest(knex);
    let closed = false;
    return {
      knex,
      kind: 'pglite',
      async close() {
        if (closed) return;
        closed = true;
        await knex.destroy();
        await giveBack(entry);
      },
    };
  }
  const serverUrl = globals.ROSTER_TEST_POSTGRES_URL!;
  const name = `roster_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name} TEMPLATE template0`);
  const url = withDatabase(serverUrl, name);
  const db = await openDatabase({ url, dataDir: 'memory://', poolSize: 10 });
  await migrateLatest(db.knex);
  return {
    knex: db.knex,
    kind: 'postgres',
    url,
    async close() {
      await db.close();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
