/**
 * migrateLatest (src/db/database.ts): a database that lists exactly the known migrations is left
 * alone without knex's migrator (a warm start); anything else goes through the migrator, which
 * applies what is missing and refuses a migration this version does not know.
 */
import { migrateLatest, migrateRollback } from '../../src/db/database';
import { migrationSource } from '../../src/db/migrations';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db?.close();
});

const knownNames = async () => (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
const recordedNames = async () => (await db.knex('knex_migrations').orderBy('id').select('name')).map((row: { name: string }) => row.name);

test('an up-to-date database: nothing is applied and the migration lock is not taken (a stale lock does not hold the start)', async () => {
  expect(await recordedNames()).toEqual(await knownNames());
  // a lock left by a migrator that died: knex's migrator would wait for it until the timeout
  await db.knex('knex_migrations_lock').update({ is_locked: 1 });
  try {
    expect(await migrateLatest(db.knex, 300)).toEqual([]);
    expect(await db.knex('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 1 }]);
  } finally {
    await db.knex('knex_migrations_lock').update({ is_locked: 0 });
  }
  expect(await recordedNames()).toEqual(await knownNames());
});

test('a database without the migrations applies every one of them, in order', async () => {
  const known = await knownNames();
  expect(await migrateRollback(db.knex)).toEqual([...known].reverse());
  expect(await recordedNames()).toEqual([]);
  expect(await migrateLatest(db.knex)).toEqual(known);
  expect(await recordedNames()).toEqual(known);
  expect(await db.knex.schema.hasTable('users')).toBe(true);
});

test('a missing migration is applied by the migrator', async () => {
  const known = await knownNames();
  const last = known[known.length - 1];
  // the last one reverted alone, as an older version of Roster would have left the database
  const migration = (await migrationSource.getMigrations([])).find((m) => migrationSource.getMigrationName(m) === last)!;
  const source = await migrationSource.getMigration(migration);
  await db.knex.transaction(async (trx) => {
    await source.down!(trx);
    await trx('knex_migrations').where({ name: last }).delete();
  });
  expect(await migrateLatest(db.knex)).toEqual([last]);
  expect(await recordedNames()).toEqual(known);
});

test('a migration this version does not know (a newer Roster migrated the database): the migrator refuses', async () => {
  await db.knex('knex_migrations').insert({ name: '999_from_a_newer_version.ts', batch: 99, migration_time: new Date() });
  try {
    await expect(migrateLatest(db.knex)).rejects.toThrow('The migration directory is corrupt, the following files are missing: 999_from_a_newer_version.ts');
  } finally {
    await db.knex('knex_migrations').where({ name: '999_from_a_newer_version.ts' }).delete();
  }
});
