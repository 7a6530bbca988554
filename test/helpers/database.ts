/**
 * A fresh database per test file or test: PGlite on a temporary copy of a migrated template (used
 * again after a reset to new within a test file: ./pglitePool.ts), or a new Postgres database
 * dropped afterwards.
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

/**
 * A migrated, empty PGlite data directory, made once per migration set and shared by every test
 * file as the template of each test database: a copy on disk starts without initdb and migrations,
 * and faster than unpacking the same 40 MB into an in-memory PGlite.
 */
async function migratedPgliteTemplate(): Promise<string> {
  const dir = path.join(os.tmpdir(), `roster-test-pglite-${migrationsKey()}`);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const building = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ dataDir: building, poolSize: 1 });
  await migrateLatest(db.knex);
  // a clean shutdown checkpoint: otherwise every copy starts like after a crash and each sequence
  // skips ahead (Postgres pre-logs 32 values), so ids would not start where the tests expect
  await db.close();
  try {
    fs.renameSync(path.join(building, 'pgdata'), dir); // atomic: concurrent workers never copy a half-made template
  } catch {
    // another worker made it first
  }
  fs.rmSync(building, { recursive: true, force: true });
  return dir;
}

/** knex-pglite, except that destroying the knex leaves the PGlite open (it goes back to the pool). */
class BorrowedPglite extends ClientPgLite {
  override async destroyRawConnection(): Promise<void> {}
}

/** A new PGlite on a copy of the migrated template. */
async function newPglite(): Promise<PooledPglite> {
  const template = await migratedPgliteTemplate();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-test-db-'));
  fs.cpSync(template, dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, relaxedDurability: true });
  return describeNew(pglite, dataDir);
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
