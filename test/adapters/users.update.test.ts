/** updateUser, removeUser, disableUser and enableUser at both endpoints (§7.1, §12, §16). */
import { startTestApp, type TestApp } from '../helpers/app';
import {
  COMPAT,
  STRICT,
  adminGroupMembers,
  alreadyExists,
  err,
  expectFailure,
  invalidParams,
  notFound,
  ok,
  rawCall,
  userObject,
  userRow,
} from '../helpers/users';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let seq = 0;
/** A fresh user with name and email set, so "unchanged" is observable. */
async function freshUser(extra: Record<string, unknown> = {}): Promise<number> {
  seq += 1;
  return t.createUser(`upd${seq}`, 'secret1', { name: `Name ${seq}`, email: `upd${seq}@example.com`, ...extra });
}

const userFields = async (id: number) => {
  const row = await userRow(t, { id });
  return row && { username: row.username, name: row.name, email: row.email, role: row.role, is_active: row.is_active };
};

async function insertProject(values: { name: string; is_private?: boolean; owner_id?: number; is_active?: boolean }): Promise<number> {
  const [row] = await t.knex('projects').insert(values).returning('id');
  return Number(row.id);
}

const projectState = async (ids: number[]) =>
  (await t.knex('projects').whereIn('id', ids).orderBy('id').select('id', 'is_active', 'owner_id')).map((r) => ({
    id: Number(r.id),
    is_active: r.is_active,
    owner_id: Number(r.owner_id),
  }));

const MIN_PROPERTIES = { instancePath: '', keyword: 'minProperties', message: 'must NOT have fewer than 2 properties' };

describe('updateUser', () => {
  test('each field on its own, at both endpoints, leaves the others unchanged', async () => {
    const id = await freshUser();
    const n = seq;
    expect(await rawCall(t, COMPAT, 'updateUser', { id, username: `renamed${n}` })).toBe(ok(true));
    expect(await userFields(id)).toEqual({ username: `renamed${n}`, name: `Name ${n}`, email: `upd${n}@example.com`, role: 'app-user', is_active: true });
    expect(await rawCall(t, STRICT, 'updateUser', { id, name: 'New Name' })).toBe(ok(true));
    expect(await rawCall(t, COMPAT, 'updateUser', { id: String(id), email: 'new@example.com' })).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'updateUser', { id, role: 'app-manager' })).toBe(ok(true));
    expect(await userFields(id)).toEqual({ username: `renamed${n}`, name: 'New Name', email: 'new@example.com', role: 'app-manager', is_active: true });
    expect(await rawCall(t, STRICT, 'getUser', [id])).toBe(
      ok(userObject(id, `renamed${n}`, { name: 'New Name', email: 'new@example.com', role: 'app-manager' })),
    );
  });

  test('positional params, trimming, "" for name and email, and null = unchanged', async () => {
    const id = await freshUser();
    const n = seq;
    expect(await rawCall(t, COMPAT, 'updateUser', [id, null, '', null, null])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'updateUser', [id, ` \tpos${n}\n`, null, ''])).toBe(ok(true));
    expect(await userFields(id)).toEqual({ username: `pos${n}`, name: '', email: '', role: 'app-user', is_active: true });
    expect(await rawCall(t, STRICT, 'updateUser', { id, username: null, name: 'Back', email: null, role: null })).toBe(ok(true));
    expect(await userFields(id)).toEqual({ username: `pos${n}`, name: 'Back', email: '', role: 'app-user', is_active: true });
  });

  test('same values as stored → true', async () => {
    const id = await freshUser();
    const before = await userFields(id);
    expect(await rawCall(t, COMPAT, 'updateUser', { id, username: before!.username, role: 'app-user' })).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'updateUser', { id, name: before!.name })).toBe(ok(true));
    expect(await userFields(id)).toEqual(before);
  });

  test('only the id (or only nulls) → compat false, strict minProperties', async () => {
    const id = await freshUser();
    const before = await userFields(id);
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"updateUser","params":{"id":2},"id":41}')).text).toBe('{"jsonrpc":"2.0","result":false,"id":41}');
    await expectFailure(t, 'updateUser', { id }, false, invalidParams(MIN_PROPERTIES));
    await expectFailure(t, 'updateUser', [id], false, invalidParams(MIN_PROPERTIES));
    await expectFailure(t, 'updateUser', { id, username: null, name: null, email: null, role: null }, false, invalidParams(MIN_PROPERTIES));
    expect(await userFields(id)).toEqual(before);
  });

  test('{"id":2,"password":"x"} → compat false, strict additionalProperties; the password is unchanged', async () => {
    const id = await freshUser();
    const hash = (await userRow(t, { id }))!.password;
    await expectFailure(t, 'updateUser', { id, password: 'x' }, false, invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' }));
    expect((await userRow(t, { id }))!.password).toBe(hash);
  });

  test('unknown id → compat false, strict -32001', async () => {
    await expectFailure(t, 'updateUser', { id: 9999, name: 'x' }, false, notFound('user', 9999));
    expect(await userRow(t, { id: 9999 })).toBeUndefined();
  });

  test('duplicate username → compat false, strict -32002; own username is fine', async () => {
    const a = await freshUser();
    const b = await freshUser();
    const taken = (await userFields(a))!.username;
    await expectFailure(t, 'updateUser', { id: b, username: taken }, false, alreadyExists('user', 'username'));
    await expectFailure(t, 'updateUser', { id: b, username: ` ${taken}\t` }, false, alreadyExists('user', 'username'));
    expect((await userFields(b))!.username).toBe(`upd${seq}`);
    expect(await rawCall(t, STRICT, 'updateUser', { id: b, username: String(taken).toUpperCase() })).toBe(ok(true));
  });

  test.each([
    [{ username: '' }, '/username', 'minLength', 'must NOT have fewer than 1 characters'],
    [{ username: ' \t\r\n ' }, '/username', 'minLength', 'must NOT have fewer than 1 characters'],
    [{ username: 'u'.repeat(192) }, '/username', 'maxLength', 'must NOT have more than 191 characters'],
    [{ name: 'n'.repeat(256) }, '/name', 'maxLength', 'must NOT have more than 255 characters'],
    [{ email: 'not-an-email' }, '/email', 'format', 'must match format "email"'],
    [{ email: 'a@b' }, '/email', 'format', 'must match format "email"'],
    [{ role: '' }, '/role', 'enum', 'must be equal to one of the allowed values'],
    [{ role: 'admin' }, '/role', 'enum', 'must be equal to one of the allowed values'],
  ])('invalid %j → compat false, strict -32602', async (change, instancePath, keyword, message) => {
    const id = await freshUser();
    const before = await userFields(id);
    await expectFailure(t, 'updateUser', { id, ...change }, false, invalidParams({ instancePath, keyword, message }));
    expect(await userFields(id)).toEqual(before);
  });

  test('invalid id → compat false, strict -32602', async () => {
    await expectFailure(t, 'updateUser', { id: 'abc', name: 'x' }, false, invalidParams({ instancePath: '/id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
  });

  test('role app-admin ↔ app-user keeps the admin group in sync both ways', async () => {
    const id = await freshUser();
    expect(await adminGroupMembers(t)).toEqual([1]);
    expect(await rawCall(t, COMPAT, 'updateUser', { id, role: 'app-admin' })).toBe(ok(true));
    expect(await adminGroupMembers(t)).toEqual([1, id]);
    expect(await rawCall(t, STRICT, 'updateUser', { id, role: 'app-admin' })).toBe(ok(true));
    expect(await adminGroupMembers(t)).toEqual([1, id]);
    expect(await rawCall(t, STRICT, 'updateUser', { id, name: 'still admin' })).toBe(ok(true));
    expect(await adminGroupMembers(t)).toEqual([1, id]);
    expect(await rawCall(t, STRICT, 'updateUser', { id, role: 'app-user' })).toBe(ok(true));
    expect(await adminGroupMembers(t)).toEqual([1]);
    expect(await rawCall(t, COMPAT, 'updateUser', { id, role: 'app-admin' })).toBe(ok(true));
    expect(await rawCall(t, COMPAT, 'updateUser', { id, role: 'app-manager' })).toBe(ok(true));
    expect(await adminGroupMembers(t)).toEqual([1]);
    expect((await userFields(id))!.role).toBe('app-manager');
  });
});

describe('removeUser', () => {
  test('deletes the user, memberships, app passwords, private projects it belongs to; orphans its other projects', async () => {
    const victim = await freshUser({ role: 'app-admin' });
    const other = await freshUser();
    const [group] = await t.knex('groups').insert({ name: `g${victim}` }).returning('id');
    await t.knex('group_has_users').insert({ group_id: Number(group.id), user_id: victim });
    await t.knex('app_passwords').insert({ user_id: victim, name: 'phone', token_hash: 'f'.repeat(64), created_at: 1 });
    const privMember = await insertProject({ name: 'private, member', is_private: true, owner_id: other });
    const privOwnedOnly = await insertProject({ name: 'private, owned only', is_private: true, owner_id: victim });
    const publicMember = await insertProject({ name: 'shared, member', owner_id: victim });
    const untouched = await insertProject({ name: 'untouched', is_private: true, owner_id: other });
    await t.knex('project_has_users').insert([
      { project_id: privMember, user_id: victim, role: 'project-member' },
      { project_id: privMember, user_id: other, role: 'project-manager' },
      { project_id: publicMember, user_id: victim, role: 'project-manager' },
      { project_id: publicMember, user_id: other, role: 'project-viewer' },
      { project_id: untouched, user_id: other, role: 'project-manager' },
    ]);
    await t.knex('project_activities').insert({
      date_creation: 1, event_name: 'project.create', creator_id: victim, project_id: publicMember, author_username: `upd${seq - 1}`, author_name: 'Author', data: '{}',
    });

    expect(await rawCall(t, COMPAT, 'removeUser', [victim])).toBe(ok(true));

    expect(await userRow(t, { id: victim })).toBeUndefined();
    expect(await t.knex('group_has_users').where({ user_id: victim })).toEqual([]);
    expect(await adminGroupMembers(t)).toEqual([1]);
    expect(await t.knex('app_passwords').where({ user_id: victim })).toEqual([]);
    expect(await projectState([privMember, privOwnedOnly, publicMember, untouched])).toEqual([
      { id: privOwnedOnly, is_active: true, owner_id: 0 },
      { id: publicMember, is_active: true, owner_id: 0 },
      { id: untouched, is_active: true, owner_id: other },
    ]);
    const grants = await t.knex('project_has_users').whereIn('project_id', [privMember, publicMember, untouched]).orderBy('project_id').select('project_id', 'user_id');
    expect(grants.map((g) => [Number(g.project_id), Number(g.user_id)])).toEqual([
      [publicMember, other],
      [untouched, other],
    ]);
    const events = await t.knex('project_activities').where({ project_id: publicMember }).select('creator_id', 'author_name');
    expect(events).toEqual([{ creator_id: null, author_name: 'Author' }]);
    expect(await userRow(t, { id: other })).toBeDefined();
  });

  test('at strict, then again → -32001; unknown → false', async () => {
    const id = await freshUser();
    expect(await rawCall(t, STRICT, 'removeUser', { user_id: String(id) })).toBe(ok(true));
    expect(await userRow(t, { id })).toBeUndefined();
    await expectFailure(t, 'removeUser', [id], false, notFound('user', id));
    await expectFailure(t, 'removeUser', { user_id: 9999 }, false, notFound('user', 9999));
  });

  test('invalid id → compat false, strict -32602', async () => {
    await expectFailure(t, 'removeUser', [0], false, invalidParams({ instancePath: '/user_id', keyword: 'minimum', message: 'must be >= 1' }));
    await expectFailure(t, 'removeUser', [true], false, invalidParams({ instancePath: '/user_id', keyword: 'type', message: 'must be integer,string' }));
  });
});

describe('disableUser / enableUser', () => {
  test('disable deactivates the private projects it owns only; enable keeps them inactive', async () => {
    const id = await freshUser();
    const other = await freshUser();
    const ownedPrivate = await insertProject({ name: 'mine, private', is_private: true, owner_id: id });
    const ownedShared = await insertProject({ name: 'mine, shared', owner_id: id });
    const memberPrivate = await insertProject({ name: 'theirs, private', is_private: true, owner_id: other });
    await t.knex('project_has_users').insert({ project_id: memberPrivate, user_id: id, role: 'project-member' });

    expect(await rawCall(t, COMPAT, 'disableUser', [id])).toBe(ok(true));
    expect((await userFields(id))!.is_active).toBe(false);
    expect(await projectState([ownedPrivate, ownedShared, memberPrivate])).toEqual([
      { id: ownedPrivate, is_active: false, owner_id: id },
      { id: ownedShared, is_active: true, owner_id: id },
      { id: memberPrivate, is_active: true, owner_id: other },
    ]);
    expect(await rawCall(t, STRICT, 'disableUser', { user_id: id })).toBe(ok(true));
    expect((await userFields(id))!.is_active).toBe(false);
    expect(await rawCall(t, STRICT, 'isActiveUser', [id])).toBe(ok(false));
    expect((await userFields(other))!.is_active).toBe(true);

    expect(await rawCall(t, STRICT, 'enableUser', [id])).toBe(ok(true));
    expect((await userFields(id))!.is_active).toBe(true);
    expect(await rawCall(t, COMPAT, 'enableUser', { user_id: String(id) })).toBe(ok(true));
    expect((await userFields(id))!.is_active).toBe(true);
    expect(await projectState([ownedPrivate, ownedShared, memberPrivate])).toEqual([
      { id: ownedPrivate, is_active: false, owner_id: id },
      { id: ownedShared, is_active: true, owner_id: id },
      { id: memberPrivate, is_active: true, owner_id: other },
    ]);
  });

  test('a disabled user can no longer authenticate; enabled again it can', async () => {
    const id = await t.createUser('flip-flop', 'secret-ff');
    const getMe = () => t.call(STRICT, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['flip-flop', 'secret-ff']);
    expect((await getMe()).status).toBe(200);
    await rawCall(t, STRICT, 'disableUser', [id]);
    expect((await getMe()).status).toBe(401);
    await rawCall(t, STRICT, 'enableUser', [id]);
    expect((await getMe()).status).toBe(200);
  });

  test.each(['disableUser', 'enableUser'])('%s: unknown → false / -32001, invalid → false / -32602', async (method) => {
    await expectFailure(t, method, [9999], false, notFound('user', 9999));
    await expectFailure(t, method, { user_id: 9999 }, false, notFound('user', 9999));
    await expectFailure(t, method, ['2147483648'], false, invalidParams({ instancePath: '/user_id', keyword: 'maximum', message: 'must be <= 2147483647' }));
    expect(await rawCall(t, STRICT, method, { id: 1 })).toBe(
      err(
        invalidParams(
          { instancePath: '', keyword: 'required', message: "must have required property 'user_id'" },
          { instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' },
        ),
      ),
    );
  });
});
