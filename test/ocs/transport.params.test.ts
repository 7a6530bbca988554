/**
 * OCS transport, request parameters (ocs-provisioning §3.2): query → body → path precedence, PHP
 * form arrays, JSON bodies on every method, which content types are read, JSON value conversions,
 * counts, the body size limit, and that JSON-RPC cannot reach the OCS-only procedures.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { ocsJson, seedOcsFixtures, type OcsVersion } from '../helpers/ocs';

const VERSIONS: OcsVersion[] = [1, 2];
const PW = 'S3cure-pw!';
const OK: Record<OcsVersion, number> = { 1: 100, 2: 200 };

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
}, 120_000);
afterAll(() => t.close());

const column = async (username: string, name: string) => (await t.knex('users').where({ username }).first(name))?.[name];
const groupsOf = async (v: OcsVersion, userid: string) => (await ocsJson(t, 'GET', v, `users/${userid}/groups`)).data;

/** An admin request with the API header and a body of the given content type. */
function typed(v: OcsVersion, method: 'post' | 'put' | 'get', path: string, contentType: string, body: string) {
  return request(t.app)[method](`/ocs/v${v}.php/cloud/${path}`).auth('admin', 'admin-secret').set('OCS-APIRequest', 'true').set('Content-Type', contentType).send(body);
}

const meta = (res: request.Response) => JSON.parse(res.text).ocs.meta as { statuscode: number; message: string };

describe.each(VERSIONS)('v%i', (v) => {
  describe('sources: query → body → path', () => {
    test('the path wins over userid in the query and the body (GET and PUT /users/alice)', async () => {
      const read = await ocsJson(t, 'GET', v, 'users/alice?userid=bob', { form: { userid: 'carol' } });
      expect(read.data).toMatchObject({ id: 'alice' });
      const readJson = await ocsJson(t, 'GET', v, 'users/alice?userid=bob', { json: { userid: 'carol' } });
      expect(readJson.data).toMatchObject({ id: 'alice' });
      await t.knex('users').whereIn('username', ['bob', 'carol']).update({ phone: 'untouched' });
      const edit = await ocsJson(t, 'PUT', v, 'users/alice?userid=bob', { form: { userid: 'carol', key: 'phone', value: `path-${v}` } });
      expect(edit.statuscode).toBe(OK[v]);
      expect([await column('alice', 'phone'), await column('bob', 'phone'), await column('carol', 'phone')]).toEqual([`path-${v}`, 'untouched', 'untouched']);
    });

    test('the body overrides the query; the query applies when the body lacks the name', async () => {
      expect((await ocsJson(t, 'GET', v, 'users?search=alice', { form: { search: 'carol' } })).data).toEqual({ users: ['carol'] });
      expect((await ocsJson(t, 'GET', v, 'users?search=alice', { json: { search: 'plai' } })).data).toEqual({ users: ['plain'] });
      expect((await ocsJson(t, 'GET', v, 'users?search=alice', { form: { limit: '5' } })).data).toEqual({ users: ['alice'] });
      const edit = await ocsJson(t, 'PUT', v, `users/bob?key=phone&value=from-query-${v}`, { form: { value: `from-body-${v}` } });
      expect(edit.statuscode).toBe(OK[v]);
      expect(await column('bob', 'phone')).toBe(`from-body-${v}`);
    });

    test('DELETE /users/{id}/groups reads groupid from the query too', async () => {
      expect((await ocsJson(t, 'POST', v, 'users/bob/groups', { form: { groupid: 'other' } })).statuscode).toBe(OK[v]);
      expect((await ocsJson(t, 'DELETE', v, 'users/bob/groups?groupid=other')).statuscode).toBe(OK[v]);
      expect(await groupsOf(v, 'bob')).toEqual({ groups: [] });
    });
  });

  describe('form bodies, PHP style', () => {
    test.each<[string, string, string[]]>([
      ['groups[]=a&groups[]=b', 'groups[]=team&groups[]=other', ['other', 'team']],
      ['groups%5B%5D (encoded brackets)', 'groups%5B%5D=other', ['other']],
      ['groups[0]=a&groups[1]=b', 'groups[0]=team&groups[1]=other', ['other', 'team']],
      ['groups=team (a scalar is a one-element list)', 'groups=team', ['team']],
    ])('POST /users with %s', async (name, groups, expected) => {
      const userid = `arr-${v}-${expected.join('-')}-${name.length}`;
      const res = await typed(v, 'post', 'users?format=json', 'application/x-www-form-urlencoded', `userid=${userid}&password=${PW}&${groups}`);
      expect([res.status, JSON.parse(res.text).ocs.data]).toEqual([200, { id: userid }]);
      expect(await groupsOf(v, userid)).toEqual({ groups: expected });
    });

    test('list items are read in order: the first missing group is named (104)', async () => {
      const res = await typed(v, 'post', 'users?format=json', 'application/x-www-form-urlencoded', `userid=order${v}&password=${PW}&groups[]=team&groups[]=nog1&groups[]=nog2`);
      expect(meta(res)).toMatchObject({ statuscode: 104, message: 'group nog1 does not exist' });
      expect(await column(`order${v}`, 'username')).toBeUndefined();
    });

    test('a repeated plain key: the last value wins', async () => {
      const res = await typed(v, 'post', 'users?format=json', 'application/x-www-form-urlencoded', `userid=first${v}&userid=last${v}&password=${PW}`);
      expect(JSON.parse(res.text).ocs.data).toEqual({ id: `last${v}` });
      expect([await column(`first${v}`, 'username'), await column(`last${v}`, 'username')]).toEqual([undefined, `last${v}`]);
      await typed(v, 'put', 'users/bob', 'application/x-www-form-urlencoded', 'key=phone&value=1&value=2');
      expect(await column('bob', 'phone')).toBe('2');
    });

    test.each(['userid[]=lst', 'userid[0]=lst', 'userid[a]=lst', 'userid[a][b]=lst'])('a scalar given as %s counts as missing → 101', async (userid) => {
      const res = await typed(v, 'post', 'users?format=json', 'application/x-www-form-urlencoded', `${userid}&password=${PW}`);
      expect(meta(res)).toMatchObject({ statuscode: 101, message: 'A valid username must be provided' });
    });

    test('application/x-www-form-urlencoded; charset=UTF-8 is a form body; "+" is a space', async () => {
      await typed(v, 'put', 'users/bob', 'application/x-www-form-urlencoded; charset=UTF-8', 'key=phone&value=a+b%2Bc');
      expect(await column('bob', 'phone')).toBe('a b+c');
    });
  });

  describe('JSON bodies', () => {
    test('POST /users (case 10), PUT, and DELETE /users/alice/groups with {"groupid":"team"} (case 23)', async () => {
      const created = await ocsJson(t, 'POST', v, 'users', { json: { userid: `jnewu${v}`, password: PW, groups: ['team', 'other'] } });
      expect([created.statuscode, created.data]).toEqual([OK[v], { id: `jnewu${v}` }]);
      expect(await groupsOf(v, `jnewu${v}`)).toEqual({ groups: ['other', 'team'] });
      expect((await ocsJson(t, 'PUT', v, 'users/alice', { json: { key: 'phone', value: `json-${v}` } })).statuscode).toBe(OK[v]);
      expect(await column('alice', 'phone')).toBe(`json-${v}`);
      expect((await ocsJson(t, 'POST', v, 'users/alice/groups', { json: { groupid: 'team' } })).statuscode).toBe(OK[v]);
      expect(await groupsOf(v, 'alice')).toEqual({ groups: ['team'] });
      const noBody = await ocsJson(t, 'DELETE', v, 'users/alice/groups');
      expect([noBody.statuscode, noBody.message]).toEqual([101, '']);
      const removed = await ocsJson(t, 'DELETE', v, 'users/alice/groups', { json: { groupid: 'team' } });
      expect([removed.status, removed.statuscode]).toEqual([200, OK[v]]);
      expect(await groupsOf(v, 'alice')).toEqual({ groups: [] });
    });

    test.each(['application/json; charset=utf-8', 'application/vnd.foo+json', 'APPLICATION/JSON', 'text/json'])('Content-Type %s is JSON', async (type) => {
      const value = `${type.length}-${v}`;
      const res = await typed(v, 'put', 'users/bob?format=json', type, JSON.stringify({ key: 'phone', value }));
      expect(meta(res).statuscode).toBe(OK[v]);
      expect(await column('bob', 'phone')).toBe(value);
    });

    test('numbers become decimal text: quota 1048576 is stored; phone 12345 is "12345"; userid 123456 is a string', async () => {
      const created = await ocsJson(t, 'POST', v, 'users', { json: { userid: `n${v}`, password: PW, quota: 1048576 } });
      expect(created.statuscode).toBe(OK[v]);
      expect(await column(`n${v}`, 'quota')).toBe('1048576');
      expect((await ocsJson(t, 'GET', v, `users/n${v}`)).data).toMatchObject({ quota: { free: 1048576, used: 0, total: 1048576, relative: 0, quota: 1048576 } });
      expect((await ocsJson(t, 'PUT', v, 'users/bob', { json: { key: 'phone', value: 12345 } })).statuscode).toBe(OK[v]);
      expect(await column('bob', 'phone')).toBe('12345');
      const digits = await ocsJson(t, 'POST', v, 'users', { json: { userid: 123450 + v, password: PW } });
      expect(digits.text).toContain(`"data":{"id":"${123450 + v}"}`);
    });

    test.each<[string, unknown, string]>([
      ['true → "1"', true, '1'],
      ['false → ""', false, ''],
      ['null → missing ("")', null, ''],
      ['-3 → "-3"', -3, '-3'],
      ['1.5 → "1.5"', 1.5, '1.5'],
      ['a list for a scalar → missing ("")', ['x'], ''],
      ['an object for a scalar → missing ("")', { a: 'x' }, ''],
    ])('value %s', async (_name, value, stored) => {
      await t.knex('users').where({ username: 'bob' }).update({ phone: 'before' });
      expect((await ocsJson(t, 'PUT', v, 'users/bob', { json: { key: 'phone', value } })).statuscode).toBe(OK[v]);
      expect(await column('bob', 'phone')).toBe(stored);
    });

    test('a large JSON number becomes its decimal string, not exponent notation (1e21)', async () => {
      // Regression: a JSON number becomes its plain decimal string, never exponent notation (§3.2 item 5).
      expect((await ocsJson(t, 'PUT', v, 'users/bob', { json: '{"key":"phone","value":1e21}' })).statuscode).toBe(OK[v]);
      expect(await column('bob', 'phone')).toBe('1000000000000000000000');
    });

    test('null, false and a list for userid/password count as missing on POST /users', async () => {
      expect(meta(await typed(v, 'post', 'users?format=json', 'application/json', `{"userid":"nl${v}","password":null}`))).toEqual(
        expect.objectContaining({ statuscode: 108, message: 'To send a password link to the user an email address is required.' }),
      );
      expect(meta(await typed(v, 'post', 'users?format=json', 'application/json', `{"userid":"fl${v}","password":false}`)).statuscode).toBe(108);
      expect(meta(await typed(v, 'post', 'users?format=json', 'application/json', `{"userid":["x${v}"],"password":"${PW}"}`))).toEqual(
        expect.objectContaining({ statuscode: 101, message: 'A valid username must be provided' }),
      );
      expect(meta(await typed(v, 'post', 'users?format=json', 'application/json', `{"userid":"tr${v}","password":true}`))).toEqual(
        expect.objectContaining({ statuscode: 107, message: 'Password must be at least 6 characters long' }),
      );
    });

    test('a member nested 100,000 arrays deep counts as missing, like any list inside a list (no 996)', async () => {
      // Regression (fuzzing, issue 8): the nested arrays were walked recursively and overflowed the stack.
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const created = await typed(v, 'post', 'users?format=json', 'application/json', `{"userid":"deep${v}","password":"${PW}","groups":["team",${deep}],"displayName":${deep}}`);
      expect({ status: created.status, meta: meta(created) }).toEqual({ status: 200, meta: expect.objectContaining({ statuscode: OK[v] }) });
      expect(await groupsOf(v, `deep${v}`)).toEqual({ groups: ['team'] });
      const listed = await typed(v, 'get', 'users?format=json', 'application/json', `{"search":${deep}}`);
      expect({ status: listed.status, statuscode: meta(listed).statuscode }).toEqual({ status: 200, statuscode: OK[v] });
    });

    test.each(['[1,2]', '"x"', '42', 'null', 'true', '[]'])('a valid non-object JSON body %s adds no parameters', async (body) => {
      const created = await typed(v, 'post', 'users?format=json', 'application/json', body);
      expect(meta(created)).toEqual(expect.objectContaining({ statuscode: 108 }));
      const listed = await typed(v, 'get', 'users?format=json&search=alice', 'application/json', body);
      expect(JSON.parse(listed.text).ocs.data).toEqual({ users: ['alice'] });
    });
  });

  describe('ignored bodies', () => {
    // With no userid, no password and no email, §6.3 checks 1–6 pass and check 7 fires: 108.
    const ignored = { statuscode: 108, message: 'To send a password link to the user an email address is required.' };

    test('multipart/form-data is ignored: POST /users → 108, nothing created', async () => {
      const res = await request(t.app)
        .post(`/ocs/v${v}.php/cloud/users?format=json`)
        .auth('admin', 'admin-secret')
        .set('OCS-APIRequest', 'true')
        .field('userid', `mp${v}`)
        .field('password', PW)
        .field('email', 'mp@example.com')
        .field('format', 'xml');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(meta(res)).toMatchObject(ignored);
      expect(await column(`mp${v}`, 'username')).toBeUndefined();
    });

    test.each(['text/plain', 'application/octet-stream', 'application/xml', 'text/x-www-form-urlencoded'])('%s is ignored (even when it is not JSON)', async (type) => {
      const form = await typed(v, 'post', 'users?format=json', type, `userid=tp${v}&password=${PW}&email=tp@example.com`);
      expect(meta(form)).toMatchObject(ignored);
      const broken = await typed(v, 'post', 'users?format=json', type, '{"userid":');
      expect([broken.status, meta(broken)]).toEqual([v === 1 ? 200 : 400, expect.objectContaining(ignored)]);
      expect(await column(`tp${v}`, 'username')).toBeUndefined();
    });
  });

  describe('limit and offset', () => {
    const ALL = ['admin', 'other', 'team'];
    test.each<[string, string[]]>([
      ['limit=2', ['admin', 'other']],
      ['limit=02', ['admin', 'other']],
      ['limit=0', []],
      ['limit=1&offset=1', ['other']],
      ['offset=2', ['team']],
      ['limit=abc', ALL],
      ['limit=-1', ALL],
      ['limit=1.5', ALL],
      ['limit=', ALL],
      ['limit=%202', ALL],
      ['limit=1e1', ALL],
      ['offset=abc&limit=1', ['admin']],
      ['offset=-1', ALL],
      ['limit[]=1', ALL],
    ])('GET /groups?%s', async (query, groups) => {
      expect((await ocsJson(t, 'GET', v, `groups?${query}`)).data).toEqual({ groups });
    });

    test.each<[unknown, string[]]>([
      [2, ['admin', 'other']],
      ['1', ['admin']],
      [-1, ALL],
      [1.5, ALL],
      [true, ['admin']],
    ])('JSON body limit %j', async (limit, groups) => {
      expect((await ocsJson(t, 'GET', v, 'groups', { json: { limit } })).data).toEqual({ groups });
    });
  });
});

describe('body size limit (BODY_LIMIT=1kb) → 413, empty body, before anything else', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ db: t.db, env: { BODY_LIMIT: '1kb' } });
  });
  afterAll(() => small.close());
  const big = `userid=big&password=${PW}&displayName=${'x'.repeat(1100)}`;

  test.each(VERSIONS)('v%i: without credentials, with wrong ones, without the header, on an unknown path', async (v) => {
    const before = await t.knex('users').select('id', 'nb_failed_login').orderBy('id');
    const post = (path: string) => request(small.app).post(`/ocs/v${v}.php/cloud/${path}`).type('form');
    for (const res of [
      await post('users').send(big),
      await post('users').auth('alice', 'wrong-password').set('OCS-APIRequest', 'true').send(big),
      await post('users').auth('admin', 'admin-secret').send(big),
      await post('users').auth('admin', 'admin-secret').set('OCS-APIRequest', 'true').send(big),
      await post('nonexistent?format=json').send(big),
      await request(small.app).put(`/ocs/v${v}.php/cloud/users/bob`).set('Content-Type', 'application/json').send(JSON.stringify({ key: 'phone', value: 'y'.repeat(1100) })),
    ]) {
      expect([res.status, res.text]).toEqual([413, '']);
    }
    expect(await t.knex('users').select('id', 'nb_failed_login').orderBy('id')).toEqual(before);
    expect(await t.knex('users').where({ username: 'big' }).first()).toBeUndefined();
    // Just under the limit the request is processed.
    const under = await ocsJson(small, 'PUT', v, 'users/bob', { form: { key: 'phone', value: 'z'.repeat(200) } });
    expect(under.statuscode).toBe(OK[v]);
  });
});

describe('JSON-RPC cannot call the OCS-only procedures', () => {
  test.each(['ocsListUsers', 'ocsCallerLevel', 'ocsCreateUser', 'ocsDeleteUser'])('%s → -32601 at /rpc and /jsonrpc.php, app token and user mode', async (method) => {
    expect(await t.rpc('/rpc', method, {})).toEqual({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found', data: { reason: 'method_not_found' } }, id: 1 });
    expect(await t.rpc('/rpc', method, {}, ['admin', 'admin-secret'])).toMatchObject({ error: { code: -32601 } });
    expect(await t.rpc('/jsonrpc.php', method, {})).toEqual({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 1 });
    expect(await t.rpc('/jsonrpc.php', method.toUpperCase(), [])).toEqual({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 1 });
  });

  test('rpc.discover and /openrpc.json list no ocs* method', async () => {
    const doc = (await t.rpc('/rpc', 'rpc.discover')).result as { methods: Array<{ name: string }> };
    const names = doc.methods.map((m) => m.name);
    expect(names).toContain('createUser');
    expect(names.filter((name) => name.toLowerCase().startsWith('ocs'))).toEqual([]);
    const served = await request(t.app).get('/openrpc.json');
    expect((served.body.methods as Array<{ name: string }>).filter((m) => m.name.toLowerCase().startsWith('ocs'))).toEqual([]);
  });
});
