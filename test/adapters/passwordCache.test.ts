/**
 * Remembered password verifications (PASSWORD_CACHE_TTL_MS) over HTTP, with two app instances on
 * one database, each with its own cache: a repeated `username:password` skips bcrypt, and a password
 * change, disable, removal, lockout, two-factor or LDAP switch made through the other instance
 * refuses the old credentials at once on both.
 */
import { createPasswordService } from '../../src/auth/passwords';
import type { PasswordService } from '../../src/core/procedure';
import { ADMIN, startTestApp, TEST_BCRYPT_COST, type Endpoint, type TestApp } from '../helpers/app';
import { ocsJson } from '../helpers/ocs';

/** A real bcrypt service that records the password of every verification. */
function countingPasswords(): PasswordService & { verified: string[] } {
  const inner = createPasswordService({ cost: TEST_BCRYPT_COST, concurrency: 2 });
  const verified: string[] = [];
  return {
    verified,
    hash: (plain) => inner.hash(plain),
    verify(plain, hash) {
      verified.push(plain);
      return inner.verify(plain, hash);
    },
  };
}

const GET_ME = { jsonrpc: '2.0', method: 'getMe', id: 1 };

let a: TestApp;
let b: TestApp;
let aPasswords: ReturnType<typeof countingPasswords>;
let bPasswords: ReturnType<typeof countingPasswords>;

beforeAll(async () => {
  aPasswords = countingPasswords();
  bPasswords = countingPasswords();
  a = await startTestApp({ passwords: aPasswords });
  b = await startTestApp({ db: a.db, passwords: bPasswords });
}, 60_000);
afterAll(async () => {
  await b.close();
  await a.close();
});

/** bcrypt runs with `password` on the instance. */
const runs = (t: TestApp, password: string) => (t === a ? aPasswords : bPasswords).verified.filter((p) => p === password).length;

async function status(t: TestApp, username: string, password: string, endpoint: Endpoint = '/jsonrpc.php'): Promise<number> {
  const res = await t.call(endpoint, GET_ME, [username, password]);
  if (res.status === 200) expect(res.body.result?.username).toBe(username);
  return res.status;
}

let serial = 0;
/** A new user with a password of its own (so bcrypt runs can be counted per user). */
async function newUser(prefix: string): Promise<{ id: number; username: string; password: string }> {
  serial += 1;
  const username = `${prefix}-${serial}`;
  const password = `pw-${username}-${serial}`;
  return { id: await a.createUser(username, password), username, password };
}

/** Logs in on both instances so that each remembers the password; bcrypt ran once on each. */
async function warm(u: { username: string; password: string }) {
  for (const t of [a, b]) {
    expect(await status(t, u.username, u.password)).toBe(200);
    expect(await status(t, u.username, u.password)).toBe(200);
    expect(runs(t, u.password)).toBe(1);
  }
}

test('a repeated username:password is answered without bcrypt, on every endpoint, once per instance', async () => {
  const u = await newUser('repeat');
  expect(runs(a, u.password)).toBe(0);
  for (let i = 0; i < 3; i += 1) expect(await status(a, u.username, u.password)).toBe(200);
  expect(await status(a, u.username, u.password, '/rpc')).toBe(200);
  const ocs = await ocsJson(a, 'GET', 2, 'user', { caller: [u.username, u.password] });
  expect([ocs.status, ocs.statuscode]).toEqual([200, 200]);
  expect(runs(a, u.password)).toBe(1);
  // the other instance has its own memory: one bcrypt there too
  for (let i = 0; i < 2; i += 1) expect(await status(b, u.username, u.password)).toBe(200);
  expect(runs(b, u.password)).toBe(1);
});

test('concurrent first logins share one bcrypt run', async () => {
  const u = await newUser('burst');
  const answers = await Promise.all([1, 2, 3, 4, 5].map(() => status(a, u.username, u.password)));
  expect(answers).toEqual([200, 200, 200, 200, 200]);
  expect(runs(a, u.password)).toBe(1);
});

test('wrong passwords always run bcrypt and are counted; the remembered right one still resets the counter', async () => {
  const u = await newUser('wrong');
  await warm(u);
  const wrong = `${u.password}-wrong`;
  for (let i = 0; i < 3; i += 1) expect(await status(a, u.username, wrong)).toBe(401);
  expect(runs(a, wrong)).toBe(3);
  expect(Number((await a.knex('users').where({ id: u.id }).first('nb_failed_login')).nb_failed_login)).toBe(3);
  expect(await status(b, u.username, u.password)).toBe(200);
  expect(runs(b, u.password)).toBe(1);
  expect(Number((await a.knex('users').where({ id: u.id }).first('nb_failed_login')).nb_failed_login)).toBe(0);
});

test('a password changed through B (OCS, by the user) refuses the old password at once on both; the new one works', async () => {
  const u = await newUser('change');
  await warm(u);
  const fresh = `${u.password}-new`;
  const changed = await ocsJson(b, 'PUT', 1, `users/${u.username}`, { caller: [u.username, u.password], form: { key: 'password', value: fresh } });
  expect([changed.status, changed.statuscode]).toEqual([200, 100]);
  for (const t of [a, b]) {
    expect(await status(t, u.username, u.password)).toBe(401);
    expect(runs(t, u.password)).toBe(2); // the old password met the new hash: bcrypt ran and refused
    expect(await status(t, u.username, fresh)).toBe(200);
    expect(await status(t, u.username, fresh)).toBe(200);
    expect(runs(t, fresh)).toBe(1);
  }
});

test('a password changed by the admin through A refuses the old password at once on B', async () => {
  const u = await newUser('admin-change');
  await warm(u);
  const changed = await ocsJson(a, 'PUT', 1, `users/${u.username}`, { caller: [ADMIN.username, ADMIN.password], form: { key: 'password', value: 'Another-pw-9' } });
  expect([changed.status, changed.statuscode]).toEqual([200, 100]);
  expect(await status(b, u.username, u.password)).toBe(401);
  expect(await status(a, u.username, u.password)).toBe(401);
});

test('disableUser through B refuses the remembered password at once on both, without bcrypt; enableUser restores it', async () => {
  const u = await newUser('disable');
  await warm(u);
  expect((await b.rpc('/jsonrpc.php', 'disableUser', [u.id])).result).toBe(true);
  for (const t of [a, b]) {
    expect(await status(t, u.username, u.password)).toBe(401);
    expect(await status(t, u.username, u.password, '/rpc')).toBe(401);
    expect(runs(t, u.password)).toBe(1);
  }
  expect((await b.rpc('/jsonrpc.php', 'enableUser', [u.id])).result).toBe(true);
  for (const t of [a, b]) expect(await status(t, u.username, u.password)).toBe(200);
});

test('removeUser through B refuses the remembered password at once on both', async () => {
  const u = await newUser('remove');
  await warm(u);
  expect((await b.rpc('/jsonrpc.php', 'removeUser', [u.id])).result).toBe(true);
  for (const t of [a, b]) expect(await status(t, u.username, u.password)).toBe(401);
  // a new user with the same name and password is a new id and a new hash: bcrypt runs again
  const again = await a.createUser(u.username, u.password);
  expect(again).not.toBe(u.id);
  expect(await status(a, u.username, u.password)).toBe(200);
  expect(runs(a, u.password)).toBe(2);
});

test('a lockout reached through B refuses the remembered password at once on both', async () => {
  const u = await newUser('lockout');
  await warm(u);
  for (let i = 0; i < 7; i += 1) expect(await status(b, u.username, 'not-the-password')).toBe(401);
  expect(Number((await a.knex('users').where({ id: u.id }).first('lock_expiration_date')).lock_expiration_date)).toBeGreaterThan(0);
  for (const t of [a, b]) {
    expect(await status(t, u.username, u.password)).toBe(401);
    expect(await status(t, u.username, u.password, '/rpc')).toBe(401);
    expect(runs(t, u.password)).toBe(1);
  }
  // after the lock expires the password works again (the stored hash did not change)
  for (const t of [a, b]) t.advanceClock(16 * 60);
  for (const t of [a, b]) expect(await status(t, u.username, u.password)).toBe(200);
});

test('two-factor switched on in the database refuses the remembered password at once on both', async () => {
  const u = await newUser('twofactor');
  await warm(u);
  await a.knex('users').where({ id: u.id }).update({ twofactor_activated: true });
  for (const t of [a, b]) expect(await status(t, u.username, u.password)).toBe(401);
  expect(runs(a, u.password) + runs(b, u.password)).toBe(2);
});

test('an LDAP user is never answered from the memory of its old local password', async () => {
  const u = await newUser('ldap');
  await warm(u);
  // LDAP is not configured here: the directory refuses, and the remembered local password must not help
  await a.knex('users').where({ id: u.id }).update({ is_ldap_user: true });
  for (const t of [a, b]) expect(await status(t, u.username, u.password)).toBe(401);
  expect(runs(a, u.password) + runs(b, u.password)).toBe(2);
});

describe('PASSWORD_CACHE_TTL_MS=0', () => {
  let c: TestApp;
  let cPasswords: ReturnType<typeof countingPasswords>;
  beforeAll(async () => {
    cPasswords = countingPasswords();
    c = await startTestApp({ db: a.db, passwords: cPasswords, env: { PASSWORD_CACHE_TTL_MS: '0' } });
  });
  afterAll(() => c.close());

  test('every login runs bcrypt', async () => {
    expect(c.config.passwordCacheTtlMs).toBe(0);
    const u = await newUser('uncached');
    for (let i = 0; i < 3; i += 1) expect(await status(c, u.username, u.password)).toBe(200);
    expect(cPasswords.verified.filter((p) => p === u.password)).toHaveLength(3);
  });
});
