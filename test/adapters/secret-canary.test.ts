/**
 * Secret canary, JSON-RPC and the service's own HTTP endpoints (contract §6.1, §3.5, §15 item 3;
 * issue #8 item 7): with known passwords (bcrypt, set by createUser at both endpoints, and an imported
 * $2y$ hash), a personal token, an app password, a two-factor secret, the API token and the metrics
 * token in play, no response — of any read procedure at either endpoint for any caller, of failing
 * calls whose bodies carry a secret, of refused logins (wrong password, wrong token, locked account),
 * of /openapi.json, /openrpc.json, /metrics, /healthz, /readyz — carries a secret in any form (plain,
 * URL-encoded, base64, Basic header value, SHA-256 digest) or a stored hash (whole, first 20
 * characters, checksum) in its headers or body, and no log line at LOG_LEVEL=trace does either.
 * OCS and nmcuser_oidc: test/ocs/secret-canary.test.ts, test/nmcuserOidc/secret-canary.test.ts.
 */
import bcrypt from 'bcrypt';
import request from 'supertest';
import { registry as fullRegistry } from '../../procedures';
import { servesSurface } from '../../src/core/dispatcher';
import { createPasswordService } from '../../src/auth/passwords';
import { API_TOKEN, ADMIN, startTestApp, TEST_BCRYPT_COST, type Auth, type Endpoint, type TestApp } from '../helpers/app';
import { CanaryRecorder, base64 as b64, plaintextsInDatabase, secretForms, sha256Hex as sha256, storedSecretForms, type Needle } from '../helpers/secretCanary';

/** The JSON-RPC procedures (the OCS and nmcuser_oidc ones are covered by their adapters' canaries). */
const registry = fullRegistry.filter((p) => servesSurface(p, 'rpc'));

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const API_HEADER = 'X-API-Auth';

const USER_MEMBERS = [
  'id', 'username', 'is_ldap_user', 'name', 'email', 'google_id', 'github_id', 'notifications_enabled', 'timezone',
  'language', 'disable_login_form', 'twofactor_activated', 'notifications_filter', 'nb_failed_login',
  'lock_expiration_date', 'gitlab_id', 'role', 'is_active', 'avatar_path', 'filter', 'theme',
];
const FORBIDDEN_MEMBERS = ['password', 'twofactor_secret', 'api_access_token', 'token'];

const SECRETS = {
  alpha: 'Canary-Alpha-Secret-7781',
  beta: 'Canary-Beta:Secret-9912',
  gamma: 'Canary-Gamma-Imported-4410',
  /** Set by Kanboard-mode createUser with positional params. */
  delta: 'Canary-Delta-Positional-3307',
  /** The password of a user that gets locked out; still refused, never echoed. */
  locked: 'Canary-Locked-Right-6620',
  /** Wrong secrets are secrets too (a typo of the real one): never echoed or logged. */
  wrongPassword: 'Canary-Wrong-Password-1189',
  wrongApiToken: 'canary-wrong-api-token-77aa01',
  /** Only ever sent in failing calls' params. */
  inFailingCall: 'Canary-Failing-Param-5521',
  personalToken: 'canary-personal-token-5f3a9c1e77d24b08',
  twofactorSecret: 'CANARYTOTP234567',
  metricsToken: 'canary-metrics-token-0c1d2e3f4a5b',
};

let t: TestApp;
let ids: { alpha: number; beta: number; gamma: number; delta: number; locked: number };
let appPassword: string;
/** Every response and (at the end) every log line of the app. */
const seen = new CanaryRecorder();

/** A JSON-RPC call whose response is recorded for the final scan. */
async function recordedCall(where: string, endpoint: Endpoint, body: unknown, auth: Auth = 'app', headers: Record<string, string> = {}) {
  const res = await t.call(endpoint, body, auth, headers);
  seen.response(`${endpoint} ${where}`, res);
  return res;
}

beforeAll(async () => {
  t = await startTestApp({
    env: { OIDC_PROVIDERS: 'Canary', LOG_LEVEL: 'trace', METRICS_TOKEN: SECRETS.metricsToken, API_AUTH_HEADER: API_HEADER, BRUTEFORCE_LOCKDOWN: '2' },
  });
  const alpha = await t.createUser('canary-alpha', SECRETS.alpha, { name: 'Alpha', email: 'alpha@example.com' });
  const beta = await t.createUser('canary-beta', SECRETS.beta, { role: 'app-manager' });
  const gamma = await t.createUser('canary-gamma', 'temporary-password');
  const deltaAnswer = await recordedCall('createUser (positional)', '/jsonrpc.php', { jsonrpc: '2.0', method: 'createUser', params: ['canary-delta', SECRETS.delta], id: 1 });
  expect(deltaAnswer.body.result).toEqual(expect.any(Number));
  ids = { alpha, beta, gamma, delta: deltaAnswer.body.result as number, locked: await t.createUser('canary-locked', SECRETS.locked) };
  const imported = (await bcrypt.hash(SECRETS.gamma, 10)).replace(/^\$2b\$/, '$2y$');
  await t.knex('users').where({ id: ids.gamma }).update({ password: imported, twofactor_secret: SECRETS.twofactorSecret });
  await t.knex('users').where({ id: ids.alpha }).update({ api_access_token: sha256(SECRETS.personalToken) });
  const minted = await t.call('/rpc', { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'canary' }, id: 1 }, ['canary-beta', SECRETS.beta]);
  appPassword = (minted.body.result as { token: string }).token;
  // the one answer that shows the new app password (and nothing else secret)
  seen.response('/rpc createMyAppPassword', minted, [appPassword]);
  expect(appPassword).toMatch(/^[A-Za-z0-9]{72}$/);
  // A project the canary users hold grants on, so the project reads return real data.
  const project = await t.rpc('/rpc', 'createProject', { name: 'Canary project', identifier: 'canary', email: 'canary@example.com' }, [ADMIN.username, ADMIN.password]);
  expect(project.result).toBe(1);
  await t.rpc('/rpc', 'addProjectUser', { project_id: 1, user_id: ids.alpha, role: 'project-member' }, [ADMIN.username, ADMIN.password]);
});
afterAll(() => t.close());

/** Params that make each read procedure succeed (a new read procedure must be added here). */
function paramsFor(name: string): unknown {
  const table: Record<string, unknown> = {
    getUser: { user_id: ids.alpha },
    getUserByName: { username: 'canary-gamma' },
    isActiveUser: { user_id: ids.beta },
    searchUsers: { query: 'canary' },
    getGroup: { group_id: 1 },
    getMemberGroups: { user_id: ids.alpha },
    getGroupMembers: { group_id: 1 },
    isGroupMember: { group_id: 1, user_id: ids.alpha },
    searchGroups: { query: 'admin' },
    getProjectById: { project_id: 1 },
    getProjectByName: { name: 'Canary project' },
    getProjectByIdentifier: { identifier: 'CANARY' },
    getProjectByEmail: { email: 'canary@example.com' },
    searchProjects: { query: 'canary' },
    getProjectActivity: { project_id: 1 },
    getProjectActivities: { project_ids: [1] },
    getProjectUsers: { project_id: 1 },
    getAssignableUsers: { project_id: 1 },
    getProjectUserRole: { project_id: 1, user_id: ids.alpha },
    getOidcProvider: { provider_id: 1 },
    getAuditLog: { limit: 500 },
  };
  return table[name];
}

/** Secret members on user-like objects (those with a `username`; a project's sharing `token` is public, §6.3). */
function findForbiddenMembers(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => findForbiddenMembers(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const userLike = 'username' in value || 'user_id' in value;
  return Object.entries(value).flatMap(([k, v]) => [
    ...(FORBIDDEN_MEMBERS.includes(k) && (userLike || k !== 'token') ? [`${path}.${k}`] : []),
    ...findForbiddenMembers(v, `${path}.${k}`),
  ]);
}

function userObjects(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(userObjects);
  if (value === null || typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  // A user object has an id (event data snapshots carry user_id, username and name only).
  return 'username' in obj && 'id' in obj ? [obj] : Object.values(obj).flatMap(userObjects);
}

test('no read procedure answers a secret, a stored digest or a secret member', async () => {
  const reads = registry.filter((p) => !p.writes);
  expect(reads.map((p) => p.name)).toEqual(expect.arrayContaining(['getUser', 'getUserByName', 'getAllUsers', 'searchUsers', 'getMe']));
  const missing = reads.filter((p) => p.params.length > 0 && paramsFor(p.name) === undefined).map((p) => p.name);
  expect(missing).toEqual([]);

  // Everything stored that must never come back.
  const users = await t.knex('users').select('password', 'api_access_token', 'twofactor_secret');
  const appPasswords = await t.knex('app_passwords').select('token_hash');
  const settings = await t.knex('settings').select('value');
  const digests = [
    ...users.flatMap((u: Record<string, string | null>) => [u.password, u.password?.slice(-31), u.api_access_token, u.twofactor_secret]),
    ...appPasswords.map((a: { token_hash: string }) => a.token_hash.trim()),
    ...settings.map((s: { value: string }) => s.value).filter((v: string) => v.length >= 16),
    sha256(API_TOKEN),
  ].filter((d): d is string => typeof d === 'string' && d.length > 0);
  expect(digests).toEqual(expect.arrayContaining([sha256(SECRETS.personalToken), sha256(appPassword), SECRETS.twofactorSecret]));
  expect(digests.filter((d) => d.startsWith('$2y$'))).toHaveLength(1);
  const plaintexts = [...Object.values(SECRETS), appPassword, API_TOKEN, ADMIN.password];

  const callers: [string, Auth, Record<string, string>?][] = [
    ['app token', 'app'],
    ['admin (password)', [ADMIN.username, ADMIN.password]],
    ['alpha (personal token)', ['canary-alpha', SECRETS.personalToken]],
    ['beta (app password)', ['canary-beta', appPassword]],
    ['gamma (imported hash)', ['canary-gamma', SECRETS.gamma]],
    ['delta (X-API-Auth header)', 'none', { [API_HEADER]: b64(`canary-delta:${SECRETS.delta}`) }],
  ];
  let userObjectsSeen = 0;
  for (const endpoint of ENDPOINTS) {
    for (const [who, auth, headers] of callers) {
      for (const procedure of reads) {
        const body: Record<string, unknown> = { jsonrpc: '2.0', method: procedure.name, id: 1 };
        const params = paramsFor(procedure.name);
        if (params !== undefined) body.params = params;
        const res = await t.call(endpoint, body, auth, headers);
        const where = `${endpoint} ${procedure.name} as ${who}`;
        seen.response(where, res);
        expect({ where, status: res.status === 401 ? 401 : 'not 401' }).toEqual({ where, status: 'not 401' });
        // rpc.discover documents the `password` params of createUser, and the audit log names the
        // password fields a change set (`"password":"[redacted]"`); neither holds a secret value.
        if (procedure.name !== 'rpc.discover' && procedure.name !== 'getAuditLog') expect({ where, hasPassword: /password/i.test(res.text) }).toEqual({ where, hasPassword: false });
        for (const secret of [...plaintexts, ...digests]) {
          expect({ where, leaked: res.text.includes(secret) ? secret : null }).toEqual({ where, leaked: null });
        }
        const parsed = res.text ? JSON.parse(res.text) : null;
        expect({ where, members: findForbiddenMembers(parsed) }).toEqual({ where, members: [] });
        for (const user of userObjects(parsed?.result)) {
          // getGroupMembers items are the user object prefixed with group_id and user_id (§6.2)
          const expected = 'group_id' in user ? ['group_id', 'user_id', ...USER_MEMBERS] : USER_MEMBERS;
          expect({ where, keys: Object.keys(user) }).toEqual({ where, keys: expected });
          userObjectsSeen += 1;
        }
      }
    }
  }
  // The canary looked at real user objects: getUser, getUserByName, getAllUsers, searchUsers, getMe…
  expect(userObjectsSeen).toBeGreaterThan(30);
});

test('the canary users and the admin are visible (the canary is not vacuous)', async () => {
  for (const endpoint of ENDPOINTS) {
    const res = await t.call(endpoint, { jsonrpc: '2.0', method: 'getAllUsers', id: 1 }, 'app');
    expect((res.body.result as { username: string }[]).map((u) => u.username)).toEqual(['admin', 'canary-alpha', 'canary-beta', 'canary-delta', 'canary-gamma', 'canary-locked']);
    const me = await t.call(endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-gamma', SECRETS.gamma]);
    expect(me.body.result).toMatchObject({ username: 'canary-gamma', twofactor_activated: false });
  }
});


test('failing calls, refused logins and malformed bodies do not echo the secrets they carry', async () => {
  const failing = SECRETS.inFailingCall;
  const alpha: Auth = ['canary-alpha', SECRETS.alpha];
  for (const endpoint of ENDPOINTS) {
    // writes refused after validation: a taken username, a short password, a password updateUser does not take
    await recordedCall('createUser (username taken)', endpoint, { jsonrpc: '2.0', method: 'createUser', params: { username: 'canary-alpha', password: failing }, id: 1 });
    await recordedCall('createUser (positional, taken)', endpoint, { jsonrpc: '2.0', method: 'createUser', params: ['canary-beta', failing], id: 1 });
    await recordedCall('createUser (as a plain user)', endpoint, { jsonrpc: '2.0', method: 'createUser', params: { username: 'canary-new', password: failing }, id: 1 }, alpha);
    await recordedCall('createUser (bad email)', endpoint, { jsonrpc: '2.0', method: 'createUser', params: { username: 'canary-new', password: failing, email: 'not-an-email' }, id: 1 });
    await recordedCall('updateUser (password member)', endpoint, { jsonrpc: '2.0', method: 'updateUser', params: { id: ids.alpha, password: failing }, id: 1 });
    await recordedCall('updateUser (too many arguments)', endpoint, { jsonrpc: '2.0', method: 'updateUser', params: [ids.alpha, 'x', 'Name', 'a@example.com', 'app-user', null, null, null, failing], id: 1 });
    await recordedCall('getUser (secret as user_id)', endpoint, { jsonrpc: '2.0', method: 'getUser', params: { user_id: failing }, id: 1 });
    await recordedCall('getUserByName (secret as username)', endpoint, { jsonrpc: '2.0', method: 'getUserByName', params: [failing], id: 1 });
    await recordedCall('createMyAppPassword (extra member)', endpoint, { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'x', password: failing }, id: 1 }, alpha);
    await recordedCall('unknown method with the secret as params', endpoint, { jsonrpc: '2.0', method: 'setPassword', params: { password: failing }, id: 1 });
    await recordedCall('batch with failing elements', endpoint, [
      { jsonrpc: '2.0', method: 'createUser', params: { username: 'canary-alpha', password: failing }, id: 1 },
      { jsonrpc: '1.0', method: 'createUser', params: { password: failing }, id: 2 },
      { jsonrpc: '2.0', method: 'getMe', params: [failing], id: 3 },
    ]);
    // malformed bodies
    await recordedCall('parse error (truncated)', endpoint, `{"jsonrpc":"2.0","method":"createUser","params":{"username":"x","password":"${failing}"`);
    await recordedCall('invalid request (params a string)', endpoint, { jsonrpc: '2.0', method: 'createUser', params: failing, id: 1 });
    await recordedCall('invalid request (wrong version)', endpoint, { jsonrpc: '1.0', method: 'createUser', params: { password: failing }, id: 1 });
    const notUtf8 = Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","method":"getMe","params":["${failing}`), Buffer.from([0xff, 0xfe]), Buffer.from('"],"id":1}')]);
    seen.response(`${endpoint} not UTF-8`, await request(t.app).post(endpoint).auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json').send(notUtf8));
    // refused credentials
    await recordedCall('wrong password', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-gamma', SECRETS.wrongPassword]);
    await recordedCall('wrong API token', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['jsonrpc', SECRETS.wrongApiToken]);
    await recordedCall('password as personal token of another user', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-beta', SECRETS.personalToken]);
    await recordedCall('app password of another user', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-alpha', appPassword]);
    await recordedCall('API token as a user password', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-alpha', API_TOKEN]);
    await recordedCall('wrong password in X-API-Auth', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, 'none', { [API_HEADER]: b64(`canary-delta:${SECRETS.wrongPassword}`) });
    await recordedCall('undecodable X-API-Auth', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, 'none', { [API_HEADER]: `${SECRETS.delta}!!` });
    await recordedCall('unknown user', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-nobody', SECRETS.wrongPassword]);
  }
  // a locked account: wrong passwords past BRUTEFORCE_LOCKDOWN=2, then the right one is refused too
  for (let i = 0; i < 3; i += 1) await recordedCall(`wrong password for canary-locked #${i + 1}`, '/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-locked', SECRETS.wrongPassword]);
  const row = await t.knex('users').where({ id: ids.locked }).first('lock_expiration_date');
  expect(Number(row.lock_expiration_date)).toBeGreaterThan(0);
  for (const endpoint of ENDPOINTS) {
    const res = await recordedCall('locked account, right password', endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-locked', SECRETS.locked]);
    expect(res.status).toBe(401);
  }
});

test('the service endpoints carry no secret', async () => {
  const get = async (where: string, path: string, bearer?: string) => {
    let req = request(t.app).get(path);
    if (bearer !== undefined) req = req.set('Authorization', `Bearer ${bearer}`);
    const res = await req;
    seen.response(where, res);
    return res;
  };
  expect((await get('GET /metrics', '/metrics', SECRETS.metricsToken)).status).toBe(200);
  expect((await get('GET /metrics (wrong token)', '/metrics', SECRETS.wrongApiToken)).status).toBe(401);
  expect((await get('GET /metrics (no token)', '/metrics')).status).toBe(401);
  expect((await get('GET /openapi.json', '/openapi.json')).status).toBe(200);
  expect((await get('GET /openrpc.json', '/openrpc.json')).status).toBe(200);
  expect((await get('GET /healthz', '/healthz')).status).toBe(200);
  expect((await get('GET /readyz', '/readyz')).status).toBe(200);
  expect((await get('GET /nope?password=… (unknown path)', `/nope?password=${SECRETS.inFailingCall}`)).status).toBe(404);
  const unknown = await request(t.app).post(`/jsonrpc.php?password=${SECRETS.inFailingCall}&token=${SECRETS.personalToken}`).auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json').send('{"jsonrpc":"2.0","method":"getMe","id":1}');
  seen.response('POST /jsonrpc.php?password=…', unknown);
});

test('no response header or body and no log line carries a secret in any form or a stored hash', async () => {
  const users: Record<string, string[]> = {
    alpha: ['canary-alpha'],
    beta: ['canary-beta'],
    gamma: ['canary-gamma'],
    delta: ['canary-delta'],
    locked: ['canary-locked'],
    wrongPassword: ['canary-gamma', 'canary-delta', 'canary-locked', 'canary-nobody'],
    wrongApiToken: ['jsonrpc'],
    personalToken: ['canary-alpha', 'canary-beta'],
  };
  const needles: Needle[] = [
    ...Object.entries(SECRETS).flatMap(([name, secret]) => secretForms(`secret ${name}`, secret, users[name] ?? [])),
    ...secretForms('the app password', appPassword, ['canary-beta', 'canary-alpha']),
    ...secretForms('API_TOKEN', API_TOKEN, ['jsonrpc', 'canary-alpha']),
    ...secretForms('the admin password', ADMIN.password, [ADMIN.username]),
    ...(await storedSecretForms(t.knex)),
  ];
  // the stored forms the scan looks for are really there (bcrypt of every canary user, the $2y$ import, the digests)
  const labels = needles.map((n) => n.label);
  for (const user of ['admin', 'canary-alpha', 'canary-beta', 'canary-gamma', 'canary-delta', 'canary-locked']) {
    expect(labels).toContain(`bcrypt hash of ${user} (first 20 characters)`);
  }
  expect(needles.map((n) => n.value)).toEqual(expect.arrayContaining([sha256(SECRETS.personalToken), sha256(appPassword), sha256(API_TOKEN)]));
  expect(needles.some((n) => n.value.startsWith('$2y$'))).toBe(true);

  // trace level was in effect (successful probes log at debug), and the logs saw the failures
  const levels = t.logs.map((line) => (JSON.parse(line) as { level: number }).level);
  expect(levels).toContain(20);
  expect(t.logs.length).toBeGreaterThan(200);
  seen.logs(t.logs);
  expect(seen.responses).toBeGreaterThan(300);
  expect(seen.leaks(needles)).toEqual([]);
  // and no table stores a plaintext password or token (the two-factor secret is stored as is, by design)
  const plaintexts = needles.filter((n) => n.label.endsWith('(plaintext)') && !n.label.includes('twofactorSecret'));
  expect(await plaintextsInDatabase(t.knex, plaintexts)).toEqual([]);
});

test('a database failure logs no bound value: no password hash, no digest of the caller\'s secret', async () => {
  // The failures are simulated (a trigger, a missing table); the values are those a real one carries:
  // PGlite attaches every bound value of the failed statement to its error, Postgres quotes rows in `detail`.
  const real = createPasswordService({ cost: TEST_BCRYPT_COST, concurrency: 2 });
  const hashes: string[] = [];
  const failing = await startTestApp({
    env: { LOG_LEVEL: 'trace' },
    passwords: { verify: real.verify, hash: async (plain) => hashes[hashes.push(await real.hash(plain)) - 1] },
  });
  try {
    const login = 'Canary-DbFail-Login-8812';
    const created = 'Canary-DbFail-Create-4471';
    await failing.createUser('canary-dbfail', login);
    await failing.knex.raw(`CREATE FUNCTION canary_refuse() RETURNS trigger AS $$ BEGIN
      RAISE EXCEPTION 'refused' USING ERRCODE = 'P0001', DETAIL = format('Failing row contains (%s, %s)', NEW.username, NEW.password);
    END $$ LANGUAGE plpgsql`);
    await failing.knex.raw('CREATE TRIGGER canary_refuse BEFORE INSERT ON users FOR EACH ROW WHEN (NEW.username = \'canary-refused\') EXECUTE FUNCTION canary_refuse()');
    const write = await failing.call('/rpc', { jsonrpc: '2.0', method: 'createUser', params: { username: 'canary-refused', password: created }, id: 1 });
    expect(write.body.error).toMatchObject({ code: -32603 });
    await failing.knex.raw('ALTER TABLE app_passwords RENAME TO app_passwords_away');
    try {
      const read = await failing.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-dbfail', login]);
      expect(read.body.error).toMatchObject({ code: -32603 });
    } finally {
      await failing.knex.raw('ALTER TABLE app_passwords_away RENAME TO app_passwords');
    }
    const errors = failing.logs.filter((line) => (JSON.parse(line) as { level: number }).level === 50);
    expect(errors.map((line) => (JSON.parse(line) as { err: { code: string } }).err.code)).toEqual(['P0001', '42P01']);
    expect(hashes).toHaveLength(2);
    const needles = [
      ...secretForms('the login password', login, ['canary-dbfail']),
      ...secretForms('the refused user\'s password', created),
      ...hashes.flatMap((hash, i) => [
        { label: `bcrypt hash #${i + 1}`, value: hash },
        { label: `bcrypt hash #${i + 1} (first 20 characters)`, value: hash.slice(0, 20) },
      ]),
    ];
    const logs = new CanaryRecorder();
    logs.logs(failing.logs);
    expect(logs.leaks(needles)).toEqual([]);
  } finally {
    await failing.close();
  }
});
