/**
 * Crash safety of the embedded database (issue #8 item 8): the compiled service runs on one DATA_DIR
 * while concurrent writers hit it (JSON-RPC createUser and addGroupMember, OCS user creation with
 * groups and subadmin, OCS edits of one user's display name), and after a seeded random moment it is
 * stopped — by SIGTERM (graceful shutdown) in most cycles, by SIGKILL (a real crash: no drain, no
 * close, the lock file left behind) in every fifth (every second in the soak). Each time:
 *
 * - the data files as the dead process left them are copied and opened here with PGlite (which
 *   recovers them exactly as the next start will) and checked at the PostgreSQL level: amcheck on
 *   every B-tree index (with the heap cross-check) and every table's heap, every write that was
 *   acknowledged is there, no multi-row write is half-applied, no link row is orphaned, every
 *   sequence is ahead of its column;
 * - the service starts again on the directory (no lock or corrupt-data error), /readyz answers 200,
 *   it sees the same users, and a new insert gets a fresh id; that run is the next cycle.
 *
 * 25 cycles (20 SIGTERM, 5 SIGKILL, about 80 s) in `npm test`; `npm run soak` runs 200, half of them
 * SIGKILL (CRASH_CYCLES and CRASH_SEED override the count and the seed). Runs in the pglite project
 * only (see jest.config.js).
 *
 * A process crash is what this covers: PGlite writes through to the files at each commit but runs
 * with fsync off (and its file system cannot fsync), so a power loss or kernel crash is not covered.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { startRoster, type RunningRoster } from '../helpers/process';

const SOAK = process.env.SOAK === '1';
const CYCLES = Number(process.env.CRASH_CYCLES ?? (SOAK ? 200 : 25));
const SEED = Number(process.env.CRASH_SEED ?? 8);
/** Every KILL_EVERY-th cycle ends with SIGKILL, the others with SIGTERM. */
const KILL_EVERY = SOAK ? 2 : 5;
const KILLS = Math.floor(CYCLES / KILL_EVERY);

const API_TOKEN = 'crash-safety-token-0123456789';
const ADMIN_PASSWORD = 'crash-admin-secret';
const JSONRPC_AUTH = `Basic ${Buffer.from(`jsonrpc:${API_TOKEN}`).toString('base64')}`;
const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
const EDITED_USER = 'crash-edited';

// TypeScript's node10 resolution does not read the package's exports map, so
// `@electric-sql/pglite/contrib/amcheck` has no types here; the extension is just its name and bundle.
const AMCHECK_BUNDLE = path.resolve(__dirname, '../../node_modules/@electric-sql/pglite/dist/amcheck.tar.gz');
const amcheck: Extension = { name: 'amcheck', setup: async () => ({ bundlePath: pathToFileURL(AMCHECK_BUNDLE) }) };

/** mulberry32: a small seeded generator, so a failing run can be repeated with its CRASH_SEED. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the writers were told succeeded (kept across cycles: it must all still be there at the end). */
interface Acknowledged {
  /** createUser (JSON-RPC): username → id and role. */
  users: Map<string, { id: number; role: string }>;
  /** POST /ocs/v2.php/cloud/users with two groups and one subadmin group. */
  ocsUsers: Set<string>;
  /** addGroupMember: "groupId:userId". */
  memberships: Set<string>;
  /** The display names EDITED_USER may have: the last acknowledged one and any tried since. */
  editCandidates: string[];
}

interface Fixture {
  adminGroupId: number;
  membersGroupId: number;
}

interface CycleRecord {
  cycle: number;
  signal: NodeJS.Signals;
  delayMs: number;
  startMs: number;
  attempts: number;
  acked: Record<string, number>;
  failedRequests: number;
  exit: string;
  checks?: string;
}

async function send(port: number, method: 'POST' | 'PUT', urlPath: string, auth: string, body: string, contentType: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
    method,
    headers: { authorization: auth, 'content-type': contentType, 'ocs-apirequest': 'true' },
    body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: counted as an unexpected answer by the caller
  }
  return { status: res.status, json };
}

function rpc(port: number, method: string, params: unknown) {
  return send(port, 'POST', '/jsonrpc.php', JSONRPC_AUTH, JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), 'application/json');
}

function ocs(port: number, method: 'POST' | 'PUT', urlPath: string, fields: Array<[string, string]>) {
  return send(port, method, `/ocs/v2.php/cloud/${urlPath}?format=json`, ADMIN_AUTH, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
}

const rpcResult = (answer: { status: number; json: unknown }) => (answer.status === 200 ? (answer.json as { result?: unknown } | null)?.result : undefined);
const ocsOk = (answer: { status: number; json: unknown }) =>
  answer.status === 200 && (answer.json as { ocs?: { meta?: { statuscode?: number } } } | null)?.ocs?.meta?.statuscode === 200;

/**
 * Concurrent writers until `stopped()`. A request counts as acknowledged only when its whole success
 * answer arrived; a connection error (the process went away) leaves it unknown, any other answer is
 * recorded as unexpected.
 */
function startWriters(port: number, cycle: number, acked: Acknowledged, fixture: Fixture, stopped: () => boolean) {
  const stats = { attempts: 0, failedRequests: 0, unexpected: [] as string[], acked: { createUser: 0, ocsCreateUser: 0, addGroupMember: 0, ocsEdit: 0 } };
  // app-user ids created by this run's writers, waiting to be added to a group
  const toAdd: number[] = [];
  const loop = async (write: (n: number) => Promise<unknown>) => {
    for (let n = 0; !stopped(); n += 1) {
      stats.attempts += 1;
      try {
        await write(n);
      } catch {
        stats.failedRequests += 1;
        await sleep(10); // the server is going away: do not spin
      }
    }
  };
  const unexpected = (what: string, answer: { status: number; json: unknown }): void => {
    stats.unexpected.push(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.json)}`);
  };

  const createUsers = (worker: number) =>
    loop(async (n) => {
      const username = `c${cycle}-${worker}-${n}`;
      const role = n % 2 === 0 ? 'app-admin' : 'app-user';
      const answer = await rpc(port, 'createUser', { username, password: 'crash-pw-1', role });
      const id = rpcResult(answer);
      if (typeof id !== 'number') return unexpected(`createUser ${username}`, answer);
      acked.users.set(username, { id, role });
      stats.acked.createUser += 1;
      if (role === 'app-user') toAdd.push(id);
    });
  const createOcsUsers = () =>
    loop(async (n) => {
      const userid = `o${cycle}-${n}`;
      const answer = await ocs(port, 'POST', 'users', [
        ['userid', userid],
        ['password', 'crash-pw-1'],
        ['groups[]', 'crash-a'],
        ['groups[]', 'crash-b'],
        ['subadmin[]', 'crash-sub'],
      ]);
      if (!ocsOk(answer)) return unexpected(`OCS create ${userid}`, answer);
      acked.ocsUsers.add(userid);
      stats.acked.ocsCreateUser += 1;
    });
  const addMembers = () =>
    loop(async (n) => {
      const userId = toAdd.shift();
      if (userId === undefined) return sleep(20);
      // half of them into the admin group: that also makes the user app-admin, in the same transaction
      const groupId = n % 2 === 0 ? fixture.membersGroupId : fixture.adminGroupId;
      const answer = await rpc(port, 'addGroupMember', { group_id: groupId, user_id: userId });
      if (rpcResult(answer) !== true) return unexpected(`addGroupMember ${groupId} ${userId}`, answer);
      acked.memberships.add(`${groupId}:${userId}`);
      stats.acked.addGroupMember += 1;
    });
  const editDisplayName = () =>
    loop(async (n) => {
      const value = `c${cycle}-e${n}`;
      acked.editCandidates.push(value);
      const answer = await ocs(port, 'PUT', `users/${EDITED_USER}`, [
        ['key', 'displayname'],
        ['value', value],
      ]);
      if (!ocsOk(answer)) return unexpected(`OCS edit ${value}`, answer);
      acked.editCandidates = [value];
      stats.acked.ocsEdit += 1;
    });

  const done = Promise.all([createUsers(0), createUsers(1), createOcsUsers(), addMembers(), editDisplayName()]);
  return { stats, done };
}

interface SnapshotState {
  usersCount: number;
  maxUserId: number;
  summary: string;
}

/**
 * Opens a copy of the data files as the stopped process left them (PGlite runs crash recovery on it,
 * as the next start will) and returns every problem found at the PostgreSQL level.
 */
async function checkSnapshot(pgdata: string, copy: string, acked: Acknowledged, fixture: Fixture): Promise<{ problems: string[]; state: SnapshotState }> {
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(pgdata, copy, { recursive: true });
  const problems: string[] = [];
  const pg = await PGlite.create(copy, { extensions: { amcheck } });
  try {
    await pg.exec('CREATE EXTENSION IF NOT EXISTS amcheck');
    // bt_index_parent_check raises on the first corruption; run it index by index to name the index
    const indexes = await pg.query<{ oid: number; name: string }>(
      `SELECT c.oid, c.oid::regclass::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'btree' AND c.relpersistence = 'p' AND i.indisvalid AND i.indisready`,
    );
    for (const index of indexes.rows) {
      try {
        await pg.query('SELECT bt_index_parent_check($1::oid::regclass, true, true)', [index.oid]);
      } catch (error) {
        problems.push(`amcheck: index ${index.name}: ${(error as Error).message}`);
      }
    }
    const heap = await pg.query<{ relname: string; blkno: number; msg: string }>(
      `SELECT c.relname, v.blkno, v.msg FROM pg_class c, LATERAL verify_heapam(c.oid, check_toast => true) v
        WHERE c.relkind IN ('r', 'm', 't') AND c.relpersistence = 'p'`,
    );
    for (const row of heap.rows) problems.push(`amcheck: heap of ${row.relname}, block ${row.blkno}: ${row.msg}`);

    const users = (await pg.query<{ id: number; username: string; role: string; name: string | null }>('SELECT id, username, role, name FROM users')).rows;
    const byName = new Map(users.map((u) => [u.username, u]));
    const countRow = (await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0];
    if (countRow.n !== users.length || byName.size !== users.length) problems.push(`users: count(*) ${countRow.n}, rows ${users.length}, distinct usernames ${byName.size}`);
    const members = (await pg.query<{ group_id: number; user_id: number; name: string }>('SELECT m.group_id, m.user_id, g.name FROM group_has_users m JOIN groups g ON g.id = m.group_id')).rows;
    const memberSet = new Set(members.map((m) => `${m.group_id}:${m.user_id}`));
    const groupsOf = new Map<number, string[]>();
    for (const m of members) groupsOf.set(m.user_id, [...(groupsOf.get(m.user_id) ?? []), m.name]);
    const subadmins = (await pg.query<{ user_id: number; name: string }>('SELECT s.user_id, g.name FROM group_subadmins s JOIN groups g ON g.id = s.group_id')).rows;
    const subadminOf = new Map<number, string[]>();
    for (const s of subadmins) subadminOf.set(s.user_id, [...(subadminOf.get(s.user_id) ?? []), s.name]);

    // durability: every acknowledged write is there
    for (const [username, { id, role }] of acked.users) {
      const row = byName.get(username);
      if (!row) problems.push(`lost: createUser ${username} (id ${id}) was acknowledged but the user is missing`);
      else if (row.id !== id) problems.push(`createUser ${username}: acknowledged id ${id}, stored id ${row.id}`);
      else if (role === 'app-admin' && row.role !== 'app-admin') problems.push(`createUser ${username}: acknowledged role ${role}, stored ${row.role}`);
    }
    for (const userid of acked.ocsUsers) if (!byName.has(userid)) problems.push(`lost: OCS user ${userid} was acknowledged but is missing`);
    for (const pair of acked.memberships) {
      if (!memberSet.has(pair)) problems.push(`lost: addGroupMember ${pair} was acknowledged but the membership is missing`);
      const [groupId, userId] = pair.split(':').map(Number);
      const user = users.find((u) => u.id === userId);
      if (groupId === fixture.adminGroupId && user?.role !== 'app-admin') problems.push(`addGroupMember to admin ${userId}: acknowledged, role is ${user?.role}`);
    }
    const edited = byName.get(EDITED_USER)?.name ?? null;
    if (acked.editCandidates.length > 0 && !acked.editCandidates.includes(edited ?? '')) {
      problems.push(`OCS edit: display name of ${EDITED_USER} is ${JSON.stringify(edited)}, expected one of ${JSON.stringify(acked.editCandidates)}`);
    }

    // atomicity: no multi-row write half-applied, whether acknowledged or cut off
    for (const user of users) {
      const inAdmin = groupsOf.get(user.id)?.includes('admin') ?? false;
      if ((user.role === 'app-admin') !== inAdmin) problems.push(`half-applied: ${user.username} is ${user.role} but ${inAdmin ? 'is' : 'is not'} in the admin group`);
      if (/^o\d+-\d+$/.test(user.username)) {
        const groups = (groupsOf.get(user.id) ?? []).sort().join(',');
        const administered = (subadminOf.get(user.id) ?? []).join(',');
        if (groups !== 'crash-a,crash-b' || administered !== 'crash-sub') problems.push(`half-applied: OCS user ${user.username} has groups [${groups}] and subadmin [${administered}]`);
      }
    }
    const orphans = await pg.query<{ link: string; n: number }>(
      `SELECT 'group_has_users' AS link, count(*)::int AS n FROM group_has_users m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id) OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = m.group_id)
       UNION ALL
       SELECT 'group_subadmins', count(*)::int FROM group_subadmins s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id) OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = s.group_id)`,
    );
    for (const row of orphans.rows) if (row.n > 0) problems.push(`orphans: ${row.n} rows of ${row.link}`);

    // sequences: each serial sequence hands out a value above every stored id
    const serials = await pg.query<{ seq: string; tbl: string; col: string }>(
      `SELECT s.oid::regclass::text AS seq, t.oid::regclass::text AS tbl, quote_ident(a.attname) AS col
         FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.deptype = 'a' AND d.classid = 'pg_class'::regclass`,
    );
    for (const { seq, tbl, col } of serials.rows) {
      const { last_value: last, is_called: called } = (await pg.query<{ last_value: number; is_called: boolean }>(`SELECT last_value::int, is_called FROM ${seq}`)).rows[0];
      const max = (await pg.query<{ max: number }>(`SELECT coalesce(max(${col}), 0)::int AS max FROM ${tbl}`)).rows[0].max;
      if (called ? last < max : last <= max) problems.push(`sequence ${seq} at ${last} (is_called ${called}) is behind max(${tbl}.${col}) = ${max}`);
    }

    const maxUserId = users.reduce((max, u) => Math.max(max, u.id), 0);
    const summary = `amcheck ${indexes.rows.length} indexes; ${users.length} users, ${members.length} memberships, ${subadmins.length} subadmins, ${serials.rows.length} sequences`;
    return { problems, state: { usersCount: users.length, maxUserId, summary } };
  } finally {
    await pg.close();
  }
}

let dataDir: string;
let copyDir: string;
let running: RunningRoster | undefined;
let passed = false;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-crash-'));
  copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-crash-copy-'));
});
afterAll(async () => {
  if (running?.child.exitCode === null && running.child.signalCode === null) await running.stop('SIGKILL');
  fs.rmSync(copyDir, { recursive: true, force: true });
  // a failed run keeps its data directory for a look (its path is in the failure message)
  if (passed) fs.rmSync(dataDir, { recursive: true, force: true });
});

test(`${CYCLES} stops during writes (${CYCLES - KILLS} SIGTERM, ${KILLS} SIGKILL): every restart opens the data, passes amcheck, keeps every acknowledged write and no half write`, async () => {
  const random = seededRandom(SEED);
  const env = { DATA_DIR: dataDir, API_TOKEN, ADMIN_PASSWORD, BCRYPT_COST: '10' };
  const lockFile = path.join(dataDir, 'roster.lock');
  const records: CycleRecord[] = [];
  const report = (problems: string[], server?: RunningRoster) =>
    [
      `seed ${SEED} (CRASH_SEED), data dir ${dataDir} (kept)`,
      ...records.map((r) => JSON.stringify(r)),
      ...problems.map((p) => `PROBLEM: ${p}`),
      ...(server ? ['--- server stdout (tail) ---', server.stdout().slice(-3000), '--- server stderr ---', server.stderr().slice(-3000)] : []),
    ].join('\n');

  // the fixture: groups and the user whose display name is edited
  const acked: Acknowledged = { users: new Map(), ocsUsers: new Set(), memberships: new Set(), editCandidates: [] };
  let startedAt = Date.now();
  running = await startRoster(env, 60000);
  let startMs = Date.now() - startedAt;
  const groupIds: Record<string, number> = {};
  for (const name of ['crash-a', 'crash-b', 'crash-sub', 'crash-members']) groupIds[name] = rpcResult(await rpc(running.port, 'createGroup', { name })) as number;
  const allGroups = rpcResult(await rpc(running.port, 'getAllGroups', [])) as Array<{ id: number; name: string }>;
  const fixture: Fixture = { adminGroupId: allGroups.find((g) => g.name === 'admin')!.id, membersGroupId: groupIds['crash-members'] };
  expect(Object.values(groupIds).every((id) => typeof id === 'number')).toBe(true);
  expect(typeof rpcResult(await rpc(running.port, 'createUser', { username: EDITED_USER, password: 'crash-pw-1', email: 'edited@example.com' }))).toBe('number');

  for (let cycle = 0; cycle < CYCLES; cycle += 1) {
    const server: RunningRoster = running;
    const signal: NodeJS.Signals = cycle % KILL_EVERY === KILL_EVERY - 1 ? 'SIGKILL' : 'SIGTERM';
    const delayMs = Math.round(200 + random() * 1000);
    let stopped = false;
    const writers = startWriters(server.port, cycle, acked, fixture, () => stopped);
    await sleep(delayMs);
    server.child.kill(signal);
    const code = await server.exited;
    stopped = true;
    await writers.done;
    const record: CycleRecord = {
      cycle,
      signal,
      delayMs,
      startMs,
      attempts: writers.stats.attempts,
      acked: writers.stats.acked,
      failedRequests: writers.stats.failedRequests,
      exit: code === null ? String(server.child.signalCode) : `code ${code}`,
    };
    records.push(record);
    const problems = writers.stats.unexpected.map((u) => `unexpected answer: ${u}`);
    if (signal === 'SIGTERM') {
      if (code !== 0) problems.push(`SIGTERM: exit ${record.exit}, expected code 0`);
      if (fs.existsSync(lockFile)) problems.push('SIGTERM: the lock file is still there');
      if (!server.stdout().includes('"msg":"stopped"')) problems.push('SIGTERM: no "stopped" log line');
      if (server.stdout().includes('cut off')) problems.push('SIGTERM: requests in flight were cut off instead of finishing');
    } else if (server.child.signalCode !== 'SIGKILL') {
      problems.push(`SIGKILL: exit ${record.exit}`);
    }
    if (/"level":(5\d|60)/.test(server.stdout())) problems.push('the server logged an error (level ≥ 50)');
    if (problems.length) throw new Error(report(problems, server));

    // PostgreSQL-level checks on a copy of what the stopped process left behind
    const snapshot = await checkSnapshot(path.join(dataDir, 'pgdata'), copyDir, acked, fixture);
    record.checks = snapshot.state.summary;
    if (snapshot.problems.length) throw new Error(report(snapshot.problems, server));

    // the service starts on the directory again (a lock left by a killed process is taken over)
    startedAt = Date.now();
    try {
      running = await startRoster(env, 60000);
    } catch (error) {
      throw new Error(report([`restart failed: ${(error as Error).message}`]));
    }
    startMs = Date.now() - startedAt;
    const restarted: RunningRoster = running;
    const after: string[] = [];
    if (restarted.stderr() !== '') after.push(`restart wrote to stderr: ${restarted.stderr()}`);
    if (fs.readFileSync(lockFile, 'utf8').trim() !== String(restarted.child.pid)) after.push('restart: the lock file does not name the new process');
    const ready = await fetch(`http://127.0.0.1:${restarted.port}/readyz`);
    if (ready.status !== 200) after.push(`/readyz answered ${ready.status}`);
    const users = rpcResult(await rpc(restarted.port, 'getAllUsers', [])) as Array<{ id: number; username: string }> | undefined;
    if (users?.length !== snapshot.state.usersCount) after.push(`getAllUsers after restart: ${users?.length} users, the recovered copy has ${snapshot.state.usersCount}`);
    for (const username of acked.users.keys()) if (!users?.some((u) => u.username === username)) after.push(`getAllUsers after restart: ${username} is missing`);
    const probe = rpcResult(await rpc(restarted.port, 'createUser', { username: `probe-${cycle}`, password: 'crash-pw-1' }));
    if (typeof probe !== 'number' || probe <= snapshot.state.maxUserId) after.push(`a new user after restart got id ${probe}, the highest stored id is ${snapshot.state.maxUserId}`);
    else acked.users.set(`probe-${cycle}`, { id: probe, role: 'app-user' });
    if (after.length) throw new Error(report(after, restarted));
  }

  expect(await running.stop('SIGTERM')).toBe(0);
  const final = await checkSnapshot(path.join(dataDir, 'pgdata'), copyDir, acked, fixture);
  if (final.problems.length) throw new Error(report(final.problems));
  // every kind of write was acknowledged at some point, so every check above had something to check
  const totals = records.reduce<Record<string, number>>((sum, r) => {
    for (const [kind, n] of Object.entries(r.acked)) sum[kind] = (sum[kind] ?? 0) + n;
    return sum;
  }, {});
  for (const kind of ['createUser', 'ocsCreateUser', 'addGroupMember', 'ocsEdit']) expect({ kind, acked: (totals[kind] ?? 0) > 0 }).toEqual({ kind, acked: true });
  passed = true;
  console.log(`crash safety: ${records.length} cycles, seed ${SEED}, acknowledged ${JSON.stringify(totals)}\n${records.map((r) => JSON.stringify(r)).join('\n')}`);
}, (SOAK ? 40000 : 12000) * CYCLES + 60000);
