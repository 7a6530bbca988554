/** OCS PUT /users/{userId}/enable|disable and DELETE /users/{userId} (ocs-provisioning §6.8, §6.9, §3.3). */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, PASSWORD, seedOcsFixtures, type OcsHttpMethod, type OcsRequestOptions } from '../helpers/ocs';

type Options = Omit<OcsRequestOptions, 'format'>;

/** §4.3: the v2 HTTP status of an error statuscode (v1 is always 200 apart from 997). */
const v2Http = (statuscode: number) => (statuscode === 998 ? 404 : statuscode >= 200 && statuscode <= 600 ? statuscode : 400);

/** The same refused request on v1 and v2: statuscode, message and empty data on both, HTTP per §4.3. */
async function refused(t: TestApp, method: OcsHttpMethod, path: string, options: Options, statuscode: number, message = ''): Promise<void> {
  for (const version of [1, 2] as const) {
    const a = await ocsJson(t, method, version, path, options);
    expect({ version, status: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({
      version,
      status: version === 1 ? 200 : v2Http(statuscode),
      statuscode,
      message,
      data: [],
    });
  }
}

/** A successful mutation on v1 (100) or v2 (200): HTTP 200, message OK, empty data. */
async function succeeded(t: TestApp, method: OcsHttpMethod, version: 1 | 2, path: string, options: Options = {}): Promise<void> {
  const a = await ocsJson(t, method, version, path, options);
  expect({ status: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({ status: 200, statuscode: version === 1 ? 100 : 200, message: 'OK', data: [] });
}

const userId = async (t: TestApp, username: string) => Number((await t.knex('users').where({ username }).first('id')).id);
const isActive = async (t: TestApp, username: string) => (await t.knex('users').where({ username }).first('is_active')).is_active as boolean;

/** GET /user as this caller: [HTTP status, statuscode, message]. */
async function login(t: TestApp, caller: readonly [string, string]) {
  const a = await ocsJson(t, 'GET', 1, 'user', { caller });
  return [a.status, a.statuscode, a.message];
}

async function startSeeded(): Promise<TestApp> {
  const t = await startTestApp();
  await seedOcsFixtures(t);
  // The admin in team: a member of sub's group, yet never accessible to sub.
  expect((await ocsJson(t, 'POST', 1, 'users/admin/groups', { form: { groupid: 'team' } })).statuscode).toBe(100);
  return t;
}

describe('PUT /users/{id}/disable and /enable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  test.each(['disable', 'enable'])('%s: oneself or a missing user → 101 ""', async (action) => {
    await refused(t, 'PUT', `users/admin/${action}`, {}, 101);
    await refused(t, 'PUT', `users/sub/${action}`, { caller: as('sub') }, 101);
    await refused(t, 'PUT', `users/nobody/${action}`, {}, 101);
    await refused(t, 'PUT', `users/nobody/${action}`, { caller: as('sub') }, 101);
    expect(await isActive(t, 'admin')).toBe(true);
    expect(await isActive(t, 'sub')).toBe(true);
  });

  test.each(['disable', 'enable'])('%s: a user not accessible to the subadmin → 998 "" (v2 404)', async (action) => {
    await refused(t, 'PUT', `users/plain/${action}`, { caller: as('sub') }, 998);
    await refused(t, 'PUT', `users/admin/${action}`, { caller: as('sub') }, 998);
    expect(await isActive(t, 'plain')).toBe(true);
    expect(await isActive(t, 'admin')).toBe(true);
  });

  test.each(['disable', 'enable'])('%s: a plain caller → 403 Logged in account must be at least a sub admin', async (action) => {
    await refused(t, 'PUT', `users/alice/${action}`, { caller: as('plain') }, 403, 'Logged in account must be at least a sub admin');
    expect(await isActive(t, 'alice')).toBe(true);
  });

  test('disable, repeat harmlessly; the user is refused with 997 Unauthorised; JSON-RPC agrees', async () => {
    const id = await userId(t, 'alice');
    const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'cli' }, ['alice', PASSWORD]);
    const token = (minted.result as { token: string }).token;
    await succeeded(t, 'PUT', 1, 'users/alice/disable');
    await succeeded(t, 'PUT', 2, 'users/alice/disable');
    expect(await isActive(t, 'alice')).toBe(false);
    expect(await login(t, ['alice', PASSWORD])).toEqual([401, 997, 'Unauthorised']);
    expect(await login(t, ['alice', token])).toEqual([401, 997, 'Unauthorised']);
    const res = await ocsRequest(t, 'GET', 2, 'user', { caller: as('alice') });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Authorisation Required"');
    expect((await t.rpc('/rpc', 'isActiveUser', { user_id: id })).result).toBe(false);
    // A disabled user is still listed and readable by the admin, with enabled false.
    expect((await ocsJson(t, 'GET', 2, 'users/alice')).data).toMatchObject({ id: 'alice', enabled: false });
  });

  test('enable restores the login; repeating it is harmless', async () => {
    const id = await userId(t, 'alice');
    await succeeded(t, 'PUT', 2, 'users/alice/enable');
    await succeeded(t, 'PUT', 1, 'users/alice/enable');
    expect(await isActive(t, 'alice')).toBe(true);
    expect(await login(t, ['alice', PASSWORD])).toEqual([200, 100, 'OK']);
    expect((await t.rpc('/rpc', 'isActiveUser', { user_id: id })).result).toBe(true);
  });

  test('a subadmin disables and enables an accessible member of their group', async () => {
    await succeeded(t, 'PUT', 1, 'users/carol/disable', { caller: as('sub') });
    expect(await isActive(t, 'carol')).toBe(false);
    expect((await login(t, ['carol', PASSWORD]))[1]).toBe(997);
    await succeeded(t, 'PUT', 2, 'users/carol/enable', { caller: as('sub') });
    expect(await isActive(t, 'carol')).toBe(true);
    expect((await login(t, ['carol', PASSWORD]))[1]).toBe(100);
  });

  test('a disabled subadmin loses access at once', async () => {
    await succeeded(t, 'PUT', 1, 'users/sub/disable');
    expect(await login(t, ['sub', PASSWORD])).toEqual([401, 997, 'Unauthorised']);
    const list = await ocsJson(t, 'GET', 2, 'users', { caller: as('sub') });
    expect([list.status, list.statuscode]).toEqual([401, 997]);
    await succeeded(t, 'PUT', 1, 'users/sub/enable');
    expect((await ocsJson(t, 'GET', 1, 'users', { caller: as('sub') })).data).toEqual({ users: ['admin', 'carol', 'sub'] });
  });
});

describe('DELETE /users/{id}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  const exists = async (username: string) => (await t.knex('users').where({ username }).first('id')) !== undefined;

  test('self precedes access: a subadmin who is in none of their groups deleting or disabling themself → 101', async () => {
    await createOcsUser(t, { userid: 'lone', subadmin: ['other'] });
    await refused(t, 'DELETE', 'users/lone', { caller: as('lone') }, 101);
    await refused(t, 'PUT', 'users/lone/disable', { caller: as('lone') }, 101);
    expect(await isActive(t, 'lone')).toBe(true);
    await succeeded(t, 'DELETE', 1, 'users/lone');
  });

  test('a missing user → 998 "" (v2 404)', async () => {
    await refused(t, 'DELETE', 'users/nobody', {}, 998);
    await refused(t, 'DELETE', 'users/nobody', { caller: as('sub') }, 998);
  });

  test('oneself → 101 "" (v2 400), for the admin and for a subadmin', async () => {
    await refused(t, 'DELETE', 'users/admin', {}, 101);
    await refused(t, 'DELETE', 'users/sub', { caller: as('sub') }, 101);
    expect(await exists('admin')).toBe(true);
    expect(await exists('sub')).toBe(true);
  });

  test('not accessible to the subadmin (outside their groups, or an admin) → 998 ""', async () => {
    await refused(t, 'DELETE', 'users/plain', { caller: as('sub') }, 998);
    await refused(t, 'DELETE', 'users/admin', { caller: as('sub') }, 998);
    expect(await exists('plain')).toBe(true);
    expect(await exists('admin')).toBe(true);
  });

  test('a plain caller → 403 Logged in account must be at least a sub admin', async () => {
    await refused(t, 'DELETE', 'users/alice', { caller: as('plain') }, 403, 'Logged in account must be at least a sub admin');
    expect(await exists('alice')).toBe(true);
  });

  test('success removes the user, its memberships, subadmin rows and app passwords', async () => {
    await createOcsUser(t, { userid: 'gone', groups: ['team', 'other'], subadmin: ['other'] });
    const id = await userId(t, 'gone');
    const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'cli' }, ['gone', PASSWORD]);
    const token = (minted.result as { token: string }).token;
    expect(typeof token).toBe('string');
    const counts = async () => ({
      users: (await t.knex('users').where({ id })).length,
      memberships: (await t.knex('group_has_users').where({ user_id: id })).length,
      subadmins: (await t.knex('group_subadmins').where({ user_id: id })).length,
      appPasswords: (await t.knex('app_passwords').where({ user_id: id })).length,
    });
    expect(await counts()).toEqual({ users: 1, memberships: 2, subadmins: 1, appPasswords: 1 });
    expect((await ocsJson(t, 'GET', 1, 'user', { caller: ['gone', token] })).statuscode).toBe(100);

    await succeeded(t, 'DELETE', 2, 'users/gone');
    expect(await counts()).toEqual({ users: 0, memberships: 0, subadmins: 0, appPasswords: 0 });
    expect(await login(t, ['gone', token])).toEqual([401, 997, 'Unauthorised']);
    expect(await login(t, ['gone', PASSWORD])).toEqual([401, 997, 'Unauthorised']);
    await refused(t, 'DELETE', 'users/gone', {}, 998);
    const read = await ocsJson(t, 'GET', 2, 'users/gone');
    expect([read.status, read.statuscode, read.message]).toEqual([404, 404, 'User does not exist']);
    expect((await ocsJson(t, 'GET', 1, 'groups/other/subadmins')).data).toEqual([]);
  });

  test('a subadmin deletes an accessible member of their group; the others stay', async () => {
    const id = await userId(t, 'carol');
    await succeeded(t, 'DELETE', 1, 'users/carol', { caller: as('sub') });
    expect(await exists('carol')).toBe(false);
    expect(await t.knex('group_has_users').where({ user_id: id })).toEqual([]);
    expect((await ocsJson(t, 'GET', 1, 'users')).data).toEqual({ users: ['admin', 'alice', 'bob', 'plain', 'sub'] });
  });

  test('the path id falls back to a unique case-insensitive match', async () => {
    await succeeded(t, 'DELETE', 1, 'users/BOB');
    expect(await exists('bob')).toBe(false);
  });
});
