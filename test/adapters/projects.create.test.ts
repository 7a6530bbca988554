/** createProject at both endpoints (§7.4, §2.2, §2.3, §12.2): values, defaults, owners, grants, events. */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, alreadyExists, err, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { COMPAT_WRONG } from '../helpers/protocol';
import { userWithAuth } from '../helpers/projectGrants';
import { callAs, directGrants, eventCount, expectDeniedBoth, nowOf, projectRow, storedProjectObject } from '../helpers/projects';

let t: TestApp;
let manager: { id: number; auth: Auth };
let plain: { id: number; auth: Auth };
beforeAll(async () => {
  t = await startTestApp();
  manager = await userWithAuth(t, 'manager', { role: 'app-manager', name: 'Manny' });
  plain = await userWithAuth(t, 'plain');
});
afterAll(() => t.close());

const countProjects = async () => Number((await t.knex('projects').count<{ c: unknown }[]>({ c: '*' }).first())?.c);

/** Creates at one endpoint; returns the new id (expects a numeric result). */
async function create(endpoint: typeof COMPAT | typeof STRICT, params: unknown, auth: Auth = 'app'): Promise<number> {
  const res = await callAs(t, endpoint, 'createProject', params, auth);
  const body = JSON.parse(res.text) as { result?: unknown };
  expect(res.status).toBe(200);
  expect(typeof body.result).toBe('number');
  expect(res.text).toBe(ok(body.result));
  return body.result as number;
}

describe('createProject with the application token', () => {
  test('name only: the defaults of §7.4, no owner, no grant, no event, last_modified = now', async () => {
    const before = nowOf(t);
    const id = await create(COMPAT, { name: 'Alpha' });
    const row = await projectRow(t, id);
    expect(row!.last_modified).toBeGreaterThanOrEqual(before);
    expect(row!.last_modified).toBeLessThanOrEqual(nowOf(t));
    expect(await rawCall(t, STRICT, 'getProjectById', [id])).toBe(ok(await storedProjectObject(t, id, 'Alpha')));
    expect(row).toMatchObject({ token: '', is_public: false, is_private: false, is_active: true, owner_id: 0, email: null });
    expect(await directGrants(t, id)).toEqual([]);
    expect(await eventCount(t, id)).toBe(0);
  });

  test('every parameter, positional at compat and named at strict; identifier upper-cased', async () => {
    const a = await create(COMPAT, ['Beta', 'About beta', 1, 'beta1', '2024-01-01', '2024-12-31', 2, 1, 5, 'beta@example.com']);
    expect(await rawCall(t, COMPAT, 'getProjectById', [a])).toBe(
      ok(
        await storedProjectObject(t, a, 'Beta', {
          description: 'About beta',
          owner_id: 1,
          identifier: 'BETA1',
          start_date: '2024-01-01',
          end_date: '2024-12-31',
          priority_default: 2,
          priority_start: 1,
          priority_end: 5,
          email: 'beta@example.com',
        }),
      ),
    );
    const b = await create(STRICT, { name: 'Gamma', identifier: 'GaMmA', priority_start: -2147483648, priority_end: 2147483647, email: '', owner_id: '1' });
    expect(await projectRow(t, b)).toMatchObject({ identifier: 'GAMMA', priority_start: -2147483648, priority_end: 2147483647, email: '', owner_id: 1 });
    expect(await directGrants(t, a)).toEqual([]);
    expect(await directGrants(t, b)).toEqual([]);
  });

  test('null means the column default for identifier, dates and priorities; description and email store NULL', async () => {
    const id = await create(STRICT, ['Delta', null, 0, null, null, null, null, null, null, null]);
    expect(await rawCall(t, COMPAT, 'getProjectById', { project_id: id })).toBe(ok(await storedProjectObject(t, id, 'Delta')));
  });

  test('compat converts digit strings and numbers; strict does not', async () => {
    const id = await create(COMPAT, { name: 12345, owner_id: '1', priority_default: '7', priority_end: '-3' });
    expect(await projectRow(t, id)).toMatchObject({ name: '12345', owner_id: 1, priority_default: 7, priority_end: -3 });
    const n = await countProjects();
    expect(await rawCall(t, STRICT, 'createProject', { name: 12345 })).toBe(err(invalidParams({ instancePath: '/name', keyword: 'type', message: 'must be string' })));
    expect(await rawCall(t, STRICT, 'createProject', { name: 'x', priority_default: '7' })).toBe(
      err(invalidParams({ instancePath: '/priority_default', keyword: 'type', message: 'must be integer,null' })),
    );
    expect(await countProjects()).toBe(n);
  });

  test('duplicate names are allowed', async () => {
    const a = await create(COMPAT, { name: 'Twin' });
    const b = await create(STRICT, { name: 'Twin' });
    expect(b).toBeGreaterThan(a);
  });

  test.each([
    [{ name: '' }, '/name', 'pattern', 'must match pattern "\\S"'],
    [{ name: ' \t\n ' }, '/name', 'pattern', 'must match pattern "\\S"'],
    [{ name: 'n'.repeat(65536) }, '/name', 'maxLength', 'must NOT have more than 65535 characters'],
    [{ name: null }, '/name', 'type', 'must be string'],
    [{ name: 'x', description: {} }, '/description', 'type', 'must be string,null'],
    [{ name: 'x', owner_id: null }, '/owner_id', 'type', 'must be integer,string'],
    [{ name: 'x', owner_id: -1 }, '/owner_id', 'minimum', 'must be >= 0'],
    [{ name: 'x', owner_id: 'abc' }, '/owner_id', 'pattern', 'must match pattern "^[0-9]{1,10}$"'],
    [{ name: 'x', owner_id: 2147483648 }, '/owner_id', 'maximum', 'must be <= 2147483647'],
    [{ name: 'x', identifier: 'my-proj' }, '/identifier', 'pattern', 'must match pattern "^[A-Za-z0-9]*$"'],
    [{ name: 'x', identifier: 'A'.repeat(51) }, '/identifier', 'maxLength', 'must NOT have more than 50 characters'],
    [{ name: 'x', start_date: '2024-01-01T' }, '/start_date', 'maxLength', 'must NOT have more than 10 characters'],
    [{ name: 'x', end_date: true }, '/end_date', 'type', 'must be string,null'],
    [{ name: 'x', priority_default: 2.5 }, '/priority_default', 'type', 'must be integer,null'],
    [{ name: 'x', priority_start: 2147483648 }, '/priority_start', 'maximum', 'must be <= 2147483647'],
    [{ name: 'x', priority_end: -2147483649 }, '/priority_end', 'minimum', 'must be >= -2147483648'],
    [{ name: 'x', email: 'not-an-email' }, '/email', 'format', 'must match format "email"'],
    [{ name: 'x', foo: 1 }, '', 'additionalProperties', 'must NOT have additional properties'],
  ])('invalid %j → compat false, strict -32602, nothing stored', async (params, instancePath, keyword, message) => {
    const n = await countProjects();
    if (instancePath === '') {
      // compat ignores unknown keys once the count check passed: the project is created
      expect(await rawCall(t, STRICT, 'createProject', params)).toBe(err(invalidParams({ instancePath, keyword, message })));
      expect(await countProjects()).toBe(n);
      return;
    }
    await expectFailure(t, 'createProject', params, false, invalidParams({ instancePath, keyword, message }));
    expect(await countProjects()).toBe(n);
  });

  test('an email longer than 255 characters → compat false, strict -32602', async () => {
    const n = await countProjects();
    await expectFailure(
      t,
      'createProject',
      { name: 'x', email: `${'e'.repeat(250)}@x.com` },
      false,
      invalidParams(
        { instancePath: '/email', keyword: 'maxLength', message: 'must NOT have more than 255 characters' },
        { instancePath: '/email', keyword: 'format', message: 'must match format "email"' },
      ),
    );
    expect(await countProjects()).toBe(n);
  });

  test('compat binding: no params, too many, missing name', async () => {
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"createProject","id":3}')).text).toBe(COMPAT_WRONG('Wrong number of arguments', '3'));
    const eleven = JSON.stringify(['a', null, 0, null, null, null, null, null, null, null, 'x']);
    expect((await t.call(COMPAT, `{"jsonrpc":"2.0","method":"createProject","params":${eleven},"id":4}`)).text).toBe(COMPAT_WRONG('Too many arguments', '4'));
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"createProject","params":{"description":"d"},"id":5}')).text).toBe(
      COMPAT_WRONG('Missing argument: name', '5'),
    );
    expect(await rawCall(t, STRICT, 'createProject', { description: 'd' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'name'" })),
    );
  });

  test('duplicate identifier (case-insensitive) or email → compat false, strict -32002; "" and NULL repeat freely', async () => {
    await create(COMPAT, { name: 'Owner of ids', identifier: 'DUPE', email: 'dupe@example.com' });
    const n = await countProjects();
    await expectFailure(t, 'createProject', { name: 'x', identifier: 'dupe' }, false, alreadyExists('project', 'identifier'));
    await expectFailure(t, 'createProject', { name: 'x', email: 'dupe@example.com' }, false, alreadyExists('project', 'email'));
    expect(await countProjects()).toBe(n);
    await create(COMPAT, { name: 'e1', identifier: '', email: '' });
    await create(STRICT, { name: 'e2', identifier: '', email: '' });
    await create(STRICT, { name: 'e3', email: null });
    await create(STRICT, { name: 'e4', email: 'DUPE@example.com' }); // exact comparison
  });

  test('unknown owner → compat false, strict -32001 user', async () => {
    const n = await countProjects();
    await expectFailure(t, 'createProject', { name: 'x', owner_id: 9999 }, false, notFound('user', 9999));
    expect(await countProjects()).toBe(n);
  });

  test("an explicit owner is only stored: no grant, no event (§12.2)", async () => {
    const id = await create(STRICT, { name: 'Owned', owner_id: plain.id });
    expect(await projectRow(t, id)).toMatchObject({ owner_id: plain.id });
    expect(await directGrants(t, id)).toEqual([]);
    expect(await eventCount(t, id)).toBe(0);
    await expectDeniedBoth(t, 'getProjectById', [id], plain.auth, { reason: 'forbidden', required: 'project-viewer' });
  });
});

describe('createProject in user mode', () => {
  test('owner_id 0 → the caller owns it, is project-manager, and project.create is recorded', async () => {
    const id = await create(COMPAT, { name: 'Mine' }, manager.auth);
    expect(await projectRow(t, id)).toMatchObject({ owner_id: manager.id, is_private: false });
    expect(await directGrants(t, id)).toEqual([`${manager.id}:project-manager`]);
    const res = await callAs(t, STRICT, 'getProjectById', [id], manager.auth);
    expect(res.text).toBe(ok(await storedProjectObject(t, id, 'Mine', { owner_id: manager.id })));
    const events = JSON.parse((await callAs(t, STRICT, 'getProjectActivity', [id], manager.auth)).text).result;
    expect(events).toEqual([
      {
        id: events[0].id,
        date_creation: events[0].date_creation,
        event_name: 'project.create',
        creator_id: manager.id,
        project_id: id,
        task_id: 0,
        author_username: 'manager',
        author_name: 'Manny',
        author: 'Manny',
        event_title: 'Manny created the project',
        data: {},
      },
    ]);
  });

  test('an app-manager creating for someone else grants that owner and has no access itself', async () => {
    const id = await create(STRICT, { name: 'For plain', owner_id: plain.id }, manager.auth);
    expect(await projectRow(t, id)).toMatchObject({ owner_id: plain.id });
    expect(await directGrants(t, id)).toEqual([`${plain.id}:project-manager`]);
    await expectDeniedBoth(t, 'getProjectById', [id], manager.auth, { reason: 'forbidden', required: 'project-viewer' });
    expect((await callAs(t, COMPAT, 'getProjectById', [id], plain.auth)).text).toBe(ok(await storedProjectObject(t, id, 'For plain', { owner_id: plain.id })));
    const [event] = await t.knex('project_activities').where({ project_id: id }).select('event_name', 'creator_id');
    expect({ event_name: event.event_name, creator_id: Number(event.creator_id) }).toEqual({ event_name: 'project.create', creator_id: manager.id });
  });

  test('unknown owner in user mode → compat false, strict -32001; nothing stored', async () => {
    const n = await countProjects();
    expect((await callAs(t, COMPAT, 'createProject', { name: 'x', owner_id: 9999 }, manager.auth)).text).toBe(ok(false));
    expect((await callAs(t, STRICT, 'createProject', { name: 'x', owner_id: 9999 }, manager.auth)).text).toBe(err(notFound('user', 9999)));
    expect(await countProjects()).toBe(n);
  });

  test('an app-user may not create projects', async () => {
    const n = await countProjects();
    await expectDeniedBoth(t, 'createProject', { name: 'nope' }, plain.auth, { reason: 'forbidden', required: 'app-manager' });
    expect(await countProjects()).toBe(n);
  });
});
