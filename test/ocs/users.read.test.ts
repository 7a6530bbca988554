/** OCS user reads: the §5.1 object, GET /users/{id}, GET /user, GET /user/fields (ocs-provisioning §5.1, §5.2, §6.4, §6.5, §6.7). */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, seedOcsFixtures, type OcsCaller, type OcsVersion } from '../helpers/ocs';

const META_V1 = '{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""}';
const META_V2 = '{"status":"ok","statuscode":200,"message":"OK"}';
const UNLIMITED = '{"free":-3,"used":0,"total":-3,"relative":0,"quota":-3}';
const FIELDS = ['displayname', 'email', 'phone', 'address', 'website', 'twitter'];

function xmlDocument(version: OcsVersion, dataLines: string[], statuscode = version === 1 ? 100 : 200, message = 'OK'): string {
  return [
    '<?xml version="1.0"?>',
    '<ocs>',
    ' <meta>',
    `  <status>${statuscode === 100 || statuscode === 200 ? 'ok' : 'failure'}</status>`,
    `  <statuscode>${statuscode}</statuscode>`,
    `  <message>${message}</message>`,
    ...(version === 1 ? ['  <totalitems></totalitems>', '  <itemsperpage></itemsperpage>'] : []),
    ' </meta>',
    ...dataLines,
    '</ocs>',
    '',
  ].join('\n');
}

/** The §5.1 object of alice as the admin sees it, as wire JSON. */
function aliceJson(lastLogin: number, quota: string, groups: string): string {
  return (
    `{"enabled":true,"storageLocation":"","id":"alice","lastLogin":${lastLogin},"backend":"Database","subadmin":[],"quota":${quota},` +
    '"manager":"","email":"alice@example.com","additional_mail":[],"displayname":"Alice Adams","display-name":"Alice Adams",' +
    '"phone":"","address":"","website":"","twitter":"","fediverse":"","organisation":"","role":"","headline":"","biography":"",' +
    `"profile_enabled":"1","groups":${groups},"language":"en","locale":"","notify_email":null,` +
    '"backendCapabilities":{"setDisplayName":true,"setPassword":true}}'
  );
}

async function read(t: TestApp, path: string, caller?: OcsCaller): Promise<Record<string, unknown>> {
  const answer = await ocsJson(t, 'GET', 2, path, { caller });
  if (answer.statuscode !== 200) throw new Error(`GET ${path}: ${answer.text}`);
  return answer.data as Record<string, unknown>;
}

async function expectFailure(t: TestApp, path: string, caller: OcsCaller, statuscode: number, message: string, v2Status: number): Promise<void> {
  const v1 = await ocsJson(t, 'GET', 1, path, { caller });
  expect([v1.status, v1.statuscode, v1.message, v1.data]).toEqual([200, statuscode, message, []]);
  const v2 = await ocsJson(t, 'GET', 2, path, { caller });
  expect([v2.status, v2.statuscode, v2.message, v2.data]).toEqual([v2Status, statuscode, message, []]);
}

const ok = async (t: TestApp, method: 'POST' | 'PUT', path: string, form?: Record<string, string>) =>
  expect((await ocsJson(t, method, 2, path, { form })).statuscode).toBe(200);

describe('§5.1 user object and §6.4 reads (default quota none)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
  });
  afterAll(() => t.close());

  test('admin reading alice: the whole JSON object, members in order, lastLogin 0 before any login', async () => {
    const v2 = await ocsJson(t, 'GET', 2, 'users/alice');
    expect(v2.text).toBe(`{"ocs":{"meta":${META_V2},"data":${aliceJson(0, UNLIMITED, '[]')}}}`);
    const v1 = await ocsJson(t, 'GET', 1, 'users/alice');
    expect(v1.text).toBe(`{"ocs":{"meta":${META_V1},"data":${aliceJson(0, UNLIMITED, '[]')}}}`);
  });

  test('admin reading alice: the whole XML document', async () => {
    const res = await ocsRequest(t, 'GET', 1, 'users/alice');
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    const quota = (v: number) => ['  <quota>', `   <free>${v}</free>`, '   <used>0</used>', `   <total>${v}</total>`, '   <relative>0</relative>', `   <quota>${v}</quota>`, '  </quota>'];
    const empty = (...names: string[]) => names.map((n) => `  <${n}></${n}>`);
    expect(res.text).toBe(
      xmlDocument(1, [
        ' <data>',
        '  <enabled>1</enabled>',
        '  <storageLocation></storageLocation>',
        '  <id>alice</id>',
        '  <lastLogin>0</lastLogin>',
        '  <backend>Database</backend>',
        '  <subadmin/>',
        ...quota(-3),
        '  <manager></manager>',
        '  <email>alice@example.com</email>',
        '  <additional_mail/>',
        '  <displayname>Alice Adams</displayname>',
        '  <display-name>Alice Adams</display-name>',
        ...empty('phone', 'address', 'website', 'twitter', 'fediverse', 'organisation', 'role', 'headline', 'biography'),
        '  <profile_enabled>1</profile_enabled>',
        '  <groups/>',
        '  <language>en</language>',
        '  <locale></locale>',
        '  <notify_email/>',
        '  <backendCapabilities>',
        '   <setDisplayName>1</setDisplayName>',
        '   <setPassword>1</setPassword>',
        '  </backendCapabilities>',
        ' </data>',
      ]),
    );
  });

  test('lastLogin: milliseconds of the last authentication', async () => {
    await read(t, 'user', as('alice'));
    const row = await t.knex('users').where({ username: 'alice' }).first('last_login');
    const seconds = Number(row.last_login);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(120);
    expect((await read(t, 'users/alice')).lastLogin).toBe(seconds * 1000);
  });

  test('defaults: display name falls back to the username, empty email is null, language en', async () => {
    const bob = await read(t, 'users/bob');
    expect(bob).toMatchObject({ id: 'bob', displayname: 'bob', 'display-name': 'bob', email: null, language: 'en', groups: [], subadmin: [] });
    await createOcsUser(t, { userid: 'lang', language: 'de_DE', displayName: 'Lang L' });
    expect(await read(t, 'users/lang')).toMatchObject({ displayname: 'Lang L', language: 'de_DE' });
    await t.knex('users').where({ username: 'lang' }).update({ name: '', email: '', language: '' });
    expect(await read(t, 'users/lang')).toMatchObject({ displayname: 'lang', 'display-name': 'lang', email: null, language: 'en' });
  });

  test('groups and subadmin lists are sorted in §5.4 order', async () => {
    for (const groupid of ['Zeta', 'beta', 'alpha']) await ok(t, 'POST', 'groups', { groupid });
    await createOcsUser(t, { userid: 'multi', groups: ['Zeta', 'team', 'alpha', 'beta'] });
    for (const groupid of ['Zeta', 'other', 'alpha']) await ok(t, 'POST', 'users/multi/subadmins', { groupid });
    const multi = await read(t, 'users/multi');
    expect(multi.groups).toEqual(['alpha', 'beta', 'team', 'Zeta']);
    expect(multi.subadmin).toEqual(['alpha', 'other', 'Zeta']);
  });

  test('visibility: plain reading themselves sees neither enabled nor storageLocation', async () => {
    for (const path of ['users/plain', 'user']) {
      const answer = await ocsJson(t, 'GET', 2, path, { caller: as('plain') });
      expect(answer.text.startsWith(`{"ocs":{"meta":${META_V2},"data":{"id":"plain","lastLogin":`)).toBe(true);
      const data = answer.data as Record<string, unknown>;
      expect(data).not.toHaveProperty('enabled');
      expect(data).not.toHaveProperty('storageLocation');
      expect(Object.keys(data)).toHaveLength(25);
    }
  });

  test('visibility: sub reading carol sees enabled but not storageLocation; admin sees both', async () => {
    const answer = await ocsJson(t, 'GET', 2, 'users/carol', { caller: as('sub') });
    expect(answer.text.startsWith(`{"ocs":{"meta":${META_V2},"data":{"enabled":true,"id":"carol","lastLogin":0,`)).toBe(true);
    expect(answer.data).not.toHaveProperty('storageLocation');
    const admin = await read(t, 'users/carol');
    expect(Object.keys(admin).slice(0, 3)).toEqual(['enabled', 'storageLocation', 'id']);
    const { enabled: _e, storageLocation: _s, ...rest } = admin;
    const { enabled: _e2, ...subView } = answer.data as Record<string, unknown>;
    expect(subView).toEqual(rest);
  });

  test('a disabled user reads enabled false (XML empty element)', async () => {
    await createOcsUser(t, { userid: 'dis' });
    await ok(t, 'PUT', 'users/dis/disable');
    expect((await read(t, 'users/dis')).enabled).toBe(false);
    const res = await ocsRequest(t, 'GET', 2, 'users/dis');
    expect(res.text).toContain(' <data>\n  <enabled></enabled>\n  <storageLocation></storageLocation>\n  <id>dis</id>\n');
  });

  test('LDAP user: backend LDAP, capabilities false (XML empty elements)', async () => {
    await createOcsUser(t, { userid: 'ldapu' });
    await t.knex('users').where({ username: 'ldapu' }).update({ is_ldap_user: true });
    const data = await read(t, 'users/ldapu');
    expect(data).toMatchObject({ backend: 'LDAP', backendCapabilities: { setDisplayName: false, setPassword: false } });
    const res = await ocsRequest(t, 'GET', 2, 'users/ldapu');
    expect(res.text).toContain('  <backend>LDAP</backend>\n');
    expect(res.text).toContain('  <backendCapabilities>\n   <setDisplayName></setDisplayName>\n   <setPassword></setPassword>\n  </backendCapabilities>\n');
  });

  test('case 21: GET /users/nobody → 404 User does not exist (v1 200, v2 404)', async () => {
    await expectFailure(t, 'users/nobody', as('admin'), 404, 'User does not exist', 404);
    await expectFailure(t, 'users/nobody', as('plain'), 404, 'User does not exist', 404);
    const res = await ocsRequest(t, 'GET', 2, 'users/nobody');
    expect(res.text).toBe(xmlDocument(2, [' <data/>'], 404, 'User does not exist'));
  });

  test('a path id with a NUL names no user', async () => {
    // Regression: no username contains NUL (§2.1), so §6.4 check 1 answers 404 User does not exist
    // (the NUL rule no longer pre-empts the endpoint).
    await expectFailure(t, 'users/a%00b', as('admin'), 404, 'User does not exist', 404);
  });

  test('case 22: alice as plain → 998 with an empty message (v1 200, v2 404)', async () => {
    await expectFailure(t, 'users/alice', as('plain'), 998, '', 404);
    await expectFailure(t, 'users/ALICE', as('plain'), 998, '', 404);
    await expectFailure(t, 'users/sub', as('carol'), 998, '', 404);
  });

  test('self reads succeed for every caller kind', async () => {
    for (const name of ['admin', 'alice', 'sub', 'plain']) expect((await read(t, `users/${name}`, as(name))).id).toBe(name);
  });

  test('subadmin: reads members of their group, not others and not an admin member', async () => {
    expect((await read(t, 'users/carol', as('sub'))).id).toBe('carol');
    await expectFailure(t, 'users/plain', as('sub'), 998, '', 404);
    await expectFailure(t, 'users/alice', as('sub'), 998, '', 404);
    await expectFailure(t, 'users/admin', as('sub'), 998, '', 404);
    await ok(t, 'POST', 'users/admin/groups', { groupid: 'team' });
    await expectFailure(t, 'users/admin', as('sub'), 998, '', 404);
    await expectFailure(t, 'users/nobody', as('sub'), 404, 'User does not exist', 404);
  });

  test('path ids: case-insensitive fallback when unique, exact match wins', async () => {
    expect((await read(t, 'users/ALICE')).id).toBe('alice');
    expect((await read(t, 'users/aLiCe')).displayname).toBe('Alice Adams');
    await t.createUser('Bob', 'password1');
    expect((await read(t, 'users/Bob')).id).toBe('Bob');
    expect((await read(t, 'users/bob')).id).toBe('bob');
    await expectFailure(t, 'users/BOB', as('admin'), 404, 'User does not exist', 404);
    await createOcsUser(t, { userid: 'a b@x.y' });
    expect((await read(t, 'users/a%20b%40x.y')).id).toBe('a b@x.y');
  });

  test('§6.5 GET /user: the caller, as GET /users/{self}', async () => {
    for (const name of ['admin', 'sub', 'plain', 'alice']) {
      const self = await read(t, 'user', as(name));
      expect(self).toEqual(await read(t, `users/${name}`, as(name)));
      expect(self.id).toBe(name);
    }
    expect(Object.keys(await read(t, 'user')).slice(0, 2)).toEqual(['enabled', 'storageLocation']);
    // sub is a member of a group they administer, so they are accessible to themselves (§5.1 "managed")
    const sub = await read(t, 'user', as('sub'));
    expect(Object.keys(sub).slice(0, 2)).toEqual(['enabled', 'id']);
    expect(sub).toMatchObject({ subadmin: ['team'], groups: ['team'] });
    const v1 = await ocsJson(t, 'GET', 1, 'user', { caller: as('plain') });
    expect([v1.status, v1.statuscode]).toEqual([200, 100]);
    const anonymous = await ocsJson(t, 'GET', 2, 'user', { caller: 'none' });
    expect([anonymous.status, anonymous.statuscode, anonymous.message]).toEqual([401, 997, 'Current user is not logged in']);
  });
});

describe('§5.2 quota report with DEFAULT_QUOTA=25GB', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DEFAULT_QUOTA: '25GB' } });
    await seedOcsFixtures(t);
  });
  afterAll(() => t.close());

  test('the §5.1 example, byte for byte (alice in team, fixed lastLogin)', async () => {
    await ok(t, 'POST', 'users/alice/groups', { groupid: 'team' });
    await t.knex('users').where({ username: 'alice' }).update({ last_login: 1767225600 });
    const bytes = '{"free":26843545600,"used":0,"total":26843545600,"relative":0,"quota":26843545600}';
    const answer = await ocsJson(t, 'GET', 2, 'users/alice');
    expect(answer.text).toBe(`{"ocs":{"meta":${META_V2},"data":${aliceJson(1767225600000, bytes, '["team"]')}}}`);
    const res = await ocsRequest(t, 'GET', 2, 'users/alice');
    expect(res.text).toContain(
      [
        ' <data>',
        '  <enabled>1</enabled>',
        '  <storageLocation></storageLocation>',
        '  <id>alice</id>',
        '  <lastLogin>1767225600000</lastLogin>',
        '  <backend>Database</backend>',
        '  <subadmin/>',
        '  <quota>',
        '   <free>26843545600</free>',
        '   <used>0</used>',
        '   <total>26843545600</total>',
        '   <relative>0</relative>',
        '   <quota>26843545600</quota>',
        '  </quota>',
        '  <manager></manager>',
        '  <email>alice@example.com</email>',
        '  <additional_mail/>',
        '  <displayname>Alice Adams</displayname>',
      ].join('\n'),
    );
    expect(res.text).toContain('  <groups>\n   <element>team</element>\n  </groups>\n');
  });

  test('explicit quotas override the default; none is -3', async () => {
    await createOcsUser(t, { userid: 'q1', quota: '1GB' });
    await createOcsUser(t, { userid: 'q0', quota: '0' });
    await createOcsUser(t, { userid: 'qn', quota: 'none' });
    await createOcsUser(t, { userid: 'qd', quota: 'default' });
    const quotaOf = async (id: string) => (await read(t, `users/${id}`)).quota;
    const report = (v: number) => ({ free: v, used: 0, total: v, relative: 0, quota: v });
    expect(await quotaOf('q1')).toEqual(report(1073741824));
    expect(await quotaOf('q0')).toEqual(report(0));
    expect(await quotaOf('qn')).toEqual(report(-3));
    expect(await quotaOf('qd')).toEqual(report(26843545600));
    expect(await quotaOf('bob')).toEqual(report(26843545600));
    expect((await read(t, 'user', as('plain'))).quota).toEqual(report(26843545600));
  });
});

describe('§6.7 GET /user/fields and /user/fields/{userId}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
    await createOcsUser(t, { userid: 'ldapu', groups: ['team'] });
    await t.knex('users').where({ username: 'ldapu' }).update({ is_ldap_user: true });
  });
  afterAll(() => t.close());

  const fields = async (path: string, caller?: OcsCaller) => {
    const answer = await ocsJson(t, 'GET', 2, path, { caller });
    expect([answer.status, answer.statuscode]).toEqual([200, 200]);
    return answer.data;
  };

  test('the caller\'s own fields, for every caller kind', async () => {
    for (const name of ['admin', 'sub', 'plain']) expect(await fields('user/fields', as(name))).toEqual(FIELDS);
    const v1 = await ocsJson(t, 'GET', 1, 'user/fields', { caller: as('plain') });
    expect(v1.text).toBe(`{"ocs":{"meta":${META_V1},"data":${JSON.stringify(FIELDS)}}}`);
  });

  test('XML: a bare list of <element>', async () => {
    const res = await ocsRequest(t, 'GET', 1, 'user/fields');
    expect(res.text).toBe(xmlDocument(1, [' <data>', ...FIELDS.map((f) => `  <element>${f}</element>`), ' </data>']));
  });

  test('a named target: admin any user, subadmin an accessible one, anyone themselves', async () => {
    expect(await fields('user/fields/alice')).toEqual(FIELDS);
    expect(await fields('user/fields/ALICE')).toEqual(FIELDS);
    expect(await fields('user/fields/carol', as('sub'))).toEqual(FIELDS);
    expect(await fields('user/fields/plain', as('plain'))).toEqual(FIELDS);
  });

  test('LDAP target: displayname is absent', async () => {
    expect(await fields('user/fields/ldapu')).toEqual(FIELDS.slice(1));
    expect(await fields('user/fields/ldapu', as('sub'))).toEqual(FIELDS.slice(1));
    const res = await ocsRequest(t, 'GET', 2, 'user/fields/ldapu');
    expect(res.text).toBe(xmlDocument(2, [' <data>', ...FIELDS.slice(1).map((f) => `  <element>${f}</element>`), ' </data>']));
  });

  test('target missing or inaccessible → 998 with an empty message (v1 200, v2 404)', async () => {
    await expectFailure(t, 'user/fields/nobody', as('admin'), 998, '', 404);
    await expectFailure(t, 'user/fields/alice', as('plain'), 998, '', 404);
    await expectFailure(t, 'user/fields/plain', as('sub'), 998, '', 404);
    await ok(t, 'POST', 'users/admin/groups', { groupid: 'team' });
    await expectFailure(t, 'user/fields/admin', as('sub'), 998, '', 404);
    const res = await ocsRequest(t, 'GET', 1, 'user/fields/nobody');
    expect(res.text).toBe(xmlDocument(1, [' <data/>'], 998, ''));
  });

  test('a path id with a NUL names no user', async () => {
    // Regression: a NUL path id names no user, so §6.7 answers 998 (the NUL rule no longer pre-empts the endpoint).
    await expectFailure(t, 'user/fields/a%00b', as('admin'), 998, '', 404);
  });
});
