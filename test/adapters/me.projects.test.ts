/**
 * getMyProjectsList, getMyProjects and createMyPrivateProject at both endpoints (§7.6, §6.4, §14
 * "User credentials" examples, §5.1 Me rule, DISABLE_PRIVATE_PROJECTS).
 */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, ok } from '../helpers/users';
import { COMPAT_FORBIDDEN } from '../helpers/protocol';
import { grantGroup, grantUser, insertGroup, projectEvents, userWithAuth } from '../helpers/projectGrants';
import { callAs, directGrants, expectBothAs, insertProjectRow, projectObject, projectRow, storedProjectObject } from '../helpers/projects';

let t: TestApp;
const USER: Auth = ['user', 'password'];
let userId = 0;

beforeAll(async () => {
  t = await startTestApp();
  userId = await t.createUser('user', 'password', { name: 'Just User' });
  for (let i = 1; i <= 5; i += 1) await insertProjectRow(t, { name: `Existing ${i}` });
});
afterAll(() => t.close());

async function send(body: string, auth: Auth): Promise<{ status: number; text: string }> {
  const res = await t.call(COMPAT, body, auth);
  return { status: res.status, text: res.text };
}

describe('§14 user-credentials examples (an app-user), compat, byte for byte', () => {
  test('getAllUsers → 403; createMyPrivateProject → 6; getMyProjectsList → {"6":"my private"}; getProjectByName("nope") → 403', async () => {
    expect(await send('{"jsonrpc":"2.0","method":"getAllUsers","id":11}', USER)).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
    expect(await send('{"jsonrpc":"2.0","method":"createMyPrivateProject","params":["my private"],"id":16}', USER)).toEqual({
      status: 200,
      text: '{"jsonrpc":"2.0","result":6,"id":16}',
    });
    expect(await send('{"jsonrpc":"2.0","method":"getMyProjectsList","id":17}', USER)).toEqual({
      status: 200,
      text: '{"jsonrpc":"2.0","result":{"6":"my private"},"id":17}',
    });
    expect(await send('{"jsonrpc":"2.0","method":"getProjectByName","params":["nope"],"id":22}', USER)).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
    // the private project is visible by name to its owner
    expect((await callAs(t, STRICT, 'getProjectByName', ['my private'], USER)).text).toBe(
      ok(await storedProjectObject(t, 6, 'my private', { is_private: true, owner_id: userId })),
    );
  });
});

describe('createMyPrivateProject', () => {
  test('private, owned by the caller, caller project-manager, project.create recorded, last_modified = now', async () => {
    const me = await userWithAuth(t, 'creator', { name: 'Cre Ator' });
    const before = t.services.now();
    const res = await callAs(t, STRICT, 'createMyPrivateProject', { name: 'Diary', description: 'mine' }, me.auth);
    const id = JSON.parse(res.text).result as number;
    expect(res.text).toBe(ok(id));
    expect(await projectRow(t, id)).toMatchObject({ is_private: true, is_public: false, is_active: true, owner_id: me.id, description: 'mine', token: '' });
    expect((await projectRow(t, id))!.last_modified).toBeGreaterThanOrEqual(before);
    expect(await directGrants(t, id)).toEqual([`${me.id}:project-manager`]);
    expect(await projectEvents(t, id)).toEqual([{ event_name: 'project.create', creator_id: me.id, author_username: 'creator', data: {} }]);
    const events = JSON.parse((await callAs(t, COMPAT, 'getProjectActivity', [id], me.auth)).text).result;
    expect(events[0].event_title).toBe('Cre Ator created the project');
    const positional = JSON.parse((await callAs(t, COMPAT, 'createMyPrivateProject', ['Second', null], me.auth)).text).result as number;
    expect(await projectRow(t, positional)).toMatchObject({ name: 'Second', description: null, is_private: true, owner_id: me.id });
  });

  test('invalid values → compat false, strict -32602; nothing stored', async () => {
    const count = async () => Number((await t.knex('projects').count<{ c: unknown }[]>({ c: '*' }).first())?.c);
    const n = await count();
    const cases: [unknown, string, string, string][] = [
      [[''], '/name', 'pattern', 'must match pattern "\\S"'],
      [['   '], '/name', 'pattern', 'must match pattern "\\S"'],
      [[null], '/name', 'type', 'must be string'],
      [['ok', {}], '/description', 'type', 'must be string,null'],
    ];
    for (const [params, instancePath, keyword, message] of cases) {
      expect((await callAs(t, COMPAT, 'createMyPrivateProject', params, USER)).text).toBe(ok(false));
      expect((await callAs(t, STRICT, 'createMyPrivateProject', params, USER)).text).toBe(
        err({ code: -32602, message: 'Invalid params', data: { reason: 'invalid_params', errors: [{ instancePath, keyword, message }] } }),
      );
    }
    expect((await send('{"jsonrpc":"2.0","method":"createMyPrivateProject","id":3}', USER)).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Wrong number of arguments"},"id":3}',
    );
    expect(await count()).toBe(n);
  });

  test('DISABLE_PRIVATE_PROJECTS → compat false, strict -32005 private_projects_disabled; nothing stored', async () => {
    const other = await startTestApp({ env: { DISABLE_PRIVATE_PROJECTS: 'true' } });
    try {
      await other.createUser('user', 'password');
      const body = { jsonrpc: '2.0', method: 'createMyPrivateProject', params: ['blocked'], id: 1 };
      expect((await other.call(COMPAT, body, USER)).text).toBe(ok(false));
      expect((await other.call(STRICT, body, USER)).text).toBe(
        err({ code: -32005, message: 'Precondition failed', data: { reason: 'private_projects_disabled' } }),
      );
      expect(await other.knex('projects').select('id')).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('getMyProjectsList / getMyProjects', () => {
  let me: { id: number; auth: Auth };
  const ids = { direct: 0, viaGroup: 0, custom: 0, inactive: 0, zz: 0, aa: 0, other: 0 };

  beforeAll(async () => {
    me = await userWithAuth(t, 'lister');
    ids.zz = await insertProjectRow(t, { name: 'zz lower', last_modified: 5 });
    ids.direct = await insertProjectRow(t, { name: 'Same', last_modified: 5 });
    ids.viaGroup = await insertProjectRow(t, { name: 'Same', last_modified: 5, identifier: 'VIAG' });
    ids.custom = await insertProjectRow(t, { name: 'Custom role', last_modified: 5 });
    ids.inactive = await insertProjectRow(t, { name: 'Asleep', is_active: false, last_modified: 5 });
    ids.aa = await insertProjectRow(t, { name: 'AA upper', last_modified: 5, is_private: true, owner_id: me.id });
    ids.other = await insertProjectRow(t, { name: 'Not mine' });
    await grantUser(t, ids.zz, me.id, 'project-viewer');
    await grantUser(t, ids.direct, me.id, 'project-member');
    const group = await insertGroup(t, 'listers', [me.id]);
    await grantGroup(t, ids.viaGroup, group, 'project-viewer');
    await grantUser(t, ids.custom, me.id, 'some-custom-role');
    await grantUser(t, ids.inactive, me.id, 'project-manager');
    await grantUser(t, ids.aa, me.id, 'project-manager');
  });

  test('getMyProjectsList: every granted project (direct, group, custom role, inactive), keys ascending', async () => {
    const expected: Record<string, string> = {};
    for (const id of [ids.zz, ids.direct, ids.viaGroup, ids.custom, ids.inactive, ids.aa].sort((x, y) => x - y)) {
      expected[String(id)] = (await projectRow(t, id))!.name as string;
    }
    await expectBothAs(t, 'getMyProjectsList', undefined, me.auth, expected);
  });

  test('getMyProjects: active granted projects as objects, by name (byte order) then id', async () => {
    await expectBothAs(t, 'getMyProjects', [], me.auth, [
      projectObject(ids.aa, 'AA upper', { last_modified: 5, is_private: true, owner_id: me.id }),
      projectObject(ids.custom, 'Custom role', { last_modified: 5 }),
      projectObject(ids.direct, 'Same', { last_modified: 5 }),
      projectObject(ids.viaGroup, 'Same', { last_modified: 5, identifier: 'VIAG' }),
      projectObject(ids.zz, 'zz lower', { last_modified: 5 }),
    ]);
  });

  test('no grants → {} (never []) and []', async () => {
    const lonely = await userWithAuth(t, 'lonely');
    expect((await callAs(t, COMPAT, 'getMyProjectsList', undefined, lonely.auth)).text).toBe('{"jsonrpc":"2.0","result":{},"id":1}');
    expect((await callAs(t, STRICT, 'getMyProjectsList', [], lonely.auth)).text).toBe('{"jsonrpc":"2.0","result":{},"id":1}');
    await expectBothAs(t, 'getMyProjects', undefined, lonely.auth, []);
  });

  test('params are refused', async () => {
    expect((await send('{"jsonrpc":"2.0","method":"getMyProjects","params":[1],"id":4}', me.auth)).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too many arguments"},"id":4}',
    );
    expect((await callAs(t, STRICT, 'getMyProjectsList', { x: 1 }, me.auth)).text).toBe(
      err({ code: -32602, message: 'Invalid params', data: { reason: 'invalid_params', errors: [{ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' }] } }),
    );
  });
});

describe('the Me rule (§5.1)', () => {
  test.each(['getMyProjectsList', 'getMyProjects', 'createMyPrivateProject'])('%s with the application token → 403 / user_credentials_required', async (method) => {
    const params = method === 'createMyPrivateProject' ? ['x'] : undefined;
    const before = Number((await t.knex('projects').count<{ c: unknown }[]>({ c: '*' }).first())?.c);
    expect(await callAs(t, COMPAT, method, params, 'app')).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
    expect(await callAs(t, STRICT, method, params, 'app')).toEqual({
      status: 200,
      text: err({ code: -32003, message: 'Forbidden', data: { reason: 'user_credentials_required' } }),
    });
    expect(Number((await t.knex('projects').count<{ c: unknown }[]>({ c: '*' }).first())?.c)).toBe(before);
  });
});
