/**
 * updateProject, removeProject, enable/disableProject and enable/disableProjectPublicAccess at both
 * endpoints (§7.4, §9, §12.2): values, last_modified, events (user mode only), tokens and urls.
 */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, alreadyExists, err, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { grantUser, projectEvents, userWithAuth } from '../helpers/projectGrants';
import { callAs, directGrants, expectDeniedBoth, insertProjectRow, projectRow, projectUrls, storedProjectObject } from '../helpers/projects';

let t: TestApp;
let pm: { id: number; auth: Auth };
let member: { id: number; auth: Auth };
beforeAll(async () => {
  t = await startTestApp();
  pm = await userWithAuth(t, 'pm', { name: 'Pat M' });
  member = await userWithAuth(t, 'member');
});
afterAll(() => t.close());

let seq = 0;
/** A fresh project (last_modified 1) on which `pm` is project-manager and `member` project-member. */
async function fresh(row: Record<string, unknown> = {}): Promise<number> {
  seq += 1;
  const id = await insertProjectRow(t, { name: `P${seq}`, last_modified: 1, ...row });
  await grantUser(t, id, pm.id, 'project-manager');
  await grantUser(t, id, member.id, 'project-member');
  return id;
}

const managerOnly = { reason: 'forbidden', required: 'project-manager' };

describe('updateProject', () => {
  test('every field at compat (app token): stored, identifier upper-cased, last_modified = now, no event', async () => {
    const id = await fresh();
    const before = t.services.now();
    expect(await rawCall(t, COMPAT, 'updateProject', [id, 'Renamed', 'Desc', 1, 'ren1', '2024-01-01', '2024-02-02', 1, '-1', 4, 'ren@example.com'])).toBe(ok(true));
    const row = await projectRow(t, id);
    expect(row!.last_modified).toBeGreaterThanOrEqual(before);
    expect(await rawCall(t, STRICT, 'getProjectById', [id])).toBe(
      ok(
        await storedProjectObject(t, id, 'Renamed', {
          description: 'Desc',
          owner_id: 1,
          identifier: 'REN1',
          start_date: '2024-01-01',
          end_date: '2024-02-02',
          priority_default: 1,
          priority_start: -1,
          priority_end: 4,
          email: 'ren@example.com',
        }),
      ),
    );
    expect(await projectEvents(t, id)).toEqual([]);
    expect(await directGrants(t, id)).toEqual([`${pm.id}:project-manager`, `${member.id}:project-member`]);
  });

  test('null / absent = unchanged; only project_id → true and nothing changes', async () => {
    const id = await fresh({ description: 'keep', identifier: `KEEP${seq + 1}`, email: `keep${seq + 1}@example.com` });
    const before = await projectRow(t, id);
    expect(await rawCall(t, COMPAT, 'updateProject', { project_id: id })).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'updateProject', [id])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'updateProject', [id, null, null, null, null, null, null, null, null, null, null])).toBe(ok(true));
    expect(await projectRow(t, id)).toEqual(before);
    expect(await rawCall(t, STRICT, 'updateProject', { project_id: id, name: 'Only name', email: null })).toBe(ok(true));
    expect(await projectRow(t, id)).toMatchObject({ ...before, name: 'Only name', last_modified: expect.any(Number) });
  });

  test('"" clears identifier and email; owner_id 0 clears the owner; same values → no change', async () => {
    const tag = `clr${seq + 1}`;
    const id = await fresh({ identifier: tag.toUpperCase(), email: `${tag}@example.com`, owner_id: pm.id });
    const before = await projectRow(t, id);
    expect(await rawCall(t, STRICT, 'updateProject', { project_id: id, identifier: tag, name: before!.name })).toBe(ok(true));
    expect(await projectRow(t, id)).toEqual(before); // same values: last_modified untouched
    expect(await rawCall(t, COMPAT, 'updateProject', { project_id: id, identifier: '', email: '', owner_id: '0' })).toBe(ok(true));
    expect(await projectRow(t, id)).toMatchObject({ identifier: '', email: '', owner_id: 0 });
    expect(await directGrants(t, id)).toEqual([`${pm.id}:project-manager`, `${member.id}:project-member`]);
  });

  test('user mode: last_modified moves and project.update records the new values of the changed columns', async () => {
    const id = await fresh({ name: 'Before', priority_end: 3 });
    t.advanceClock(1000);
    const res = await callAs(t, STRICT, 'updateProject', { project_id: id, name: 'After', priority_end: 3, identifier: 'evt', description: 'd' }, pm.auth);
    expect(res.text).toBe(ok(true));
    expect((await projectRow(t, id))!.last_modified).toBeGreaterThanOrEqual(t.services.now() - 5);
    expect(await projectEvents(t, id)).toEqual([
      { event_name: 'project.update', creator_id: pm.id, author_username: 'pm', data: { changes: { name: 'After', description: 'd', identifier: 'EVT' } } },
    ]);
    const events = JSON.parse((await callAs(t, COMPAT, 'getProjectActivity', [id], member.auth)).text).result;
    expect(events.map((e: { event_title: string }) => e.event_title)).toEqual(['Pat M updated the project']);
    // nothing changed → no event, last_modified kept
    const kept = (await projectRow(t, id))!.last_modified;
    t.advanceClock(1000);
    expect((await callAs(t, COMPAT, 'updateProject', { project_id: id, name: 'After' }, pm.auth)).text).toBe(ok(true));
    expect((await projectRow(t, id))!.last_modified).toBe(kept);
    expect((await projectEvents(t, id)).length).toBe(1);
  });

  test('unknown project → compat false, strict -32001 project', async () => {
    await expectFailure(t, 'updateProject', { project_id: 9999, name: 'x' }, false, notFound('project', 9999));
  });

  test('duplicate identifier or email → compat false, strict -32002; its own values are fine', async () => {
    const ident = `DA${seq + 1}`;
    const mail = `da${seq + 1}@example.com`;
    const a = await fresh({ identifier: ident, email: mail });
    const b = await fresh();
    const before = await projectRow(t, b);
    await expectFailure(t, 'updateProject', { project_id: b, identifier: ident.toLowerCase() }, false, alreadyExists('project', 'identifier'));
    await expectFailure(t, 'updateProject', { project_id: b, email: mail }, false, alreadyExists('project', 'email'));
    expect(await projectRow(t, b)).toEqual(before);
    expect(await rawCall(t, STRICT, 'updateProject', { project_id: a, identifier: ident, email: mail })).toBe(ok(true));
  });

  test('unknown owner → compat false, strict -32001 user', async () => {
    const id = await fresh();
    const before = await projectRow(t, id);
    await expectFailure(t, 'updateProject', { project_id: id, owner_id: 9999, name: 'x' }, false, notFound('user', 9999));
    expect(await projectRow(t, id)).toEqual(before);
  });

  test.each([
    [{ name: '' }, '/name', 'pattern', 'must match pattern "\\S"'],
    [{ name: '  ' }, '/name', 'pattern', 'must match pattern "\\S"'],
    [{ identifier: 'a b' }, '/identifier', 'pattern', 'must match pattern "^[A-Za-z0-9]*$"'],
    [{ start_date: '01234567890' }, '/start_date', 'maxLength', 'must NOT have more than 10 characters'],
    [{ priority_default: 1.5 }, '/priority_default', 'type', 'must be integer,null'],
    [{ email: 'nope' }, '/email', 'format', 'must match format "email"'],
    [{ owner_id: -5 }, '/owner_id', 'minimum', 'must be >= 0'],
  ])('invalid %j → compat false, strict -32602, unchanged', async (change, instancePath, keyword, message) => {
    const id = await fresh();
    const before = await projectRow(t, id);
    await expectFailure(t, 'updateProject', { project_id: id, ...change }, false, invalidParams({ instancePath, keyword, message }));
    expect(await projectRow(t, id)).toEqual(before);
  });

  test('user mode: project-manager only', async () => {
    const id = await fresh();
    const before = await projectRow(t, id);
    await expectDeniedBoth(t, 'updateProject', { project_id: id, name: 'x' }, member.auth, managerOnly);
    await expectDeniedBoth(t, 'updateProject', { project_id: 9999, name: 'x' }, pm.auth, managerOnly);
    expect(await projectRow(t, id)).toEqual(before);
  });
});

describe('enableProject / disableProject', () => {
  test('set is_active, idempotent true; last_modified and an event only when it changed (user mode)', async () => {
    const id = await fresh();
    expect((await callAs(t, COMPAT, 'disableProject', [id], pm.auth)).text).toBe(ok(true));
    const disabledAt = Number((await projectRow(t, id))!.last_modified);
    expect(disabledAt).toBeGreaterThan(1);
    expect(await projectRow(t, id)).toMatchObject({ is_active: false });
    t.advanceClock(100);
    expect((await callAs(t, STRICT, 'disableProject', [id], pm.auth)).text).toBe(ok(true));
    expect((await projectRow(t, id))!.last_modified).toBe(disabledAt);
    expect((await callAs(t, STRICT, 'enableProject', { project_id: id }, pm.auth)).text).toBe(ok(true));
    expect(await projectRow(t, id)).toMatchObject({ is_active: true });
    expect((await projectRow(t, id))!.last_modified).toBeGreaterThan(disabledAt);
    expect((await projectEvents(t, id)).map((e) => e.data)).toEqual([{ changes: { is_active: false } }, { changes: { is_active: true } }]);
  });

  test('app token: no event; unknown → compat false, strict -32001; member → 403', async () => {
    const id = await fresh();
    expect(await rawCall(t, COMPAT, 'disableProject', [id])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'enableProject', [id])).toBe(ok(true));
    expect(await projectEvents(t, id)).toEqual([]);
    await expectFailure(t, 'enableProject', [9999], false, notFound('project', 9999));
    await expectFailure(t, 'disableProject', [9999], false, notFound('project', 9999));
    await expectFailure(t, 'disableProject', ['x'], false, invalidParams({ instancePath: '/project_id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
    await expectDeniedBoth(t, 'disableProject', [id], member.auth, managerOnly);
    expect(await projectRow(t, id)).toMatchObject({ is_active: true });
  });
});

describe('enableProjectPublicAccess / disableProjectPublicAccess', () => {
  test('a new 60-hex token on every call; url gains public_board, rss_feed, ical_feed; the token never appears in events', async () => {
    const id = await fresh();
    expect((await callAs(t, COMPAT, 'enableProjectPublicAccess', [id], pm.auth)).text).toBe(ok(true));
    const first = await projectRow(t, id);
    expect(first).toMatchObject({ is_public: true });
    expect(first!.token).toMatch(/^[0-9a-f]{60}$/);
    const object = await storedProjectObject(t, id, `P${seq}`, { is_public: true });
    expect(object.url).toEqual(projectUrls(id, 'http://localhost/', String(first!.token)));
    expect((await callAs(t, STRICT, 'getProjectById', [id], member.auth)).text).toBe(ok(object));
    expect((await callAs(t, STRICT, 'enableProjectPublicAccess', [id], pm.auth)).text).toBe(ok(true));
    const second = await projectRow(t, id);
    expect(second!.token).toMatch(/^[0-9a-f]{60}$/);
    expect(second!.token).not.toBe(first!.token);
    expect((await callAs(t, STRICT, 'disableProjectPublicAccess', [id], pm.auth)).text).toBe(ok(true));
    expect(await projectRow(t, id)).toMatchObject({ is_public: false, token: '' });
    expect((await callAs(t, COMPAT, 'getProjectById', [id], pm.auth)).text).toBe(ok(await storedProjectObject(t, id, `P${seq}`)));
    const events = await projectEvents(t, id);
    expect(events.map((e) => e.data)).toEqual([{ changes: { is_public: true } }, { changes: {} }, { changes: { is_public: false } }]);
    expect(JSON.stringify(events)).not.toContain(String(first!.token));
    expect(JSON.stringify(events)).not.toContain('token');
    // already private: nothing changes
    const kept = (await projectRow(t, id))!.last_modified;
    t.advanceClock(100);
    expect((await callAs(t, STRICT, 'disableProjectPublicAccess', [id], pm.auth)).text).toBe(ok(true));
    expect((await projectRow(t, id))!.last_modified).toBe(kept);
    expect((await projectEvents(t, id)).length).toBe(3);
  });

  test('app token: works without events; unknown → compat false, strict -32001; member → 403', async () => {
    const id = await fresh();
    expect(await rawCall(t, STRICT, 'enableProjectPublicAccess', [id])).toBe(ok(true));
    expect((await projectRow(t, id))!.token).toMatch(/^[0-9a-f]{60}$/);
    expect(await rawCall(t, COMPAT, 'disableProjectPublicAccess', [id])).toBe(ok(true));
    expect(await projectEvents(t, id)).toEqual([]);
    await expectFailure(t, 'enableProjectPublicAccess', [9999], false, notFound('project', 9999));
    await expectFailure(t, 'disableProjectPublicAccess', [9999], false, notFound('project', 9999));
    await expectDeniedBoth(t, 'enableProjectPublicAccess', [id], member.auth, managerOnly);
    expect(await projectRow(t, id)).toMatchObject({ is_public: false, token: '' });
  });
});

describe('removeProject', () => {
  test('deletes the project with its grants and events', async () => {
    const id = await fresh();
    expect((await callAs(t, STRICT, 'disableProject', [id], pm.auth)).text).toBe(ok(true));
    await expectDeniedBoth(t, 'removeProject', [id], member.auth, managerOnly);
    expect((await callAs(t, COMPAT, 'removeProject', [id], pm.auth)).text).toBe(ok(true));
    expect(await projectRow(t, id)).toBeUndefined();
    expect(await directGrants(t, id)).toEqual([]);
    expect(await projectEvents(t, id)).toEqual([]);
    expect(await rawCall(t, STRICT, 'removeProject', [id])).toBe(err(notFound('project', id)));
    expect(await rawCall(t, COMPAT, 'removeProject', [id])).toBe(ok(false));
  });

  test('app token removes too; invalid id → compat false, strict -32602', async () => {
    const id = await fresh();
    expect(await rawCall(t, STRICT, 'removeProject', { project_id: String(id) })).toBe(ok(true));
    expect(await projectRow(t, id)).toBeUndefined();
    await expectFailure(t, 'removeProject', [0], false, invalidParams({ instancePath: '/project_id', keyword: 'minimum', message: 'must be >= 1' }));
  });
});
