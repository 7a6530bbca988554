/**
 * Project permissions, read side (contract §7.5, §5.3, §6.4, §12.2) at both endpoints: the
 * "Project grants" examples of §14 byte for byte, getProjectUsers, getAssignableUsers and
 * getProjectUserRole. Writes are in projectPermissions.writes.test.ts.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { grantGroup, grantUser, insertGroup, insertProject, userWithAuth } from '../helpers/projectGrants';
import { COMPAT_FORBIDDEN, COMPAT_WRONG } from '../helpers/protocol';

let t: TestApp;
let project1: number;
const ids = { biloute: 0, bob: 0, extra: 0 };

beforeAll(async () => {
  t = await startTestApp();
  ids.biloute = await t.createUser('biloute', '123456', { name: 'Biloute B' });
  ids.bob = await t.createUser('bob', 'secret1', { name: 'Bob B' });
  ids.extra = await t.createUser('extra');
  project1 = await insertProject(t, { name: 'Example project' });
});
afterAll(() => t.close());

/** POSTs an exact body at compat and returns the response text (HTTP 200 expected). */
async function send(endpoint: typeof COMPAT | typeof STRICT, body: string): Promise<string> {
  const res = await t.call(endpoint, body);
  expect(res.status).toBe(200);
  return res.text;
}

describe('§14 "Project grants" examples', () => {
  test('the fixture matches the example: users 2, 3, 4 and project 1', () => {
    expect([ids.biloute, ids.bob, ids.extra, project1]).toEqual([2, 3, 4, 1]);
  });

  test('compat, byte for byte, then strict with the same successful results', async () => {
    const examples: [string, string, string][] = [
      // [request, compat response, strict response]
      ['{"jsonrpc":"2.0","method":"addProjectUser","params":[1,2],"id":2}', '{"jsonrpc":"2.0","result":true,"id":2}', ''],
      [
        '{"jsonrpc":"2.0","method":"addProjectUser","params":{"project_id":1,"user_id":3,"role":"project-viewer"},"id":4}',
        '{"jsonrpc":"2.0","result":true,"id":4}',
        '',
      ],
      [
        '{"jsonrpc":"2.0","method":"addProjectUser","params":{"project_id":1,"user_id":4,"role":"totally-bogus-role"},"id":5}',
        '{"jsonrpc":"2.0","result":true,"id":5}',
        '',
      ],
      [
        '{"jsonrpc":"2.0","method":"getProjectUsers","params":[1],"id":8}',
        '{"jsonrpc":"2.0","result":{"2":"Biloute B","3":"Bob B","4":"extra"},"id":8}',
        '{"jsonrpc":"2.0","result":{"2":"Biloute B","3":"Bob B","4":"extra"},"id":8}',
      ],
      [
        '{"jsonrpc":"2.0","method":"getAssignableUsers","params":{"project_id":1,"prepend_unassigned":true},"id":10}',
        '{"jsonrpc":"2.0","result":{"0":"Unassigned","2":"Biloute B","4":"extra"},"id":10}',
        '{"jsonrpc":"2.0","result":{"0":"Unassigned","2":"Biloute B","4":"extra"},"id":10}',
      ],
      [
        '{"jsonrpc":"2.0","method":"getProjectUserRole","params":[1,4],"id":12}',
        '{"jsonrpc":"2.0","result":"totally-bogus-role","id":12}',
        '{"jsonrpc":"2.0","result":"totally-bogus-role","id":12}',
      ],
      [
        '{"jsonrpc":"2.0","method":"changeProjectUserRole","params":[1,9999,"project-viewer"],"id":15}',
        '{"jsonrpc":"2.0","result":false,"id":15}',
        '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Not found","data":{"reason":"not_found","resource":"project_user"}},"id":15}',
      ],
    ];
    for (const [request, compat] of examples) expect({ request, response: await send(COMPAT, request) }).toEqual({ request, response: compat });
    const stored = await t.knex('project_has_users').where({ project_id: 1 }).orderBy('user_id').select('user_id', 'role');
    expect(stored.map((r: { user_id: unknown; role: string }) => [Number(r.user_id), r.role])).toEqual([
      [2, 'project-member'],
      [3, 'project-viewer'],
      [4, 'totally-bogus-role'],
    ]);
    // strict: the reads answer the same; adding again is already_exists; the unknown grant is -32001
    for (const [request, , strict] of examples) {
      if (strict) expect({ request, response: await send(STRICT, request) }).toEqual({ request, response: strict });
    }
    expect(await send(STRICT, '{"jsonrpc":"2.0","method":"addProjectUser","params":[1,2],"id":2}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32002,"message":"Already exists","data":{"reason":"already_exists","resource":"project_user"}},"id":2}',
    );
  });
});

describe('getProjectUsers', () => {
  test('a project without grants → {} (never [])', async () => {
    const p = await insertProject(t);
    await expectBoth(t, 'getProjectUsers', [p], {});
    expect(await rawCall(t, COMPAT, 'getProjectUsers', { project_id: p })).toBe('{"jsonrpc":"2.0","result":{},"id":1}');
  });

  test('direct and group grants of any role, active or not, keyed by id with display names', async () => {
    const p = await insertProject(t);
    const noName = await t.createUser('gpu-noname');
    const nullName = await t.createUser('gpu-nullname', 'password1', { name: null });
    const inactive = await t.createUser('gpu-inactive', 'password1', { name: 'Inactive I' });
    const viaGroup = await t.createUser('gpu-group', 'password1', { name: 'Via Group' });
    const both = await t.createUser('gpu-both', 'password1', { name: 'Both' });
    await t.knex('users').where({ id: inactive }).update({ is_active: false });
    const g = await insertGroup(t, 'gpu-group-a', [viaGroup, both]);
    await grantGroup(t, p, g, 'project-viewer');
    await grantUser(t, p, both, 'project-manager');
    await grantUser(t, p, noName, 'custom');
    await grantUser(t, p, nullName, 'project-member');
    await grantUser(t, p, inactive, 'project-viewer');
    const expected = { [noName]: 'gpu-noname', [nullName]: 'gpu-nullname', [inactive]: 'Inactive I', [viaGroup]: 'Via Group', [both]: 'Both' };
    await expectBoth(t, 'getProjectUsers', { project_id: String(p) }, expected);
    // keys in ascending numeric order on the wire
    const text = await rawCall(t, COMPAT, 'getProjectUsers', [p]);
    const keys = Object.keys((JSON.parse(text) as { result: object }).result).map(Number);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
  });

  test('unknown project → {} / -32001 project', async () => {
    await expectFailure(t, 'getProjectUsers', [9999], {}, notFound('project', 9999));
  });

  test('invalid ids and arity', async () => {
    await expectFailure(t, 'getProjectUsers', ['abc'], {}, invalidParams({ instancePath: '/project_id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
    await expectFailure(t, 'getProjectUsers', [0], {}, invalidParams({ instancePath: '/project_id', keyword: 'minimum', message: 'must be >= 1' }));
    expect(await rawCall(t, COMPAT, 'getProjectUsers', [])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'getProjectUsers', [1, 2])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(t, STRICT, 'getProjectUsers', {})).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'project_id'" })),
    );
  });
});

describe('getAssignableUsers', () => {
  let p: number;
  const u: Record<string, number> = {};

  beforeAll(async () => {
    p = await insertProject(t);
    for (const name of ['manager', 'member', 'viewer', 'custom', 'inactive', 'gmember', 'gviewer', 'gcustom', 'dviewer-gmember', 'inactive-gmember']) {
      u[name] = await t.createUser(`ga-${name}`, 'password1', { name: `GA ${name}` });
    }
    await t.knex('users').whereIn('id', [u.inactive, u['inactive-gmember']]).update({ is_active: false });
    await grantUser(t, p, u.manager, 'project-manager');
    await grantUser(t, p, u.member, 'project-member');
    await grantUser(t, p, u.viewer, 'project-viewer');
    await grantUser(t, p, u.custom, 'auditor');
    await grantUser(t, p, u.inactive, 'project-member');
    await grantUser(t, p, u['dviewer-gmember'], 'project-viewer');
    await grantGroup(t, p, await insertGroup(t, 'ga-members', [u.gmember, u['dviewer-gmember'], u['inactive-gmember']]), 'project-member');
    await grantGroup(t, p, await insertGroup(t, 'ga-viewers', [u.gviewer]), 'project-viewer');
    await grantGroup(t, p, await insertGroup(t, 'ga-custom', [u.gcustom]), 'reviewer');
  });

  const assignable = () => {
    const names = ['manager', 'member', 'custom', 'gmember', 'gcustom', 'dviewer-gmember'];
    return Object.fromEntries(names.map((n) => [String(u[n]), `GA ${n}`]));
  };

  test('active users with a non-viewer grant, direct or via a group; custom roles count; viewers and inactive users do not', async () => {
    await expectBoth(t, 'getAssignableUsers', [p], assignable());
    await expectBoth(t, 'getAssignableUsers', { project_id: p, prepend_unassigned: false }, assignable());
  });

  test('prepend_unassigned adds "0": "Unassigned" first', async () => {
    const expected = { 0: 'Unassigned', ...assignable() };
    await expectBoth(t, 'getAssignableUsers', [p, true], expected);
    const text = await rawCall(t, COMPAT, 'getAssignableUsers', [p, true]);
    expect(text.startsWith('{"jsonrpc":"2.0","result":{"0":"Unassigned",')).toBe(true);
    // compat accepts Kanboard's boolean spellings
    for (const flag of [1, '1', 'true']) expect(await rawCall(t, COMPAT, 'getAssignableUsers', [p, flag])).toBe(ok(expected));
    for (const flag of [0, '0', 'false']) expect(await rawCall(t, COMPAT, 'getAssignableUsers', [p, flag])).toBe(ok(assignable()));
    expect(await rawCall(t, STRICT, 'getAssignableUsers', [p, '1'])).toBe(
      err(invalidParams({ instancePath: '/prepend_unassigned', keyword: 'type', message: 'must be boolean' })),
    );
  });

  test('a project without assignable users → {} or {"0":"Unassigned"}', async () => {
    const empty = await insertProject(t);
    await grantUser(t, empty, u.viewer, 'project-viewer');
    await expectBoth(t, 'getAssignableUsers', [empty], {});
    await expectBoth(t, 'getAssignableUsers', [empty, true], { 0: 'Unassigned' });
  });

  test('unknown project: compat {} or {"0":"Unassigned"}, strict -32001 project', async () => {
    await expectFailure(t, 'getAssignableUsers', [9999], {}, notFound('project', 9999));
    await expectFailure(t, 'getAssignableUsers', { project_id: 9999, prepend_unassigned: true }, { 0: 'Unassigned' }, notFound('project', 9999));
  });

  test('invalid params', async () => {
    await expectFailure(t, 'getAssignableUsers', [p, 'maybe'], {}, invalidParams({ instancePath: '/prepend_unassigned', keyword: 'type', message: 'must be boolean' }));
    expect(await rawCall(t, COMPAT, 'getAssignableUsers', [p, true, 3])).toBe(COMPAT_WRONG('Too many arguments', '1'));
  });
});

describe('getProjectUserRole (§5.3)', () => {
  let p: number;
  const u: Record<string, number> = {};
  const g: Record<string, number> = {};

  beforeAll(async () => {
    p = await insertProject(t);
    for (const name of ['direct', 'lower-direct', 'groups', 'custom-over-member', 'customs', 'manager-over-custom', 'viewer-only', 'none']) {
      u[name] = await t.createUser(`role-${name}`);
    }
    // groups in creation order: lower ids first
    g.customB = await insertGroup(t, 'role-custom-b', [u.customs]);
    g.customA = await insertGroup(t, 'role-custom-a', [u.customs, u['custom-over-member'], u['manager-over-custom']]);
    g.manager = await insertGroup(t, 'role-manager', [u['lower-direct'], u['manager-over-custom']]);
    g.member = await insertGroup(t, 'role-member', [u.groups, u['custom-over-member']]);
    g.viewer = await insertGroup(t, 'role-viewer', [u.groups, u['viewer-only']]);
    await grantGroup(t, p, g.customB, 'custom-b');
    await grantGroup(t, p, g.customA, 'custom-a');
    await grantGroup(t, p, g.manager, 'project-manager');
    await grantGroup(t, p, g.member, 'project-member');
    await grantGroup(t, p, g.viewer, 'project-viewer');
    await grantUser(t, p, u.direct, 'project-member');
    await grantUser(t, p, u['lower-direct'], 'project-viewer');
  });

  test.each([
    ['direct', 'project-member'],
    ['lower-direct', 'project-viewer'], // the direct grant wins even though the group grants manager
    ['groups', 'project-member'], // highest group role
    ['custom-over-member', 'custom-a'], // custom ranks above project-member
    ['customs', 'custom-b'], // between customs, the group with the lowest id
    ['manager-over-custom', 'project-manager'],
    ['viewer-only', 'project-viewer'],
    ['none', ''],
  ])('%s → %j', async (name, role) => {
    await expectBoth(t, 'getProjectUserRole', [p, u[name]], role);
  });

  test('an existing user without a role → "" at both endpoints', async () => {
    expect(await rawCall(t, STRICT, 'getProjectUserRole', { project_id: p, user_id: u.none })).toBe('{"jsonrpc":"2.0","result":"","id":1}');
  });

  test('unknown user → "" / -32001 user; unknown project → "" / -32001 project', async () => {
    await expectFailure(t, 'getProjectUserRole', [p, 9999], '', notFound('user', 9999));
    await expectFailure(t, 'getProjectUserRole', [9999, u.direct], '', notFound('project', 9999));
  });

  test('invalid params', async () => {
    await expectFailure(t, 'getProjectUserRole', [p, 'x'], '', invalidParams({ instancePath: '/user_id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
    expect(await rawCall(t, COMPAT, 'getProjectUserRole', [p])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
  });
});

describe('roles and access in user mode', () => {
  test('a custom role is stored and assignable but grants nothing; direct wins over a group role', async () => {
    const p = await insertProject(t);
    const custom = await userWithAuth(t, 'acc-custom');
    const lower = await userWithAuth(t, 'acc-lower', { name: 'Lower' });
    const viaGroup = await userWithAuth(t, 'acc-group');
    await grantUser(t, p, custom.id, 'auditor');
    await grantUser(t, p, lower.id, 'project-viewer');
    await grantGroup(t, p, await insertGroup(t, 'acc-managers', [lower.id, viaGroup.id]), 'project-manager');

    for (const endpoint of [COMPAT, STRICT]) {
      // the custom role: no read access
      const denied = await t.call(endpoint, { jsonrpc: '2.0', method: 'getProjectUsers', params: [p], id: 3 }, custom.auth);
      if (endpoint === COMPAT) expect({ status: denied.status, text: denied.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
      else expect(denied.text).toBe(err({ code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'project-viewer' } }, 3));
      // the direct viewer grant wins over the group's manager grant: reading is fine, managing is not
      const read = await t.call(endpoint, { jsonrpc: '2.0', method: 'getProjectUserRole', params: [p, lower.id], id: 4 }, lower.auth);
      expect(read.text).toBe(ok('project-viewer', 4));
      const manage = await t.call(endpoint, { jsonrpc: '2.0', method: 'changeProjectUserRole', params: [p, custom.id, 'project-member'], id: 5 }, lower.auth);
      if (endpoint === COMPAT) expect({ status: manage.status, text: manage.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
      else expect(manage.text).toBe(err({ code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'project-manager' } }, 5));
    }
    // the custom role counts as assignable, and so does the direct viewer through its group's manager grant
    await expectBoth(t, 'getAssignableUsers', [p], { [custom.id]: 'acc-custom', [lower.id]: 'Lower', [viaGroup.id]: 'acc-group' });
    // the group manager manages
    const managed = await t.call(COMPAT, { jsonrpc: '2.0', method: 'changeProjectUserRole', params: [p, custom.id, 'project-member'], id: 6 }, viaGroup.auth);
    expect(managed.text).toBe(ok(true, 6));
    expect(await t.knex('project_has_users').where({ project_id: p, user_id: custom.id }).first('role')).toEqual({ role: 'project-member' });
  });
});
