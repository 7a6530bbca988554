/**
 * Database outage (issue #8 item 4): the compiled service runs on a private Postgres cluster
 * (test/helpers/pgCluster.ts) while concurrent writers hit it — JSON-RPC createUser (an app-admin is
 * also put into the `admin` group, in the same transaction), JSON-RPC addGroupMember (into `admin`
 * it also changes the role) and OCS user creation with two groups and a subadmin group. The cluster
 * is stopped under that load, first with `pg_ctl stop -m immediate` (a crash: connections drop),
 * then with `-m fast` (the server terminates every session with 57P01), and started again:
 *
 * - during the outage every answer is a clean error of the surface's catalog (JSON-RPC -32603 with
 *   only the request id, OCS 996 or the route's own internal failure, nmcuser_oidc 500), within a
 *   bounded time, with no driver message, SQL or stack; /readyz answers 503, /healthz 200, and the
 *   process keeps running;
 * - once the cluster accepts connections again, /readyz answers 200 and calls succeed within 5 s,
 *   without restarting Roster;
 * - afterwards every acknowledged write is there and no write is half-applied: no user without its
 *   groups, no app-admin outside `admin`, no orphan link row, every sequence ahead of its column.
 *
 * Also: a start while the database is down exits 1 with the reason (no half-started service), and
 * the readiness check's deadline covers connecting (a database that accepts TCP and stays silent).
 *
 * Runs in the postgres project only (see jest.config.js): it needs the Postgres binaries, not the
 * shared server, and PGlite runs in process (no outage to have).
 */
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import { databaseAnswers } from '../../src/db/database';
import { createPgCluster, type PgCluster, type StopMode } from '../helpers/pgCluster';
import { runToExit, startRoster, type RunningRoster } from '../helpers/process';

const API_TOKEN = 'outage-token-0123456789abcdef';
const ADMIN_PASSWORD = 'outage-admin-secret';
const JSONRPC_AUTH = `Basic ${Buffer.from(`jsonrpc:${API_TOKEN}`).toString('base64')}`;
const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
/** No answer may take longer, in or out of the outage. */
const ANSWER_BOUND_MS = 5000;
/** The requirement: recovered this long after the cluster accepts connections again. */
const RECOVERY_LIMIT_MS = 5000;

/** knex's own log (acquire errors of the abandoned readiness query) would end up on the console. */
const QUIET = { warn() {}, error() {}, debug() {}, deprecate() {} };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
  requestId: string;
  sentAt: number;
  receivedAt: number;
}

/** One request; a transport failure or a request over ANSWER_BOUND_MS rejects. */
async function request(port: number, method: string, urlPath: string, auth?: string, body?: string, contentType = 'application/json'): Promise<Answer> {
  const sentAt = Date.now();
  const headers: Record<string, string> = { 'ocs-apirequest': 'true' };
  if (auth) headers.authorization = auth;
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { method, headers, body, signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text: never a clean answer
  }
  return { status: res.status, body: parsed, requestId: res.headers.get('x-request-id') ?? '', sentAt, receivedAt: Date.now() };
}

const rpc = (port: number, method: string, params: unknown, endpoint = '/jsonrpc.php', auth = JSONRPC_AUTH) =>
  request(port, 'POST', endpoint, auth, JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }));
const ocsCreate = (port: number, fields: Array<[string, string]>) =>
  request(port, 'POST', '/ocs/v2.php/cloud/users?format=json', ADMIN_AUTH, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');

const rpcResult = (a: Answer) => (a.status === 200 ? (a.body as { result?: unknown } | null)?.result : undefined);
const ocsEnvelope = (statuscode: number, message: string, v1 = false) => ({
  ocs: { meta: { status: 'failure', statuscode, message, ...(v1 ? { totalitems: '', itemsperpage: '' } : {}) }, data: [] },
});

/** The one clean JSON-RPC answer to an unexpected failure (kanboard §3.2, strict §3.3): 200, -32603, only the request id. */
const isRpcInternal = (a: Answer) =>
  a.status === 200 && a.requestId !== '' && isDeepStrictEqual(a.body, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error', data: { requestId: a.requestId } }, id: 1 });
/** OCS v2 user creation: 996 when the caller's login could not be checked, the route's 103 when the write failed. */
const isOcsCreateInternal = (a: Answer) =>
  (a.status === 500 && isDeepStrictEqual(a.body, ocsEnvelope(996, 'Internal Server Error\n'))) ||
  (a.status === 400 && isDeepStrictEqual(a.body, ocsEnvelope(103, 'Unknown error occurred whilst adding the user')));

/** What the writers were told succeeded, over every phase. */
interface Acknowledged {
  users: Map<string, { id: number; role: string }>;
  ocsUsers: Set<string>;
  /** "groupId:userId" */
  memberships: Set<string>;
}

interface Fixture {
  adminGroupId: number;
  membersGroupId: number;
}

/** Concurrent writers until stop(): each answer is a success (recorded), a clean error, or a problem. */
function startWriters(port: number, phase: string, acked: Acknowledged, fixture: Fixture) {
  let stopped = false;
  const successes: Answer[] = [];
  const errors: Answer[] = [];
  const problems: string[] = [];
  const toAdd: number[] = [];
  const loop = async (name: string, write: (n: number) => Promise<void>) => {
    for (let n = 0; !stopped; n += 1) {
      try {
        await write(n);
      } catch (error) {
        problems.push(`${name} #${n}: no answer (${(error as Error).message})`);
        await sleep(20);
      }
    }
  };
  /** Records an answer; true when it is a success. */
  const judge = (what: string, a: Answer, ok: boolean, clean: (a: Answer) => boolean): boolean => {
    if (ok) successes.push(a);
    else if (clean(a)) errors.push(a);
    else problems.push(`${what}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
    return ok;
  };
  const pause = () => sleep(20); // after an error: keep up the load without spinning

  const createUsers = (worker: number) =>
    loop(`createUser ${worker}`, async (n) => {
      const username = `${phase}-${worker}-${n}`;
      const role = n % 2 === 0 ? 'app-admin' : 'app-user';
      const a = await rpc(port, 'createUser', { username, password: 'outage-pw-1', role });
      const id = rpcResult(a);
      if (!judge(`createUser ${username}`, a, typeof id === 'number', isRpcInternal)) return pause();
      acked.users.set(username, { id: id as number, role });
      if (role === 'app-user') toAdd.push(id as number);
    });
  const createOcsUsers = () =>
    loop('OCS create', async (n) => {
      const userid = `o-${phase}-${n}`;
      const fields: Array<[string, string]> = [['userid', userid], ['password', 'outage-pw-1'], ['groups[]', 'outage-a'], ['groups[]', 'outage-b'], ['subadmin[]', 'outage-sub']];
      const a = await ocsCreate(port, fields);
      const ok = a.status === 200 && (a.body as { ocs?: { meta?: { statuscode?: number } } }).ocs?.meta?.statuscode === 200;
      if (!judge(`OCS create ${userid}`, a, ok, isOcsCreateInternal)) return pause();
      acked.ocsUsers.add(userid);
    });
  const addMembers = () =>
    loop('addGroupMember', async (n) => {
      const userId = toAdd.shift();
      if (userId === undefined) return sleep(20);
      const groupId = n % 2 === 0 ? fixture.membersGroupId : fixture.adminGroupId;
      const a = await rpc(port, 'addGroupMember', { group_id: groupId, user_id: userId });
      if (!judge(`addGroupMember ${groupId} ${userId}`, a, rpcResult(a) === true, isRpcInternal)) return pause();
      acked.memberships.add(`${groupId}:${userId}`);
    });

  const done = Promise.all([createUsers(0), createUsers(1), createUsers(2), createOcsUsers(), addMembers()]);
  return {
    successes,
    errors,
    problems,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Polls `check` every 100 ms until it holds (resolves with the ms that took) or `limitMs` passed (null). */
async function eventually(check: () => boolean | Promise<boolean>, limitMs: number): Promise<number | null> {
  const startedAt = Date.now();
  for (;;) {
    if (await check()) return Date.now() - startedAt;
    if (Date.now() - startedAt >= limitMs) return null;
    await sleep(100);
  }
}

let cluster: PgCluster | undefined;
let roster: RunningRoster | undefined;
let fixture: Fixture;
const acked: Acknowledged = { users: new Map(), ocsUsers: new Set(), memberships: new Set() };

beforeAll(async () => {
  cluster = await createPgCluster();
  roster = await startRoster({ DATABASE_URL: cluster.url, API_TOKEN, ADMIN_PASSWORD, BCRYPT_COST: '10', DB_POOL_SIZE: '5' }, 60000);
  const groupIds: Record<string, number> = {};
  for (const name of ['outage-a', 'outage-b', 'outage-sub', 'outage-members']) groupIds[name] = rpcResult(await rpc(roster.port, 'createGroup', { name })) as number;
  const groups = rpcResult(await rpc(roster.port, 'getAllGroups', [])) as Array<{ id: number; name: string }>;
  fixture = { adminGroupId: groups.find((g) => g.name === 'admin')!.id, membersGroupId: groupIds['outage-members'] };
  expect(Object.values(groupIds).every((id) => typeof id === 'number')).toBe(true);
}, 120000);

afterAll(async () => {
  if (roster && roster.child.exitCode === null && roster.child.signalCode === null) await roster.stop('SIGKILL');
  await cluster?.destroy();
});

/** What the server answered on each surface while the database was down (exact, so nothing leaks). */
async function probeOutage(port: number): Promise<void> {
  const health = await request(port, 'GET', '/healthz');
  expect([health.status, health.body]).toEqual([200, { status: 'ok' }]);
  const ready = await request(port, 'GET', '/readyz');
  expect([ready.status, ready.body]).toEqual([503, { status: 'unavailable' }]);
  // both JSON-RPC endpoints, by API token and by a password, whose check needs the database: not a
  // 401, and `id: null` because the failure came before the request was read
  const calls: Array<[Answer, number | null]> = [
    [await rpc(port, 'createUser', { username: 'during-outage', password: 'outage-pw-1' }, '/rpc'), 1],
    [await rpc(port, 'getMe', [], '/jsonrpc.php', ADMIN_AUTH), null],
    [await rpc(port, 'getAllUsers', [], '/rpc', ADMIN_AUTH), null],
  ];
  for (const [answer, id] of calls) {
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error', data: { requestId: answer.requestId } }, id },
    });
  }
  const v1 = await request(port, 'GET', '/ocs/v1.php/cloud/users/admin?format=json', ADMIN_AUTH);
  expect([v1.status, v1.body]).toEqual([200, ocsEnvelope(996, 'Internal Server Error\n', true)]);
  const v2 = await request(port, 'GET', '/ocs/v2.php/cloud/groups?format=json', ADMIN_AUTH);
  expect([v2.status, v2.body]).toEqual([500, ocsEnvelope(996, 'Internal Server Error\n')]);
  const oidc = await request(port, 'GET', '/apps/nmcuser_oidc/api/1.1/nmcusers/telekom', ADMIN_AUTH);
  expect([oidc.status, oidc.body]).toEqual([500, { message: 'Internal error' }]);
}

describe.each<[StopMode]>([['immediate'], ['fast']])('pg_ctl stop -m %s under load', (mode) => {
  test('callers get clean errors, /readyz 503, and Roster recovers within 5 s of the restart without restarting', async () => {
    const server = roster!;
    const pid = server.child.pid;
    const writers = startWriters(server.port, mode, acked, fixture);
    try {
      // under load, with writes acknowledged, before the database goes away
      expect(await eventually(() => writers.successes.length >= 20, 20000)).not.toBeNull();
      await cluster!.stop(mode);
      const outageFrom = Date.now();
      await probeOutage(server.port);
      // the writers keep hitting the service through the outage and get errors, not hangs
      expect(await eventually(() => writers.errors.filter((a) => a.sentAt >= outageFrom).length >= 20, 10000)).not.toBeNull();
      const outageTo = Date.now();
      expect(writers.successes.filter((a) => a.sentAt >= outageFrom && a.sentAt <= outageTo).map((a) => [a.status, a.body])).toEqual([]);
      expect(server.child.exitCode).toBeNull();

      // cluster.start() resolves once the server accepts connections: from then on, the clock runs
      await cluster!.start();
      const restartedAt = Date.now();
      // the probe write is createGroup: one insert and no password hash, so the time measured is the
      // database's recovery and not the writers' queue at the password hasher
      let probe = 0;
      let readyMs: number | null = null;
      const recoveryMs = await eventually(async () => {
        const ready = await request(server.port, 'GET', '/readyz');
        if (ready.status !== 200) return false;
        readyMs ??= ready.receivedAt - restartedAt;
        probe += 1;
        return typeof rpcResult(await rpc(server.port, 'createGroup', { name: `probe-${mode}-${probe}` })) === 'number';
      }, RECOVERY_LIMIT_MS);
      expect({ recovered: recoveryMs !== null, withinLimit: recoveryMs !== null && recoveryMs <= RECOVERY_LIMIT_MS }).toEqual({ recovered: true, withinLimit: true });
      // the writers' own calls succeed again (the pool serves concurrent callers, not just one probe),
      // and none fails any more: no dead connection is handed out after the recovery
      const recoveredAt = Date.now();
      expect(await eventually(() => writers.successes.filter((a) => a.sentAt >= recoveredAt).length >= 20, 10000)).not.toBeNull();
      expect(writers.errors.filter((a) => a.sentAt >= recoveredAt).map((a) => [a.status, a.body])).toEqual([]);
      console.log(
        `outage (pg_ctl stop -m ${mode}): ${writers.errors.filter((a) => a.sentAt >= outageFrom && a.receivedAt <= outageTo).length} clean errors during ${outageTo - outageFrom} ms, ` +
          `${writers.errors.length} in all; /readyz 200 after ${readyMs} ms and a write after ${recoveryMs} ms; ${writers.successes.length} writes acknowledged`,
      );
    } finally {
      await writers.stop();
      if (!cluster!.isRunning()) await cluster!.start(); // a failed phase leaves the next one a database
    }
    expect(writers.problems).toEqual([]);
    // the same process throughout: one start, no fatal log line, still running
    expect(server.child.pid).toBe(pid);
    expect(server.child.exitCode).toBeNull();
    expect(server.stdout().match(/Roster listening/g)).toHaveLength(1);
    expect(server.stdout()).not.toMatch(/"level":60/);
    expect(server.stderr()).toBe('');
  }, 90000);
});

test('every acknowledged write is there and none is half-applied', async () => {
  expect(acked.users.size).toBeGreaterThan(0);
  expect(acked.ocsUsers.size).toBeGreaterThan(0);
  expect(acked.memberships.size).toBeGreaterThan(0);
  const pg: Knex = knexFactory({ client: 'pg', connection: cluster!.url, pool: { min: 0, max: 1 }, log: QUIET });
  try {
    const users = (await pg.raw<{ rows: Array<{ id: number; username: string; role: string }> }>('SELECT id, username, role FROM users')).rows;
    const byName = new Map(users.map((u) => [u.username, u]));
    const members = (await pg.raw<{ rows: Array<{ group_id: number; user_id: number; name: string }> }>('SELECT m.group_id, m.user_id, g.name FROM group_has_users m JOIN groups g ON g.id = m.group_id')).rows;
    const subadmins = (await pg.raw<{ rows: Array<{ user_id: number; name: string }> }>('SELECT s.user_id, g.name FROM group_subadmins s JOIN groups g ON g.id = s.group_id')).rows;
    const groupsOf = (userId: number) => members.filter((m) => m.user_id === userId).map((m) => m.name).sort();
    const problems: string[] = [];

    for (const [username, { id, role }] of acked.users) {
      const row = byName.get(username);
      if (!row || row.id !== id) problems.push(`createUser ${username} (id ${id}) acknowledged, stored ${JSON.stringify(row)}`);
      else if (role === 'app-admin' && row.role !== 'app-admin') problems.push(`createUser ${username}: acknowledged as app-admin, stored ${row.role}`);
    }
    for (const userid of acked.ocsUsers) if (!byName.has(userid)) problems.push(`OCS create ${userid} acknowledged, user missing`);
    const memberSet = new Set(members.map((m) => `${m.group_id}:${m.user_id}`));
    for (const pair of acked.memberships) if (!memberSet.has(pair)) problems.push(`addGroupMember ${pair} acknowledged, membership missing`);

    // atomicity, for acknowledged writes and for those cut off by the outage alike
    for (const user of users) {
      const inAdmin = groupsOf(user.id).includes('admin');
      if ((user.role === 'app-admin') !== inAdmin) problems.push(`half-applied: ${user.username} is ${user.role} but ${inAdmin ? 'is' : 'is not'} in admin`);
      if (user.username.startsWith('o-')) {
        const administered = subadmins.filter((s) => s.user_id === user.id).map((s) => s.name);
        if (groupsOf(user.id).join(',') !== 'outage-a,outage-b' || administered.join(',') !== 'outage-sub') {
          problems.push(`half-applied: OCS user ${user.username} has groups [${groupsOf(user.id)}] and subadmin [${administered}]`);
        }
      }
    }
    const orphans = (
      await pg.raw<{ rows: Array<{ n: number }> }>(
        `SELECT count(*)::int AS n FROM group_has_users m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id) OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = m.group_id)
         UNION ALL SELECT count(*)::int FROM group_subadmins s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id) OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = s.group_id)`,
      )
    ).rows;
    if (orphans.some((o) => o.n > 0)) problems.push(`orphan link rows: ${JSON.stringify(orphans)}`);
    const serials = (
      await pg.raw<{ rows: Array<{ seq: string; tbl: string; col: string }> }>(
        `SELECT s.oid::regclass::text AS seq, t.oid::regclass::text AS tbl, quote_ident(a.attname) AS col
           FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
           JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
          WHERE d.deptype = 'a' AND d.classid = 'pg_class'::regclass`,
      )
    ).rows;
    expect(serials.length).toBeGreaterThan(0);
    for (const { seq, tbl, col } of serials) {
      const { last, max } = (await pg.raw<{ rows: Array<{ last: number; max: number }> }>(`SELECT (SELECT last_value FROM ${seq})::int AS last, (SELECT coalesce(max(${col}), 0) FROM ${tbl})::int AS max`)).rows[0];
      if (last < max) problems.push(`sequence ${seq} at ${last}, behind max(${tbl}.${col}) = ${max}`);
    }
    expect(problems).toEqual([]);
    // and the service writes on: a new user gets a fresh id above every stored one
    const id = rpcResult(await rpc(roster!.port, 'createUser', { username: 'after-outages', password: 'outage-pw-1' }));
    expect(typeof id === 'number' && id > Math.max(...users.map((u) => u.id))).toBe(true);
  } finally {
    await pg.destroy();
  }
}, 60000);

test('a start while the database is down exits 1 with the reason in the log (the orchestrator starts it again)', async () => {
  await cluster!.stop('fast');
  try {
    const run = await runToExit({ DATABASE_URL: cluster!.url, API_TOKEN, ADMIN_PASSWORD, BCRYPT_COST: '10' });
    expect(run.code).toBe(1);
    const fatal = run.stdout.split('\n').filter((line) => line.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    expect(JSON.parse(fatal[0])).toMatchObject({ msg: 'Roster could not start', err: { code: 'ECONNREFUSED' } });
    expect(run.stdout).not.toContain('Roster listening');
  } finally {
    await cluster!.start();
  }
  // the running instance rode that out too
  expect(await eventually(async () => (await request(roster!.port, 'GET', '/readyz')).status === 200, RECOVERY_LIMIT_MS)).not.toBeNull();
}, 60000);

test('the readiness check gives up at its deadline when the database accepts connections but never answers', async () => {
  // a server that takes the connection and then stays silent (a frozen or partitioned database):
  // connecting never completes, so only a deadline that covers connecting ends the check
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  const knex = knexFactory({ client: 'pg', connection: `postgres://postgres@127.0.0.1:${port}/postgres`, pool: { min: 0, max: 2 }, acquireConnectionTimeout: 60000, log: QUIET });
  try {
    expect(await databaseAnswers(knex, 500)).toBe(false);
    expect(sockets.length).toBeGreaterThan(0);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await knex.destroy();
  }
}, 20000);
