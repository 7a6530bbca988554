/**
 * A database error's message names the problem but not the statement's values: knex would otherwise
 * append the compiled SQL with every bound value (password hashes, token digests) to the message,
 * and error messages reach logs.
 */
import { openDatabase, type Database } from '../../src/db/database';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const CANARY = '$2b$10$canary-hash-that-must-not-reach-a-message';

let test_db: TestDatabase;
let db: Database;
beforeAll(async () => {
  test_db = await createTestDatabase();
  // openDatabase is what the service uses; on PGlite an in-memory one of its own (migrations are not needed here)
  db = test_db.url ? await openDatabase({ url: test_db.url, dataDir: 'memory://', poolSize: 1 }) : await openDatabase({ dataDir: 'memory://', poolSize: 1 });
  await db.knex.raw('CREATE TABLE IF NOT EXISTS canary (id int PRIMARY KEY, secret text NOT NULL)');
  await db.knex('canary').insert({ id: 1, secret: 'first' });
});
afterAll(async () => {
  await db?.close();
  await test_db?.close();
});

test('a failed insert reports the statement with placeholders and the constraint, never the values', async () => {
  const error = await db.knex('canary').insert({ id: 1, secret: CANARY }).then(
    () => null,
    (e: Error & { code?: string }) => e,
  );
  expect(error?.code).toBe('23505');
  expect(error?.message).toContain('duplicate key value violates unique constraint');
  expect(error?.message).not.toContain(CANARY);
  // the statement may be named, with placeholders only
  expect(error?.message).toBe('insert into "canary" ("id", "secret") values ($1, $2) - duplicate key value violates unique constraint "canary_pkey"');
});
