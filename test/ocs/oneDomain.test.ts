/**
 * One domain behind both adapters (ocs-provisioning §2): what OCS writes, JSON-RPC reads and edits,
 * and the other way round; admin membership and the app-admin role are one fact; subadmin rows go
 * with their user or group; JSON-RPC user objects keep their allow-list.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, seedOcsFixtures, type OcsHttpMethod, type OcsRequestOptions } from '../helpers/ocs';

type Options = Omit<OcsRequestOptions, 'format'>;

/** The JSON-RPC user object allow-list (unchanged by the OCS additions, §2.4). */
const USER_KEYS = [
  'id', 'username', 'is_ldap_user', 'name', 'email', 'google_id', 'github_id', 'notifications_enabled',
  'timezone', 'language', 'disable_login_form', 'twofactor_activated', 'notifications_filter',
  'nb_failed_login', 'lock_expiration_date', 'gitlab_id', 'role', 'is_active', 'avatar_path', 'filter', 'theme',
];
const OCS_ONLY = ['quota', 'phone', 'address', 'website', 'twitter', 'last_login', 'lastLogin', 'display_name', 'displayname', 'groups', 'subadmin'];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
}, 120_000);
afterAll(() => t.close());

async function ok(method: OcsHttpMethod, path: string, options: Options = {}): Promise<Record<string, unknown>> {
  const a = await ocsJson(t, method, 1, path, options);
  expect({ http: a.status, statuscode: a.statuscode, text: a.text }).toMatchObject({ http: 200, statuscode: 100 });
  return a.data as Record<string, unknown>;
}

async function rpc(method: string, params?: unknown): Promise<unknown> {
  const answer = await t.rpc('/rpc', method, params);
  expect(answer).not.toHaveProperty('error');
  return answer.result;
}

type RpcUser = Record<string, unknown> & { id: number; username: string; name: string | null; email: string | null; role: string };
type RpcGroup = { id: number; name: string; external_id: string; nb_users: number };

const userByName = async (username: string) => (await rpc('getUserByName', { username })) as RpcUser;
const groupByName = async (name: string) => ((await rpc('getAllGroups')) as RpcGroup[]).find((g) => g.name === name);
const subadminRows = (where: Record<string, number>) => t.knex('group_subadmins').where(where).select('user_id', 'group_id');

describe('users across the adapters', () => {
  test('a user created over OCS is read over JSON-RPC with the same username, name and email, and edited there', async () => {
    await createOcsUser(t, { userid: 'olga', displayName: 'Olga Ortiz', email: 'olga@example.com' });
    const olga = await userByName('olga');
    expect(olga).toMatchObject({ username: 'olga', name: 'Olga Ortiz', email: 'olga@example.com', role: 'app-user', is_active: true });
    expect(await rpc('getUser', { user_id: olga.id })).toEqual(olga);
    expect(await rpc('updateUser', { id: olga.id, name: 'Olga Renamed', email: 'olga@example.org' })).toBe(true);
    expect(await ok('GET', 'users/olga')).toMatchObject({ id: 'olga', displayname: 'Olga Renamed', 'display-name': 'Olga Renamed', email: 'olga@example.org' });
    expect(await rpc('updateUser', { id: olga.id, username: 'olga2' })).toBe(true);
    expect(await ok('GET', 'users/olga2')).toMatchObject({ id: 'olga2', displayname: 'Olga Renamed' });
    expect((await ocsJson(t, 'GET', 2, 'users/olga')).status).toBe(404);
  });

  test('JSON-RPC clearing name and email: OCS falls back to the username and shows email null', async () => {
    await createOcsUser(t, { userid: 'fiona', displayName: 'Fiona F', email: 'fiona@example.com' });
    const fiona = await userByName('fiona');
    expect(await rpc('updateUser', { id: fiona.id, name: '', email: '' })).toBe(true);
    expect(await ok('GET', 'users/fiona')).toMatchObject({ email: null, displayname: 'fiona', 'display-name': 'fiona' });
  });

  test('JSON-RPC disableUser: OCS shows enabled false, counts it as disabled, and refuses its login', async () => {
    const carol = await userByName('carol');
    expect(await rpc('disableUser', { user_id: carol.id })).toBe(true);
    expect(await ok('GET', 'users/carol')).toMatchObject({ enabled: false });
    expect(await ok('GET', 'groups/details?search=team')).toMatchObject({ groups: [{ id: 'team', usercount: 2, disabled: 1 }] });
    expect((await ocsJson(t, 'GET', 1, 'user', { caller: as('carol') })).statuscode).toBe(997);
    await ok('PUT', 'users/carol/enable');
    expect(await rpc('isActiveUser', { user_id: carol.id })).toBe(true);
    expect(await ok('GET', 'user', { caller: as('carol') })).toMatchObject({ id: 'carol' });
  });

  test('a user created over JSON-RPC is visible and editable over OCS, and can log in there', async () => {
    const id = (await rpc('createUser', { username: 'rpcuser', password: 'rpc-secret-1', name: 'Rpc User', email: 'rpc@example.com' })) as number;
    expect(await ok('GET', 'users/rpcuser')).toMatchObject({
      enabled: true,
      id: 'rpcuser',
      backend: 'Database',
      email: 'rpc@example.com',
      displayname: 'Rpc User',
      groups: [],
      subadmin: [],
      quota: { quota: -3 },
    });
    expect(await ok('GET', 'users?search=rpc')).toEqual({ users: ['rpcuser'] });
    await ok('PUT', 'users/rpcuser', { form: { key: 'displayname', value: 'Edited Over OCS' } });
    await ok('PUT', 'users/rpcuser', { form: { key: 'email', value: 'edited@example.com' } });
    expect(await rpc('getUser', { user_id: id })).toMatchObject({ username: 'rpcuser', name: 'Edited Over OCS', email: 'edited@example.com' });
    expect(await ok('GET', 'user', { caller: ['rpcuser', 'rpc-secret-1'] })).toMatchObject({ id: 'rpcuser', displayname: 'Edited Over OCS' });
    await ok('PUT', 'users/rpcuser/disable');
    expect(await rpc('isActiveUser', { user_id: id })).toBe(false);
    expect(await rpc('enableUser', { user_id: id })).toBe(true);
    expect(await ok('GET', 'users/rpcuser')).toMatchObject({ enabled: true });
  });

  test('JSON-RPC createUser with role app-admin → OCS shows group admin; updateUser role app-user → membership gone', async () => {
    const id = (await rpc('createUser', { username: 'boss', password: 'boss-secret-1', role: 'app-admin' })) as number;
    expect(await ok('GET', 'users/boss')).toMatchObject({ groups: ['admin'] });
    expect(await ok('GET', 'groups/admin')).toEqual({ users: ['admin', 'boss'] });
    expect(await ok('GET', 'apps', { caller: ['boss', 'boss-secret-1'] })).toMatchObject({ apps: expect.any(Array) });
    expect(await rpc('updateUser', { id, role: 'app-user' })).toBe(true);
    expect(await ok('GET', 'users/boss')).toMatchObject({ groups: [] });
    expect(await ok('GET', 'groups/admin')).toEqual({ users: ['admin'] });
    expect((await ocsJson(t, 'GET', 2, 'apps', { caller: ['boss', 'boss-secret-1'] })).statuscode).toBe(403);
    expect(await rpc('updateUser', { id, role: 'app-admin' })).toBe(true);
    expect(await ok('GET', 'users/boss/groups')).toEqual({ groups: ['admin'] });
    expect(await rpc('updateUser', { id, role: 'app-manager' })).toBe(true);
    expect(await ok('GET', 'users/boss/groups')).toEqual({ groups: [] });
  });

  test('OCS add to and remove from admin ↔ the role; JSON-RPC group membership of admin ↔ the role', async () => {
    const carol = await userByName('carol');
    await ok('POST', 'users/carol/groups', { form: { groupid: 'admin' } });
    expect((await userByName('carol')).role).toBe('app-admin');
    await ok('DELETE', 'users/carol/groups', { form: { groupid: 'admin' } });
    expect((await userByName('carol')).role).toBe('app-user');
    const admin = (await groupByName('admin'))!;
    expect(await rpc('addGroupMember', { group_id: admin.id, user_id: carol.id })).toBe(true);
    expect(await ok('GET', 'users/carol/groups')).toEqual({ groups: ['admin', 'team'] });
    expect(await ok('GET', 'users/carol')).toMatchObject({ groups: ['admin', 'team'] });
    expect(await rpc('removeGroupMember', { group_id: admin.id, user_id: carol.id })).toBe(true);
    expect((await userByName('carol')).role).toBe('app-user');
    expect(await ok('GET', 'users/carol/groups')).toEqual({ groups: ['team'] });
  });

  test('JSON-RPC removeUser removes the subadmin rows of the user', async () => {
    await createOcsUser(t, { userid: 'temp', groups: ['other'], subadmin: ['other', 'team'] });
    const temp = await userByName('temp');
    expect(await subadminRows({ user_id: temp.id })).toHaveLength(2);
    expect(await ok('GET', 'groups/other/subadmins')).toEqual(['temp']);
    expect(await rpc('removeUser', { user_id: temp.id })).toBe(true);
    expect(await subadminRows({ user_id: temp.id })).toEqual([]);
    expect(await ok('GET', 'groups/team/subadmins')).toEqual(['sub']);
    expect(await ok('GET', 'groups/other/subadmins')).toEqual([]);
    expect((await ocsJson(t, 'GET', 2, 'users/temp')).status).toBe(404);
  });

  test('JSON-RPC user objects never show the OCS-only fields, even once they are set', async () => {
    await ok('PUT', 'users/alice', { form: { key: 'phone', value: '+49 30 1234' } });
    await ok('PUT', 'users/alice', { form: { key: 'address', value: 'Main Street 1' } });
    await ok('PUT', 'users/alice', { form: { key: 'website', value: 'https://alice.example.com' } });
    await ok('PUT', 'users/alice', { form: { key: 'twitter', value: '@alice' } });
    await ok('PUT', 'users/alice', { form: { key: 'quota', value: '1GB' } });
    expect(await ok('GET', 'users/alice')).toMatchObject({ phone: '+49 30 1234', quota: { quota: 1073741824 } });
    const alice = await userByName('alice');
    expect(Object.keys(alice)).toEqual(USER_KEYS);
    expect(Object.keys((await rpc('getUser', { user_id: alice.id })) as object)).toEqual(USER_KEYS);
    for (const user of (await rpc('getAllUsers')) as RpcUser[]) expect(Object.keys(user)).toEqual(USER_KEYS);
    const team = (await groupByName('team'))!;
    for (const member of (await rpc('getGroupMembers', { group_id: team.id })) as Record<string, unknown>[]) {
      expect(Object.keys(member)).toEqual(['group_id', 'user_id', ...USER_KEYS]);
    }
    const raw = JSON.stringify(await t.rpc('/rpc', 'getAllUsers'));
    for (const key of OCS_ONLY) expect(raw).not.toContain(`"${key}"`);
    expect(raw).not.toContain('Main Street');
  });
});

describe('groups across the adapters', () => {
  test('OCS-created groups appear in getAllGroups, with their members in getGroupMembers', async () => {
    await ok('POST', 'groups', { form: { groupid: 'ocsgroup', displayname: 'OCS Group' } });
    await ok('POST', 'users/alice/groups', { form: { groupid: 'ocsgroup' } });
    await ok('POST', 'users/bob/groups', { form: { groupid: 'ocsgroup' } });
    const group = (await groupByName('ocsgroup'))!;
    expect(group).toEqual({ id: expect.any(Number), name: 'ocsgroup', external_id: '', nb_users: 2 });
    const members = (await rpc('getGroupMembers', { group_id: group.id })) as Array<{ username: string; group_id: number }>;
    expect(members.map((m) => [m.username, m.group_id])).toEqual([['alice', group.id], ['bob', group.id]]);
    const bob = await userByName('bob');
    expect(((await rpc('getMemberGroups', { user_id: bob.id })) as RpcGroup[]).map((g) => g.name)).toEqual(['ocsgroup']);
  });

  test('JSON-RPC-created groups and members are visible over OCS', async () => {
    const id = (await rpc('createGroup', { name: 'RpcGroup', external_id: 'cn=rpc' })) as number;
    const carol = await userByName('carol');
    expect(await rpc('addGroupMember', { group_id: id, user_id: carol.id })).toBe(true);
    expect(await ok('GET', 'groups/RpcGroup')).toEqual({ users: ['carol'] });
    expect(await ok('GET', 'groups/details?search=rpcgroup')).toEqual({
      groups: [{ id: 'RpcGroup', displayname: 'RpcGroup', usercount: 1, disabled: 0, canAdd: true, canRemove: true }],
    });
    expect(await rpc('updateGroup', { group_id: id, name: 'RpcRenamed' })).toBe(true);
    expect(await ok('GET', 'users/carol/groups')).toEqual({ groups: ['RpcRenamed', 'team'] });
  });

  test('JSON-RPC removeGroup on a group with subadmins removes the subadmin rows', async () => {
    await ok('POST', 'groups', { form: { groupid: 'managed' } });
    await ok('POST', 'users/sub/subadmins', { form: { groupid: 'managed' } });
    await ok('POST', 'users/carol/subadmins', { form: { groupid: 'managed' } });
    await ok('POST', 'users/plain/groups', { form: { groupid: 'managed' } });
    const group = (await groupByName('managed'))!;
    expect(await subadminRows({ group_id: group.id })).toHaveLength(2);
    expect(await ok('GET', 'users/sub/subadmins')).toEqual(['managed', 'team']);
    expect(await ok('GET', 'users/plain', { caller: as('carol') })).toMatchObject({ id: 'plain' });
    expect(await rpc('removeGroup', { group_id: group.id })).toBe(true);
    expect(await subadminRows({ group_id: group.id })).toEqual([]);
    expect(await t.knex('group_has_users').where({ group_id: group.id })).toEqual([]);
    expect(await ok('GET', 'users/sub/subadmins')).toEqual(['team']);
    expect(await ok('GET', 'users/carol/subadmins')).toEqual([]);
    const carolReads = await ocsJson(t, 'GET', 2, 'users/plain', { caller: as('carol') });
    expect([carolReads.status, carolReads.statuscode]).toEqual([404, 998]);
    expect((await ocsJson(t, 'GET', 2, 'groups/managed')).status).toBe(404);
  });

  test('the admin group cannot be removed or renamed over JSON-RPC; its OCS display name can change', async () => {
    const admin = (await groupByName('admin'))!;
    expect(await t.rpc('/rpc', 'removeGroup', { group_id: admin.id })).toHaveProperty('error');
    expect(await t.rpc('/rpc', 'updateGroup', { group_id: admin.id, name: 'admins' })).toHaveProperty('error');
    await ok('PUT', 'groups/admin', { form: { key: 'displayname', value: 'Administrators' } });
    expect(await groupByName('admin')).toMatchObject({ id: admin.id, name: 'admin' });
    expect(await ok('GET', 'groups/details?search=Administrators')).toMatchObject({ groups: [{ id: 'admin', displayname: 'Administrators' }] });
  });
});
