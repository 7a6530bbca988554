/**
 * getProjectById, getProjectByName, getProjectByIdentifier, getProjectByEmail and getAllProjects at
 * both endpoints (§7.4, §5.3, §6.3, §12.1 #11), in app mode and user mode.
 */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { COMPAT_WRONG } from '../helpers/protocol';
import { grantGroup, grantUser, insertGroup, userWithAuth } from '../helpers/projectGrants';
import { callAs, expectBothAs, expectDeniedBoth, insertProjectRow, projectObject, storedProjectObject } from '../helpers/projects';

let t: TestApp;
let viewer: { id: number; auth: Auth };
let outsider: { id: number; auth: Auth };
const p = { dup1: 0, dup2: 0, dup3: 0, zeta: 0, lower: 0, upper: 0, secret: 0, custom: 0 };
const viewerOnly = { reason: 'forbidden', required: 'project-viewer' };

beforeAll(async () => {
  t = await startTestApp();
  viewer = await userWithAuth(t, 'viewer');
  outsider = await userWithAuth(t, 'outsider');
  p.dup1 = await insertProjectRow(t, { name: 'Dup', identifier: 'DUPA', email: 'dup@example.com', last_modified: 100 });
  p.dup2 = await insertProjectRow(t, { name: 'Dup', identifier: 'DUPB', last_modified: 200 });
  p.dup3 = await insertProjectRow(t, { name: 'Dup', last_modified: 300 });
  p.zeta = await insertProjectRow(t, { name: 'zeta', is_active: false, is_private: true, owner_id: 1, description: 'Z' });
  p.lower = await insertProjectRow(t, { name: 'admin' });
  p.upper = await insertProjectRow(t, { name: 'BILOUTE', email: '', identifier: '' });
  p.secret = await insertProjectRow(t, { name: 'Secret', identifier: 'SECRET', email: 'secret@example.com' });
  p.custom = await insertProjectRow(t, { name: 'Custom', identifier: 'CUSTOM' });
  // the viewer sees dup2 (directly) and dup3 (through a group), never dup1; custom roles grant nothing
  await grantUser(t, p.dup2, viewer.id, 'project-viewer');
  const group = await insertGroup(t, 'readers', [viewer.id]);
  await grantGroup(t, p.dup3, group, 'project-member');
  await grantUser(t, p.custom, viewer.id, 'totally-custom');
});
afterAll(() => t.close());

describe('getProjectById', () => {
  test('the §6.3 object, numbers normalised, at both endpoints; ids as digit strings', async () => {
    await expectBoth(t, 'getProjectById', [p.zeta], projectObject(p.zeta, 'zeta', { is_active: false, is_private: true, owner_id: 1, description: 'Z' }));
    await expectBoth(t, 'getProjectById', { project_id: String(p.dup1) }, projectObject(p.dup1, 'Dup', { identifier: 'DUPA', email: 'dup@example.com', last_modified: 100 }));
  });

  test('APPLICATION_URL is the base of every url member', async () => {
    const other = await startTestApp({ env: { APPLICATION_URL: 'https://kb.example.org/board/' } });
    try {
      const id = await insertProjectRow(other, { name: 'Elsewhere' });
      const text = (await other.call(STRICT, { jsonrpc: '2.0', method: 'getProjectById', params: [id], id: 1 })).text;
      expect(text).toBe(ok(projectObject(id, 'Elsewhere', {}, 'https://kb.example.org/board/')));
      expect(JSON.parse(text).result.url.board).toBe(`https://kb.example.org/board/?controller=BoardViewController&action=show&project_id=${id}`);
    } finally {
      await other.close();
    }
  });

  test('unknown → compat null, strict -32001', async () => {
    await expectFailure(t, 'getProjectById', [9999], null, notFound('project', 9999));
  });

  test.each([
    ['abc', 'pattern', 'must match pattern "^[0-9]{1,10}$"'],
    [0, 'minimum', 'must be >= 1'],
    ['2147483648', 'maximum', 'must be <= 2147483647'],
  ])('invalid id %j → compat null, strict -32602', async (value, keyword, message) => {
    await expectFailure(t, 'getProjectById', [value], null, invalidParams({ instancePath: '/project_id', keyword, message }));
  });

  test('binding: missing project_id', async () => {
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getProjectById","id":2}')).text).toBe(COMPAT_WRONG('Wrong number of arguments', '2'));
    expect(await rawCall(t, STRICT, 'getProjectById', {})).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'project_id'" })),
    );
  });

  test('user mode: any built-in role (direct or via a group) may read; others and custom roles get 403', async () => {
    await expectBothAs(t, 'getProjectById', [p.dup2], viewer.auth, projectObject(p.dup2, 'Dup', { identifier: 'DUPB', last_modified: 200 }));
    await expectBothAs(t, 'getProjectById', [p.dup3], viewer.auth, projectObject(p.dup3, 'Dup', { last_modified: 300 }));
    await expectDeniedBoth(t, 'getProjectById', [p.dup1], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectById', [p.custom], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectById', [9999], viewer.auth, viewerOnly);
    // no app-admin bypass
    await expectDeniedBoth(t, 'getProjectById', [p.dup1], ['admin', 'admin-secret'], viewerOnly);
  });
});

describe('getProjectByName / ByIdentifier / ByEmail in app mode', () => {
  test('by name: exact and case-sensitive; several matches → the lowest id', async () => {
    await expectBoth(t, 'getProjectByName', ['Dup'], projectObject(p.dup1, 'Dup', { identifier: 'DUPA', email: 'dup@example.com', last_modified: 100 }));
    await expectBoth(t, 'getProjectByName', { name: 'BILOUTE' }, projectObject(p.upper, 'BILOUTE', { email: '' }));
    await expectFailure(t, 'getProjectByName', ['dup'], false, notFound('project'));
    await expectFailure(t, 'getProjectByName', ['Dup '], false, notFound('project'));
    await expectFailure(t, 'getProjectByName', [''], false, notFound('project'));
  });

  test('by identifier: the input is upper-cased; "" matches nothing', async () => {
    const secret = projectObject(p.secret, 'Secret', { identifier: 'SECRET', email: 'secret@example.com' });
    await expectBoth(t, 'getProjectByIdentifier', ['secret'], secret);
    await expectBoth(t, 'getProjectByIdentifier', { identifier: 'SeCrEt' }, secret);
    await expectFailure(t, 'getProjectByIdentifier', [''], false, notFound('project'));
    await expectFailure(t, 'getProjectByIdentifier', ['nope'], false, notFound('project'));
  });

  test('by email: exact; "" matches nothing (not even a project with email "")', async () => {
    await expectBoth(t, 'getProjectByEmail', ['secret@example.com'], projectObject(p.secret, 'Secret', { identifier: 'SECRET', email: 'secret@example.com' }));
    await expectFailure(t, 'getProjectByEmail', ['SECRET@example.com'], false, notFound('project'));
    await expectFailure(t, 'getProjectByEmail', [''], false, notFound('project'));
  });

  test('compat turns a number into its text; strict refuses it', async () => {
    const id = await insertProjectRow(t, { name: '123456' });
    expect(await rawCall(t, COMPAT, 'getProjectByName', [123456])).toBe(ok(projectObject(id, '123456')));
    expect(await rawCall(t, STRICT, 'getProjectByName', [123456])).toBe(err(invalidParams({ instancePath: '/name', keyword: 'type', message: 'must be string' })));
    await expectFailure(t, 'getProjectByEmail', [null], false, invalidParams({ instancePath: '/email', keyword: 'type', message: 'must be string' }));
    await expectFailure(t, 'getProjectByIdentifier', [['A']], false, invalidParams({ instancePath: '/identifier', keyword: 'type', message: 'must be string' }));
  });
});

describe('getProjectByName / ByIdentifier / ByEmail in user mode (§5.3, §12.1 #11)', () => {
  test('several matches → the lowest id the caller may see', async () => {
    await expectBothAs(t, 'getProjectByName', ['Dup'], viewer.auth, projectObject(p.dup2, 'Dup', { identifier: 'DUPB', last_modified: 200 }));
    await expectBothAs(t, 'getProjectByIdentifier', ['dupb'], viewer.auth, projectObject(p.dup2, 'Dup', { identifier: 'DUPB', last_modified: 200 }));
  });

  test('403 whether or not a project matches', async () => {
    await expectDeniedBoth(t, 'getProjectByName', ['nope'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByName', ['Secret'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByName', ['Custom'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByIdentifier', ['DUPA'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByIdentifier', ['nope'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByEmail', ['dup@example.com'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByEmail', ['nobody@example.com'], viewer.auth, viewerOnly);
    await expectDeniedBoth(t, 'getProjectByName', ['Dup'], outsider.auth, viewerOnly);
  });

  test('§14: getProjectByName("nope") with user credentials → HTTP 403', async () => {
    const res = await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getProjectByName","params":["nope"],"id":22}', outsider.auth);
    expect({ status: res.status, text: res.text }).toEqual({ status: 403, text: '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}' });
  });
});

describe('getAllProjects', () => {
  test('every project (private and inactive too) by name in byte order, then id', async () => {
    const res = JSON.parse(await rawCall(t, COMPAT, 'getAllProjects')).result as { id: number; name: string }[];
    expect(res.map((r) => r.name)).toEqual(['123456', 'BILOUTE', 'Custom', 'Dup', 'Dup', 'Dup', 'Secret', 'admin', 'zeta']);
    expect(res.filter((r) => r.name === 'Dup').map((r) => r.id)).toEqual([p.dup1, p.dup2, p.dup3]);
    expect(await rawCall(t, STRICT, 'getAllProjects', [])).toBe(ok(res));
    expect(res[res.length - 1]).toEqual(await storedProjectObject(t, p.zeta, 'zeta', { is_active: false, is_private: true, owner_id: 1, description: 'Z' }));
  });

  test('params are refused', async () => {
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getAllProjects","params":[1],"id":3}')).text).toBe(COMPAT_WRONG('Too many arguments', '3'));
    expect(await rawCall(t, STRICT, 'getAllProjects', { x: 1 })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
  });

  test('user mode: app-admin only', async () => {
    await expectDeniedBoth(t, 'getAllProjects', undefined, viewer.auth, { reason: 'forbidden', required: 'app-admin' });
    const res = await callAs(t, STRICT, 'getAllProjects', undefined, ['admin', 'admin-secret']);
    expect((JSON.parse(res.text).result as unknown[]).length).toBe(9);
  });
});
