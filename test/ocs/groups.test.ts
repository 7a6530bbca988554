/** OCS groups endpoints (ocs-provisioning §7, §5.3, §5.4) on the §11 fixtures. */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, seedOcsFixtures, type OcsHttpMethod, type OcsRequestOptions } from '../helpers/ocs';

type Options = Omit<OcsRequestOptions, 'format'>;

const NOT_FOUND = 'The requested group could not be found';
const LEVEL_S = 'Logged in account must be an admin, a sub admin or gotten special right to access this setting';
const LEVEL_B = 'Logged in account must be at least a sub admin';

async function fixture(): Promise<TestApp> {
  const t = await startTestApp();
  await seedOcsFixtures(t);
  return t;
}

/** The same failure on v1 (HTTP 200, or 401 for 997) and v2 (HTTP `v2Http`), with empty data. */
async function expectFailure(t: TestApp, method: OcsHttpMethod, path: string, options: Options, statuscode: number, message: string, v2Http: number) {
  for (const version of [1, 2] as const) {
    const a = await ocsJson(t, method, version, path, options);
    expect({ version, http: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({
      version,
      http: version === 1 ? (statuscode === 997 ? 401 : 200) : v2Http,
      statuscode,
      message,
      data: [],
    });
  }
}

/** A successful call: 100 on v1 (HTTP 200); returns `data`. */
async function ok(t: TestApp, method: OcsHttpMethod, path: string, options: Options = {}): Promise<unknown> {
  const a = await ocsJson(t, method, 1, path, options);
  expect({ http: a.status, statuscode: a.statuscode, message: a.message, text: a.text }).toMatchObject({ http: 200, statuscode: 100, message: 'OK' });
  return a.data;
}

/** An XML document of §4.5 (v1 success) around the given `<data>` lines. */
function xmlV1(dataLines: string[]): string {
  const meta = ['  <status>ok</status>', '  <statuscode>100</statuscode>', '  <message>OK</message>', '  <totalitems></totalitems>', '  <itemsperpage></itemsperpage>'];
  return ['<?xml version="1.0"?>', '<ocs>', ' <meta>', ...meta, ' </meta>', ...dataLines, '</ocs>', ''].join('\n');
}

const details = (id: string, displayname: string, usercount: number, disabled: number) => ({ id, displayname, usercount, disabled, canAdd: true, canRemove: true });

describe('reading groups', () => {
  let t: TestApp;
  const ALL = ['_x', 'admin', 'ALPHA', 'alpha', 'Beta', 'other', 'team'];
  beforeAll(async () => {
    t = await fixture();
    for (const groupid of ['Beta', 'alpha', 'ALPHA', '_x']) await ok(t, 'POST', 'groups', { form: { groupid } });
    await ok(t, 'PUT', 'groups/other', { form: { key: 'displayname', value: 'Zebra Crossing' } });
    await createOcsUser(t, { userid: 'Zed', groups: ['team'] });
    await createOcsUser(t, { userid: 'adam', groups: ['team'] });
    await ok(t, 'POST', 'users/admin/groups', { form: { groupid: 'team' } });
    await ok(t, 'PUT', 'users/carol/disable');
  }, 120_000);
  afterAll(() => t.close());

  test('GET /groups: admin and subadmin see every id in §5.4 order (case-folded, then byte order)', async () => {
    expect(await ok(t, 'GET', 'groups')).toEqual({ groups: ALL });
    expect(await ok(t, 'GET', 'groups', { caller: as('sub') })).toEqual({ groups: ALL });
    const v2 = await ocsJson(t, 'GET', 2, 'groups', { caller: as('sub') });
    expect([v2.status, v2.statuscode, v2.data]).toEqual([200, 200, { groups: ALL }]);
    const xml = await ocsRequest(t, 'GET', 1, 'groups');
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xml.text).toBe(xmlV1([' <data>', '  <groups>', ...ALL.map((g) => `   <element>${g}</element>`), '  </groups>', ' </data>']));
  });

  test('GET /groups: search on name or display name, literal % and _, paging; none → [] and <groups/>', async () => {
    expect(await ok(t, 'GET', 'groups?search=ALP')).toEqual({ groups: ['ALPHA', 'alpha'] });
    expect(await ok(t, 'GET', 'groups?search=zebra')).toEqual({ groups: ['other'] });
    expect(await ok(t, 'GET', 'groups?search=_')).toEqual({ groups: ['_x'] });
    expect(await ok(t, 'GET', 'groups?search=%25')).toEqual({ groups: [] });
    const pages: string[][] = [];
    for (let offset = 0; offset < 9; offset += 3) pages.push(((await ok(t, 'GET', `groups?limit=3&offset=${offset}`)) as { groups: string[] }).groups);
    expect(pages).toEqual([ALL.slice(0, 3), ALL.slice(3, 6), ALL.slice(6)]);
    expect(await ok(t, 'GET', 'groups?limit=0')).toEqual({ groups: [] });
    expect(await ok(t, 'GET', 'groups?offset=5')).toEqual({ groups: ALL.slice(5) });
    expect((await ocsJson(t, 'GET', 1, 'groups?search=nomatch')).text).toContain('"data":{"groups":[]}');
    expect((await ocsRequest(t, 'GET', 2, 'groups?search=nomatch')).text).toContain('\n <data>\n  <groups/>\n </data>\n');
  });

  test('GET /groups as a plain user → 403 (level B)', async () => {
    await expectFailure(t, 'GET', 'groups', { caller: as('plain') }, 403, LEVEL_B, 403);
  });

  test('case 31: GET /groups/details?format=json → exact §5.3 objects with disabled counts and display-name fallback', async () => {
    const expected = [
      details('_x', '_x', 0, 0),
      details('admin', 'admin', 1, 0),
      details('ALPHA', 'ALPHA', 0, 0),
      details('alpha', 'alpha', 0, 0),
      details('Beta', 'Beta', 0, 0),
      details('other', 'Zebra Crossing', 0, 0),
      details('team', 'team', 5, 1),
    ];
    expect(await ok(t, 'GET', 'groups/details')).toEqual({ groups: expected });
    const v1 = await ocsJson(t, 'GET', 1, 'groups/details?search=team');
    expect(v1.text).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},' +
        '"data":{"groups":[{"id":"team","displayname":"team","usercount":5,"disabled":1,"canAdd":true,"canRemove":true}]}}}',
    );
    expect(await ok(t, 'GET', 'groups/details?search=zebra')).toEqual({ groups: [expected[5]] });
    expect(await ok(t, 'GET', 'groups/details?limit=2&offset=1')).toEqual({ groups: expected.slice(1, 3) });
    expect(await ok(t, 'GET', 'groups/details?search=nomatch')).toEqual({ groups: [] });
  });

  test('GET /groups/details in XML: each item an <element>, canAdd and canRemove as 1', async () => {
    const xml = await ocsRequest(t, 'GET', 1, 'groups/details?search=team');
    const item = ['<id>team</id>', '<displayname>team</displayname>', '<usercount>5</usercount>', '<disabled>1</disabled>', '<canAdd>1</canAdd>', '<canRemove>1</canRemove>'];
    expect(xml.text).toBe(xmlV1([' <data>', '  <groups>', '   <element>', ...item.map((l) => `    ${l}`), '   </element>', '  </groups>', ' </data>']));
  });

  test('GET /groups/details as a subadmin → 403 with the level S message', async () => {
    await expectFailure(t, 'GET', 'groups/details', { caller: as('sub') }, 403, LEVEL_S, 403);
    await expectFailure(t, 'GET', 'groups/details', { caller: as('plain'), apiHeader: false }, 403, LEVEL_S, 403);
  });

  test('GET /groups/{id} and /groups/{id}/users: members sorted; 404 for a missing group; 403 "" for another group', async () => {
    const members = ['adam', 'admin', 'carol', 'sub', 'Zed'];
    for (const path of ['groups/team', 'groups/team/users']) {
      expect(await ok(t, 'GET', path)).toEqual({ users: members });
      expect(await ok(t, 'GET', path, { caller: as('sub') })).toEqual({ users: members });
    }
    for (const path of ['groups/nogroup', 'groups/nogroup/users', 'groups/TEAM']) {
      await expectFailure(t, 'GET', path, {}, 404, NOT_FOUND, 404);
    }
    for (const path of ['groups/other', 'groups/other/users']) await expectFailure(t, 'GET', path, { caller: as('sub') }, 403, '', 403);
    await expectFailure(t, 'GET', 'groups/team', { caller: as('plain') }, 403, LEVEL_B, 403);
    expect(await ok(t, 'GET', 'groups/other')).toEqual({ users: [] });
    expect(await ok(t, 'GET', 'groups/team/', { caller: as('sub') })).toEqual({ users: members });
    expect((await ocsRequest(t, 'GET', 1, 'groups/other/users')).text).toContain('\n <data>\n  <users/>\n </data>\n');
  });

  test('GET /groups/{id}/users/details: 998 for missing or not administered; a subadmin sees an admin member as {id}', async () => {
    for (const path of ['groups/nogroup/users/details', 'groups/TEAM/users/details']) await expectFailure(t, 'GET', path, {}, 998, NOT_FOUND, 404);
    await expectFailure(t, 'GET', 'groups/other/users/details', { caller: as('sub') }, 998, NOT_FOUND, 404);

    const bySub = await ocsJson(t, 'GET', 1, 'groups/team/users/details', { caller: as('sub') });
    const users = (bySub.data as { users: Record<string, Record<string, unknown>> }).users;
    expect(Object.keys(users)).toEqual(['adam', 'admin', 'carol', 'sub', 'Zed']);
    expect(users.admin).toEqual({ id: 'admin' });
    expect(bySub.text).toContain('"admin":{"id":"admin"}');
    expect(users.carol).toMatchObject({ enabled: false, id: 'carol', groups: ['team'] });
    expect(users.carol).not.toHaveProperty('storageLocation');

    const byAdmin = await ok(t, 'GET', 'groups/team/users/details');
    const adminView = (byAdmin as { users: Record<string, Record<string, unknown>> }).users.admin;
    expect(adminView).toMatchObject({ enabled: true, storageLocation: '', id: 'admin', groups: ['admin', 'team'] });

    expect(Object.keys(((await ok(t, 'GET', 'groups/team/users/details?search=CAR')) as { users: object }).users)).toEqual(['carol']);
    expect(Object.keys(((await ok(t, 'GET', 'groups/team/users/details?limit=2&offset=1')) as { users: object }).users)).toEqual(['admin', 'carol']);
    expect((await ocsJson(t, 'GET', 1, 'groups/team/users/details?search=nomatch')).text).toContain('"data":{"users":[]}');
    expect((await ocsRequest(t, 'GET', 1, 'groups/other/users/details')).text).toContain('\n <data>\n  <users/>\n </data>\n');
  });

  test('GET /groups/{id}/subadmins: a bare sorted list; [] and <data/> when none; 101 for a missing group; level S', async () => {
    await ok(t, 'POST', 'users/adam/subadmins', { form: { groupid: 'team' } });
    expect(await ok(t, 'GET', 'groups/team/subadmins')).toEqual(['adam', 'sub']);
    expect((await ocsJson(t, 'GET', 2, 'groups/team/subadmins')).text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":["adam","sub"]}}');
    expect((await ocsRequest(t, 'GET', 1, 'groups/team/subadmins')).text).toBe(xmlV1([' <data>', '  <element>adam</element>', '  <element>sub</element>', ' </data>']));
    expect((await ocsJson(t, 'GET', 1, 'groups/other/subadmins')).data).toEqual([]);
    expect((await ocsRequest(t, 'GET', 1, 'groups/other/subadmins')).text).toBe(xmlV1([' <data/>']));
    await expectFailure(t, 'GET', 'groups/nogroup/subadmins', {}, 101, 'Group does not exist', 400);
    await expectFailure(t, 'GET', 'groups/team/subadmins', { caller: as('sub') }, 403, LEVEL_S, 403);
  });
});

describe('writing groups', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await fixture();
  }, 120_000);
  afterAll(() => t.close());

  const displayNameRow = async (name: string) => (await t.knex('groups').where({ name }).first('display_name'))?.display_name;
  const rpcGroups = async () => ((await t.rpc('/rpc', 'getAllGroups')).result as Array<{ name: string; nb_users: number }>).map((g) => g.name);

  test('POST /groups: 101 for an empty, whitespace-only or 192-character id; 102 for an existing one; 101 for a 256-character display name', async () => {
    for (const groupid of ['', '   ', ' \t ', 'x'.repeat(192)]) {
      await expectFailure(t, 'POST', 'groups', { form: { groupid } }, 101, 'Invalid group name', 400);
    }
    await expectFailure(t, 'POST', 'groups', { json: {} }, 101, 'Invalid group name', 400);
    await expectFailure(t, 'POST', 'groups', { form: { groupid: 'team' } }, 102, 'group exists', 400);
    await expectFailure(t, 'POST', 'groups', { form: { groupid: 'team', displayname: 'd'.repeat(256) } }, 102, 'group exists', 400);
    await expectFailure(t, 'POST', 'groups', { form: { groupid: 'new-group', displayname: 'd'.repeat(256) } }, 101, 'Invalid group name', 400);
    expect(await t.knex('groups').where({ name: 'new-group' }).first()).toBeUndefined();
    await expectFailure(t, 'POST', 'groups', { form: { groupid: 'by-sub' }, caller: as('sub') }, 403, LEVEL_S, 403);
    await ok(t, 'POST', 'groups', { form: { groupid: 'é'.repeat(191), displayname: 'd'.repeat(255) } });
  });

  test('POST /groups: concurrent creations of one id → exactly one 100, the others 102', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => ocsJson(t, 'POST', 2, 'groups', { form: { groupid: 'race' } })));
    expect(answers.map((a) => [a.status, a.statuscode, a.message]).sort()).toEqual([[200, 200, 'OK'], ...[1, 2, 3].map(() => [400, 102, 'group exists'])]);
    expect(await t.knex('groups').where({ name: 'race' })).toHaveLength(1);
  });

  test('POST /groups without a display name stores NULL and shows the id; with one stores it', async () => {
    await ok(t, 'POST', 'groups', { form: { groupid: 'plainname' } });
    expect(await displayNameRow('plainname')).toBeNull();
    expect(await ok(t, 'GET', 'groups/details?search=plainname')).toEqual({ groups: [details('plainname', 'plainname', 0, 0)] });
    await ok(t, 'POST', 'groups', { json: { groupid: 'named', displayname: 'Named Group' } });
    expect(await displayNameRow('named')).toBe('Named Group');
    expect(await ok(t, 'GET', 'groups/details?search=named')).toEqual({ groups: [details('named', 'Named Group', 0, 0)] });
    expect(await ok(t, 'GET', 'groups?search=Named')).toEqual({ groups: ['named'] });
    expect(await rpcGroups()).toEqual(expect.arrayContaining(['plainname', 'named']));
  });

  test('España round-trips in paths (/groups/Espa%C3%B1a) and over JSON-RPC', async () => {
    await ok(t, 'POST', 'groups', { form: { groupid: 'España' } });
    expect(await ok(t, 'GET', 'groups/Espa%C3%B1a')).toEqual({ users: [] });
    await ok(t, 'POST', 'users/carol/groups', { form: { groupid: 'España' } });
    expect(await ok(t, 'GET', 'groups/Espa%C3%B1a/users')).toEqual({ users: ['carol'] });
    expect((await ocsJson(t, 'GET', 1, 'groups?search=espa')).text).toContain('"data":{"groups":["Espa\\u00f1a"]}');
    await ok(t, 'PUT', 'groups/Espa%C3%B1a', { form: { key: 'displayname', value: 'Spain' } });
    expect(await ok(t, 'GET', 'groups/details?search=spain')).toEqual({ groups: [details('España', 'Spain', 1, 0)] });
    expect(await rpcGroups()).toContain('España');
    await ok(t, 'DELETE', 'groups/Espa%C3%B1a');
    expect(await rpcGroups()).not.toContain('España');
  });

  test('case 32: PUT /groups/team key=foo → 999 "" (v1 200 / v2 400: issue 8, no 5xx for a client mistake), before the group check', async () => {
    await expectFailure(t, 'PUT', 'groups/team', { form: { key: 'foo', value: 'x' } }, 999, '', 400);
    await expectFailure(t, 'PUT', 'groups/nogroup', { form: { key: 'foo', value: 'x' } }, 999, '', 400);
    await expectFailure(t, 'PUT', 'groups/team', { form: { key: 'displayName', value: 'x' } }, 999, '', 400);
  });

  test('PUT /groups/{id}: 998 for a missing group, 101 for 256 characters; sets, resets, and works on admin', async () => {
    await expectFailure(t, 'PUT', 'groups/nogroup', { form: { key: 'displayname', value: 'x' } }, 998, 'Group does not exist', 404);
    await expectFailure(t, 'PUT', 'groups/nogroup', { form: { key: 'displayname', value: 'v'.repeat(256) } }, 998, 'Group does not exist', 404);
    await expectFailure(t, 'PUT', 'groups/team', { form: { key: 'displayname', value: 'v'.repeat(256) } }, 101, 'Invalid display name', 400);
    await expectFailure(t, 'PUT', 'groups/team', { form: { key: 'displayname', value: 'x' }, caller: as('sub') }, 403, LEVEL_S, 403);
    expect(await displayNameRow('team')).toBeNull();
    await ok(t, 'PUT', 'groups/team', { form: { key: 'displayname', value: 'The Team' } });
    expect(await displayNameRow('team')).toBe('The Team');
    expect(await ok(t, 'GET', 'groups/details?search=team')).toEqual({ groups: [details('team', 'The Team', 2, 0)] });
    await ok(t, 'PUT', 'groups/team', { json: { key: 'displayname', value: 'v'.repeat(255) } });
    expect(await displayNameRow('team')).toBe('v'.repeat(255));
    await ok(t, 'PUT', 'groups/team', { form: { key: 'displayname', value: '' } });
    expect(await displayNameRow('team')).toBeNull();
    expect(await ok(t, 'GET', 'groups/details?search=team')).toEqual({ groups: [details('team', 'team', 2, 0)] });
    await ok(t, 'PUT', 'groups/admin', { form: { key: 'displayname', value: 'Administrators' } });
    expect(await ok(t, 'GET', 'groups/details?search=admin')).toEqual({ groups: [details('admin', 'Administrators', 1, 0)] });
    expect(await rpcGroups()).toContain('admin');
  });

  test('DELETE /groups/{id}: 101 "" when missing; case 33: admin → 102; level S', async () => {
    await expectFailure(t, 'DELETE', 'groups/nogroup', {}, 101, '', 400);
    await expectFailure(t, 'DELETE', 'groups/admin', {}, 102, '', 400);
    await expectFailure(t, 'DELETE', 'groups/team', { caller: as('sub') }, 403, LEVEL_S, 403);
    expect(await ok(t, 'GET', 'groups/admin')).toEqual({ users: ['admin'] });
  });

  test('DELETE /groups/{id} removes memberships and subadmin rows; the group is gone over JSON-RPC', async () => {
    await ok(t, 'POST', 'groups', { form: { groupid: 'doomed' } });
    const { id } = await t.knex('groups').where({ name: 'doomed' }).first('id');
    await ok(t, 'POST', 'users/carol/groups', { form: { groupid: 'doomed' } });
    await ok(t, 'POST', 'users/alice/groups', { form: { groupid: 'doomed' } });
    await ok(t, 'POST', 'users/carol/subadmins', { form: { groupid: 'doomed' } });
    expect(await t.knex('group_has_users').where({ group_id: id })).toHaveLength(2);
    expect(await t.knex('group_subadmins').where({ group_id: id })).toHaveLength(1);
    await ok(t, 'DELETE', 'groups/doomed');
    expect(await t.knex('group_has_users').where({ group_id: id })).toEqual([]);
    expect(await t.knex('group_subadmins').where({ group_id: id })).toEqual([]);
    expect(await rpcGroups()).not.toContain('doomed');
    expect((await t.rpc('/rpc', 'getGroup', [id])).error).toBeDefined();
    await expectFailure(t, 'GET', 'groups/doomed', {}, 404, NOT_FOUND, 404);
    expect(await ok(t, 'GET', 'users/carol/subadmins')).toEqual([]);
    expect(await ok(t, 'GET', 'users/carol/groups')).toEqual({ groups: ['team'] });
  });

  test('a group id containing "/" works in GET, PUT and DELETE by the rest-of-path rule', async () => {
    await ok(t, 'POST', 'groups', { form: { groupid: 'dept/sales' } });
    await ok(t, 'POST', 'users/alice/groups', { form: { groupid: 'dept/sales' } });
    expect(await ok(t, 'GET', 'groups/dept/sales')).toEqual({ users: ['alice'] });
    expect(await ok(t, 'GET', 'groups/dept%2Fsales')).toEqual({ users: ['alice'] });
    await ok(t, 'PUT', 'groups/dept/sales', { form: { key: 'displayname', value: 'Sales' } });
    expect(await displayNameRow('dept/sales')).toBe('Sales');
    await expectFailure(t, 'GET', 'groups/dept', {}, 404, NOT_FOUND, 404);
    await ok(t, 'DELETE', 'groups/dept/sales');
    expect(await t.knex('groups').where({ name: 'dept/sales' }).first()).toBeUndefined();
    await expectFailure(t, 'DELETE', 'groups/dept/sales', {}, 101, '', 400);
  });

  test('NUL characters: an invalid group name or display name, a group that cannot exist, a search matching nothing', async () => {
    await expectFailure(t, 'POST', 'groups', { form: { groupid: 'nul\u0000group' } }, 101, 'Invalid group name', 400);
    await expectFailure(t, 'POST', 'groups', { form: { groupid: 'nulname', displayname: 'a\u0000b' } }, 101, 'Invalid group name', 400);
    await expectFailure(t, 'PUT', 'groups/team', { form: { key: 'displayname', value: 'a\u0000b' } }, 101, 'Invalid display name', 400);
    await expectFailure(t, 'GET', 'groups/team%00', {}, 404, NOT_FOUND, 404);
    await expectFailure(t, 'DELETE', 'groups/team%00', {}, 101, '', 400);
    expect(await ok(t, 'GET', 'groups?search=%00')).toEqual({ groups: [] });
  });

  test('path ids are percent-decoded once; "+" stays a plus', async () => {
    await ok(t, 'POST', 'groups', { form: { groupid: 'a+b c%20' } });
    await ok(t, 'POST', 'users/bob/groups', { form: { groupid: 'a+b c%20' } });
    expect(await ok(t, 'GET', 'groups/a+b%20c%2520')).toEqual({ users: ['bob'] });
    expect(await ok(t, 'GET', 'groups/a+b%20c%2520/users')).toEqual({ users: ['bob'] });
    await expectFailure(t, 'GET', 'groups/a%20b%20c%20', {}, 404, NOT_FOUND, 404);
    await ok(t, 'PUT', 'groups/a+b%20c%2520', { form: { key: 'displayname', value: 'Plus' } });
    expect(await displayNameRow('a+b c%20')).toBe('Plus');
    await ok(t, 'DELETE', 'groups/a+b%20c%2520');
    expect(await rpcGroups()).not.toContain('a+b c%20');
  });
});
