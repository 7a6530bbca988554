/**
 * Hot reads (src/db/hotRead.ts) behind getUser: on Postgres a named prepared statement on a pool
 * connection, falling back to the unnamed statement where the server refuses names (a pooler such as
 * PgBouncer in transaction mode: "prepared statement … already exists / does not exist"); inside a
 * transaction and on PGlite the statement goes through knex. The answers are the same on every way.
 */
import knexFactory, { type Knex } from 'knex';
import { hotRows, hotStatement } from '../../src/db/hotRead';
import { findUserById } from '../../src/db/repositories/users';
import { startTestApp, type TestApp } from '../helpers/app';
import { userObject } from '../helpers/users';

let t: TestApp;
/** One connection, so that what the test prepares sits where the hot read runs. */
let single: Knex;

beforeAll(async () => {
  t = await startTestApp();
  await t.createUser('hot-user', 'Hot-Passw0rd-1', { name: 'Hot User', email: 'hot@example.com' });
  single = t.db.url ? knexFactory({ client: 'pg', connection: { connectionString: t.db.url }, pool: { min: 1, max: 1 } }) : t.knex;
});
afterAll(async () => {
  if (single !== t.knex) await single.destroy();
  await t.close();
});

const SUM = hotStatement('SELECT (?::int + ?::int) AS "sum"');

test('the statement is named after its text and rewritten for node-postgres', () => {
  expect(SUM.pgSql).toBe('SELECT ($1::int + $2::int) AS "sum"');
  expect(SUM.name).toMatch(/^roster_[0-9a-f]{24}$/);
  expect(hotStatement('SELECT (?::int + ?::int) AS "sum"').name).toBe(SUM.name);
  expect(hotStatement('SELECT (?::int - ?::int) AS "sum"').name).not.toBe(SUM.name);
});

test('rows come back the same outside a transaction, inside one, and when a statement of that name already exists', async () => {
  expect(await hotRows(single, SUM, [2, 3])).toEqual([{ sum: 5 }]);
  expect(await hotRows(single, SUM, [4, 5])).toEqual([{ sum: 9 }]); // the prepared statement again
  expect(await single.transaction((trx) => hotRows(trx, SUM, [1, 1]))).toEqual([{ sum: 2 }]);

  // a server session that holds another statement under the name (as a pooler's shared session may):
  // the statement itself runs, unnamed, then and from then on
  const other = hotStatement('SELECT (?::int * ?::int) AS "sum"');
  await single.raw(`PREPARE "${other.name}" AS SELECT 1 AS "sum"`);
  expect(await hotRows(single, other, [6, 8])).toEqual([{ sum: 48 }]);
  expect(await hotRows(single, other, [2, 8])).toEqual([{ sum: 16 }]);
  expect(await hotRows(single, SUM, [1, 2])).toEqual([{ sum: 3 }]);
});

test('getUser reads the whole user object, the same through the hot read and through knex in a transaction', async () => {
  const id = (await t.knex('users').where({ username: 'hot-user' }).first('id')).id as number;
  const direct = await findUserById(single, id);
  const inTransaction = await single.transaction((trx) => findUserById(trx, id));
  expect(direct).toEqual(inTransaction);
  expect(direct).toEqual(userObject(id, 'hot-user', { name: 'Hot User', email: 'hot@example.com' }));
  expect(Object.keys(direct!)).toEqual(Object.keys(inTransaction!));
  expect(await findUserById(single, 987654)).toBeNull();
});
