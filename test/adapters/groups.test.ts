/** createGroup, updateGroup, removeGroup and getGroup at both endpoints (§7.2, §12, §14, §16). */
import { ADMIN, startTestApp, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, alreadyExists, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { COMPAT_WRONG } from '../helpers/protocol';
import { ADMIN_GROUP_FORBIDDEN, MIN_PROPERTIES, expectDenied, groupObject, groupRow, insertGroup, memberIds } from '../helpers/groups';

let t: TestApp;
let plainUser: number;
const PLAIN = ['plain', 'plain-secret'] as const;
beforeAll(async () => {
  t = await startTestApp();
  plainUser = await t.createUser(...PLAIN);
});
afterAll(() => t.close());

let seq = 0;
const fresh = async (external_id = '') => {
  seq += 1;
  return insertGroup(t, `fresh ${seq}`, external_id);
};

const nameError = (keyword: string, message: string, instancePath = '/name') => ({ instancePath, keyword, message });
const TOO_SHORT = nameError('minLength', 'must NOT have fewer than 1 characters');
const ONLY_SPACE = nameError('pattern', 'must match pattern "\\S"');
const idError = (keyword: string, message: string) => invalidParams({ instancePath: '/group_id', keyword, message });

describe('createGroup', () => {
  test('§14: the first group is id 2 (admin is 1); getGroup byte for byte at both endpoints', async () => {
    const res = await t.call(COMPAT, '{"jsonrpc":"2.0","method":"createGroup","params":["My Group A"],"id":9}');
    expect(res.text).toBe('{"jsonrpc":"2.0","result":2,"id":9}');
    const expected = '{"jsonrpc":"2.0","result":{"id":2,"external_id":"","name":"My Group A"},"id":10}';
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getGroup","params":[2],"id":10}')).text).toBe(expected);
    expect((await t.call(STRICT, '{"jsonrpc":"2.0","method":"getGroup","params":[2],"id":10}')).text).toBe(expected);
    expect(await groupRow(t, 2)).toEqual({ id: 2, name: 'My Group A', external_id: '' });
    await expectBoth(t, 'getGroup', [1], groupObject(1, 'admin'));
  });

  test('named and positional, with external_id; null external_id is stored as ""', async () => {
    const a = JSON.parse(await rawCall(t, STRICT, 'createGroup', { name: 'ext group', external_id: 'cn=ext,dc=example' })).result;
    expect(await groupRow(t, a)).toEqual({ id: a, name: 'ext group', external_id: 'cn=ext,dc=example' });
    const b = JSON.parse(await rawCall(t, COMPAT, 'createGroup', ['null ext', null])).result;
    expect(await groupRow(t, b)).toEqual({ id: b, name: 'null ext', external_id: '' });
    const c = JSON.parse(await rawCall(t, STRICT, 'createGroup', { name: 'null ext strict', external_id: null })).result;
    expect(await groupRow(t, c)).toEqual({ id: c, name: 'null ext strict', external_id: '' });
    await expectBoth(t, 'getGroup', { group_id: String(a) }, groupObject(a, 'ext group', 'cn=ext,dc=example'));
    expect([b, c]).toEqual([a + 1, a + 2]);
  });

  test('the name is stored as given: not trimmed, case-sensitive, 191 characters allowed', async () => {
    const spaced = JSON.parse(await rawCall(t, COMPAT, 'createGroup', ['  spaced\t'])).result;
    expect((await groupRow(t, spaced))!.name).toBe('  spaced\t');
    const upper = JSON.parse(await rawCall(t, STRICT, 'createGroup', ['MY GROUP A'])).result;
    expect((await groupRow(t, upper))!.name).toBe('MY GROUP A');
    const long = 'é'.repeat(191);
    const longId = JSON.parse(await rawCall(t, STRICT, 'createGroup', [long])).result;
    expect((await groupRow(t, longId))!.name).toBe(long);
  });

  test('compat turns a number into its decimal text; strict refuses it', async () => {
    const id = JSON.parse(await rawCall(t, COMPAT, 'createGroup', [123456, 42])).result;
    expect(await groupRow(t, id)).toEqual({ id, name: '123456', external_id: '42' });
    expect(await rawCall(t, STRICT, 'createGroup', [654321])).toBe(err(invalidParams(nameError('type', 'must be string'))));
  });

  test('duplicate name (also "admin") → false / -32002; nothing stored', async () => {
    await insertGroup(t, 'dup');
    const before = await t.knex('groups').count({ n: '*' }).first();
    await expectFailure(t, 'createGroup', ['dup'], false, alreadyExists('group', 'name'));
    await expectFailure(t, 'createGroup', { name: 'admin', external_id: 'x' }, false, alreadyExists('group', 'name'));
    expect(await t.knex('groups').count({ n: '*' }).first()).toEqual(before);
  });

  test.each([
    ['', [TOO_SHORT, ONLY_SPACE]],
    [' \t\n ', [ONLY_SPACE]],
    ['g'.repeat(192), [nameError('maxLength', 'must NOT have more than 191 characters')]],
    [null, [nameError('type', 'must be string')]],
    [['a'], [nameError('type', 'must be string')]],
  ])('invalid name %j → false / -32602', async (name, errors) => {
    const before = await t.knex('groups').count({ n: '*' }).first();
    await expectFailure(t, 'createGroup', { name }, false, invalidParams(...errors));
    expect(await t.knex('groups').count({ n: '*' }).first()).toEqual(before);
  });

  test('invalid external_id and wrong arguments', async () => {
    await expectFailure(t, 'createGroup', ['long ext', 'x'.repeat(256)], false, invalidParams(nameError('maxLength', 'must NOT have more than 255 characters', '/external_id')));
    expect(await rawCall(t, COMPAT, 'createGroup', [])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'createGroup', ['a', 'b', 'c'])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(t, STRICT, 'createGroup', { external_id: 'x' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'name'" })),
    );
    expect(await groupRow(t, 9999)).toBeUndefined();
  });
});

describe('updateGroup', () => {
  test('name and external_id, each on its own, named and positional; null = unchanged', async () => {
    const id = await fresh('ext-0');
    expect(await rawCall(t, COMPAT, 'updateGroup', { group_id: id, name: `renamed ${id}` })).toBe(ok(true));
    expect(await groupRow(t, id)).toEqual({ id, name: `renamed ${id}`, external_id: 'ext-0' });
    expect(await rawCall(t, STRICT, 'updateGroup', [id, null, 'ext-1'])).toBe(ok(true));
    expect(await groupRow(t, id)).toEqual({ id, name: `renamed ${id}`, external_id: 'ext-1' });
    expect(await rawCall(t, STRICT, 'updateGroup', { group_id: String(id), name: `both ${id}`, external_id: '' })).toBe(ok(true));
    expect(await groupRow(t, id)).toEqual({ id, name: `both ${id}`, external_id: '' });
    await expectBoth(t, 'getGroup', [id], groupObject(id, `both ${id}`));
  });

  test('own name again → true', async () => {
    const id = await fresh();
    const { name } = (await groupRow(t, id))!;
    await expectBoth(t, 'updateGroup', { group_id: id, name }, true);
    expect((await groupRow(t, id))!.name).toBe(name);
  });

  test('only the id (or only nulls) → false / minProperties; nothing changes', async () => {
    const id = await fresh('keep');
    const before = await groupRow(t, id);
    await expectFailure(t, 'updateGroup', { group_id: id }, false, invalidParams(MIN_PROPERTIES));
    await expectFailure(t, 'updateGroup', [id], false, invalidParams(MIN_PROPERTIES));
    await expectFailure(t, 'updateGroup', { group_id: id, name: null, external_id: null }, false, invalidParams(MIN_PROPERTIES));
    expect(await groupRow(t, id)).toEqual(before);
  });

  test('unknown id → false / -32001 group', async () => {
    await expectFailure(t, 'updateGroup', { group_id: 9999, name: 'x' }, false, notFound('group', 9999));
    await expectFailure(t, 'updateGroup', [9999, null, 'e'], false, notFound('group', 9999));
    expect(await groupRow(t, 9999)).toBeUndefined();
  });

  test('duplicate name → false / -32002; nothing changes', async () => {
    const a = await fresh();
    const b = await fresh();
    const before = await groupRow(t, b);
    await expectFailure(t, 'updateGroup', { group_id: b, name: `fresh ${seq - 1}`, external_id: 'y' }, false, alreadyExists('group', 'name'));
    await expectFailure(t, 'updateGroup', { group_id: b, name: 'admin' }, false, alreadyExists('group', 'name'));
    expect(await groupRow(t, b)).toEqual(before);
    expect(a).toBe(b - 1);
  });

  test.each([
    [{ name: '' }, [TOO_SHORT, ONLY_SPACE]],
    [{ name: '   ' }, [ONLY_SPACE]],
    [{ name: 'n'.repeat(192) }, [nameError('maxLength', 'must NOT have more than 191 characters')]],
    [{ external_id: 'e'.repeat(256) }, [nameError('maxLength', 'must NOT have more than 255 characters', '/external_id')]],
  ])('invalid %j → false / -32602', async (change, errors) => {
    const id = await fresh();
    const before = await groupRow(t, id);
    await expectFailure(t, 'updateGroup', { group_id: id, ...change }, false, invalidParams(...errors));
    expect(await groupRow(t, id)).toEqual(before);
  });

  test('an unknown key: compat ignores it (§2.1), strict refuses it', async () => {
    const id = await fresh();
    const body = { group_id: id, name: `owned ${id}`, owner: 1 };
    expect(await rawCall(t, STRICT, 'updateGroup', body)).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
    expect((await groupRow(t, id))!.name).toBe(`fresh ${seq}`);
    expect(await rawCall(t, COMPAT, 'updateGroup', body)).toBe(ok(true));
    expect((await groupRow(t, id))!.name).toBe(`owned ${id}`);
  });

  test('invalid id → false / -32602', async () => {
    await expectFailure(t, 'updateGroup', { group_id: 'abc', name: 'x' }, false, idError('pattern', 'must match pattern "^[0-9]{1,10}$"'));
    await expectFailure(t, 'updateGroup', [2147483648, 'x'], false, idError('maximum', 'must be <= 2147483647'));
  });

  test('the admin group cannot be renamed (false / -32003 forbidden); its external_id can change', async () => {
    await expectFailure(t, 'updateGroup', { group_id: 1, name: 'admins' }, false, ADMIN_GROUP_FORBIDDEN);
    await expectFailure(t, 'updateGroup', [1, 'root', 'ext'], false, ADMIN_GROUP_FORBIDDEN);
    expect(await groupRow(t, 1)).toEqual({ id: 1, name: 'admin', external_id: '' });
    expect(await rawCall(t, STRICT, 'updateGroup', { group_id: 1, external_id: 'cn=admins' })).toBe(ok(true));
    expect(await rawCall(t, COMPAT, 'updateGroup', { group_id: 1, name: 'admin' })).toBe(ok(true));
    expect(await groupRow(t, 1)).toEqual({ id: 1, name: 'admin', external_id: 'cn=admins' });
    expect(await rawCall(t, COMPAT, 'updateGroup', [1, null, ''])).toBe(ok(true));
    expect(await groupRow(t, 1)).toEqual({ id: 1, name: 'admin', external_id: '' });
  });
});

describe('removeGroup', () => {
  test('deletes the group, its memberships and its project grants; nothing else', async () => {
    const victim = await fresh();
    const other = await fresh();
    const user = await t.createUser('member of victim');
    await t.knex('group_has_users').insert([
      { group_id: victim, user_id: user },
      { group_id: other, user_id: user },
    ]);
    const [project] = await t.knex('projects').insert({ name: 'granted' }).returning('id');
    const projectId = Number(project.id);
    await t.knex('project_has_groups').insert([
      { group_id: victim, project_id: projectId, role: 'project-member' },
      { group_id: other, project_id: projectId, role: 'project-viewer' },
    ]);

    expect(await rawCall(t, COMPAT, 'removeGroup', [victim])).toBe(ok(true));

    expect(await groupRow(t, victim)).toBeUndefined();
    expect(await memberIds(t, victim)).toEqual([]);
    expect(await memberIds(t, other)).toEqual([user]);
    const grants = await t.knex('project_has_groups').where({ project_id: projectId }).select('group_id');
    expect(grants.map((g: { group_id: unknown }) => Number(g.group_id))).toEqual([other]);
    expect(await t.knex('users').where({ id: user }).first('id')).toBeDefined();
    expect(await t.knex('projects').where({ id: projectId }).first('id')).toBeDefined();
  });

  test('at strict, then again → -32001; unknown → false', async () => {
    const id = await fresh();
    expect(await rawCall(t, STRICT, 'removeGroup', { group_id: String(id) })).toBe(ok(true));
    expect(await groupRow(t, id)).toBeUndefined();
    await expectFailure(t, 'removeGroup', [id], false, notFound('group', id));
    await expectFailure(t, 'removeGroup', { group_id: 9999 }, false, notFound('group', 9999));
  });

  test('the admin group cannot be removed (false / -32003 forbidden); it keeps its members', async () => {
    await expectFailure(t, 'removeGroup', [1], false, ADMIN_GROUP_FORBIDDEN);
    await expectFailure(t, 'removeGroup', { group_id: '1' }, false, ADMIN_GROUP_FORBIDDEN);
    expect(await groupRow(t, 1)).toEqual({ id: 1, name: 'admin', external_id: '' });
    expect(await memberIds(t, 1)).toEqual([1]);
  });

  test('invalid id → false / -32602', async () => {
    await expectFailure(t, 'removeGroup', [0], false, idError('minimum', 'must be >= 1'));
    await expectFailure(t, 'removeGroup', [true], false, idError('type', 'must be integer,string'));
  });
});

describe('getGroup', () => {
  test('unknown → null / -32001; invalid → null / -32602', async () => {
    await expectFailure(t, 'getGroup', [9999], null, notFound('group', 9999));
    await expectFailure(t, 'getGroup', { group_id: '9999' }, null, notFound('group', 9999));
    await expectFailure(t, 'getGroup', ['abc'], null, idError('pattern', 'must match pattern "^[0-9]{1,10}$"'));
    await expectFailure(t, 'getGroup', [2.5], null, idError('type', 'must be integer,string'));
  });
});

describe('access', () => {
  test.each([
    ['createGroup', ['denied group']],
    ['updateGroup', [2, 'denied']],
    ['removeGroup', [2]],
    ['getGroup', [2]],
    ['getAllGroups', []],
  ])('%s: an app-user gets 403 / -32003; nothing changes', async (method, params) => {
    const before = await t.knex('groups').orderBy('id').select('id', 'name', 'external_id');
    await expectDenied(t, method, params, PLAIN);
    expect(await t.knex('groups').orderBy('id').select('id', 'name', 'external_id')).toEqual(before);
    expect(plainUser).toBeGreaterThan(1);
  });

  test('an app-admin user may manage groups', async () => {
    const res = await t.call(STRICT, { jsonrpc: '2.0', method: 'createGroup', params: ['by the admin user'], id: 3 }, [ADMIN.username, ADMIN.password]);
    const id = JSON.parse(res.text).result as number;
    expect(await groupRow(t, id)).toEqual({ id, name: 'by the admin user', external_id: '' });
  });
});
