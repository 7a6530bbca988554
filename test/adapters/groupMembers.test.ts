/** Group member procedures at both endpoints (§7.3, §16: the admin group is the app-admin role). */
import { startTestApp, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, adminObject, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall, userObject } from '../helpers/users';
import { expectDenied, groupObject, insertGroup, memberIds, roleOf } from '../helpers/groups';

let t: TestApp;
let bob: number;
let upper: number;
let spaced: number;
let plain: number;
const PLAIN = ['plain', 'plain-secret'] as const;
beforeAll(async () => {
  t = await startTestApp();
  bob = await t.createUser('bob', 'secret1', { name: 'Bob', email: 'bob@example.com' });
  upper = await t.createUser('BILOUTE', 'secret1', { role: 'app-manager' });
  spaced = await t.createUser('Biloute B', 'secret1', { name: null, email: null });
  plain = await t.createUser(...PLAIN);
});
afterAll(() => t.close());

let seq = 0;
const fresh = async (name?: string) => {
  seq += 1;
  return insertGroup(t, name ?? `members ${seq}`);
};
const MEMBER_ALREADY = { code: -32002, message: 'Already exists', data: { reason: 'already_exists', resource: 'group_member' } };
const idError = (path: string, keyword: string, message: string) => invalidParams({ instancePath: path, keyword, message });
const member = (groupId: number, user: Record<string, unknown>) => ({ group_id: groupId, user_id: user.id, ...user });

describe('addGroupMember / isGroupMember / getGroupMembers', () => {
  test('adds at both endpoints; members by username in byte order with the user object', async () => {
    const g = await fresh();
    expect(await rawCall(t, COMPAT, 'addGroupMember', [g, bob])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'addGroupMember', { group_id: String(g), user_id: String(spaced) })).toBe(ok(true));
    expect(await rawCall(t, COMPAT, 'addGroupMember', { group_id: g, user_id: upper })).toBe(ok(true));
    expect(await memberIds(t, g)).toEqual([bob, upper, spaced].sort((a, b) => a - b));
    await expectBoth(t, 'getGroupMembers', [g], [
      member(g, userObject(upper, 'BILOUTE', { role: 'app-manager' })),
      member(g, userObject(spaced, 'Biloute B', { name: null, email: null })),
      member(g, userObject(bob, 'bob', { name: 'Bob', email: 'bob@example.com' })),
    ]);
    await expectBoth(t, 'isGroupMember', [g, bob], true);
    await expectBoth(t, 'isGroupMember', { group_id: g, user_id: plain }, false);
    expect(await roleOf(t, upper)).toBe('app-manager');
  });

  test('getGroupMembers §6.2 member order is exact', async () => {
    const g = await fresh();
    await rawCall(t, STRICT, 'addGroupMember', [g, 1]);
    const text = await rawCall(t, COMPAT, 'getGroupMembers', { group_id: g });
    expect(text).toBe(
      `{"jsonrpc":"2.0","result":[{"group_id":${g},"user_id":1,"id":1,"username":"admin","is_ldap_user":false,"name":null,"email":null,"google_id":null,"github_id":null,"notifications_enabled":false,"timezone":null,"language":null,"disable_login_form":false,"twofactor_activated":false,"notifications_filter":4,"nb_failed_login":0,"lock_expiration_date":0,"gitlab_id":null,"role":"app-admin","is_active":true,"avatar_path":null,"filter":null,"theme":"light"}],"id":1}`,
    );
    expect(JSON.parse(text).result).toEqual([member(g, adminObject())]);
    await expectBoth(t, 'getGroupMembers', [await fresh()], []);
  });

  test('already a member → false / -32002 group_member; nothing changes', async () => {
    const g = await fresh();
    await rawCall(t, STRICT, 'addGroupMember', [g, bob]);
    await expectFailure(t, 'addGroupMember', [g, bob], false, MEMBER_ALREADY);
    expect(await memberIds(t, g)).toEqual([bob]);
  });

  test('unknown group, then user, is checked in that order', async () => {
    const g = await fresh();
    await expectFailure(t, 'addGroupMember', [9999, 8888], false, notFound('group', 9999));
    await expectFailure(t, 'addGroupMember', [9999, bob], false, notFound('group', 9999));
    await expectFailure(t, 'addGroupMember', [g, 8888], false, notFound('user', 8888));
    await expectFailure(t, 'isGroupMember', [9999, 8888], false, notFound('group', 9999));
    await expectFailure(t, 'isGroupMember', { group_id: g, user_id: 8888 }, false, notFound('user', 8888));
    await expectFailure(t, 'getGroupMembers', [9999], [], notFound('group', 9999));
    expect(await memberIds(t, 9999)).toEqual([]);
    expect(await memberIds(t, g)).toEqual([]);
  });

  test('concurrent duplicates: exactly one true, the others already exist, never an internal error', async () => {
    const g = await fresh();
    const fire = (endpoint: typeof COMPAT | typeof STRICT) =>
      Promise.all(Array.from({ length: 5 }, () => t.call(endpoint, { jsonrpc: '2.0', method: 'addGroupMember', params: [g, bob], id: 1 })));
    const compat = await fire(COMPAT);
    expect(compat.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(compat.map((r) => r.text).sort()).toEqual([ok(false), ok(false), ok(false), ok(false), ok(true)]);
    await rawCall(t, STRICT, 'removeGroupMember', [g, bob]);
    const strict = await fire(STRICT);
    expect(strict.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const texts = strict.map((r) => r.text);
    expect(texts.filter((x) => x === ok(true))).toHaveLength(1);
    expect(texts.filter((x) => x === err(MEMBER_ALREADY))).toHaveLength(4);
    expect(await memberIds(t, g)).toEqual([bob]);
  });
});

describe('removeGroupMember', () => {
  test('removes at both endpoints; then not a member → false / -32001 group_member', async () => {
    const g = await fresh();
    await rawCall(t, STRICT, 'addGroupMember', [g, bob]);
    await rawCall(t, STRICT, 'addGroupMember', [g, spaced]);
    expect(await rawCall(t, COMPAT, 'removeGroupMember', [g, bob])).toBe(ok(true));
    expect(await memberIds(t, g)).toEqual([spaced]);
    expect(await rawCall(t, STRICT, 'removeGroupMember', { group_id: g, user_id: String(spaced) })).toBe(ok(true));
    expect(await memberIds(t, g)).toEqual([]);
    const notMember = { code: -32001, message: 'Not found', data: { reason: 'not_found', resource: 'group_member' } };
    await expectFailure(t, 'removeGroupMember', [g, bob], false, notMember);
    await expectBoth(t, 'isGroupMember', [g, bob], false);
    expect(await roleOf(t, bob)).toBe('app-user');
  });

  test('unknown group, then user', async () => {
    const g = await fresh();
    await expectFailure(t, 'removeGroupMember', [9999, 8888], false, notFound('group', 9999));
    await expectFailure(t, 'removeGroupMember', [g, 8888], false, notFound('user', 8888));
  });
});

describe('getMemberGroups', () => {
  test('groups by name in byte order; [] for a user without groups', async () => {
    const user = await t.createUser('collector');
    const lower = await fresh('b-lower');
    const capital = await fresh('B-upper');
    const under = await fresh('B_under');
    for (const g of [lower, capital, under]) await rawCall(t, STRICT, 'addGroupMember', [g, user]);
    await t.knex('groups').where({ id: capital }).update({ external_id: 'ext-B' });
    await expectBoth(t, 'getMemberGroups', [user], [groupObject(capital, 'B-upper', 'ext-B'), groupObject(under, 'B_under'), groupObject(lower, 'b-lower')]);
    await expectBoth(t, 'getMemberGroups', { user_id: String(plain) }, []);
    const boss = await t.createUser('boss', 'secret1', { role: 'app-admin' });
    await expectBoth(t, 'getMemberGroups', [boss], [groupObject(1, 'admin')]);
    await rawCall(t, STRICT, 'removeGroupMember', [1, boss]);
    await expectBoth(t, 'getMemberGroups', [boss], []);
  });

  test('unknown user → [] / -32001 user', async () => {
    await expectFailure(t, 'getMemberGroups', [9999], [], notFound('user', 9999));
  });
});

describe('the admin group is the app-admin role (§16)', () => {
  test('addGroupMember(admin) makes app-admin; removeGroupMember(admin) makes app-user', async () => {
    const user = await t.createUser('promoted', 'secret1', { role: 'app-manager' });
    expect(await rawCall(t, COMPAT, 'addGroupMember', [1, user])).toBe(ok(true));
    expect(await roleOf(t, user)).toBe('app-admin');
    await expectBoth(t, 'getUser', [user], userObject(user, 'promoted', { role: 'app-admin' }));
    await expectBoth(t, 'isGroupMember', [1, user], true);
    expect(await memberIds(t, 1)).toEqual([1, user]);

    expect(await rawCall(t, STRICT, 'removeGroupMember', [1, user])).toBe(ok(true));
    expect(await roleOf(t, user)).toBe('app-user');
    await expectBoth(t, 'getUser', [user], userObject(user, 'promoted'));
    expect(await memberIds(t, 1)).toEqual([1]);

    expect(await rawCall(t, STRICT, 'addGroupMember', { group_id: 1, user_id: user })).toBe(ok(true));
    expect(await roleOf(t, user)).toBe('app-admin');
    expect(await rawCall(t, COMPAT, 'removeGroupMember', { group_id: '1', user_id: user })).toBe(ok(true));
    expect(await roleOf(t, user)).toBe('app-user');
  });

  test('the new admin may call app-admin procedures; removed again it may not', async () => {
    const user = await t.createUser('acting', 'acting-secret');
    const creds = ['acting', 'acting-secret'] as const;
    await expectDenied(t, 'getAllGroups', [], creds);
    await rawCall(t, STRICT, 'addGroupMember', [1, user]);
    const res = await t.call(STRICT, { jsonrpc: '2.0', method: 'getGroupMembers', params: [1], id: 1 }, creds);
    expect(JSON.parse(res.text).result.map((m: { username: string }) => m.username)).toEqual(['acting', 'admin']);
    await rawCall(t, STRICT, 'removeGroupMember', [1, user]);
    await expectDenied(t, 'getAllGroups', [], creds);
  });

  test('other groups leave the role alone; failed admin calls change nothing', async () => {
    const g = await fresh();
    await rawCall(t, STRICT, 'addGroupMember', [g, upper]);
    await rawCall(t, STRICT, 'removeGroupMember', [g, upper]);
    expect(await roleOf(t, upper)).toBe('app-manager');
    await expectFailure(t, 'removeGroupMember', [1, upper], false, { code: -32001, message: 'Not found', data: { reason: 'not_found', resource: 'group_member' } });
    expect(await roleOf(t, upper)).toBe('app-manager');
    await expectFailure(t, 'addGroupMember', [1, 1], false, MEMBER_ALREADY);
    expect(await roleOf(t, 1)).toBe('app-admin');
  });
});

describe('invalid params', () => {
  const bad: [string, unknown[], unknown, string, string, string][] = [
    ['getMemberGroups', ['abc'], [], '/user_id', 'pattern', 'must match pattern "^[0-9]{1,10}$"'],
    ['getGroupMembers', [0], [], '/group_id', 'minimum', 'must be >= 1'],
    ['addGroupMember', [2, 2.5], false, '/user_id', 'type', 'must be integer,string'],
    ['removeGroupMember', ['2147483648', 2], false, '/group_id', 'maximum', 'must be <= 2147483647'],
    ['isGroupMember', [{}, 2], false, '/group_id', 'type', 'must be integer,string'],
  ];
  test.each(bad)('%s(%j) → %j / -32602', async (method, params, failure, path, keyword, message) => {
    await expectFailure(t, method, params, failure, idError(path, keyword, message));
  });

  test('missing and extra params', async () => {
    expect(await rawCall(t, COMPAT, 'addGroupMember', [2])).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Wrong number of arguments"},"id":1}',
    );
    expect(await rawCall(t, STRICT, 'isGroupMember', { group_id: 2 })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'user_id'" })),
    );
    expect(await rawCall(t, STRICT, 'getGroupMembers', [2, 3])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 1 items' })),
    );
  });
});

describe('access', () => {
  test.each([
    ['getMemberGroups', [1]],
    ['getGroupMembers', [1]],
    ['addGroupMember', [1, 5]],
    ['removeGroupMember', [1, 1]],
    ['isGroupMember', [1, 1]],
  ])('%s: an app-user gets 403 / -32003; nothing changes', async (method, params) => {
    await expectDenied(t, method, params, PLAIN);
    expect(await memberIds(t, 1)).toEqual([1]);
    expect(await roleOf(t, plain)).toBe('app-user');
  });
});
