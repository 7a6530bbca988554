/**
 * Failure counting and lockout (contract §4.4, §15 item 5), at both endpoints, with the state in the
 * database: thresholds, expiry, batches, settings, and two app instances sharing one database.
 */
import { startTestApp, type Endpoint, type TestApp } from '../helpers/app';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const UNAUTHORIZED: Record<Endpoint, string> = {
  '/jsonrpc.php': '{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"},"id":null}',
  '/rpc': '{"jsonrpc":"2.0","error":{"code":-32004,"message":"Unauthenticated","data":{"reason":"unauthenticated"}},"id":null}',
};
const GET_ME = { jsonrpc: '2.0', method: 'getMe', id: 1 };
const PASSWORD = 'right-password';

let t: TestApp;
/** Seconds t's clock was moved forward. */
let offset = 0;
const appNow = () => Math.floor(Date.now() / 1000) + offset;
function advance(seconds: number) {
  t.advanceClock(seconds);
  offset += seconds;
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let serial = 0;
async function newUser(prefix: string): Promise<{ id: number; username: string }> {
  serial += 1;
  const username = `${prefix}-${serial}`;
  return { id: await t.createUser(username, PASSWORD), username };
}

async function state(id: number) {
  const row = await t.knex('users').where({ id }).first('nb_failed_login', 'lock_expiration_date', 'last_login');
  return { nb_failed_login: Number(row.nb_failed_login), lock_expiration_date: Number(row.lock_expiration_date), last_login: Number(row.last_login) };
}

async function fail(app: TestApp, endpoint: Endpoint, username: string, times = 1, secret = 'wrong-password') {
  for (let i = 0; i < times; i += 1) {
    const res = await app.call(endpoint, GET_ME, [username, secret]);
    expect({ status: res.status, text: res.text, www: res.headers['www-authenticate'] }).toEqual({
      status: 401,
      text: UNAUTHORIZED[endpoint],
      www: 'Basic realm="JsonRPC"',
    });
  }
}

async function succeed(app: TestApp, endpoint: Endpoint, username: string) {
  const res = await app.call(endpoint, GET_ME, [username, PASSWORD]);
  expect(res.status).toBe(200);
  expect(res.body.result?.username).toBe(username);
}

/** lock_expiration_date is now + minutes (a few seconds of slack for the test's own duration). */
function expectLockedUntil(lockExpiration: number, now: number, minutes: number) {
  expect(lockExpiration).toBeGreaterThanOrEqual(now + minutes * 60 - 5);
  expect(lockExpiration).toBeLessThanOrEqual(now + minutes * 60 + 1);
}

describe.each(ENDPOINTS)('%s', (endpoint) => {
  test('six failures are tolerated: the right password then succeeds and resets the counter', async () => {
    const u = await newUser('six');
    await fail(t, endpoint, u.username, 6);
    expect(await state(u.id)).toMatchObject({ nb_failed_login: 6, lock_expiration_date: 0 });
    await succeed(t, endpoint, u.username);
    expect(await state(u.id)).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
  });

  test('the seventh failure locks for 15 minutes: the right password gets 401, the counter does not move', async () => {
    const u = await newUser('seven');
    await fail(t, endpoint, u.username, 7);
    const locked = await state(u.id);
    expect(locked.nb_failed_login).toBe(7);
    expectLockedUntil(locked.lock_expiration_date, appNow(), 15);

    await fail(t, endpoint, u.username, 1, PASSWORD); // the right password is refused while locked
    await fail(t, endpoint, u.username, 2); // wrong ones are not counted while locked
    const other: Endpoint = endpoint === '/rpc' ? '/jsonrpc.php' : '/rpc';
    await fail(t, other, u.username, 1, PASSWORD);
    expect(await state(u.id)).toEqual(locked);
  });

  test('after expiry the right password succeeds and clears the lock', async () => {
    const u = await newUser('expiry');
    await fail(t, endpoint, u.username, 7);
    advance(14 * 60);
    await fail(t, endpoint, u.username, 1, PASSWORD); // still locked after 14 minutes
    advance(2 * 60);
    const before = appNow();
    await succeed(t, endpoint, u.username);
    const after = await state(u.id);
    expect(after).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
    expect(after.last_login).toBeGreaterThanOrEqual(before);
  });

  test('after expiry one wrong password locks again at once', async () => {
    const u = await newUser('relock');
    await fail(t, endpoint, u.username, 7);
    advance(16 * 60);
    await fail(t, endpoint, u.username, 1);
    const relocked = await state(u.id);
    expect(relocked.nb_failed_login).toBe(8);
    expectLockedUntil(relocked.lock_expiration_date, appNow(), 15);
    await fail(t, endpoint, u.username, 1, PASSWORD);
  });

  test('a batch is one request: at most one counted failure', async () => {
    const u = await newUser('batch');
    const batch = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({ jsonrpc: '2.0', method: 'getMe', id }));
    const res = await t.call(endpoint, batch, [u.username, 'wrong-password']);
    expect(res.status).toBe(401);
    expect(res.text).toBe(UNAUTHORIZED[endpoint]);
    expect(await state(u.id)).toMatchObject({ nb_failed_login: 1, lock_expiration_date: 0 });
    const ok = await t.call(endpoint, batch, [u.username, PASSWORD]);
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(8);
    expect(await state(u.id)).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
  });

  test('failures at both endpoints add up', async () => {
    const u = await newUser('mixed');
    const other: Endpoint = endpoint === '/rpc' ? '/jsonrpc.php' : '/rpc';
    await fail(t, endpoint, u.username, 3);
    await fail(t, other, u.username, 4);
    expect((await state(u.id)).nb_failed_login).toBe(7);
    await fail(t, endpoint, u.username, 1, PASSWORD);
  });

  test('a success writes last_login and a reset only when needed', async () => {
    const u = await newUser('lastlogin');
    await fail(t, endpoint, u.username, 2);
    const before = appNow();
    await succeed(t, endpoint, u.username);
    const s = await state(u.id);
    expect(s).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
    expect(s.last_login).toBeGreaterThanOrEqual(before);
    expect(s.last_login).toBeLessThanOrEqual(appNow());
  });
});

test('concurrent failures are all counted (atomic increment) and lock the account', async () => {
  const u = await newUser('concurrent');
  await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => fail(t, i % 2 ? '/rpc' : '/jsonrpc.php', u.username)));
  const s = await state(u.id);
  expect(s.nb_failed_login).toBe(7);
  expectLockedUntil(s.lock_expiration_date, appNow(), 15);
});

test('app-token failures are not counted against anyone', async () => {
  const before = await t.knex('users').select('id', 'nb_failed_login').orderBy('id');
  for (const endpoint of ENDPOINTS) {
    const res = await t.call(endpoint, GET_ME, ['jsonrpc', 'not-the-token']);
    expect(res.status).toBe(401);
  }
  expect(await t.knex('users').select('id', 'nb_failed_login').orderBy('id')).toEqual(before);
});

test('BRUTEFORCE_LOCKDOWN and BRUTEFORCE_LOCKDOWN_DURATION are respected', async () => {
  const strict = await startTestApp({ db: t.db, env: { BRUTEFORCE_LOCKDOWN: '2', BRUTEFORCE_LOCKDOWN_DURATION: '1' } });
  try {
    const tolerated = await newUser('setting-ok');
    await fail(strict, '/jsonrpc.php', tolerated.username, 2);
    await succeed(strict, '/rpc', tolerated.username);

    const locked = await newUser('setting-lock');
    await fail(strict, '/rpc', locked.username, 2);
    expect((await state(locked.id)).lock_expiration_date).toBe(0);
    await fail(strict, '/jsonrpc.php', locked.username, 1);
    const s = await state(locked.id);
    expect(s.nb_failed_login).toBe(3);
    expectLockedUntil(s.lock_expiration_date, Math.floor(Date.now() / 1000), 1);
    await fail(strict, '/rpc', locked.username, 1, PASSWORD);
    strict.advanceClock(61);
    await succeed(strict, '/jsonrpc.php', locked.username);
    expect(await state(locked.id)).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
  } finally {
    await strict.close();
  }
});

test('the lockout holds across two app instances sharing one database', async () => {
  const second = await startTestApp({ db: t.db });
  second.advanceClock(offset); // both instances on the same clock (earlier tests moved t's)
  const secondNow = appNow;
  try {
    // Failures on both instances add up.
    const u = await newUser('instances');
    await fail(t, '/jsonrpc.php', u.username, 3);
    await fail(second, '/rpc', u.username, 3);
    expect((await state(u.id)).nb_failed_login).toBe(6);
    await fail(second, '/jsonrpc.php', u.username, 1);
    const locked = await state(u.id);
    expect(locked.nb_failed_login).toBe(7);
    expectLockedUntil(locked.lock_expiration_date, secondNow(), 15);
    // Locked for both.
    await fail(t, '/rpc', u.username, 1, PASSWORD);
    await fail(second, '/rpc', u.username, 1, PASSWORD);
    await fail(t, '/jsonrpc.php', u.username, 1, PASSWORD);
    expect(await state(u.id)).toEqual(locked);

    // A lock set by the first instance holds on the second.
    const v = await newUser('instances');
    await fail(t, '/rpc', v.username, 7);
    await fail(second, '/jsonrpc.php', v.username, 1, PASSWORD);
    await fail(second, '/rpc', v.username, 1, PASSWORD);
    // After expiry on the second instance's clock, a success there resets it for both.
    second.advanceClock(16 * 60);
    await succeed(second, '/rpc', v.username);
    expect(await state(v.id)).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
    await succeed(t, '/jsonrpc.php', v.username);
  } finally {
    await second.close();
  }
});

test('an empty secret for an existing user is a counted failure', async () => {
  const user = await newUser('empty-secret');
  await fail(t, '/rpc', user.username, 2, '');
  expect((await state(user.id)).nb_failed_login).toBe(2);
  await succeed(t, '/rpc', user.username);
  expect((await state(user.id)).nb_failed_login).toBe(0);
});
