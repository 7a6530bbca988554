/** A fresh database per test file: in-memory PGlite, or a new Postgres database dropped afterwards. */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { migrateLatest, openDatabase, type DatabaseKind } from '../../src/db/database';

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

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') {
    const db = await openDatabase({ dataDir: 'memory://', poolSize: 1 });
    await migrateLatest(db.knex);
    return { knex: db.knex, kind: 'pglite', close: db.close };
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
