/**
 * Regression (known upstream bugs, ocs-provisioning §2.3 and §12 #26): a subadmin manages only
 * *accessible* users — non-admin members of a group they administer. Not an admin, even one who is
 * a member of the subadmin's own groups; not a user outside their groups. Every way of acting on a
 * user is tried (read, edit each kind of field, password, disable, enable, delete, group
 * membership, welcome email), each refusal is checked on the wire, and the target's row,
 * memberships and subadmin rights must be unchanged afterwards.
 */
import { ocsJson } from '../helpers/ocs';
import { userState } from './userState';
import { createWorld, PASSWORD, type TargetUser, type World } from './world';

let w: World;
let admin2: TargetUser;
let outsider: TargetUser;
beforeAll(async () => {
  w = await createWorld();
  // an app-admin who is a member of both of subT's groups team and crew (through the API, so the admin group follows the role)
  const id = await w.t.createUser('authz-admin2', PASSWORD, { role: 'app-admin', email: 'admin2@example.com' });
  for (const group of [w.groups.team, w.groups.crew]) expect((await w.t.rpc('/rpc', 'addGroupMember', { group_id: group, user_id: id })).result).toBe(true);
  admin2 = { id, username: 'authz-admin2' };
  // a user only in `other`, which subT does not administer
  const outsiderId = await w.t.createUser('authz-outsider', PASSWORD, { email: 'outsider@example.com' });
  expect((await w.t.rpc('/rpc', 'addGroupMember', { group_id: w.groups.other, user_id: outsiderId })).result).toBe(true);
  outsider = { id: outsiderId, username: 'authz-outsider' };
});
afterAll(() => w.close());

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** [method, path after users/<target>, form, statuscode]: every way of acting on one user, with the §6 refusal. */
const ACTIONS: readonly [string, Method, string, Record<string, string> | undefined, number][] = [
  ['read', 'GET', '', undefined, 998],
  ['read the groups', 'GET', '/groups', undefined, 998],
  ['edit the email', 'PUT', '', { key: 'email', value: 'taken-over@example.com' }, 101],
  ['edit the display name', 'PUT', '', { key: 'displayname', value: 'Taken over' }, 101],
  ['set the password', 'PUT', '', { key: 'password', value: 'Taken-over-1' }, 101],
  ['set the quota', 'PUT', '', { key: 'quota', value: '1GB' }, 101],
  ['disable', 'PUT', '/disable', undefined, 998],
  ['enable', 'PUT', '/enable', undefined, 998],
  ['delete', 'DELETE', '', undefined, 998],
  ['add to a group of the subadmin', 'POST', '/groups', { groupid: 'pool' }, 104],
  ['remove from a group of the subadmin', 'DELETE', '/groups', { groupid: 'team' }, 104],
  ['send the welcome email', 'POST', '/welcome', undefined, 998],
];

const V2_HTTP: Record<number, number> = { 998: 404, 101: 400, 104: 400 };

async function act(caller: 'subT' | 'subO', target: TargetUser, method: Method, suffix: string, form: Record<string, string> | undefined) {
  const answer = await ocsJson(w.t, method, 2, `users/${target.username}${suffix}`, { caller: w.auth[caller] as readonly [string, string], form });
  return { status: answer.status, statuscode: answer.statuscode, data: answer.data };
}

describe('a subadmin acting on an admin in their own group', () => {
  test.each(ACTIONS)('cannot %s', async (_what, method, suffix, form, statuscode) => {
    const before = await userState(w, admin2.id);
    expect(await act('subT', admin2, method, suffix, form)).toEqual({ status: V2_HTTP[statuscode], statuscode, data: [] });
    expect(await userState(w, admin2.id)).toEqual(before);
  });

  test('cannot read the editable fields, and sees only the id in the lists (§6.2, §6.7, §7.5)', async () => {
    const caller = w.auth.subT as readonly [string, string];
    expect((await ocsJson(w.t, 'GET', 2, `user/fields/${admin2.username}`, { caller })).statuscode).toBe(998);
    const details = await ocsJson(w.t, 'GET', 2, 'users/details', { caller });
    expect((details.data as { users: Record<string, unknown> }).users[admin2.username]).toEqual({ id: admin2.username });
    const members = await ocsJson(w.t, 'GET', 2, 'groups/team/users/details', { caller });
    expect((members.data as { users: Record<string, unknown> }).users[admin2.username]).toEqual({ id: admin2.username });
  });

  test('the admin still logs in with their own password afterwards', async () => {
    expect((await w.t.rpc('/rpc', 'getMe', undefined, [admin2.username, PASSWORD])).result).toMatchObject({ username: admin2.username, role: 'app-admin', is_active: true });
  });
});

describe('a subadmin acting on a user outside their groups', () => {
  test.each(ACTIONS)('subO on a member of team: cannot %s', async (_what, method, suffix, form, statuscode) => {
    const target = await w.shared.user();
    const before = await userState(w, target.id);
    expect(await act('subO', target, method, suffix, form)).toEqual({ status: V2_HTTP[statuscode], statuscode, data: [] });
    expect(await userState(w, target.id)).toEqual(before);
  });

  test.each(ACTIONS)('subT on a member of other only: cannot %s', async (_what, method, suffix, form, statuscode) => {
    const before = await userState(w, outsider.id);
    expect(await act('subT', outsider, method, suffix, form)).toEqual({ status: V2_HTTP[statuscode], statuscode, data: [] });
    expect(await userState(w, outsider.id)).toEqual(before);
  });

  test('cannot pull an outsider into their own group (§12 #26)', async () => {
    const target = await w.shared.user();
    const before = await userState(w, target.id);
    expect(await act('subO', target, 'POST', '/groups', { groupid: 'other' })).toEqual({ status: 400, statuscode: 104, data: [] });
    expect(await userState(w, target.id)).toEqual(before);
  });

  test('cannot list or read the members of a group they do not administer (§7.4, §7.5)', async () => {
    const caller = w.auth.subO as readonly [string, string];
    expect((await ocsJson(w.t, 'GET', 2, 'groups/team', { caller })).statuscode).toBe(403);
    expect((await ocsJson(w.t, 'GET', 2, 'groups/team/users/details', { caller })).statuscode).toBe(998);
    const listed = await ocsJson(w.t, 'GET', 2, 'users', { caller });
    expect((listed.data as { users: string[] }).users).not.toContain((await w.shared.user()).username);
  });

  test('control: the same actions on an accessible user are allowed (subT on a member of team)', async () => {
    const target = await w.fresh().user();
    expect((await act('subT', target, 'PUT', '', { key: 'email', value: 'changed@example.com' })).statuscode).toBe(200);
    expect((await act('subT', target, 'POST', '/groups', { groupid: 'pool' })).statuscode).toBe(200);
    expect((await act('subT', target, 'PUT', '/disable', undefined)).statuscode).toBe(200);
    expect(await userState(w, target.id)).toMatchObject({ row: { email: 'changed@example.com', is_active: false }, memberOf: ['crew', 'pool', 'team'] });
  });
});

describe('subadmin rights give nothing on JSON-RPC', () => {
  test('removeUser, disableUser, updateUser and addGroupMember on an admin or an outsider are 403', async () => {
    const caller = w.auth.subT as readonly [string, string];
    const states = [await userState(w, admin2.id), await userState(w, outsider.id)];
    for (const target of [admin2, outsider]) {
      for (const [method, params] of [
        ['removeUser', { user_id: target.id }],
        ['disableUser', { user_id: target.id }],
        ['updateUser', { id: target.id, email: 'taken-over@example.com' }],
        ['addGroupMember', { group_id: w.groups.pool, user_id: target.id }],
      ] as const) {
        const res = await w.t.call('/rpc', { jsonrpc: '2.0', method, params, id: 1 }, caller);
        expect({ method, error: res.body.error }).toEqual({ method, error: { code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'app-admin' } } });
      }
    }
    expect([await userState(w, admin2.id), await userState(w, outsider.id)]).toEqual(states);
  });
});
