/**
 * Authorization (contract §5.1, §5.2, §1.6, §5.4): app-role denials, the Me rule, constants, and a
 * walk of every registered procedure × {app token, app-user, app-manager, app-admin} at both
 * endpoints, against the access table of the spec (written out here, not read from the code).
 */
import { ACCESS_MAP } from '../../src/core/access';
import { registry as fullRegistry } from '../../procedures';
import { servesSurface } from '../../src/core/dispatcher';

/** The JSON-RPC procedures; the adapter-only ones (surfaces `ocs`, `nmcuser_oidc`) are covered by test/ocs and test/nmcuserOidc. */
const registry = fullRegistry.filter((p) => servesSurface(p, 'rpc'));
const ocsOnly = fullRegistry.filter((p) => !servesSurface(p, 'rpc'));
import { ADMIN, startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const COMPAT_FORBIDDEN = '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}';
const strictForbidden = (data: object, id: unknown = 1) =>
  JSON.stringify({ jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data }, id });

/** §5.2 (plus createMyAppPassword, a Me procedure per §7.6 / procedures/me.ts). */
type Minimum = 'app-admin' | 'app-manager' | 'me' | 'me-password' | 'any' | 'project';
const SPEC_ACCESS: Record<string, Minimum> = {};
const table: [Minimum, string][] = [
  ['app-admin', 'createUser createLdapUser getUser getUserByName getAllUsers updateUser removeUser disableUser enableUser isActiveUser'],
  ['app-admin', 'createGroup updateGroup removeGroup getGroup getAllGroups'],
  ['app-admin', 'getMemberGroups getGroupMembers addGroupMember removeGroupMember isGroupMember'],
  ['app-admin', 'getAllProjects searchUsers searchGroups searchProjects'],
  // nmcuser-oidc §9.2: app-admin in user mode, app mode allowed
  ['app-admin', 'createOidcProvider getAllOidcProviders getOidcProvider removeOidcProvider'],
  // issue 8: the audit log
  ['app-admin', 'getAuditLog'],
  ['app-manager', 'createProject'],
  ['project', 'getProjectById getProjectByName getProjectByIdentifier getProjectByEmail getProjectActivity getProjectActivities getProjectUsers getAssignableUsers getProjectUserRole'],
  ['project', 'updateProject removeProject enableProject disableProject enableProjectPublicAccess disableProjectPublicAccess addProjectUser addProjectGroup removeProjectUser removeProjectGroup changeProjectUserRole changeProjectGroupRole'],
  ['me', 'getMe getMyProjectsList getMyProjects createMyPrivateProject'],
  // a Me procedure that mints a credential: the account's password, never an app password or token
  ['me-password', 'createMyAppPassword'],
  ['any', 'getVersion getTimezone getApplicationRoles getProjectRoles getDefaultTaskColor getDefaultTaskColors getColorList rpc.discover'],
];
for (const [minimum, names] of table) for (const name of names.split(' ')) SPEC_ACCESS[name] = minimum;

type Caller = 'app' | 'app-user' | 'app-manager' | 'app-admin';
const RANK = { 'app-user': 1, 'app-manager': 2, 'app-admin': 3 } as const;

/** What the spec says: null = allowed, else the strict `data` of the denial. */
function expectedDenial(name: string, caller: Caller): object | null {
  const minimum = SPEC_ACCESS[name];
  if (caller === 'app') return minimum === 'me' || minimum === 'me-password' ? { reason: 'user_credentials_required' } : null;
  // the walk's users authenticate with app passwords
  if (minimum === 'me-password') return { reason: 'password_login_required' };
  if (minimum === 'app-admin' || minimum === 'app-manager') {
    return RANK[caller] >= RANK[minimum] ? null : { reason: 'forbidden', required: minimum };
  }
  return null; // me, any; project-scoped ones pass the app level (their project check needs params)
}

let t: TestApp;
const creds: Record<Caller, Auth> = { app: 'app', 'app-user': 'none', 'app-manager': 'none', 'app-admin': 'none' };
const passwords: Record<Exclude<Caller, 'app'>, Auth> = {
  'app-user': ['plain-user', 'plain-password'],
  'app-manager': ['manager-user', 'manager-password'],
  'app-admin': [ADMIN.username, ADMIN.password],
};

beforeAll(async () => {
  t = await startTestApp();
  await t.createUser('plain-user', 'plain-password');
  await t.createUser('manager-user', 'manager-password', { role: 'app-manager' });
  // The walk authenticates with app passwords (same principal, no bcrypt per call).
  for (const caller of ['app-user', 'app-manager', 'app-admin'] as const) {
    const res = await t.rpc('/rpc', 'createMyAppPassword', { name: 'access-walk' }, passwords[caller]);
    const token = (res.result as { token: string }).token;
    creds[caller] = [(passwords[caller] as readonly [string, string])[0], token];
  }
});
afterAll(() => t.close());

async function call(endpoint: Endpoint, method: string, auth: Auth, params?: unknown, id: unknown = 1) {
  const body: Record<string, unknown> = { jsonrpc: '2.0', method, id };
  if (params !== undefined) body.params = params;
  return t.call(endpoint, body, auth);
}

async function expectDenied(endpoint: Endpoint, method: string, auth: Auth, data: object, params?: unknown, id: unknown = 1) {
  const res = await call(endpoint, method, auth, params, id);
  if (endpoint === '/jsonrpc.php') expect({ status: res.status, text: res.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
  else expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: strictForbidden(data, id) });
}

describe('the access table', () => {
  test('every registered procedure is in the spec table, and the access map agrees with it', () => {
    const names = registry.map((p) => p.name);
    expect(names.filter((n) => !(n in SPEC_ACCESS))).toEqual([]);
    expect([...ACCESS_MAP.keys()].sort()).toEqual([...names, ...ocsOnly.map((p) => p.name)].sort());
    // adapter-only procedures: user mode only, exactly on their own surface (ocs or nmcuser_oidc)
    for (const procedure of ocsOnly) {
      const surface = procedure.name.startsWith('ocs') ? 'ocs' : 'nmcuser_oidc';
      expect({ name: procedure.name, surfaces: procedure.surfaces, app: ACCESS_MAP.get(procedure.name)!.app }).toEqual({ name: procedure.name, surfaces: [surface], app: false });
    }
    // nmcuser_oidc is admin only (nmcuser-oidc §4.1)
    for (const procedure of ocsOnly.filter((p) => !p.name.startsWith('ocs'))) expect([procedure.name, ACCESS_MAP.get(procedure.name)!.user]).toEqual([procedure.name, 'app-admin']);
    for (const name of names) {
      const rule = ACCESS_MAP.get(name)!;
      const minimum = SPEC_ACCESS[name];
      const expected =
        minimum === 'me' ? { app: false, user: 'app-user' }
        : minimum === 'me-password' ? { app: false, user: 'app-user', passwordLogin: true }
        : minimum === 'any' ? { app: true, user: 'app-user' }
        : minimum === 'project' ? { app: true, user: expect.objectContaining({ project: expect.any(String) }) }
        : { app: true, user: minimum };
      expect({ name, rule }).toEqual({ name, rule: expected });
    }
  });

  const cases: [Endpoint, string, Caller][] = [];
  for (const endpoint of ENDPOINTS) {
    for (const { name } of registry) for (const caller of ['app', 'app-user', 'app-manager', 'app-admin'] as Caller[]) cases.push([endpoint, name, caller]);
  }

  test.each(cases)('%s %s as %s', async (endpoint, name, caller) => {
    const denial = expectedDenial(name, caller);
    if (denial) {
      await expectDenied(endpoint, name, creds[caller], denial);
      return;
    }
    const res = await call(endpoint, name, creds[caller]);
    expect(res.status).toBe(200);
    const code = (res.body as { error?: { code: number } }).error?.code;
    expect(code).not.toBe(endpoint === '/rpc' ? -32003 : 403);
    expect(code).not.toBe(endpoint === '/rpc' ? -32004 : 401);
  });
});

describe.each(ENDPOINTS)('%s', (endpoint) => {
  test('an app-user calling getAllUsers (password) is denied, app-admin required', async () => {
    await expectDenied(endpoint, 'getAllUsers', passwords['app-user'], { reason: 'forbidden', required: 'app-admin' }, undefined, 11);
  });

  test('an app-manager is denied app-admin procedures', async () => {
    await expectDenied(endpoint, 'getAllUsers', passwords['app-manager'], { reason: 'forbidden', required: 'app-admin' });
    await expectDenied(endpoint, 'disableUser', creds['app-manager'], { reason: 'forbidden', required: 'app-admin' }, [1]);
    expect((await t.rpc('/rpc', 'isActiveUser', [1])).result).toBe(true);
  });

  test('an app-admin is allowed', async () => {
    const res = await call(endpoint, 'getAllUsers', passwords['app-admin']);
    expect(res.status).toBe(200);
    expect((res.body.result as { username: string }[]).map((u) => u.username)).toEqual(['admin', 'manager-user', 'plain-user']);
  });

  test('app-level denial precedes parameter binding', async () => {
    const denied = { reason: 'forbidden', required: 'app-admin' };
    await expectDenied(endpoint, 'createUser', creds['app-user'], denied);
    await expectDenied(endpoint, 'createUser', creds['app-user'], denied, { foo: 'bar' });
    await expectDenied(endpoint, 'createUser', creds['app-user'], denied, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    await expectDenied(endpoint, 'getUser', creds['app-manager'], denied, { user_id: 'abc' });
  });

  test('Me procedures refuse the application token', async () => {
    await expectDenied(endpoint, 'getMe', 'app', { reason: 'user_credentials_required' }, undefined, 60);
    const before = await t.knex('app_passwords').count({ n: '*' }).first();
    await expectDenied(endpoint, 'createMyAppPassword', 'app', { reason: 'user_credentials_required' }, { name: 'from-app' });
    expect(await t.knex('app_passwords').count({ n: '*' }).first()).toEqual(before);
  });

  test('Me procedures work in user mode for every app role', async () => {
    for (const caller of ['app-user', 'app-manager', 'app-admin'] as const) {
      const res = await call(endpoint, 'getMe', passwords[caller]);
      expect(res.status).toBe(200);
      expect(res.body.result.username).toBe((passwords[caller] as readonly [string, string])[0]);
    }
  });

  test('constant procedures answer every authenticated caller the same', async () => {
    const constants = registry.filter((p) => SPEC_ACCESS[p.name] === 'any').map((p) => p.name);
    expect(constants).toEqual(expect.arrayContaining(['getVersion', 'getTimezone', 'getApplicationRoles', 'getColorList']));
    for (const name of constants) {
      const reference = await call(endpoint, name, 'app');
      expect(reference.status).toBe(200);
      expect(reference.body).toHaveProperty('result');
      for (const caller of ['app-user', 'app-manager', 'app-admin'] as const) {
        const res = await call(endpoint, name, creds[caller]);
        expect({ name, status: res.status, text: res.text }).toEqual({ name, status: 200, text: reference.text });
      }
    }
    expect((await call(endpoint, 'getVersion', passwords['app-user'])).text).toBe('{"jsonrpc":"2.0","result":"1.2.53","id":1}');
  });
});

describe('method-name case', () => {
  test('compat applies the Me rule to the canonical name, case-insensitively', async () => {
    for (const name of ['getme', 'GETME', 'GetMe', 'createmyapppassword']) {
      await expectDenied('/jsonrpc.php', name, 'app', { reason: 'user_credentials_required' }, name.startsWith('create') ? ['n'] : undefined);
    }
    await expectDenied('/jsonrpc.php', 'getallusers', creds['app-user'], { reason: 'forbidden', required: 'app-admin' });
  });

  test('strict matches names exactly: "getme" is not found', async () => {
    const res = await call('/rpc', 'getme', 'app', undefined, 5);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":{"reason":"method_not_found"}},"id":5}');
  });
});

describe('batches', () => {
  test('compat: one denied element denies the whole batch and nothing runs (§5.4)', async () => {
    const batch = [
      { jsonrpc: '2.0', method: 'createUser', params: ['batch-created', '123456'], id: 1 },
      { jsonrpc: '2.0', method: 'getMe', id: 2 },
    ];
    const res = await t.call('/jsonrpc.php', batch, 'app');
    expect({ status: res.status, text: res.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
    expect(await t.knex('users').where({ username: 'batch-created' }).first()).toBeUndefined();

    const mixed = [
      { jsonrpc: '2.0', method: 'getVersion', id: 1 },
      { jsonrpc: '2.0', method: 'getAllUsers', id: 2 },
    ];
    const denied = await t.call('/jsonrpc.php', mixed, creds['app-user']);
    expect({ status: denied.status, text: denied.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
  });

  test('strict: a denied element gets -32003 in its slot and the others run', async () => {
    const batch = [
      { jsonrpc: '2.0', method: 'getVersion', id: 1 },
      { jsonrpc: '2.0', method: 'getAllUsers', id: 2 },
    ];
    const res = await t.call('/rpc', batch, creds['app-user']);
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      `[{"jsonrpc":"2.0","result":"1.2.53","id":1},${strictForbidden({ reason: 'forbidden', required: 'app-admin' }, 2)}]`,
    );
  });
});

describe('minting needs the password (createMyAppPassword)', () => {
  test('with the password it mints; with an app password it is refused at both endpoints and nothing is stored', async () => {
    const minted = await call('/rpc', 'createMyAppPassword', passwords['app-user'], { name: 'by-password' });
    expect(minted.body.result).toMatchObject({ name: 'by-password', token: expect.stringMatching(/^[A-Za-z0-9]{72}$/) });
    const count = async () => Number((await t.knex('app_passwords').count({ n: '*' }).first())?.n);
    const before = await count();
    await expectDenied('/rpc', 'createMyAppPassword', creds['app-user'], { reason: 'password_login_required' }, { name: 'by-app-password' });
    await expectDenied('/jsonrpc.php', 'createMyAppPassword', creds['app-user'], {}, { name: 'by-app-password' });
    expect(await count()).toBe(before);
  });
});
