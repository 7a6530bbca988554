/**
 * Project permissions, write side (contract §7.5, §9) at both endpoints: addProjectUser,
 * addProjectGroup, removeProjectUser, removeProjectGroup, changeProjectUserRole,
 * changeProjectGroupRole — results, failure values, strict errors, stored rows and events.
 */
import { startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { grantGroup, grantUser, groupGrants, insertGroup, insertProject, projectEvents, userGrants, userWithAuth } from '../helpers/projectGrants';
import { COMPAT_WRONG } from '../helpers/protocol';

let t: TestApp;
let manager: { id: number; auth: Auth };
const u: Record<string, number> = {};

const alreadyExists = (resource: string) => ({ code: -32002, message: 'Already exists', data: { reason: 'already_exists', resource } });

beforeAll(async () => {
  t = await startTestApp();
  manager = await userWithAuth(t, 'the-manager', { name: 'The Manager' });
  u.named = await t.createUser('named', 'password1', { name: 'Named N' });
  u.plain = await t.createUser('plain');
  u.other = await t.createUser('other', 'password1', { name: 'Other O' });
});
afterAll(() => t.close());

/** A project on which the-manager is project-manager (directly). */
async function managedProject(): Promise<number> {
  const p = await insertProject(t);
  await grantUser(t, p, manager.id, 'project-manager');
  return p;
}

/** One call as the-manager (user mode: events are recorded). */
async function asManager(endpoint: Endpoint, method: string, params: unknown, id = 1): Promise<string> {
  const res = await t.call(endpoint, { jsonrpc: '2.0', method, params, id }, manager.auth);
  expect(res.status).toBe(200);
  return res.text;
}

const author = () => ({ creator_id: manager.id, author_username: 'the-manager' });

describe('addProjectUser', () => {
  test('default role project-member, explicit and custom roles stored as given', async () => {
    const p = await insertProject(t);
    expect(await rawCall(t, COMPAT, 'addProjectUser', [p, u.named])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'addProjectUser', { project_id: p, user_id: u.plain, role: 'project-viewer' })).toBe(ok(true));
    expect(await rawCall(t, COMPAT, 'addProjectUser', [String(p), String(u.other), 'Totally Custom Role'])).toBe(ok(true));
    expect(await userGrants(t, p)).toEqual([`${u.named}:project-member`, `${u.plain}:project-viewer`, `${u.other}:Totally Custom Role`]);
    // application-token calls record no event (§9)
    expect(await projectEvents(t, p)).toEqual([]);
  });

  test('role length 1..191; "" and 192 characters are invalid, null is invalid', async () => {
    const p = await insertProject(t);
    const long = 'r'.repeat(191);
    expect(await rawCall(t, STRICT, 'addProjectUser', [p, u.named, long])).toBe(ok(true));
    expect(await rawCall(t, COMPAT, 'addProjectUser', [p, u.plain, 'x'])).toBe(ok(true));
    await expectFailure(t, 'addProjectUser', [p, u.other, ''], false, invalidParams({ instancePath: '/role', keyword: 'minLength', message: 'must NOT have fewer than 1 characters' }));
    await expectFailure(t, 'addProjectUser', [p, u.other, `${long}r`], false, invalidParams({ instancePath: '/role', keyword: 'maxLength', message: 'must NOT have more than 191 characters' }));
    await expectFailure(t, 'addProjectUser', { project_id: p, user_id: u.other, role: null }, false, invalidParams({ instancePath: '/role', keyword: 'type', message: 'must be string' }));
    expect(await userGrants(t, p)).toEqual([`${u.named}:${long}`, `${u.plain}:x`]);
  });

  test('already granted directly → false / -32002 project_user; a group grant does not count', async () => {
    const p = await insertProject(t);
    await grantUser(t, p, u.named, 'project-viewer');
    await grantGroup(t, p, await insertGroup(t, 'apu-group', [u.plain]), 'project-manager');
    await expectFailure(t, 'addProjectUser', [p, u.named, 'project-manager'], false, alreadyExists('project_user'));
    expect(await rawCall(t, STRICT, 'addProjectUser', [p, u.plain])).toBe(ok(true));
    expect(await userGrants(t, p)).toEqual([`${u.named}:project-viewer`, `${u.plain}:project-member`]);
  });

  test('unknown user → false / -32001 user; unknown project (app token) → false / -32001 project', async () => {
    const p = await insertProject(t);
    await expectFailure(t, 'addProjectUser', [p, 9999], false, notFound('user', 9999));
    await expectFailure(t, 'addProjectUser', [9999, u.named], false, notFound('project', 9999));
    expect(await userGrants(t, p)).toEqual([]);
  });

  test('invalid ids and arity', async () => {
    await expectFailure(t, 'addProjectUser', [1, 'bob'], false, invalidParams({ instancePath: '/user_id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
    await expectFailure(t, 'addProjectUser', [1, 2147483648], false, invalidParams({ instancePath: '/user_id', keyword: 'maximum', message: 'must be <= 2147483647' }));
    expect(await rawCall(t, COMPAT, 'addProjectUser', [1])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'addProjectUser', { project_id: 1, role: 'x' })).toBe(COMPAT_WRONG('Missing argument: user_id', '1'));
    expect(await rawCall(t, COMPAT, 'addProjectUser', [1, 2, 'x', 4])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(t, STRICT, 'addProjectUser', { project_id: 1, user: 2 })).toBe(
      err(
        invalidParams(
          { instancePath: '', keyword: 'required', message: "must have required property 'user_id'" },
          { instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' },
        ),
      ),
    );
  });

  test('user mode records project.user.add with snapshots of username and name', async () => {
    const p = await managedProject();
    expect(await asManager(COMPAT, 'addProjectUser', [p, u.named, 'project-viewer'])).toBe(ok(true));
    expect(await asManager(STRICT, 'addProjectUser', { project_id: p, user_id: u.plain })).toBe(ok(true));
    await t.knex('users').where({ id: u.named }).update({ name: 'Renamed later' });
    expect(await projectEvents(t, p)).toEqual([
      { ...author(), event_name: 'project.user.add', data: { user_id: u.named, username: 'named', name: 'Named N', role: 'project-viewer' } },
      { ...author(), event_name: 'project.user.add', data: { user_id: u.plain, username: 'plain', name: '', role: 'project-member' } },
    ]);
    await t.knex('users').where({ id: u.named }).update({ name: 'Named N' });
    // a failed call records nothing
    expect(await asManager(STRICT, 'addProjectUser', [p, u.plain])).toBe(err(alreadyExists('project_user')));
    expect(await projectEvents(t, p)).toHaveLength(2);
  });

  test.each([COMPAT, STRICT])('%s: concurrent duplicates — exactly one succeeds, no internal error', async (endpoint) => {
    const p = await insertProject(t);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => t.call(endpoint, { jsonrpc: '2.0', method: 'addProjectUser', params: [p, u.other, 'project-member'], id: i + 1 })),
    );
    const texts = results.map((r) => r.text);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const successes = texts.filter((text, i) => text === ok(true, i + 1));
    const duplicates = texts.filter((text, i) => text === (endpoint === COMPAT ? ok(false, i + 1) : err(alreadyExists('project_user'), i + 1)));
    expect({ successes: successes.length, duplicates: duplicates.length }).toEqual({ successes: 1, duplicates: 5 });
    expect(await userGrants(t, p)).toEqual([`${u.other}:project-member`]);
  });
});

describe('addProjectGroup', () => {
  test('default and custom roles; already granted → false / -32002 project_group', async () => {
    const p = await insertProject(t);
    const g1 = await insertGroup(t, 'apg-one');
    const g2 = await insertGroup(t, 'apg-two');
    expect(await rawCall(t, COMPAT, 'addProjectGroup', [p, g1])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'addProjectGroup', { project_id: p, group_id: g2, role: 'qa-team' })).toBe(ok(true));
    await expectFailure(t, 'addProjectGroup', [p, g1, 'project-viewer'], false, alreadyExists('project_group'));
    expect(await groupGrants(t, p)).toEqual([`${g1}:project-member`, `${g2}:qa-team`]);
  });

  test('unknown group → false / -32001 group; unknown project → false / -32001 project; bad role → false / -32602', async () => {
    const p = await insertProject(t);
    const g = await insertGroup(t, 'apg-three');
    await expectFailure(t, 'addProjectGroup', [p, 9999], false, notFound('group', 9999));
    await expectFailure(t, 'addProjectGroup', [9999, g], false, notFound('project', 9999));
    await expectFailure(t, 'addProjectGroup', [p, g, ''], false, invalidParams({ instancePath: '/role', keyword: 'minLength', message: 'must NOT have fewer than 1 characters' }));
    await expectFailure(t, 'addProjectGroup', [p, g, true], false, invalidParams({ instancePath: '/role', keyword: 'type', message: 'must be string' }));
    expect(await rawCall(t, STRICT, 'addProjectGroup', [p, g, 42])).toBe(err(invalidParams({ instancePath: '/role', keyword: 'type', message: 'must be string' })));
    expect(await groupGrants(t, p)).toEqual([]);
    // compat reads a JSON number role as its decimal text (§2.2)
    expect(await rawCall(t, COMPAT, 'addProjectGroup', [p, g, 42])).toBe(ok(true));
    expect(await groupGrants(t, p)).toEqual([`${g}:42`]);
  });

  test('a group grant gives its members access and a place in the maps', async () => {
    const p = await insertProject(t);
    const g = await insertGroup(t, 'apg-members', [u.named, u.plain]);
    expect(await rawCall(t, COMPAT, 'addProjectGroup', [p, g, 'project-viewer'])).toBe(ok(true));
    await expectBoth(t, 'getProjectUsers', [p], { [u.named]: 'Named N', [u.plain]: 'plain' });
    await expectBoth(t, 'getAssignableUsers', [p], {});
    await expectBoth(t, 'getProjectUserRole', [p, u.named], 'project-viewer');
  });

  test('user mode records project.group.add', async () => {
    const p = await managedProject();
    const g = await insertGroup(t, 'apg-event');
    expect(await asManager(STRICT, 'addProjectGroup', [p, g, 'project-manager'])).toBe(ok(true));
    expect(await projectEvents(t, p)).toEqual([
      { ...author(), event_name: 'project.group.add', data: { group_id: g, group_name: 'apg-event', role: 'project-manager' } },
    ]);
  });

  test('concurrent duplicates — exactly one succeeds', async () => {
    const p = await insertProject(t);
    const g = await insertGroup(t, 'apg-race');
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => t.call(STRICT, { jsonrpc: '2.0', method: 'addProjectGroup', params: [p, g], id: i + 1 })),
    );
    const texts = results.map((r) => r.text);
    expect(texts.filter((text, i) => text === ok(true, i + 1))).toHaveLength(1);
    expect(texts.filter((text, i) => text === err(alreadyExists('project_group'), i + 1))).toHaveLength(3);
  });
});

describe('removeProjectUser', () => {
  test('removes the direct grant only; again → false / -32001 project_user', async () => {
    const p = await insertProject(t);
    await grantUser(t, p, u.named, 'project-manager');
    await grantUser(t, p, u.plain, 'project-member');
    await grantGroup(t, p, await insertGroup(t, 'rpu-group', [u.named]), 'project-viewer');
    expect(await rawCall(t, COMPAT, 'removeProjectUser', [p, u.named])).toBe(ok(true));
    expect(await userGrants(t, p)).toEqual([`${u.plain}:project-member`]);
    // the group grant is untouched: still a project user, now with the group's role
    await expectBoth(t, 'getProjectUsers', [p], { [u.named]: 'Named N', [u.plain]: 'plain' });
    await expectBoth(t, 'getProjectUserRole', [p, u.named], 'project-viewer');
    await expectFailure(t, 'removeProjectUser', [p, u.named], false, notFound('project_user'));
    expect(await rawCall(t, STRICT, 'removeProjectUser', { project_id: p, user_id: u.plain })).toBe(ok(true));
    expect(await userGrants(t, p)).toEqual([]);
  });

  test('no such grant / unknown user → false / -32001 project_user; unknown project → -32001 project', async () => {
    const p = await insertProject(t);
    await expectFailure(t, 'removeProjectUser', [p, u.other], false, notFound('project_user'));
    await expectFailure(t, 'removeProjectUser', [p, 9999], false, notFound('project_user'));
    await expectFailure(t, 'removeProjectUser', [9999, u.other], false, notFound('project', 9999));
    expect(await rawCall(t, COMPAT, 'removeProjectUser', [p])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    await expectFailure(t, 'removeProjectUser', [p, -1], false, invalidParams({ instancePath: '/user_id', keyword: 'minimum', message: 'must be >= 1' }));
  });

  test('user mode records project.user.remove', async () => {
    const p = await managedProject();
    await grantUser(t, p, u.other, 'project-member');
    expect(await asManager(COMPAT, 'removeProjectUser', [p, u.other])).toBe(ok(true));
    expect(await projectEvents(t, p)).toEqual([
      { ...author(), event_name: 'project.user.remove', data: { user_id: u.other, username: 'other', name: 'Other O' } },
    ]);
  });
});

describe('removeProjectGroup', () => {
  test('removes the group grant; again → false / -32001 project_group; unknown project → -32001 project', async () => {
    const p = await insertProject(t);
    const g = await insertGroup(t, 'rpg-group', [u.plain]);
    await grantGroup(t, p, g, 'project-member');
    await grantUser(t, p, u.plain, 'project-viewer');
    expect(await rawCall(t, STRICT, 'removeProjectGroup', [p, g])).toBe(ok(true));
    expect(await groupGrants(t, p)).toEqual([]);
    expect(await userGrants(t, p)).toEqual([`${u.plain}:project-viewer`]);
    await expectFailure(t, 'removeProjectGroup', [p, g], false, notFound('project_group'));
    await expectFailure(t, 'removeProjectGroup', [p, 9999], false, notFound('project_group'));
    await expectFailure(t, 'removeProjectGroup', [9999, g], false, notFound('project', 9999));
    expect(await t.knex('groups').where({ id: g }).first('name')).toEqual({ name: 'rpg-group' });
  });

  test('user mode records project.group.remove', async () => {
    const p = await managedProject();
    const g = await insertGroup(t, 'rpg-event');
    await grantGroup(t, p, g, 'project-member');
    expect(await asManager(STRICT, 'removeProjectGroup', { project_id: p, group_id: g })).toBe(ok(true));
    expect(await projectEvents(t, p)).toEqual([{ ...author(), event_name: 'project.group.remove', data: { group_id: g, group_name: 'rpg-event' } }]);
  });
});

describe('changeProjectUserRole', () => {
  test('updates the direct grant (built-in or custom); no grant → false / -32001 project_user', async () => {
    const p = await insertProject(t);
    await grantUser(t, p, u.named, 'project-member');
    await grantGroup(t, p, await insertGroup(t, 'cpur-group', [u.plain]), 'project-member');
    expect(await rawCall(t, COMPAT, 'changeProjectUserRole', [p, u.named, 'project-manager'])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'changeProjectUserRole', { project_id: p, user_id: u.named, role: 'my-custom' })).toBe(ok(true));
    expect(await userGrants(t, p)).toEqual([`${u.named}:my-custom`]);
    // a group-only member has no direct grant to change
    await expectFailure(t, 'changeProjectUserRole', [p, u.plain, 'project-viewer'], false, notFound('project_user'));
    await expectFailure(t, 'changeProjectUserRole', [9999, u.named, 'project-viewer'], false, notFound('project', 9999));
    expect(await userGrants(t, p)).toEqual([`${u.named}:my-custom`]);
  });

  test('role is required; role rules apply', async () => {
    expect(await rawCall(t, COMPAT, 'changeProjectUserRole', [1, 2])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'changeProjectUserRole', { project_id: 1, user_id: 2, foo: 'x' })).toBe(COMPAT_WRONG('Missing argument: role', '1'));
    expect(await rawCall(t, STRICT, 'changeProjectUserRole', [1, 2])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'role'" })),
    );
    await expectFailure(t, 'changeProjectUserRole', [1, 2, ''], false, invalidParams({ instancePath: '/role', keyword: 'minLength', message: 'must NOT have fewer than 1 characters' }));
  });

  test('user mode records project.user.role only when the role changed', async () => {
    const p = await managedProject();
    await grantUser(t, p, u.plain, 'project-member');
    expect(await asManager(COMPAT, 'changeProjectUserRole', [p, u.plain, 'project-member'])).toBe(ok(true));
    expect(await projectEvents(t, p)).toEqual([]);
    expect(await asManager(STRICT, 'changeProjectUserRole', [p, u.plain, 'project-viewer'])).toBe(ok(true));
    expect(await projectEvents(t, p)).toEqual([
      {
        ...author(),
        event_name: 'project.user.role',
        data: { user_id: u.plain, username: 'plain', name: '', role: 'project-viewer', previous_role: 'project-member' },
      },
    ]);
  });

  test('a manager can demote itself; the next manager-only call is denied', async () => {
    const self = await userWithAuth(t, 'self-demoting');
    const p = await insertProject(t);
    await grantUser(t, p, self.id, 'project-manager');
    const first = await t.call(STRICT, { jsonrpc: '2.0', method: 'changeProjectUserRole', params: [p, self.id, 'project-member'], id: 1 }, self.auth);
    expect(first.text).toBe(ok(true));
    const second = await t.call(STRICT, { jsonrpc: '2.0', method: 'changeProjectUserRole', params: [p, self.id, 'project-manager'], id: 2 }, self.auth);
    expect(second.text).toBe(err({ code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'project-manager' } }, 2));
    expect(await userGrants(t, p)).toEqual([`${self.id}:project-member`]);
  });
});

describe('changeProjectGroupRole', () => {
  test('updates the group grant; no grant → false / -32001 project_group; role required', async () => {
    const p = await insertProject(t);
    const g = await insertGroup(t, 'cpgr-group', [u.other]);
    const ungranted = await insertGroup(t, 'cpgr-ungranted');
    await grantGroup(t, p, g, 'project-viewer');
    expect(await rawCall(t, COMPAT, 'changeProjectGroupRole', [p, g, 'project-manager'])).toBe(ok(true));
    await expectBoth(t, 'getProjectUserRole', [p, u.other], 'project-manager');
    expect(await rawCall(t, STRICT, 'changeProjectGroupRole', { project_id: p, group_id: g, role: 'release-team' })).toBe(ok(true));
    expect(await groupGrants(t, p)).toEqual([`${g}:release-team`]);
    await expectFailure(t, 'changeProjectGroupRole', [p, ungranted, 'project-viewer'], false, notFound('project_group'));
    await expectFailure(t, 'changeProjectGroupRole', [p, 9999, 'project-viewer'], false, notFound('project_group'));
    await expectFailure(t, 'changeProjectGroupRole', [9999, g, 'project-viewer'], false, notFound('project', 9999));
    expect(await rawCall(t, COMPAT, 'changeProjectGroupRole', [p, g])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    await expectFailure(t, 'changeProjectGroupRole', [p, g, 'r'.repeat(192)], false, invalidParams({ instancePath: '/role', keyword: 'maxLength', message: 'must NOT have more than 191 characters' }));
    expect(await groupGrants(t, p)).toEqual([`${g}:release-team`]);
  });

  test('user mode records project.group.role only when the role changed', async () => {
    const p = await managedProject();
    const g = await insertGroup(t, 'cpgr-event');
    await grantGroup(t, p, g, 'project-member');
    expect(await asManager(STRICT, 'changeProjectGroupRole', [p, g, 'project-member'])).toBe(ok(true));
    expect(await asManager(COMPAT, 'changeProjectGroupRole', [p, g, 'project-viewer'])).toBe(ok(true));
    expect(await projectEvents(t, p)).toEqual([
      {
        ...author(),
        event_name: 'project.group.role',
        data: { group_id: g, group_name: 'cpgr-event', role: 'project-viewer', previous_role: 'project-member' },
      },
    ]);
  });
});

describe('reads after writes agree at both endpoints', () => {
  test('add, change, remove, and the maps follow', async () => {
    const p = await insertProject(t);
    await expectBoth(t, 'getProjectUsers', [p], {});
    expect(await rawCall(t, COMPAT, 'addProjectUser', [p, u.named, 'project-viewer'])).toBe(ok(true));
    await expectBoth(t, 'getAssignableUsers', [p], {});
    expect(await rawCall(t, STRICT, 'changeProjectUserRole', [p, u.named, 'project-member'])).toBe(ok(true));
    await expectBoth(t, 'getAssignableUsers', [p, true], { 0: 'Unassigned', [u.named]: 'Named N' });
    expect(await rawCall(t, COMPAT, 'removeProjectUser', [p, u.named])).toBe(ok(true));
    await expectBoth(t, 'getProjectUsers', [p], {});
    await expectBoth(t, 'getProjectUserRole', [p, u.named], '');
  });
});
