/**
 * getProjectActivity and getProjectActivities at both endpoints (§7.4, §9, §12.1 #12, #15):
 * events recorded for user-mode calls only, event objects and titles, ordering, limits, unknown ids.
 */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { grantUser, userWithAuth } from '../helpers/projectGrants';
import { callAs, expectDeniedBoth, insertProjectRow } from '../helpers/projects';

let t: TestApp;
let pm: { id: number; auth: Auth };
let anon: { id: number; auth: Auth };
let viewer: { id: number; auth: Auth };
let a = 0;
let b = 0;
let hidden = 0;

beforeAll(async () => {
  t = await startTestApp();
  pm = await userWithAuth(t, 'pm', { name: 'Pat M', role: 'app-manager' });
  anon = await userWithAuth(t, 'anon'); // no name: titles use the username
  viewer = await userWithAuth(t, 'viewer');
  a = JSON.parse((await callAs(t, STRICT, 'createProject', { name: 'A' }, pm.auth)).text).result;
  await grantUser(t, a, anon.id, 'project-manager');
  await grantUser(t, a, viewer.id, 'project-viewer');
  b = await insertProjectRow(t, { name: 'B' });
  await grantUser(t, b, pm.id, 'project-manager');
  await grantUser(t, b, viewer.id, 'project-viewer');
  hidden = await insertProjectRow(t, { name: 'Hidden' });
});
afterAll(() => t.close());

interface EventObject {
  id: number;
  date_creation: number;
  event_name: string;
  project_id: number;
  event_title: string;
  data: unknown;
}
const resultOf = (text: string) => JSON.parse(text).result as EventObject[];

describe('recording (§9)', () => {
  test('application-token calls record nothing', async () => {
    expect(await rawCall(t, COMPAT, 'updateProject', { project_id: b, name: 'B2' })).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'disableProject', [b])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'enableProject', [b])).toBe(ok(true));
    await expectBoth(t, 'getProjectActivity', [b], []);
  });

  test('user-mode calls record events with author snapshots, shown newest first with titles', async () => {
    expect((await callAs(t, COMPAT, 'updateProject', { project_id: a, description: 'about A' }, anon.auth)).text).toBe(ok(true));
    expect((await callAs(t, STRICT, 'disableProject', [a], pm.auth)).text).toBe(ok(true));
    const text = (await callAs(t, STRICT, 'getProjectActivity', [a], viewer.auth)).text;
    const events = resultOf(text);
    expect(events.map((e) => [e.event_name, e.event_title, e.data])).toEqual([
      ['project.update', 'Pat M updated the project', { changes: { is_active: false } }],
      ['project.update', 'anon updated the project', { changes: { description: 'about A' } }],
      ['project.create', 'Pat M created the project', {}],
    ]);
    expect(events[0].id).toBeGreaterThan(events[1].id);
    const stored = await t.knex('project_activities').where({ id: events[1].id }).first();
    expect(text).toContain(
      JSON.stringify({
        id: events[1].id,
        date_creation: Number(stored.date_creation),
        event_name: 'project.update',
        creator_id: anon.id,
        project_id: a,
        task_id: 0,
        author_username: 'anon',
        author_name: '',
        author: 'anon',
        event_title: 'anon updated the project',
        data: { changes: { description: 'about A' } },
      }),
    );
    expect((await callAs(t, COMPAT, 'getProjectActivity', { project_id: String(a) }, viewer.auth)).text).toBe(text);
    expect(text).not.toMatch(/email|avatar|</);
  });
});

describe('getProjectActivity', () => {
  test('at most 50 events, newest first', async () => {
    const id = await insertProjectRow(t, { name: 'Busy' });
    const rows = Array.from({ length: 55 }, (_, i) => ({
      date_creation: 1000 + i,
      event_name: 'project.update',
      creator_id: null,
      project_id: id,
      author_username: 'ghost',
      author_name: null,
      data: JSON.stringify({ changes: { n: i } }),
    }));
    await t.knex('project_activities').insert(rows);
    const events = resultOf(await rawCall(t, COMPAT, 'getProjectActivity', [id]));
    expect(events.length).toBe(50);
    expect(events[0]).toMatchObject({ date_creation: 1054, event_title: 'ghost updated the project', data: { changes: { n: 54 } } });
    expect(events[49]).toMatchObject({ date_creation: 1005 });
    expect(await rawCall(t, STRICT, 'getProjectActivity', [id])).toBe(ok(events));
  });

  test('unknown → compat [], strict -32001; invalid → compat [], strict -32602', async () => {
    await expectFailure(t, 'getProjectActivity', [9999], [], notFound('project', 9999));
    await expectFailure(t, 'getProjectActivity', ['x'], [], invalidParams({ instancePath: '/project_id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
  });

  test('user mode: viewer or better; outsiders and unknown projects get 403', async () => {
    await expectDeniedBoth(t, 'getProjectActivity', [hidden], viewer.auth, { reason: 'forbidden', required: 'project-viewer' });
    await expectDeniedBoth(t, 'getProjectActivity', [9999], viewer.auth, { reason: 'forbidden', required: 'project-viewer' });
  });
});

describe('getProjectActivities', () => {
  test('events of all listed projects, newest first; [] → []', async () => {
    expect((await callAs(t, STRICT, 'updateProject', { project_id: b, name: 'B3' }, pm.auth)).text).toBe(ok(true));
    const text = (await callAs(t, COMPAT, 'getProjectActivities', [[a, b]], viewer.auth)).text;
    const events = resultOf(text);
    expect(events.map((e) => [e.project_id, e.event_name])).toEqual([
      [b, 'project.update'],
      [a, 'project.update'],
      [a, 'project.update'],
      [a, 'project.create'],
    ]);
    expect((await callAs(t, STRICT, 'getProjectActivities', { project_ids: [String(b), a] }, viewer.auth)).text).toBe(text);
    await expectBoth(t, 'getProjectActivities', [[]], []);
    await expectBoth(t, 'getProjectActivities', [[hidden]], []);
  });

  test('unknown ids: compat ignores them, strict -32001 with the first unknown id', async () => {
    const withB = resultOf(await rawCall(t, STRICT, 'getProjectActivities', [[b]]));
    expect(await rawCall(t, COMPAT, 'getProjectActivities', [[9999, b, 9998]])).toBe(ok(withB));
    expect(await rawCall(t, STRICT, 'getProjectActivities', [[b, 9999, 9998]])).toBe(err(notFound('project', 9999)));
  });

  test('a non-array, bad ids or more than 100 ids → compat [], strict -32602', async () => {
    await expectFailure(t, 'getProjectActivities', [5], [], invalidParams({ instancePath: '/project_ids', keyword: 'type', message: 'must be array' }));
    await expectFailure(t, 'getProjectActivities', { project_ids: 'x' }, [], invalidParams({ instancePath: '/project_ids', keyword: 'type', message: 'must be array' }));
    await expectFailure(t, 'getProjectActivities', [[1, 'x']], [], invalidParams({ instancePath: '/project_ids/1', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,10}$"' }));
    await expectFailure(t, 'getProjectActivities', [[0]], [], invalidParams({ instancePath: '/project_ids/0', keyword: 'minimum', message: 'must be >= 1' }));
    const many = Array.from({ length: 101 }, () => a);
    await expectFailure(t, 'getProjectActivities', [many], [], invalidParams({ instancePath: '/project_ids', keyword: 'maxItems', message: 'must NOT have more than 100 items' }));
    const hundred = Array.from({ length: 100 }, () => a);
    expect(resultOf(await rawCall(t, STRICT, 'getProjectActivities', [hundred])).length).toBe(3);
  });

  test('user mode: every listed project must pass (unknown ones included)', async () => {
    const denied = { reason: 'forbidden', required: 'project-viewer' };
    await expectDeniedBoth(t, 'getProjectActivities', [[a, hidden]], viewer.auth, denied);
    await expectDeniedBoth(t, 'getProjectActivities', [[a, 9999]], viewer.auth, denied);
    await expectDeniedBoth(t, 'getProjectActivities', [[b]], anon.auth, denied);
    expect((await callAs(t, STRICT, 'getProjectActivities', [[]], anon.auth)).text).toBe(ok([]));
  });

  test('a removed author keeps the snapshot, creator_id becomes null', async () => {
    const gone = await userWithAuth(t, 'gone', { name: 'Gone Soon' });
    await grantUser(t, b, gone.id, 'project-manager');
    expect((await callAs(t, STRICT, 'disableProject', [b], gone.auth)).text).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'removeUser', [gone.id])).toBe(ok(true));
    const [latest] = resultOf(await rawCall(t, COMPAT, 'getProjectActivity', [b]));
    expect(latest).toMatchObject({ creator_id: null, author_username: 'gone', author_name: 'Gone Soon', event_title: 'Gone Soon updated the project' });
  });
});
