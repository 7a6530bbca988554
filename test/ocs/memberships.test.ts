/** OCS group memberships and subadmin rights of a user (ocs-provisioning §6.10–§6.15, §2.2, §2.3, §11 cases 23–28). */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, ocsJson, ocsRequest, seedOcsFixtures, type OcsHttpMethod, type OcsRequestOptions } from '../helpers/ocs';

type Options = Omit<OcsRequestOptions, 'format'>;

/** §4.3: the v2 HTTP status of an error statuscode (v1 is always 200 apart from 997). */
const v2Http = (statuscode: number) => (statuscode === 998 ? 404 : statuscode >= 200 && statuscode <= 600 ? statuscode : 400);

/** The same refused request on v1 and v2: statuscode, message and empty data on both, HTTP per §4.3. */
async function refused(t: TestApp, method: OcsHttpMethod, path: string, options: Options, statuscode: number, message = ''): Promise<void> {
  for (const version of [1, 2] as const) {
    const a = await ocsJson(t, method, version, path, options);
    expect({ version, status: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({
      version,
      status: version === 1 ? 200 : v2Http(statuscode),
      statuscode,
      message,
      data: [],
    });
  }
}

/** A successful call: 100 (v1) or 200 (v2), HTTP 200, message OK; returns the data. */
async function succeeded(t: TestApp, method: OcsHttpMethod, version: 1 | 2, path: string, options: Options = {}): Promise<unknown> {
  const a = await ocsJson(t, method, version, path, options);
  expect({ status: a.status, statuscode: a.statuscode, message: a.message }).toEqual({ status: 200, statuscode: version === 1 ? 100 : 200, message: 'OK' });
  return a.data;
}

const group = (groupid: string, caller?: readonly [string, string] | 'none'): Options => ({ form: { groupid }, ...(caller ? { caller } : {}) });

/** Group names of a user's memberships (or subadmin rows), sorted by byte order. */
async function rows(t: TestApp, table: 'group_has_users' | 'group_subadmins', username: string): Promise<string[]> {
  const found = await t
    .knex(table)
    .join('users', 'users.id', `${table}.user_id`)
    .join('groups', 'groups.id', `${table}.group_id`)
    .where('users.username', username)
    .select('groups.name');
  return found.map((r: { name: string }) => r.name).sort();
}
const memberships = (t: TestApp, username: string) => rows(t, 'group_has_users', username);
const subadminRows = (t: TestApp, username: string) => rows(t, 'group_subadmins', username);
const role = async (t: TestApp, username: string) => ((await t.rpc('/rpc', 'getUserByName', { username })).result as { role: string }).role;

async function startSeeded(): Promise<TestApp> {
  const t = await startTestApp();
  await seedOcsFixtures(t);
  return t;
}

describe('GET /users/{id}/groups', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
    for (const groupid of ['alpha', 'Beta']) expect((await ocsJson(t, 'POST', 1, 'groups', { form: { groupid } })).statuscode).toBe(100);
    for (const groupid of ['other', 'alpha', 'Beta']) expect((await ocsJson(t, 'POST', 1, 'users/carol/groups', { form: { groupid } })).statuscode).toBe(100);
    expect((await ocsJson(t, 'POST', 1, 'users/sub/groups', { form: { groupid: 'other' } })).statuscode).toBe(100);
  });
  afterAll(() => t.close());

  test('the admin and the user themself see every group, in §5.4 order', async () => {
    const all = { groups: ['alpha', 'Beta', 'other', 'team'] };
    expect(await succeeded(t, 'GET', 1, 'users/carol/groups')).toEqual(all);
    expect(await succeeded(t, 'GET', 2, 'users/carol/groups', { caller: as('carol') })).toEqual(all);
    expect(await succeeded(t, 'GET', 1, 'users/admin/groups')).toEqual({ groups: ['admin'] });
  });

  test('a subadmin sees only the groups they administer, but all of their own', async () => {
    expect(await succeeded(t, 'GET', 1, 'users/carol/groups', { caller: as('sub') })).toEqual({ groups: ['team'] });
    expect(await succeeded(t, 'GET', 2, 'users/sub/groups', { caller: as('sub') })).toEqual({ groups: ['other', 'team'] });
  });

  test('a missing or inaccessible user → 998 "" (v2 404)', async () => {
    await refused(t, 'GET', 'users/nobody/groups', {}, 998);
    await refused(t, 'GET', 'users/plain/groups', { caller: as('sub') }, 998);
    await refused(t, 'GET', 'users/alice/groups', { caller: as('plain') }, 998);
    await refused(t, 'GET', 'users/admin/groups', { caller: as('sub') }, 998);
  });

  test('no groups: JSON "groups":[] and XML <groups/>', async () => {
    const json = await ocsRequest(t, 'GET', 1, 'users/bob/groups', { format: 'json' });
    expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":{"groups":[]}}}');
    const xml = await ocsRequest(t, 'GET', 2, 'users/bob/groups', { caller: as('bob') });
    expect(xml.text).toBe(
      '<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>ok</status>\n  <statuscode>200</statuscode>\n  <message>OK</message>\n </meta>\n' +
        ' <data>\n  <groups/>\n </data>\n</ocs>\n',
    );
  });
});

describe('POST /users/{id}/groups', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  test('checks in order: 101 empty groupid, 102 missing group, 103 missing user', async () => {
    await refused(t, 'POST', 'users/alice/groups', group(''), 101);
    await refused(t, 'POST', 'users/alice/groups', {}, 101);
    await refused(t, 'POST', 'users/nobody/groups', group(''), 101);
    await refused(t, 'POST', 'users/alice/groups', group('nogroup'), 102);
    await refused(t, 'POST', 'users/alice/groups', group('Team'), 102);
    await refused(t, 'POST', 'users/alice/groups', group(' '), 102);
    await refused(t, 'POST', 'users/nobody/groups', group('nogroup'), 102);
    await refused(t, 'POST', 'users/nobody/groups', group('team'), 103);
    expect(await memberships(t, 'alice')).toEqual([]);
  });

  test('104: a subadmin adding someone outside their groups, or to a group they do not administer', async () => {
    await refused(t, 'POST', 'users/plain/groups', group('team', as('sub')), 104);
    await refused(t, 'POST', 'users/carol/groups', group('other', as('sub')), 104);
    await refused(t, 'POST', 'users/sub/groups', group('other', as('sub')), 104);
    await refused(t, 'POST', 'users/admin/groups', group('team', as('sub')), 104);
    await refused(t, 'POST', 'users/nobody/groups', group('team', as('sub')), 103);
    expect(await memberships(t, 'plain')).toEqual([]);
    expect(await memberships(t, 'carol')).toEqual(['team']);
  });

  test('a plain caller → 403 Logged in account must be at least a sub admin', async () => {
    await refused(t, 'POST', 'users/plain/groups', group('team', as('plain')), 403, 'Logged in account must be at least a sub admin');
    expect(await memberships(t, 'plain')).toEqual([]);
  });

  test('success adds the row; repeating it is a no-op', async () => {
    expect(await succeeded(t, 'POST', 1, 'users/alice/groups', group('team'))).toEqual([]);
    expect(await succeeded(t, 'POST', 2, 'users/alice/groups', group('team'))).toEqual([]);
    expect(await memberships(t, 'alice')).toEqual(['team']);
    expect(await succeeded(t, 'POST', 2, 'users/bob/groups', { json: { groupid: 'other' } })).toEqual([]);
    expect(await memberships(t, 'bob')).toEqual(['other']);
  });

  test('a subadmin adds a member of their group to it again (no-op) and an accessible user is fine', async () => {
    expect(await succeeded(t, 'POST', 1, 'users/carol/groups', group('team', as('sub')))).toEqual([]);
    expect(await memberships(t, 'carol')).toEqual(['team']);
  });

  test('case 25: joining admin makes the user app-admin (JSON-RPC)', async () => {
    expect(await role(t, 'plain')).toBe('app-user');
    await succeeded(t, 'POST', 1, 'users/plain/groups', group('admin'));
    expect(await role(t, 'plain')).toBe('app-admin');
    expect(await memberships(t, 'plain')).toEqual(['admin']);
    // Now an admin: level A passes.
    expect((await ocsJson(t, 'GET', 2, 'apps', { caller: as('plain') })).statuscode).toBe(200);
  });
});

describe('DELETE /users/{id}/groups', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
    expect((await ocsJson(t, 'POST', 1, 'users/alice/groups', group('team'))).statuscode).toBe(100);
  });
  afterAll(() => t.close());

  test('checks in order: 101 empty or whitespace groupid, 102 missing group, 103 missing user', async () => {
    for (const groupid of ['', '  ', '\t']) await refused(t, 'DELETE', 'users/alice/groups', group(groupid), 101);
    await refused(t, 'DELETE', 'users/nobody/groups', group(' '), 101);
    await refused(t, 'DELETE', 'users/alice/groups', group('nogroup'), 102);
    await refused(t, 'DELETE', 'users/nobody/groups', group('nogroup'), 102);
    await refused(t, 'DELETE', 'users/nobody/groups', group('team'), 103);
    expect(await memberships(t, 'alice')).toEqual(['team']);
  });

  test('104: a subadmin on a group they do not administer, or on a user outside their groups', async () => {
    expect((await ocsJson(t, 'POST', 1, 'users/plain/groups', group('other'))).statuscode).toBe(100);
    await refused(t, 'DELETE', 'users/plain/groups', group('other', as('sub')), 104);
    await refused(t, 'DELETE', 'users/plain/groups', group('team', as('sub')), 104);
    expect(await memberships(t, 'plain')).toEqual(['other']);
    // An admin in sub's group is never accessible to sub (§12 row 26).
    expect((await ocsJson(t, 'POST', 1, 'users/admin/groups', group('team'))).statuscode).toBe(100);
    await refused(t, 'DELETE', 'users/admin/groups', group('team', as('sub')), 104);
    expect(await memberships(t, 'admin')).toEqual(['admin', 'team']);
    expect((await ocsJson(t, 'DELETE', 1, 'users/admin/groups', group('team'))).statuscode).toBe(100);
  });

  test('case 24: the admin removing themself from admin → 105', async () => {
    await refused(t, 'DELETE', 'users/admin/groups', group('admin'), 105, 'Cannot remove yourself from the admin group');
    expect(await memberships(t, 'admin')).toEqual(['admin']);
    expect(await role(t, 'admin')).toBe('app-admin');
  });

  test('105: a subadmin removing themself, or a user from the last group they administer', async () => {
    await refused(t, 'DELETE', 'users/sub/groups', group('team', as('sub')), 105, 'Cannot remove yourself from this group as you are a SubAdmin');
    await refused(t, 'DELETE', 'users/carol/groups', group('team', as('sub')), 105, 'Not viable to remove user from the last group you are SubAdmin of');
    expect(await memberships(t, 'sub')).toEqual(['team']);
    expect(await memberships(t, 'carol')).toEqual(['team']);
  });

  test('a subadmin removes a user who is in two of their groups, then not from the last one', async () => {
    expect((await ocsJson(t, 'POST', 1, 'users/sub/subadmins', group('other'))).statuscode).toBe(100);
    expect((await ocsJson(t, 'POST', 1, 'users/carol/groups', group('other'))).statuscode).toBe(100);
    expect(await succeeded(t, 'DELETE', 2, 'users/carol/groups', group('team', as('sub')))).toEqual([]);
    expect(await memberships(t, 'carol')).toEqual(['other']);
    await refused(t, 'DELETE', 'users/carol/groups', group('other', as('sub')), 105, 'Not viable to remove user from the last group you are SubAdmin of');
    expect(await memberships(t, 'carol')).toEqual(['other']);
  });

  test('case 23: a JSON body; and groupid from the query string', async () => {
    expect(await succeeded(t, 'DELETE', 1, 'users/alice/groups', { json: { groupid: 'team' } })).toEqual([]);
    expect(await memberships(t, 'alice')).toEqual([]);
    expect((await ocsJson(t, 'POST', 1, 'users/alice/groups', group('team'))).statuscode).toBe(100);
    expect(await succeeded(t, 'DELETE', 2, 'users/alice/groups?groupid=team')).toEqual([]);
    expect(await memberships(t, 'alice')).toEqual([]);
  });

  test('not a member → 100, a no-op', async () => {
    expect(await succeeded(t, 'DELETE', 1, 'users/bob/groups', group('team'))).toEqual([]);
    expect(await memberships(t, 'bob')).toEqual([]);
  });

  test('leaving admin makes the user app-user (JSON-RPC)', async () => {
    expect((await ocsJson(t, 'POST', 1, 'users/bob/groups', group('admin'))).statuscode).toBe(100);
    expect(await role(t, 'bob')).toBe('app-admin');
    expect(await succeeded(t, 'DELETE', 2, 'users/bob/groups', group('admin'))).toEqual([]);
    expect(await role(t, 'bob')).toBe('app-user');
    expect(await memberships(t, 'bob')).toEqual([]);
  });
});

describe('subadmins: POST, DELETE and GET /users/{id}/subadmins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  test('POST checks: 101 User does not exist, 102 Group does not exist (also empty), 103 admin group', async () => {
    await refused(t, 'POST', 'users/nobody/subadmins', group('team'), 101, 'User does not exist');
    await refused(t, 'POST', 'users/nobody/subadmins', group('nogroup'), 101, 'User does not exist');
    await refused(t, 'POST', 'users/alice/subadmins', group('nogroup'), 102, 'Group does not exist');
    await refused(t, 'POST', 'users/alice/subadmins', group(''), 102, 'Group does not exist');
    await refused(t, 'POST', 'users/alice/subadmins', {}, 102, 'Group does not exist');
    await refused(t, 'POST', 'users/alice/subadmins', group('admin'), 103, 'Cannot create subadmins for admin group');
    expect(await subadminRows(t, 'alice')).toEqual([]);
  });

  test('a non-admin caller (subadmin or plain) → 403 Logged in account must be an admin', async () => {
    const message = 'Logged in account must be an admin';
    await refused(t, 'POST', 'users/carol/subadmins', group('team', as('sub')), 403, message);
    await refused(t, 'DELETE', 'users/sub/subadmins', group('team', as('sub')), 403, message);
    await refused(t, 'GET', 'users/sub/subadmins', { caller: as('sub') }, 403, message);
    await refused(t, 'POST', 'users/plain/subadmins', group('team', as('plain')), 403, message);
    expect(await subadminRows(t, 'carol')).toEqual([]);
    expect(await subadminRows(t, 'sub')).toEqual(['team']);
  });

  test('promote: success, twice → 100, one row; membership not required', async () => {
    expect(await succeeded(t, 'POST', 1, 'users/alice/subadmins', group('team'))).toEqual([]);
    expect(await succeeded(t, 'POST', 2, 'users/alice/subadmins', group('team'))).toEqual([]);
    expect(await succeeded(t, 'POST', 1, 'users/alice/subadmins', { json: { groupid: 'other' } })).toEqual([]);
    expect(await subadminRows(t, 'alice')).toEqual(['other', 'team']);
    expect(await memberships(t, 'alice')).toEqual([]);
  });

  test('GET: bare sorted list; case 27 missing user → 101 (v2 HTTP 400)', async () => {
    expect(await succeeded(t, 'GET', 2, 'users/alice/subadmins')).toEqual(['other', 'team']);
    const json = await ocsRequest(t, 'GET', 1, 'users/sub/subadmins', { format: 'json' });
    expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":["team"]}}');
    const xml = await ocsRequest(t, 'GET', 2, 'users/sub/subadmins', {});
    expect(xml.text).toContain('\n <data>\n  <element>team</element>\n </data>\n</ocs>\n');
    await refused(t, 'GET', 'users/nobody/subadmins', {}, 101, 'User does not exist');
  });

  test('GET for a user who is subadmin of nothing: "data":[] and <data/>', async () => {
    const json = await ocsRequest(t, 'GET', 2, 'users/bob/subadmins', { format: 'json' });
    expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[]}}');
    const xml = await ocsRequest(t, 'GET', 1, 'users/bob/subadmins', {});
    expect(xml.text).toContain('\n </meta>\n <data/>\n</ocs>\n');
  });

  test('DELETE checks: 101, case 26 Group does not exist, 102 not a subadmin of this group', async () => {
    await refused(t, 'DELETE', 'users/nobody/subadmins', group('team'), 101, 'User does not exist');
    await refused(t, 'DELETE', 'users/alice/subadmins', group('nogroup'), 102, 'Group does not exist');
    await refused(t, 'DELETE', 'users/alice/subadmins', group(''), 102, 'Group does not exist');
    await refused(t, 'DELETE', 'users/bob/subadmins', group('team'), 102, 'User is not a subadmin of this group');
    await refused(t, 'DELETE', 'users/alice/subadmins', group('admin'), 102, 'User is not a subadmin of this group');
    expect(await subadminRows(t, 'alice')).toEqual(['other', 'team']);
  });

  test('demote removes the row (body or query string); demoting again → 102', async () => {
    expect(await succeeded(t, 'DELETE', 1, 'users/alice/subadmins', group('other'))).toEqual([]);
    expect(await subadminRows(t, 'alice')).toEqual(['team']);
    expect(await succeeded(t, 'DELETE', 2, 'users/alice/subadmins?groupid=team')).toEqual([]);
    expect(await subadminRows(t, 'alice')).toEqual([]);
    await refused(t, 'DELETE', 'users/alice/subadmins', group('team'), 102, 'User is not a subadmin of this group');
  });
});

describe('subadmin rights follow promotion and demotion at once', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  test('plain promoted on other manages other; demoted, it is a plain user again', async () => {
    const denied = 'Logged in account must be at least a sub admin';
    await refused(t, 'GET', 'users', { caller: as('plain') }, 403, denied);
    expect((await ocsJson(t, 'POST', 1, 'users/bob/groups', group('other'))).statuscode).toBe(100);
    await succeeded(t, 'POST', 1, 'users/plain/subadmins', group('other'));
    expect(await succeeded(t, 'GET', 1, 'users', { caller: as('plain') })).toEqual({ users: ['bob'] });
    expect(await succeeded(t, 'GET', 2, 'users/bob/groups', { caller: as('plain') })).toEqual({ groups: ['other'] });
    expect(await succeeded(t, 'PUT', 1, 'users/bob', { caller: as('plain'), form: { key: 'email', value: 'bob@example.org' } })).toEqual([]);
    // §12 row 26: alice is outside plain's groups, so plain cannot pull her in.
    await refused(t, 'POST', 'users/alice/groups', group('other', as('plain')), 104);

    await succeeded(t, 'DELETE', 2, 'users/plain/subadmins', group('other'));
    await refused(t, 'GET', 'users', { caller: as('plain') }, 403, denied);
    await refused(t, 'POST', 'users/carol/groups', group('other', as('plain')), 403, denied);
    await refused(t, 'GET', 'users/bob/groups', { caller: as('plain') }, 998);
    await refused(t, 'PUT', 'users/bob', { caller: as('plain'), form: { key: 'email', value: 'x@example.org' } }, 101);
  });

  test('sub demoted from team loses team: GET /users → 403, carol inaccessible', async () => {
    expect(await succeeded(t, 'GET', 1, 'users', { caller: as('sub') })).toEqual({ users: ['carol', 'sub'] });
    await succeeded(t, 'DELETE', 1, 'users/sub/subadmins', group('team'));
    await refused(t, 'GET', 'users', { caller: as('sub') }, 403, 'Logged in account must be at least a sub admin');
    await refused(t, 'PUT', 'users/carol', { caller: as('sub'), form: { key: 'email', value: 'c@example.org' } }, 101);
    await refused(t, 'GET', 'users/carol', { caller: as('sub') }, 998);
    await succeeded(t, 'POST', 2, 'users/sub/subadmins', group('team'));
    expect(await succeeded(t, 'GET', 2, 'users', { caller: as('sub') })).toEqual({ users: ['carol', 'sub'] });
  });
});
