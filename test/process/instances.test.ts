/**
 * Several instances on one Postgres (issue 8, item 3): two compiled Roster processes share a fresh
 * database, and bursts of concurrent calls alternate between them over real HTTP (keep-alive).
 * Unique rules hold across instances with clean answers (exactly one success per key, every other
 * call the contract's duplicate answer, never an HTTP 5xx or -32603), and the lockout counter of
 * contract §4.4 counts every failure once and stops counting at the lock, whichever instance saw it.
 * Runs in the postgres project only (see jest.config.js): PGlite is single-instance by design.
 */
import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startRoster, type RunningRoster } from '../helpers/process';

const API_TOKEN = 'instances-test-token-0123456789';
const ADMIN_PASSWORD = 'instances-admin-pw';
const LOCKOUT_THRESHOLD = 6; // BRUTEFORCE_LOCKDOWN's default
const APP: Caller = ['jsonrpc', API_TOKEN];
const ADMIN: Caller = ['admin', ADMIN_PASSWORD];

// Bursts of up to 200 concurrent calls (bcrypt included) through two processes: on a busy 2-core CI
// machine, next to the other process tests, one burst can take longer than jest's default 30 s.
jest.setTimeout(120_000);

type Caller = readonly [string, string];
type Endpoint = '/rpc' | '/jsonrpc.php';

interface Instance {
  roster: RunningRoster;
  agent: http.Agent;
}

interface Answer {
  status: number;
  body: unknown;
}

let db: TestDatabase;
let instances: Instance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { DATABASE_URL: db.url!, API_TOKEN, ADMIN_PASSWORD, BCRYPT_COST: '10', LOG_LEVEL: 'info' };
  // started together: the first-start bootstrap is serialised by its advisory lock
  const started = await Promise.allSettled([startRoster(env), startRoster(env)]);
  instances = started.flatMap((s) => (s.status === 'fulfilled' ? [{ roster: s.value, agent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}, 60000);

afterAll(async () => {
  for (const { agent } of instances) agent.destroy();
  const codes = await Promise.all(instances.map(({ roster }) => roster.stop()));
  await db?.close();
  expect(codes).toEqual(instances.map(() => 0));
});

function basic([user, secret]: Caller): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** One HTTP request to instance `n`; the body is parsed as JSON when it is JSON. */
function send(n: number, method: string, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const { roster, agent } = instances[n];
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: roster.port, method, path, agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: kept as text, and the assertions on it fail with the text in view
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function rpc(n: number, endpoint: Endpoint, caller: Caller, method: string, params: unknown): Promise<Answer> {
  return send(n, 'POST', endpoint, { authorization: basic(caller), 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }));
}

/** The result of a call that must succeed (set-up steps). */
async function must(method: string, params: unknown, caller: Caller = APP): Promise<unknown> {
  const answer = await rpc(0, '/rpc', caller, method, params);
  expect(answer).toMatchObject({ status: 200, body: { result: expect.anything() } });
  return (answer.body as { result: unknown }).result;
}

interface Call {
  key: number;
  instance: number;
  endpoint: Endpoint;
  answer: Answer;
}

/**
 * `rounds` calls for each of `keys` keys, all in flight at once. Call (round r, key k) goes to
 * instance (r + k) mod 2, so every key reaches both instances, and to `endpoint(r)`.
 */
async function burst(keys: number, rounds: number, endpoint: (round: number) => Endpoint, call: (instance: number, endpoint: Endpoint, key: number, round: number) => Promise<Answer>): Promise<Call[]> {
  const calls: Promise<Call>[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (let key = 0; key < keys; key += 1) {
      const instance = (round + key) % 2;
      const e = endpoint(round);
      calls.push(call(instance, e, key, round).then((answer) => ({ key, instance, endpoint: e, answer })));
    }
  }
  return Promise.all(calls);
}

const strictError = (code: number, message: string, data: Record<string, unknown>) => ({ jsonrpc: '2.0', error: { code, message, data }, id: 1 });
const alreadyExists = (data: Record<string, unknown>) => strictError(-32002, 'Already exists', { reason: 'already_exists', ...data });
const compatResult = (result: unknown) => ({ jsonrpc: '2.0', result, id: 1 });
const UNAUTHENTICATED_STRICT = { jsonrpc: '2.0', error: { code: -32004, message: 'Unauthenticated', data: { reason: 'unauthenticated' } }, id: null };
const UNAUTHENTICATED_COMPAT = { jsonrpc: '2.0', error: { code: 401, message: 'Unauthorized' }, id: null };

/**
 * Every call answered HTTP 200; per key exactly one success (`isSuccess`), every other call
 * exactly `duplicate(endpoint)`. Returns the successful answers' bodies by key.
 */
function expectOneWinnerPerKey(calls: Call[], keys: number, isSuccess: (body: unknown) => boolean, duplicate: (endpoint: Endpoint) => unknown): unknown[] {
  expect(calls.filter((c) => c.answer.status !== 200)).toEqual([]);
  const winners: unknown[] = [];
  for (let key = 0; key < keys; key += 1) {
    const mine = calls.filter((c) => c.key === key);
    const won = mine.filter((c) => isSuccess(c.answer.body));
    expect({ key, successes: won.length }).toEqual({ key, successes: 1 });
    winners[key] = won[0].answer.body;
    for (const lost of mine.filter((c) => c !== won[0])) expect(lost.answer.body).toEqual(duplicate(lost.endpoint));
  }
  return winners;
}

const isIdResult = (body: unknown) => Number.isInteger((body as { result?: unknown }).result);
const isTrueResult = (body: unknown) => (body as { result?: unknown }).result === true;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const alternating = (round: number): Endpoint => (round % 2 === 0 ? '/rpc' : '/jsonrpc.php');

/** Users created before a burst that needs them; returns their ids. */
async function createUsers(prefix: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (const i of range(count)) ids.push((await must('createUser', { username: `${prefix}${i}`, password: 'secret-pw-1' })) as number);
  return ids;
}

test('both instances started on one database and agree on the first-start data', async () => {
  expect(instances).toHaveLength(2);
  expect(instances.map((i) => i.roster.stdout()).filter((out) => out.includes('API token'))).toEqual([]); // API_TOKEN was given
  expect((await db.knex('users').select('username', 'role')).map((u) => ({ ...u }))).toEqual([{ username: 'admin', role: 'app-admin' }]);
  for (const n of [0, 1]) expect(await rpc(n, '/rpc', ADMIN, 'getMe', {})).toMatchObject({ status: 200, body: { result: { username: 'admin' } } });
});

test('createUser at /rpc: 200 concurrent calls over 20 usernames create each user once; 180 answers -32002', async () => {
  const calls = await burst(20, 10, () => '/rpc', (n, endpoint, key) => rpc(n, endpoint, APP, 'createUser', { username: `strict-${key}`, password: 'secret-pw-1' }));
  expectOneWinnerPerKey(calls, 20, isIdResult, () => alreadyExists({ resource: 'user', field: 'username' }));
  expect(calls.filter((c) => !isIdResult(c.answer.body))).toHaveLength(180);
  const rows = await db.knex('users').where('username', 'like', 'strict-%').select('username');
  expect(rows.map((r) => r.username as string).sort()).toEqual(range(20).map((i) => `strict-${i}`).sort());
  expect(Number((await db.knex('users').count({ n: '*' }))[0].n)).toBe(21); // and the admin
});

test('createUser at /jsonrpc.php: concurrent duplicates answer false, each user exists once', async () => {
  const calls = await burst(20, 6, () => '/jsonrpc.php', (n, endpoint, key) => rpc(n, endpoint, APP, 'createUser', [`compat-${key}`, 'secret-pw-1']));
  const winners = expectOneWinnerPerKey(calls, 20, isIdResult, () => compatResult(false));
  const rows = await db.knex('users').where('username', 'like', 'compat-%').select('id', 'username');
  expect(rows).toHaveLength(20);
  for (const [key, body] of winners.entries()) {
    expect(rows.find((r) => r.username === `compat-${key}`)?.id).toBe((body as { result: number }).result);
  }
});

test('addGroupMember: 10 concurrent calls per group/user pair add each membership once; duplicates answer false / -32002 group_member', async () => {
  const userIds = await createUsers('member-', 20);
  const groupIds: number[] = [];
  for (const i of range(20)) groupIds.push((await must('createGroup', { name: `group-${i}` })) as number);
  const calls = await burst(20, 10, alternating, (n, endpoint, key) => rpc(n, endpoint, APP, 'addGroupMember', [groupIds[key], userIds[key]]));
  expectOneWinnerPerKey(calls, 20, isTrueResult, (endpoint) => (endpoint === '/rpc' ? alreadyExists({ resource: 'group_member' }) : compatResult(false)));
  const rows = await db.knex('group_has_users').whereIn('group_id', groupIds).select('group_id', 'user_id');
  expect(rows.map((r) => [r.group_id, r.user_id]).sort()).toEqual(range(20).map((i) => [groupIds[i], userIds[i]]).sort());
});

test('adding to the admin group concurrently makes the user app-admin once, on both instances', async () => {
  const [userId] = await createUsers('promoted-', 1);
  const adminGroupId = (await db.knex('groups').where({ name: 'admin' }).first('id')).id as number;
  const calls = await burst(1, 10, alternating, (n, endpoint) => rpc(n, endpoint, APP, 'addGroupMember', [adminGroupId, userId]));
  expectOneWinnerPerKey(calls, 1, isTrueResult, (endpoint) => (endpoint === '/rpc' ? alreadyExists({ resource: 'group_member' }) : compatResult(false)));
  expect(await db.knex('group_has_users').where({ group_id: adminGroupId, user_id: userId }).count({ n: '*' })).toEqual([{ n: '1' }]);
  for (const n of [0, 1]) expect((await rpc(n, '/rpc', APP, 'getUser', [userId])).body).toMatchObject({ result: { role: 'app-admin' } });
});

test('addProjectUser and addProjectGroup: concurrent duplicate grants answer false / -32002, each grant and its event exist once', async () => {
  const userIds = await createUsers('granted-', 20);
  const groupIds: number[] = [];
  for (const i of range(20)) groupIds.push((await must('createGroup', { name: `granted-group-${i}` })) as number);
  const projectIds: number[] = [];
  // created by the admin in user mode: it becomes their project-manager (there is no app-admin bypass, §5.1)
  for (const i of range(20)) projectIds.push((await must('createProject', { name: `project-${i}` }, ADMIN)) as number);

  // user mode, so that each grant also records its project event
  const users = await burst(20, 10, alternating, (n, endpoint, key) => rpc(n, endpoint, ADMIN, 'addProjectUser', [projectIds[key], userIds[key], 'project-manager']));
  expectOneWinnerPerKey(users, 20, isTrueResult, (endpoint) => (endpoint === '/rpc' ? alreadyExists({ resource: 'project_user' }) : compatResult(false)));
  const groups = await burst(20, 10, alternating, (n, endpoint, key) => rpc(n, endpoint, ADMIN, 'addProjectGroup', [projectIds[key], groupIds[key]]));
  expectOneWinnerPerKey(groups, 20, isTrueResult, (endpoint) => (endpoint === '/rpc' ? alreadyExists({ resource: 'project_group' }) : compatResult(false)));

  const userGrants = await db.knex('project_has_users').whereIn('project_id', projectIds).whereIn('user_id', userIds).select('project_id', 'user_id', 'role');
  expect(userGrants.map((r) => [r.project_id, r.user_id, r.role]).sort()).toEqual(range(20).map((i) => [projectIds[i], userIds[i], 'project-manager']).sort());
  const groupGrants = await db.knex('project_has_groups').whereIn('project_id', projectIds).select('project_id', 'group_id', 'role');
  expect(groupGrants.map((r) => [r.project_id, r.group_id, r.role]).sort()).toEqual(range(20).map((i) => [projectIds[i], groupIds[i], 'project-member']).sort());
  const events = await db.knex('project_activities').whereIn('project_id', projectIds).whereIn('event_name', ['project.user.add', 'project.group.add']).groupBy('event_name').select('event_name').count({ n: '*' }).orderBy('event_name');
  expect(events).toEqual([
    { event_name: 'project.group.add', n: '20' },
    { event_name: 'project.user.add', n: '20' },
  ]);
});

/** getMe as `caller` on instance `n`: one authentication attempt. */
const attempt = (n: number, endpoint: Endpoint, caller: Caller) => rpc(n, endpoint, caller, 'getMe', []);

async function failureState(username: string): Promise<{ nb_failed_login: number; locked: boolean }> {
  const row = await db.knex('users').where({ username }).first('nb_failed_login', 'lock_expiration_date');
  return { nb_failed_login: row.nb_failed_login as number, locked: Number(row.lock_expiration_date) >= Math.floor(Date.now() / 1000) };
}

test('lockout: concurrent wrong passwords below the threshold are each counted once, on either instance', async () => {
  await createUsers('counted-', 1);
  const calls = await burst(1, LOCKOUT_THRESHOLD - 1, alternating, (n, endpoint) => attempt(n, endpoint, ['counted-0', 'wrong-password']));
  for (const c of calls) expect(c.answer).toEqual({ status: 401, body: c.endpoint === '/rpc' ? UNAUTHENTICATED_STRICT : UNAUTHENTICATED_COMPAT });
  expect(await failureState('counted-0')).toEqual({ nb_failed_login: LOCKOUT_THRESHOLD - 1, locked: false });
  // not locked: the right password is accepted on both instances and resets the counter
  for (const n of [0, 1]) expect(await attempt(n, '/rpc', ['counted-0', 'secret-pw-1'])).toMatchObject({ status: 200, body: { result: { username: 'counted-0' } } });
  expect(await failureState('counted-0')).toEqual({ nb_failed_login: 0, locked: false });
});

test('lockout: a concurrent burst of wrong passwords across both instances locks at the threshold and stops counting there', async () => {
  await createUsers('locked-', 1);
  const calls = await burst(1, 30, alternating, (n, endpoint) => attempt(n, endpoint, ['locked-0', 'wrong-password']));
  for (const c of calls) expect(c.answer).toEqual({ status: 401, body: c.endpoint === '/rpc' ? UNAUTHENTICATED_STRICT : UNAUTHENTICATED_COMPAT });
  // six failures are tolerated, the seventh locks; failures that arrive while locked are not counted
  expect(await failureState('locked-0')).toEqual({ nb_failed_login: LOCKOUT_THRESHOLD + 1, locked: true });
  for (const n of [0, 1]) {
    expect(await attempt(n, '/rpc', ['locked-0', 'secret-pw-1'])).toEqual({ status: 401, body: UNAUTHENTICATED_STRICT });
    expect(await attempt(n, '/jsonrpc.php', ['locked-0', 'secret-pw-1'])).toEqual({ status: 401, body: UNAUTHENTICATED_COMPAT });
  }
  expect(await failureState('locked-0')).toEqual({ nb_failed_login: LOCKOUT_THRESHOLD + 1, locked: true });
});

/** OCS v2 (JSON) POST /cloud/users as the admin, on instance `n`. */
function ocsAddUser(n: number, userid: string): Promise<Answer> {
  return send(
    n,
    'POST',
    '/ocs/v2.php/cloud/users?format=json',
    { authorization: basic(ADMIN), 'ocs-apirequest': 'true', 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({ userid, password: 'secret-pw-1' }).toString(),
  );
}

test('OCS addUser of case variants ("Carol" and "carol") on the two instances at once: exactly one wins', async () => {
  const variants = (key: number) => [`Carol${key}`, `carol${key}`, `CAROL${key}`, `cArOl${key}`];
  // per key, each variant twice ("Carol" and "carol" on different instances); all 20 × 8 requests at once
  const calls = await burst(20, 8, () => '/rpc', (n, _endpoint, key, round) => ocsAddUser(n, variants(key)[round % 4]));
  const created = (body: unknown) => (body as { ocs?: { meta?: { statuscode?: number } } }).ocs?.meta?.statuscode === 200;
  for (const key of range(20)) {
    const mine = calls.filter((c) => c.key === key);
    const won = mine.filter((c) => created(c.answer.body));
    expect({ key, successes: won.length }).toEqual({ key, successes: 1 });
    for (const lost of mine.filter((c) => c !== won[0])) {
      expect(lost.answer).toEqual({ status: 400, body: { ocs: { meta: { status: 'failure', statuscode: 102, message: 'User already exists' }, data: [] } } });
    }
    const winner = (won[0].answer.body as { ocs: { data: { id: string } } }).ocs.data.id;
    const rows = await db.knex('users').whereRaw('lower(username) = ?', [`carol${key}`]).select('username');
    expect(rows.map((r) => r.username)).toEqual([winner]);
  }
});

test('neither instance logged an internal error', () => {
  for (const { roster } of instances) {
    expect(roster.stdout() + roster.stderr()).not.toMatch(/"level":(50|60)|Internal error|unhandled/i);
  }
});
