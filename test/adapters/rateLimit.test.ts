/**
 * RATE_LIMIT_PER_MINUTE at both JSON-RPC endpoints (contract §1.6 step 6, §4.5; issue 8): one budget
 * per principal in the database, counting batch elements, refused whole with HTTP 429, `Retry-After`
 * and the -32006 object; fixed minute windows on the app's clock; shared by instances on one
 * database; a limit of 0 never touches the table.
 *
 * `setup` (no limit) creates the users and reads the database; `limited` (limit 5) has a frozen
 * clock that every test first moves to 10 s into a fresh window, so 50 s of the window remain.
 */
import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { openDatabase } from '../../src/db/database';
import { API_TOKEN, ADMIN, startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';
import type { TestDatabase } from '../helpers/database';
import { expectJson } from '../helpers/protocol';
import { enterNextWindow, startLimitedApp, windowStart as windowStartOf } from '../helpers/rateLimit';

const LIMIT = 5;
const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const RATE_LIMITED = (ms: number) => `{"jsonrpc":"2.0","error":{"code":-32006,"message":"Rate limited","data":{"reason":"rate_limited","retryAfterMs":${ms}}},"id":null}`;
const PASSWORD = 'rate-limit-pw-1';

let setup: TestApp;
let limited: TestApp;
const ids = new Map<string, number>();

const version = (id?: number) => ({ jsonrpc: '2.0', method: 'getVersion', ...(id === undefined ? {} : { id }) });
const as = (username: string): Auth => [username, PASSWORD];

/** Creates a user through the unlimited app (its calls spend no limited budget). */
async function user(username: string): Promise<Auth> {
  ids.set(username, await setup.createUser(username, PASSWORD));
  return as(username);
}

const windowStart = (app: TestApp = limited) => windowStartOf(app);

/** The units spent in the current window of `limited`, or null when the principal has no row. */
async function used(key: string): Promise<number | null> {
  const row = await setup.knex('rate_limit_windows').where({ principal_key: key, window_start: windowStart() }).first('used');
  return row ? Number(row.used) : null;
}
const userKey = (username: string) => `user:${ids.get(username)}`;

async function allRows(): Promise<{ principal_key: string; window_start: number; used: number }[]> {
  const rows = await setup.knex('rate_limit_windows').orderBy(['principal_key', 'window_start']).select();
  return rows.map((r) => ({ principal_key: r.principal_key as string, window_start: Number(r.window_start), used: Number(r.used) }));
}

/** One getVersion call that must succeed. */
async function expectServed(endpoint: Endpoint, auth: Auth, app = limited): Promise<void> {
  const res = await app.call(endpoint, version(1), auth);
  expect({ status: res.status, result: typeof res.body.result }).toEqual({ status: 200, result: 'string' });
}

/** The refusal of §4.5, exactly, with its Retry-After. */
function expectRefused(res: Response, retryAfterMs: number): void {
  expectJson(res, 429, RATE_LIMITED(retryAfterMs));
  expect(res.headers['retry-after']).toBe(String(Math.ceil(retryAfterMs / 1000)));
}

async function usernames(prefix: string): Promise<string[]> {
  return (await setup.knex('users').where('username', 'like', `${prefix}%`).orderBy('username').select('username')).map((r) => r.username as string);
}

beforeAll(async () => {
  setup = await startTestApp();
  limited = await startLimitedApp(setup, LIMIT);
});
afterAll(async () => {
  await limited.close();
  await setup.close();
});
beforeEach(() => enterNextWindow(limited));

describe.each(ENDPOINTS)('%s', (endpoint) => {
  const name = (what: string) => `${what}-${endpoint === '/rpc' ? 'strict' : 'compat'}`;

  test('N calls are served, call N+1 gets HTTP 429, Retry-After and the -32006 object; refusals spend nothing', async () => {
    const auth = await user(name('exact'));
    for (let i = 0; i < LIMIT; i += 1) await expectServed(endpoint, auth);
    expect(await used(userKey(name('exact')))).toBe(LIMIT);
    expectRefused(await limited.call(endpoint, version(7), auth), 50_000);
    // a notification is refused the same way; the other endpoint shares the budget
    expectRefused(await limited.call(endpoint, version(), auth), 50_000);
    const other = endpoint === '/rpc' ? '/jsonrpc.php' : '/rpc';
    expectRefused(await limited.call(other, version(1), auth), 50_000);
    expect(await used(userKey(name('exact')))).toBe(LIMIT);
  });

  test('a batch of k elements counts k (notifications too, invalid elements not); one that does not fit is refused whole', async () => {
    const auth = await user(name('batch'));
    const first = await limited.call(endpoint, [version(1), version(), version(2)], auth);
    expect({ status: first.status, answers: (first.body as unknown[]).length }).toEqual({ status: 200, answers: 2 });
    expect(await used(userKey(name('batch')))).toBe(3);
    const withInvalid = await limited.call(endpoint, [version(3), 42], auth);
    expect({ status: withInvalid.status, answers: (withInvalid.body as unknown[]).length }).toEqual({ status: 200, answers: 2 });
    expect(await used(userKey(name('batch')))).toBe(4);
    expectRefused(await limited.call(endpoint, [version(4), version(5)], auth), 50_000);
    expect(await used(userKey(name('batch')))).toBe(4);
    await expectServed(endpoint, auth);
    expect(await used(userKey(name('batch')))).toBe(5);
  });

  test('a batch larger than the remaining budget runs nothing: the database is unchanged', async () => {
    const auth: Auth = endpoint === '/rpc' ? 'app' : [ADMIN.username, ADMIN.password];
    const key = endpoint === '/rpc' ? 'app' : 'user:1';
    for (let i = 0; i < 3; i += 1) await expectServed(endpoint, auth);
    const creates = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', method: 'createUser', params: { username: `${prefix}${i}`, password: PASSWORD }, id: i + 1 }));
    const prefix = name('whole');
    expectRefused(await limited.call(endpoint, creates(prefix, 3), auth), 50_000);
    expect(await usernames(prefix)).toEqual([]);
    expect(await used(key)).toBe(3);
    const fits = await limited.call(endpoint, creates(prefix, 2), auth);
    expect({ status: fits.status, results: (fits.body as { result: unknown }[]).map((r) => typeof r.result) }).toEqual({ status: 200, results: ['number', 'number'] });
    expect(await usernames(prefix)).toEqual([`${prefix}0`, `${prefix}1`]);
    expect(await used(key)).toBe(LIMIT);
  });

  test('a batch longer than the limit itself is refused (and can never pass in any window)', async () => {
    const auth = await user(name('long'));
    expectRefused(await limited.call(endpoint, Array.from({ length: LIMIT + 1 }, (_, i) => version(i + 1)), auth), 50_000);
    expect(await used(userKey(name('long')))).toBeNull();
  });

  test('requests that fail before authentication, or fail it, are not counted', async () => {
    const auth = await user(name('unauth'));
    const before = await allRows();
    expect((await limited.call(endpoint, version(1), [name('unauth'), 'wrong-password'])).status).toBe(401);
    expect((await limited.call(endpoint, version(1), 'none')).status).toBe(401);
    expect((await limited.call(endpoint, '{"jsonrpc":', auth)).status).toBe(200); // parse error: no authentication, nothing counted
    expect((await limited.call(endpoint, [1, 2], auth)).status).toBe(200); // no well-formed element
    expect(await allRows()).toEqual(before);
  });
});

test('compat: the rate limit (step 6) comes before the whole-batch access check (step 7); a 403 batch spends its units', async () => {
  const auth = await user('plain-order');
  for (let i = 0; i < LIMIT - 1; i += 1) await expectServed('/jsonrpc.php', auth);
  const forbidden = { jsonrpc: '2.0', method: 'createUser', params: { username: 'never-created', password: PASSWORD }, id: 9 };
  expectRefused(await limited.call('/jsonrpc.php', [forbidden, version(1)], auth), 50_000);
  expectJson(await limited.call('/jsonrpc.php', [forbidden], auth), 403, '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}');
  expect(await used(userKey('plain-order'))).toBe(LIMIT);
  expect(await usernames('never-created')).toEqual([]);
});

test('one budget per principal: an exhausted user does not affect another user or the app token', async () => {
  const a = await user('iso-a');
  const b = await user('iso-b');
  for (let i = 0; i < LIMIT; i += 1) await expectServed('/rpc', a);
  expectRefused(await limited.call('/rpc', version(1), a), 50_000);
  await expectServed('/rpc', b);
  await expectServed('/jsonrpc.php', 'app');
  expect({ a: await used(userKey('iso-a')), b: await used(userKey('iso-b')), app: await used('app') }).toEqual({ a: LIMIT, b: 1, app: 1 });
});

test("a user's password, app password and personal token draw on one budget; the key never holds a credential", async () => {
  const password = await user('kinds');
  const minted = await setup.call('/rpc', { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'laptop' }, id: 1 }, password);
  const appPassword: Auth = ['kinds', (minted.body.result as { token: string }).token];
  const token = 'kinds-personal-token-0123456789';
  await setup.knex('users').where({ username: 'kinds' }).update({ api_access_token: createHash('sha256').update(token).digest('hex') });
  await expectServed('/rpc', password);
  await expectServed('/rpc', password);
  await expectServed('/jsonrpc.php', appPassword);
  await expectServed('/jsonrpc.php', appPassword);
  await expectServed('/rpc', ['kinds', token]);
  for (const auth of [password, appPassword, ['kinds', token] as const]) expectRefused(await limited.call('/rpc', version(1), auth), 50_000);
  expect(await used(userKey('kinds'))).toBe(LIMIT);
  for (const row of await allRows()) expect(row.principal_key).toMatch(/^(app|user:\d+)$/);
  expect(JSON.stringify(await allRows())).not.toContain(API_TOKEN);
});

test('Retry-After and retryAfterMs count down to the end of the window; the next window has the whole budget again', async () => {
  const auth = await user('reset');
  for (let i = 0; i < LIMIT; i += 1) await expectServed('/rpc', auth);
  expectRefused(await limited.call('/rpc', version(1), auth), 50_000);
  limited.advanceClock(20);
  expectRefused(await limited.call('/jsonrpc.php', version(1), auth), 30_000);
  limited.advanceClock(29);
  expectRefused(await limited.call('/rpc', version(1), auth), 1_000);
  const exhausted = windowStart();
  limited.advanceClock(1);
  for (let i = 0; i < LIMIT; i += 1) await expectServed('/rpc', auth);
  expectRefused(await limited.call('/rpc', version(1), auth), 60_000);
  const rows = (await allRows()).filter((r) => r.principal_key === userKey('reset'));
  expect(rows).toEqual([
    { principal_key: userKey('reset'), window_start: exhausted, used: LIMIT },
    { principal_key: userKey('reset'), window_start: exhausted + 60, used: LIMIT },
  ]);
});

test('windows older than the previous one are deleted by the first reservation in a new window', async () => {
  const now = windowStart();
  await setup.knex('rate_limit_windows').insert([
    { principal_key: 'user:999001', window_start: now - 120, used: 3 },
    { principal_key: 'user:999002', window_start: now - 60, used: 3 },
  ]);
  await expectServed('/rpc', 'app');
  const stale = (await allRows()).filter((r) => r.principal_key.startsWith('user:99900'));
  expect(stale).toEqual([{ principal_key: 'user:999002', window_start: now - 60, used: 3 }]);
  expect((await allRows()).every((r) => r.window_start >= now - 60)).toBe(true);
  limited.advanceClock(60);
  await expectServed('/rpc', 'app');
  expect((await allRows()).every((r) => r.window_start >= now)).toBe(true);
});

describe('two instances on one database', () => {
  let secondDb: TestDatabase;
  let second: TestApp;
  beforeAll(async () => {
    // on Postgres the second instance gets a connection pool of its own; PGlite is one database in this process
    if (setup.db.kind === 'postgres') {
      const db = await openDatabase({ url: setup.db.url, dataDir: 'memory://', poolSize: 4 });
      secondDb = { knex: db.knex, kind: 'postgres', url: setup.db.url, close: db.close };
    } else secondDb = setup.db;
    second = await startTestApp({ db: secondDb, env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, clockStart: limited.services.now() });
  });
  afterAll(async () => {
    await second.close();
    if (secondDb !== setup.db) await secondDb.close();
  });
  beforeEach(() => {
    second.advanceClock(limited.services.now() - second.services.now());
  });

  test('share one budget: calls on either count, and both refuse once it is spent', async () => {
    const auth = await user('shared');
    for (let i = 0; i < 3; i += 1) await expectServed('/rpc', auth, limited);
    for (let i = 0; i < 2; i += 1) await expectServed('/jsonrpc.php', auth, second);
    expectRefused(await second.call('/rpc', version(1), auth), 50_000);
    expectRefused(await limited.call('/rpc', version(1), auth), 50_000);
    expect(await used(userKey('shared'))).toBe(LIMIT);
  });

  test('concurrent requests on both instances never spend more than the limit', async () => {
    const auth = await user('burst');
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? limited : second).call('/rpc', version(i + 1), auth)));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), ...Array<number>(16 - LIMIT).fill(429)]);
    expect(await used(userKey('burst'))).toBe(LIMIT);
  });
});

test('RATE_LIMIT_PER_MINUTE=0 (the default) issues no query on the table and writes nothing', async () => {
  const auth = await user('unlimited');
  const before = await allRows();
  /** The SQL `setup.knex` runs during `work` (the limited app shares that database and knex). */
  async function queriesDuring(work: () => Promise<void>): Promise<string[]> {
    const queries: string[] = [];
    const listener = (query: { sql: string }) => queries.push(query.sql);
    setup.knex.on('query', listener);
    try {
      await work();
    } finally {
      setup.knex.off('query', listener);
    }
    return queries;
  }
  const unlimited = await queriesDuring(async () => {
    for (let i = 0; i < LIMIT + 3; i += 1) await expectServed(i % 2 ? '/rpc' : '/jsonrpc.php', auth, setup);
    expect((await setup.call('/rpc', Array.from({ length: 20 }, (_, i) => version(i + 1)), auth)).status).toBe(200);
  });
  expect(unlimited.length).toBeGreaterThan(0);
  expect(unlimited.filter((sql) => sql.includes('rate_limit_windows'))).toEqual([]);
  expect(await allRows()).toEqual(before);
  // the same listener sees the limited app's statement, so the check above can fail
  const limitedQueries = await queriesDuring(() => expectServed('/rpc', auth));
  expect(limitedQueries.filter((sql) => sql.includes('INSERT INTO rate_limit_windows'))).toHaveLength(1);
});
