/**
 * Regression (a known upstream class of bug): nobody but an admin gets into the group `admin` — the
 * app-admin role (kanboard-jsonrpc §16, ocs-provisioning §2.2) — or gains subadmin rights, by any
 * surface: not by adding themself over OCS or JSON-RPC, not by editing their own role, not by
 * promoting themself to subadmin, and a subadmin not by creating users into `admin`. Each refusal
 * is checked on the wire and in the database (role, memberships, subadmin rights unchanged).
 */
import { ocsJson } from '../helpers/ocs';
import { COMPAT_FORBIDDEN } from '../helpers/protocol';
import type { Column } from './columns';
import { adminGroupMembers, userState } from './userState';
import { createWorld, type World } from './world';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

/** Users that are not admins: plain ones, an app-manager, a project manager, both subadmins, an OIDC app password. */
const CALLERS = ['user', 'mgr', 'pmgr', 'subT', 'subO', 'oidc'] as const satisfies readonly Column[];
const credentials = (column: (typeof CALLERS)[number]) => w.auth[column] as readonly [string, string];
const LEVEL_A = 'Logged in account must be an admin';
const LEVEL_B = 'Logged in account must be at least a sub admin';

async function ocs(column: (typeof CALLERS)[number], method: 'POST' | 'PUT', path: string, form: Record<string, string | string[]>) {
  const answer = await ocsJson(w.t, method, 2, path, { caller: credentials(column), form });
  return { status: answer.status, statuscode: answer.statuscode, message: answer.message };
}

async function rpc(column: (typeof CALLERS)[number], method: string, params: object) {
  const body = { jsonrpc: '2.0', method, params, id: 1 };
  const compat = await w.t.call('/jsonrpc.php', body, credentials(column));
  const strict = await w.t.call('/rpc', body, credentials(column));
  return [compat.status, compat.text, strict.status, strict.text];
}

const strictForbidden = JSON.stringify({ jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'app-admin' } }, id: 1 });

describe.each(CALLERS)('%s cannot make themself an admin', (column) => {
  test('not over OCS: joining admin, promoting themself to subadmin, editing their role', async () => {
    const self = w.user[column];
    const before = await userState(w, self.id);
    const admins = await adminGroupMembers(w);
    const subadmin = column === 'subT' || column === 'subO';
    const path = `users/${self.username}`;

    // §6.11 check 4: a subadmin is not subadmin of admin (never can be, §2.3); others fail level B first
    expect(await ocs(column, 'POST', `${path}/groups`, { groupid: 'admin' })).toEqual(
      subadmin ? { status: 400, statuscode: 104, message: '' } : { status: 403, statuscode: 403, message: LEVEL_B },
    );
    for (const groupid of ['admin', 'team', 'other']) {
      expect(await ocs(column, 'POST', `${path}/subadmins`, { groupid })).toEqual({ status: 403, statuscode: 403, message: LEVEL_A });
    }
    // there is no role key (§12 #23): an unknown key is 113
    expect(await ocs(column, 'PUT', path, { key: 'role', value: 'app-admin' })).toEqual({ status: 400, statuscode: 113, message: '' });

    expect(await userState(w, self.id)).toEqual(before);
    expect(await adminGroupMembers(w)).toEqual(admins);
  });

  test('not over JSON-RPC: addGroupMember on admin, updateUser or createUser with role app-admin, nor in a batch', async () => {
    const self = w.user[column];
    const before = await userState(w, self.id);
    const admins = await adminGroupMembers(w);
    const users = await w.t.knex('users').count({ n: '*' }).first();
    const denied = [403, COMPAT_FORBIDDEN, 200, strictForbidden];

    expect(await rpc(column, 'addGroupMember', { group_id: w.groups.admin, user_id: self.id })).toEqual(denied);
    expect(await rpc(column, 'updateUser', { id: self.id, role: 'app-admin' })).toEqual(denied);
    expect(await rpc(column, 'createUser', { username: w.unique('authz-sneaky'), password: 'password1', role: 'app-admin' })).toEqual(denied);
    // §5.4: one denied element denies the whole compat batch, so the harmless first element does not run either
    const batch = [
      { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'decoy' }, id: 1 },
      { jsonrpc: '2.0', method: 'addGroupMember', params: [w.groups.admin, self.id], id: 2 },
    ];
    const res = await w.t.call('/jsonrpc.php', batch, credentials(column));
    expect([res.status, res.text]).toEqual([403, COMPAT_FORBIDDEN]);

    expect(await userState(w, self.id)).toEqual(before);
    expect(await adminGroupMembers(w)).toEqual(admins);
    expect(await w.t.knex('users').count({ n: '*' }).first()).toEqual(users);
  });
});

describe('a subadmin creating or changing users (ocs-provisioning §6.3, §6.11)', () => {
  test('cannot create a user in admin, a subadmin of admin or a subadmin of a group they do not administer', async () => {
    const users = await w.t.knex('users').count({ n: '*' }).first();
    const subadminRows = await w.t.knex('group_subadmins').count({ n: '*' }).first();
    const create = (form: Record<string, string | string[]>) => ocs('subT', 'POST', 'users', { userid: w.unique('authz-made'), password: 'Fresh-pw-1', ...form });
    expect(await create({ groups: ['admin'] })).toEqual({ status: 400, statuscode: 105, message: 'insufficient privileges for group admin' });
    expect(await create({ groups: ['team', 'admin'] })).toEqual({ status: 400, statuscode: 105, message: 'insufficient privileges for group admin' });
    expect(await create({ groups: ['team'], subadmin: ['admin'] })).toEqual({ status: 400, statuscode: 103, message: 'Cannot create subadmins for admin group' });
    expect(await create({ groups: ['team'], subadmin: ['other'] })).toEqual({ status: 403, statuscode: 403, message: 'No permissions to promote subadmins' });
    expect(await w.t.knex('users').count({ n: '*' }).first()).toEqual(users);
    expect(await w.t.knex('group_subadmins').count({ n: '*' }).first()).toEqual(subadminRows);
  });

  test('cannot put a user of their own group into admin', async () => {
    const target = await w.fresh().user();
    const before = await userState(w, target.id);
    expect(await ocs('subT', 'POST', `users/${target.username}/groups`, { groupid: 'admin' })).toEqual({ status: 400, statuscode: 104, message: '' });
    expect(await userState(w, target.id)).toEqual(before);
    expect(before.row?.role).toBe('app-user');
  });

  test('control: an admin can, and the role follows the membership', async () => {
    const target = await w.fresh().user();
    const answer = await ocsJson(w.t, 'POST', 2, `users/${target.username}/groups`, { caller: w.auth.admin as readonly [string, string], form: { groupid: 'admin' } });
    expect(answer.statuscode).toBe(200);
    const after = await userState(w, target.id);
    expect({ role: after.row?.role, admin: after.memberOf.includes('admin') }).toEqual({ role: 'app-admin', admin: true });
  });
});
