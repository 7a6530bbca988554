/** OCS GET /users and GET /users/details (ocs-provisioning §5.4, §6.1, §6.2, §11 cases 1, 7, 8, 36). */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, seedOcsFixtures, type OcsCaller, type OcsVersion } from '../helpers/ocs';

/** The §4.5 document around the given `<data>` lines. */
function xmlDocument(version: OcsVersion, dataLines: string[]): string {
  return [
    '<?xml version="1.0"?>',
    '<ocs>',
    ' <meta>',
    '  <status>ok</status>',
    `  <statuscode>${version === 1 ? 100 : 200}</statuscode>`,
    '  <message>OK</message>',
    ...(version === 1 ? ['  <totalitems></totalitems>', '  <itemsperpage></itemsperpage>'] : []),
    ' </meta>',
    ...dataLines,
    '</ocs>',
    '',
  ].join('\n');
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function listIds(t: TestApp, query = '', caller?: OcsCaller, version: OcsVersion = 2): Promise<string[]> {
  const answer = await ocsJson(t, 'GET', version, `users${query ? `?${query}` : ''}`, { caller });
  expect(answer.statuscode).toBe(version === 1 ? 100 : 200);
  expect(answer.status).toBe(200);
  return (answer.data as { users: string[] }).users;
}

/** Every page of `limit` ids, requested until an empty page comes back. */
async function allPages(t: TestApp, limit: number, caller?: OcsCaller): Promise<string[][]> {
  const pages: string[][] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await listIds(t, q({ limit: String(limit), offset: String(offset) }), caller);
    if (page.length === 0) return pages;
    expect(page.length).toBeLessThanOrEqual(limit);
    pages.push(page);
  }
}

describe('§6.1 GET /users as admin', () => {
  let t: TestApp;
  // §5.4: lower(username) in byte order, then username in byte order.
  const ORDER = ['-dash', '123', '_x', 'a_b', 'aB', 'admin', 'alice', 'Bob', 'bob', 'bob2', 'carol', 'plain', 'sub', 'Zed'];

  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
    for (const userid of ['Zed', 'bob2', '_x', '123', 'a_b', 'aB', '-dash']) await createOcsUser(t, { userid });
    // OCS refuses case-insensitive duplicates (§6.3 check 1); JSON-RPC usernames are case-sensitive.
    await t.createUser('Bob', 'password1', { name: 'Robert', email: 'rob@example.org' });
    await createOcsUser(t, { userid: 'pct', displayName: '100% sure' });
    await createOcsUser(t, { userid: 'bsl', displayName: 'back\\slash' });
    await createOcsUser(t, { userid: 'mailer', email: 'Someone.Special@Example.NET' });
  });
  afterAll(() => t.close());

  test('case 1: every id in §5.4 order, v1 and v2, XML by default', async () => {
    const expected = [...ORDER, 'bsl', 'mailer', 'pct'].sort((a, b) => {
      const [la, lb] = [Buffer.from(a.toLowerCase()), Buffer.from(b.toLowerCase())];
      return Buffer.compare(la, lb) || Buffer.compare(Buffer.from(a), Buffer.from(b));
    });
    expect(expected.filter((id) => ORDER.includes(id))).toEqual(ORDER);
    expect(await listIds(t)).toEqual(expected);
    expect(await listIds(t, '', undefined, 1)).toEqual(expected);
    for (const version of [1, 2] as const) {
      const res = await ocsRequest(t, 'GET', version, 'users');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
      expect(res.text).toBe(xmlDocument(version, [' <data>', '  <users>', ...expected.map((id) => `   <element>${id}</element>`), '  </users>', ' </data>']));
    }
  });

  test('XML and JSON bytes of a small list; all-digit ids are JSON strings', async () => {
    const res = await ocsRequest(t, 'GET', 1, 'users?search=bob');
    expect(res.text).toBe(
      xmlDocument(1, [' <data>', '  <users>', '   <element>Bob</element>', '   <element>bob</element>', '   <element>bob2</element>', '  </users>', ' </data>']),
    );
    const json = await ocsJson(t, 'GET', 2, 'users?search=12');
    expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"users":["123"]}}}');
    const v1 = await ocsJson(t, 'GET', 1, 'users?search=12');
    expect(v1.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":{"users":["123"]}}}');
  });

  test('no match: XML <users/>, JSON "users":[]', async () => {
    for (const version of [1, 2] as const) {
      const res = await ocsRequest(t, 'GET', version, 'users?search=nobody-at-all');
      expect(res.text).toBe(xmlDocument(version, [' <data>', '  <users/>', ' </data>']));
    }
    const json = await ocsJson(t, 'GET', 2, 'users?search=nobody-at-all');
    expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"users":[]}}}');
  });

  test('search: case-insensitive substring of username, name or email', async () => {
    expect(await listIds(t, q({ search: 'ZE' }))).toEqual(['Zed']);
    expect(await listIds(t, q({ search: 'LIC' }))).toEqual(['alice']);
    expect(await listIds(t, q({ search: 'adams' }))).toEqual(['alice']); // name "Alice Adams"
    expect(await listIds(t, q({ search: 'ROBERT' }))).toEqual(['Bob']);
    expect(await listIds(t, q({ search: 'someone.special@example.net' }))).toEqual(['mailer']);
    expect(await listIds(t, q({ search: 'EXAMPLE.COM' }))).toEqual(['alice']);
    expect(await listIds(t, q({ search: '' }))).toHaveLength(17);
  });

  test('search: non-ASCII letters fold too', async () => {
    await createOcsUser(t, { userid: 'elo', displayName: 'Élodie Ärger' });
    for (const search of ['élodie', 'ÉLODIE', 'ärger', 'ÄRGER']) expect(await listIds(t, q({ search }))).toEqual(['elo']);
    expect((await ocsJson(t, 'DELETE', 2, 'users/elo')).statuscode).toBe(200);
  });

  test('search: a NUL matches nobody', async () => {
    // Regression: §6.1 lists no error for search, so a NUL is just a search text that matches nobody and
    // the answer is an empty list (the NUL rule no longer pre-empts the endpoint).
    const answer = await ocsJson(t, 'GET', 2, 'users?search=%00');
    expect([answer.status, answer.statuscode, answer.data]).toEqual([200, 200, { users: [] }]);
  });

  test('search: %, _ and \\ match literally', async () => {
    expect(await listIds(t, q({ search: '%' }))).toEqual(['pct']);
    expect(await listIds(t, q({ search: '_' }))).toEqual(['_x', 'a_b']);
    expect(await listIds(t, q({ search: 'a_' }))).toEqual(['a_b']);
    expect(await listIds(t, q({ search: '\\' }))).toEqual(['bsl']);
    expect(await listIds(t, q({ search: 'k\\s' }))).toEqual(['bsl']);
    expect(await listIds(t, q({ search: '0%' }))).toEqual(['pct']);
  });

  test('case 8: limit=2 pages are disjoint and their union is the full list', async () => {
    const full = await listIds(t);
    const pages = await allPages(t, 2);
    expect(pages).toHaveLength(Math.ceil(full.length / 2));
    expect(pages.flat()).toEqual(full);
    expect(new Set(pages.flat()).size).toBe(full.length);
    const threes = await allPages(t, 3);
    expect(threes.flat()).toEqual(full);
  });

  test('paging edge cases: limit=0, offset beyond the end, ignored non-digit values, search then page', async () => {
    const full = await listIds(t);
    expect(await listIds(t, 'limit=0')).toEqual([]);
    expect(await listIds(t, 'limit=0&offset=1')).toEqual([]);
    expect(await listIds(t, `offset=${full.length}`)).toEqual([]);
    expect(await listIds(t, 'offset=1000&limit=5')).toEqual([]);
    expect(await listIds(t, 'offset=3')).toEqual(full.slice(3));
    for (const limit of ['abc', '-1', '1.5', '', '+2', ' 2']) {
      expect(await listIds(t, q({ limit }))).toEqual(full);
    }
    expect(await listIds(t, q({ limit: '2', offset: 'x' }))).toEqual(full.slice(0, 2));
    expect(await listIds(t, q({ limit: '99999999999999999999' }))).toEqual(full);
    expect(await listIds(t, q({ offset: '99999999999999999999' }))).toEqual([]);
    expect(await listIds(t, q({ limit: '1', offset: '1', search: 'bob' }))).toEqual(['bob']);
    const json = await ocsJson(t, 'GET', 1, 'users?limit=0');
    expect(json.text).toContain('"data":{"users":[]}');
  });

  test('paging parameters from a form body and a JSON body', async () => {
    const full = await listIds(t);
    const form = await ocsJson(t, 'GET', 2, 'users', { form: { limit: '2', offset: '2' } });
    expect((form.data as { users: string[] }).users).toEqual(full.slice(2, 4));
    const json = await ocsJson(t, 'GET', 2, 'users', { json: { limit: 3, search: 'BOB' } });
    expect((json.data as { users: string[] }).users).toEqual(['Bob', 'bob', 'bob2']);
  });
});

describe('§6.1 GET /users as subadmin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
  });
  afterAll(() => t.close());

  test('case 7: sub sees ["carol","sub"]', async () => {
    expect(await listIds(t, '', as('sub'))).toEqual(['carol', 'sub']);
    expect(await listIds(t, '', as('sub'), 1)).toEqual(['carol', 'sub']);
    const res = await ocsRequest(t, 'GET', 1, 'users', { caller: as('sub') });
    expect(res.text).toBe(xmlDocument(1, [' <data>', '  <users>', '   <element>carol</element>', '   <element>sub</element>', '  </users>', ' </data>']));
  });

  test('the union of two groups, each user once, admins and disabled members included; search and paging apply to the union', async () => {
    const ok = async (method: 'POST' | 'PUT', path: string, form?: Record<string, string>) =>
      expect((await ocsJson(t, method, 2, path, { form })).statuscode).toBe(200);
    await ok('POST', 'users/sub/subadmins', { groupid: 'other' });
    await ok('POST', 'users/carol/groups', { groupid: 'other' }); // carol: team and other
    await ok('POST', 'users/bob/groups', { groupid: 'other' });
    await ok('POST', 'users/admin/groups', { groupid: 'team' });
    await createOcsUser(t, { userid: 'dis', groups: ['team', 'other'] });
    await ok('PUT', 'users/dis/disable');
    const expected = ['admin', 'bob', 'carol', 'dis', 'sub'];
    expect(await listIds(t, '', as('sub'))).toEqual(expected);
    expect(await listIds(t, 'search=O', as('sub'))).toEqual(['bob', 'carol']);
    const pages = await allPages(t, 2, as('sub'));
    expect(pages).toEqual([
      ['admin', 'bob'],
      ['carol', 'dis'],
      ['sub'],
    ]);
    expect(await listIds(t, 'limit=1&offset=2', as('sub'))).toEqual(['carol']);
    expect(await listIds(t, 'limit=0', as('sub'))).toEqual([]);
    expect(await listIds(t, 'offset=5', as('sub'))).toEqual([]);
    // alice and plain are in no group of sub's; the admin still sees everyone
    expect(await listIds(t)).toEqual(['admin', 'alice', 'bob', 'carol', 'dis', 'plain', 'sub']);
  });
});

type Details = Record<string, Record<string, unknown>>;

async function details(t: TestApp, query = '', caller?: OcsCaller, version: OcsVersion = 2) {
  const answer = await ocsJson(t, 'GET', version, `users/details${query ? `?${query}` : ''}`, { caller });
  expect(answer.statuscode).toBe(version === 1 ? 100 : 200);
  return { text: answer.text, users: (answer.data as { users: Details | [] }).users };
}

describe('§6.2 GET /users/details', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
    for (const userid of ['abc', '123', '-dash', 'a@b.c']) await createOcsUser(t, { userid });
  });
  afterAll(() => t.close());

  test('a map id → §5.1 object in list order, equal to GET /users/{id}', async () => {
    const ids = await listIds(t);
    const { users } = await details(t);
    expect(Object.keys(users).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const one = await ocsJson(t, 'GET', 2, `users/${encodeURIComponent(id)}`);
      expect((users as Details)[id]).toEqual(one.data);
      expect(Object.keys((users as Details)[id])).toEqual(Object.keys(one.data as object));
    }
  });

  test('raw member order keeps all-digit keys in list order', async () => {
    const { text } = await details(t, 'search=-');
    expect(text.startsWith('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"users":{"-dash":{"enabled":true,')).toBe(true);
    const all = (await details(t)).text;
    const positions = ['-dash', '123', 'a@b.c', 'abc', 'admin', 'alice'].map((id) => all.indexOf(`"${id}":{"enabled"`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(all).toContain('"123":{"enabled":true,"storageLocation":"","id":"123",');
  });

  test('no match: JSON "users":[], XML <users/>', async () => {
    const { text } = await details(t, 'search=zzz-none');
    expect(text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"users":[]}}}');
    const res = await ocsRequest(t, 'GET', 1, 'users/details?search=zzz-none');
    expect(res.text).toBe(xmlDocument(1, [' <data>', '  <users/>', ' </data>']));
  });

  test('case 36: a@b.c is JSON key a@b.c and an XML <element> holding <id>a@b.c</id>', async () => {
    const { users, text } = await details(t, 'search=a%40b.c');
    expect(Object.keys(users)).toEqual(['a@b.c']);
    expect(text).toContain('"users":{"a@b.c":{"enabled":true,"storageLocation":"","id":"a@b.c","lastLogin":0,');
    const res = await ocsRequest(t, 'GET', 2, 'users/details?search=a%40b.c');
    expect(res.text).toContain(
      ['  <users>', '   <element>', '    <enabled>1</enabled>', '    <storageLocation></storageLocation>', '    <id>a@b.c</id>', '    <lastLogin>0</lastLogin>'].join('\n'),
    );
    expect(res.text).toContain(['    </backendCapabilities>', '   </element>', '  </users>', ' </data>', '</ocs>', ''].join('\n'));
    const digits = await ocsRequest(t, 'GET', 2, 'users/details?search=123');
    expect(digits.text).toContain(['  <users>', '   <element>', '    <enabled>1</enabled>', '    <storageLocation></storageLocation>', '    <id>123</id>'].join('\n'));
    const named = await ocsRequest(t, 'GET', 2, 'users/details?search=abc');
    expect(named.text).toContain(['  <users>', '   <abc>', '    <enabled>1</enabled>'].join('\n'));
  });

  test('paging and search as in 6.1', async () => {
    const ids = await listIds(t);
    expect(Object.keys((await details(t, 'limit=2&offset=2')).users)).toEqual(ids.slice(2, 4));
    expect((await details(t, 'limit=0')).text).toContain('"data":{"users":[]}');
    expect(Object.keys((await details(t, 'search=ALI')).users)).toEqual(['alice']);
  });

  test('subadmin: non-admin members in full (no storageLocation), an admin member as {"id":"admin"}', async () => {
    expect((await ocsJson(t, 'POST', 2, 'users/admin/groups', { form: { groupid: 'team' } })).statuscode).toBe(200);
    const { users, text } = await details(t, '', as('sub'));
    expect(Object.keys(users)).toEqual(['admin', 'carol', 'sub']);
    expect((users as Details).admin).toEqual({ id: 'admin' });
    expect(text).toContain('"users":{"admin":{"id":"admin"},"carol":{"enabled":true,"id":"carol",');
    expect((users as Details).carol).not.toHaveProperty('storageLocation');
    expect((users as Details).carol).toMatchObject({ id: 'carol', groups: ['team'], subadmin: [], backend: 'Database' });
    expect((users as Details).sub).toMatchObject({ enabled: true, id: 'sub', groups: ['team'], subadmin: ['team'] });
    const res = await ocsRequest(t, 'GET', 1, 'users/details?limit=1', { caller: as('sub') });
    expect(res.text).toBe(xmlDocument(1, [' <data>', '  <users>', '   <admin>', '    <id>admin</id>', '   </admin>', '  </users>', ' </data>']));
  });

  test('plain user: 403 on both lists', async () => {
    for (const path of ['users', 'users/details']) {
      const v2 = await ocsJson(t, 'GET', 2, path, { caller: as('plain') });
      expect([v2.status, v2.statuscode, v2.message]).toEqual([403, 403, 'Logged in account must be at least a sub admin']);
      const v1 = await ocsJson(t, 'GET', 1, path, { caller: as('plain') });
      expect([v1.status, v1.statuscode]).toEqual([200, 403]);
    }
  });
});
