/**
 * Secret canary (contract §6.1, §3.5, §15 item 3): with known passwords (bcrypt and an imported $2y$
 * hash), a personal token, an app password and a two-factor secret in the database, no response of
 * any read procedure, at either endpoint and for any caller, carries a secret, a stored digest or a
 * secret-bearing member, and no log line carries a secret.
 */
import bcrypt from 'bcrypt';
import { createHash } from 'node:crypto';
import { registry as fullRegistry } from '../../procedures';
import { servesSurface } from '../../src/core/dispatcher';

/** The JSON-RPC procedures (the OCS and nmcuser_oidc ones are covered by their adapters' tests). */
const registry = fullRegistry.filter((p) => servesSurface(p, 'rpc'));
import { API_TOKEN, ADMIN, startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

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
  personalToken: 'canary-personal-token-5f3a9c1e77d24b08',
  twofactorSecret: 'CANARYTOTP234567',
};

let t: TestApp;
let ids: { alpha: number; beta: number; gamma: number };
let appPassword: string;

beforeAll(async () => {
  t = await startTestApp({ env: { OIDC_PROVIDERS: 'Canary' } });
  ids = {
    alpha: await t.createUser('canary-alpha', SECRETS.alpha, { name: 'Alpha', email: 'alpha@example.com' }),
    beta: await t.createUser('canary-beta', SECRETS.beta, { role: 'app-manager' }),
    gamma: await t.createUser('canary-gamma', 'temporary-password'),
  };
  const imported = (await bcrypt.hash(SECRETS.gamma, 10)).replace(/^\$2b\$/, '$2y$');
  await t.knex('users').where({ id: ids.gamma }).update({ password: imported, twofactor_secret: SECRETS.twofactorSecret });
  await t.knex('users').where({ id: ids.alpha }).update({ api_access_token: sha256(SECRETS.personalToken) });
  const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'canary' }, ['canary-beta', SECRETS.beta]);
  appPassword = (minted.result as { token: string }).token;
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

  const callers: [string, Auth][] = [
    ['app token', 'app'],
    ['admin (password)', [ADMIN.username, ADMIN.password]],
    ['alpha (personal token)', ['canary-alpha', SECRETS.personalToken]],
    ['beta (app password)', ['canary-beta', appPassword]],
    ['gamma (imported hash)', ['canary-gamma', SECRETS.gamma]],
  ];
  let userObjectsSeen = 0;
  for (const endpoint of ENDPOINTS) {
    for (const [who, auth] of callers) {
      for (const procedure of reads) {
        const body: Record<string, unknown> = { jsonrpc: '2.0', method: procedure.name, id: 1 };
        const params = paramsFor(procedure.name);
        if (params !== undefined) body.params = params;
        const res = await t.call(endpoint, body, auth);
        const where = `${endpoint} ${procedure.name} as ${who}`;
        expect({ where, status: res.status === 401 ? 401 : 'not 401' }).toEqual({ where, status: 'not 401' });
        // rpc.discover documents the `password` params of createUser; it holds no secret value.
        if (procedure.name !== 'rpc.discover') expect({ where, hasPassword: /password/i.test(res.text) }).toEqual({ where, hasPassword: false });
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
    expect((res.body.result as { username: string }[]).map((u) => u.username)).toEqual(['admin', 'canary-alpha', 'canary-beta', 'canary-gamma']);
    const me = await t.call(endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-gamma', SECRETS.gamma]);
    expect(me.body.result).toMatchObject({ username: 'canary-gamma', twofactor_activated: false });
  }
});

test('no log line carries a secret or an Authorization value', async () => {
  // Provoke failures too: wrong secrets, malformed headers, an unknown method.
  for (const endpoint of ENDPOINTS) {
    await t.call(endpoint, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['canary-alpha', `${SECRETS.alpha}-wrong`]);
    await t.call(endpoint, { jsonrpc: '2.0', method: 'nope', id: 1 }, ['canary-beta', appPassword]);
    await t.call(endpoint, '{"jsonrpc":"2.0","method":', ['canary-alpha', SECRETS.personalToken]);
  }
  const logs = t.logs.join('\n');
  const needles = [
    ...Object.values(SECRETS),
    appPassword,
    API_TOKEN,
    ADMIN.password,
    b64(`jsonrpc:${API_TOKEN}`),
    b64(`canary-alpha:${SECRETS.alpha}`),
    b64(`canary-beta:${appPassword}`),
    b64(`canary-alpha:${SECRETS.personalToken}`),
  ];
  for (const needle of needles) expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
});
