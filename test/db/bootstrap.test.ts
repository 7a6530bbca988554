/**
 * First-start data (src/bootstrap.ts): the admin is created once, with its password hashed; a warm
 * start (users exist) hashes nothing, and a start after every user was deleted creates the admin again.
 */
import type { PasswordService } from '../../src/core/procedure';
import { bootstrap } from '../../src/bootstrap';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { testPasswordService } from '../helpers/app';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db?.close();
});

/** The test bcrypt service, counting the hashes it makes. */
function countingPasswords(): PasswordService & { hashes: number } {
  const inner = testPasswordService();
  const counting = {
    ...inner,
    hashes: 0,
    hash(password: string) {
      counting.hashes += 1;
      return inner.hash(password);
    },
  };
  return counting;
}

/** `adminPassword` null: ADMIN_PASSWORD unset. */
const start = (passwords: PasswordService, adminPassword: string | null = 'first-admin-secret') =>
  bootstrap(db.knex, { adminUsername: 'admin', adminPassword: adminPassword ?? undefined, apiToken: 'token-from-env', passwords, now: 1_700_000_000 });

test('the first start hashes the admin password once and creates the admin', async () => {
  const passwords = countingPasswords();
  const result = await start(passwords);
  expect(result).toEqual({ admin: { username: 'admin', generatedPassword: undefined } });
  expect(passwords.hashes).toBe(1);
  const rows = await db.knex('users').select('id', 'username', 'role', 'password');
  expect(rows).toEqual([{ id: 1, username: 'admin', role: 'app-admin', password: expect.stringMatching(/^\$2[aby]\$/) }]);
  expect(await passwords.verify('first-admin-secret', rows[0].password)).toBe(true);
});

test('a warm start hashes nothing and leaves the admin as it is', async () => {
  await start(countingPasswords());
  const before = await db.knex('users').select('id', 'username', 'password');
  const passwords = countingPasswords();
  const result = await start(passwords, 'another-admin-secret');
  expect(result).toEqual({});
  expect(passwords.hashes).toBe(0);
  expect(await db.knex('users').select('id', 'username', 'password')).toEqual(before);
});

test('a start after every user was deleted creates the admin again, with a generated password when none is set', async () => {
  await start(countingPasswords());
  await db.knex('users').delete();
  const passwords = countingPasswords();
  const result = await start(passwords, null);
  expect(result.admin?.username).toBe('admin');
  expect(result.admin?.generatedPassword).toMatch(/^[0-9A-Za-z]{24}$/);
  expect(passwords.hashes).toBe(1);
  const [row] = await db.knex('users').select('username', 'password');
  expect(row.username).toBe('admin');
  expect(await passwords.verify(result.admin!.generatedPassword!, row.password)).toBe(true);
});
