/** nmcuser_oidc authentication, authorization and processing order (nmcuser-oidc §4.1, §4.2, §11 case 17). */
import { API_TOKEN, type TestApp } from '../helpers/app';
import { ocsJson } from '../helpers/ocs';
import {
  createOidc,
  expectMessage,
  expectOk,
  NOT_ADMIN,
  oidc,
  PLAIN,
  startOidcApp,
  UNAUTHENTICATED,
  userCount,
  userView,
  type OidcMethod,
  type OidcRequestOptions,
} from '../helpers/nmcuserOidc';

let t: TestApp;
const ID = '120049010000000006612061';
const ADMIN2 = ['admin2', 'admin2-secret-1'] as const;
beforeAll(async () => {
  t = await startOidcApp();
  await createOidc(t, { username: ID, displayname: 'User, Test' });
  await t.createUser(...ADMIN2, { role: 'app-admin' });
});
afterAll(() => t.close());

const basic = (user: string, secret: string) => ({ header: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });

/** Every route of §3 with a body that would succeed. */
const ROUTES: [OidcMethod, string, OidcRequestOptions][] = [
  ['GET', 'nmcusers/telekom', {}],
  ['POST', 'nmcusers/telekom', { json: { username: 'would-be-created', displayname: 'x' } }],
  ['GET', `nmcusers/telekom/${ID}`, {}],
  ['PUT', `nmcusers/telekom/${ID}`, { json: { displayname: 'changed' } }],
  ['DELETE', `nmcusers/telekom/${ID}`, {}],
  ['GET', `token/telekom/${ID}`, {}],
];

const state = async () => ({
  users: await userCount(t),
  tokens: Number((await t.knex('app_passwords').count({ n: '*' }).first())?.n),
  audit: Number((await t.knex('audit_events').count({ n: '*' }).first())?.n),
  user: await t.knex('users').where({ username: ID }).first('name', 'is_active'),
});

const failedLogins = async (username: string) => Number((await t.knex('users').where({ username }).first('nb_failed_login'))?.nb_failed_login);

describe('401 and 403 on every route (§11 case 17)', () => {
  test.each(ROUTES)('%s %s: no Basic, Bearer, wrong password, unknown user, app token → 401 without WWW-Authenticate; plain → 403; nothing changes', async (method, path, options) => {
    const before = await state();
    const refusals: [string, OidcRequestOptions['auth']][] = [
      ['no credentials', 'none'],
      ['Bearer', { header: `Bearer ${API_TOKEN}` }],
      ['Bearer with the admin password', { header: 'Bearer admin-secret' }],
      ['wrong password', ['admin', 'wrong-password']],
      ['unknown user', ['nobody', 'x']],
      ['username case differs', ['Admin', 'admin-secret']],
      ['app token', ['jsonrpc', API_TOKEN]],
      ['app token, raw header', basic('jsonrpc', API_TOKEN)],
      ['Basic without a colon', { header: `Basic ${Buffer.from('admin').toString('base64')}` }],
      ['Digest', { header: 'Digest username="admin"' }],
    ];
    for (const [name, auth] of refusals) {
      const res = await oidc(t, method, path, { ...options, auth });
      expect({ name, status: res.status, text: res.text, wwwAuthenticate: res.headers['www-authenticate'] }).toEqual({
        name,
        status: 401,
        text: `{"message":"${UNAUTHENTICATED}"}`,
        wwwAuthenticate: undefined,
      });
    }
    expectMessage(await oidc(t, method, path, { ...options, auth: PLAIN }), 403, NOT_ADMIN);
    expect(await state()).toEqual(before);
    expect(await failedLogins('admin')).toBe(1);
    expect((await oidc(t, 'GET', `nmcusers/telekom/${ID}`)).status).toBe(200); // resets the admin's counter
  });

  test('a cookie does not authenticate; the scheme name is case-insensitive; no OCS-APIRequest header is needed', async () => {
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: 'none', headers: { Cookie: 'oc_sessionPassphrase=x; nc_username=admin' } }), 401, UNAUTHENTICATED);
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom', { auth: { header: `basic ${Buffer.from('admin:admin-secret').toString('base64')}` } }), [ID]);
    expectOk(await oidc(t, 'GET', `nmcusers/telekom/${ID}`, { auth: ADMIN2 }), userView(ID, { displayname: 'User, Test' }));
  });
});

describe('processing order (§4.1)', () => {
  test('path before authentication: unknown path → 404, wrong method → 405, without credentials and as plain', async () => {
    for (const auth of ['none', PLAIN, ['admin', 'wrong']] as const) {
      expectMessage(await oidc(t, 'GET', 'nothing/here', { auth }), 404, 'Not found');
      expectMessage(await oidc(t, 'PATCH', 'nmcusers/telekom', { auth }), 405, 'Method not allowed');
    }
  });

  test('authentication before authorization before body, provider and user', async () => {
    // 401 beats an invalid body and an unknown provider
    expectMessage(await oidc(t, 'POST', 'nmcusers/o2', { auth: 'none', json: '{not json' }), 401, UNAUTHENTICATED);
    // 403 beats an invalid body, a wrong type, an unknown provider and an unknown user
    expectMessage(await oidc(t, 'POST', 'nmcusers/o2', { auth: PLAIN, json: '{not json' }), 403, NOT_ADMIN);
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { auth: PLAIN, json: { username: 5 } }), 403, NOT_ADMIN);
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/ghost', { auth: PLAIN }), 403, NOT_ADMIN);
    expectMessage(await oidc(t, 'GET', 'token/o2/ghost', { auth: PLAIN }), 403, NOT_ADMIN);
  });

  test('body (§3) before provider (§5.1) before the endpoint checks (§6)', async () => {
    expectMessage(await oidc(t, 'POST', 'nmcusers/o2', { json: '[1]' }), 400, 'Invalid JSON body');
    expectMessage(await oidc(t, 'PUT', 'nmcusers/o2/ghost', { json: '{' }), 400, 'Invalid JSON body');
    expectMessage(await oidc(t, 'POST', 'nmcusers/o2', { json: { username: 5, displayname: 'x' } }), 400, 'Invalid value for username');
    expectMessage(await oidc(t, 'PUT', 'nmcusers/o2/ghost', { json: { enabled: 'yes' } }), 400, 'Invalid value for enabled');
    expectMessage(await oidc(t, 'POST', 'nmcusers/o2', { json: { displayname: 'x' } }), 404, 'No oidc provider o2');
    expectMessage(await oidc(t, 'POST', 'nmcusers/o2', { json: { username: ID, displayname: 'x' } }), 404, 'No oidc provider o2');
    expectMessage(await oidc(t, 'PUT', 'nmcusers/o2/ghost', { json: { quota: 'lots' } }), 404, 'No oidc provider o2');
    // user resolution before the value checks of an update
    expectMessage(await oidc(t, 'PUT', 'nmcusers/telekom/ghost', { json: { quota: 'lots' } }), 404, 'No user ghost, id=ghost');
  });
});

describe('credentials and lockout (§4.2)', () => {
  test('a failed login here counts toward the shared lockout; success resets the counter', async () => {
    await t.createUser('counted', 'counted-secret-1', { role: 'app-admin' });
    expect(await failedLogins('counted')).toBe(0);
    for (let i = 1; i <= 3; i += 1) {
      expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['counted', `wrong-${i}`] }), 401, UNAUTHENTICATED);
      expect(await failedLogins('counted')).toBe(i);
    }
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['counted', 'counted-secret-1'] }), [ID]);
    expect(await failedLogins('counted')).toBe(0);
    // the plain user's failures count too, before the 403 of a correct login
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: [PLAIN[0], 'wrong'] }), 401, UNAUTHENTICATED);
    expect(await failedLogins(PLAIN[0])).toBe(1);
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: PLAIN }), 403, NOT_ADMIN);
    expect(await failedLogins(PLAIN[0])).toBe(0);
  });

  test('a locked admin is refused with the right password (401), here, on OCS and on JSON-RPC alike', async () => {
    await t.createUser('lockme', 'lockme-secret-1', { role: 'app-admin' });
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['lockme', 'lockme-secret-1'] }), [ID]);
    for (let i = 0; i < 7; i += 1) expect((await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['lockme', 'bad'] })).status).toBe(401);
    const row = await t.knex('users').where({ username: 'lockme' }).first('nb_failed_login', 'lock_expiration_date');
    expect(Number(row.nb_failed_login)).toBe(7);
    expect(Number(row.lock_expiration_date)).toBeGreaterThan(Math.floor(Date.now() / 1000));
    const locked = await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['lockme', 'lockme-secret-1'] });
    expectMessage(locked, 401, UNAUTHENTICATED);
    expect(locked.headers['www-authenticate']).toBeUndefined();
    expect((await t.rpc('/rpc', 'getMe', undefined, ['lockme', 'lockme-secret-1'])).error).toBeDefined();
    expect((await ocsJson(t, 'GET', 2, 'user', { caller: ['lockme', 'lockme-secret-1'] })).statuscode).toBe(997);
    // after the lock expires the password works again
    t.advanceClock(16 * 60);
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['lockme', 'lockme-secret-1'] }), [ID]);
  });

  test('a disabled admin is refused (401); enabled again it is accepted', async () => {
    const adminId = await t.createUser('disabledadmin', 'disabled-secret-1', { role: 'app-admin' });
    expect((await t.rpc('/rpc', 'disableUser', [adminId])).result).toBe(true);
    for (const [method, path, options] of ROUTES) {
      expectMessage(await oidc(t, method, path, { ...options, auth: ['disabledadmin', 'disabled-secret-1'] }), 401, UNAUTHENTICATED);
    }
    expect((await t.rpc('/rpc', 'enableUser', [adminId])).result).toBe(true);
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['disabledadmin', 'disabled-secret-1'] }), [ID]);
  });

  test('admin = the app-admin role: a manager is refused with 403; an app password of an admin works', async () => {
    await t.createUser('manager1', 'manager-secret-1', { role: 'app-manager' });
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: ['manager1', 'manager-secret-1'] }), 403, NOT_ADMIN);
    // an OIDC user's own minted token authenticates, but the user is no admin
    const token = (await oidc(t, 'GET', `token/telekom/${ID}`)).body.token as string;
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: [ID, token] }), 403, NOT_ADMIN);
  });
});
