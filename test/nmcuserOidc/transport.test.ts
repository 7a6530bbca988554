/** nmcuser_oidc transport (nmcuser-oidc §3, §4.3, §10): prefixes, paths, escaping, CORS, the disabled component (§11 cases 18, 19). */
import type { TestApp } from '../helpers/app';
import { ocsJson } from '../helpers/ocs';
import { createOidc, expectMessage, expectOk, JSON_TYPE, oidc, PREFIXES, sha256Hex, startOidcApp, userView, wire, type OidcMethod } from '../helpers/nmcuserOidc';

let t: TestApp;
let uid: string;
beforeAll(async () => {
  t = await startOidcApp();
  uid = await createOidc(t, { username: '120049010000000006612061', displayname: 'User, Test', email: 'test@example.org', quota: '25GB' });
});
afterAll(() => t.close());

const ORIGIN = 'https://a.example';
const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'PUT, POST, GET, DELETE, PATCH',
  'access-control-allow-headers': 'Authorization, Content-Type, Accept',
  'access-control-max-age': '1728000',
  'access-control-allow-credentials': 'false',
};

describe('prefixes and paths (§3)', () => {
  test('every prefix answers identically, with and without a trailing slash (§11 case 18)', async () => {
    const expected = wire(userView(uid, { displayname: 'User, Test', email: 'test@example.org', quota: '25GB' }));
    for (const prefix of PREFIXES) {
      for (const path of [`nmcusers/telekom/${uid}`, `nmcusers/telekom/${uid}/`]) {
        const res = await oidc(t, 'GET', path, { prefix });
        expect({ prefix, path, status: res.status, type: res.headers['content-type'], text: res.text }).toEqual({ prefix, path, status: 200, type: JSON_TYPE, text: expected });
      }
      const list = await oidc(t, 'GET', 'nmcusers/telekom/', { prefix });
      expect({ prefix, text: list.text }).toEqual({ prefix, text: wire([uid]) });
      expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/nobody/', { prefix }), 404, 'No user nobody, id=nobody');
    }
  });

  test('create, update, token and delete work under every prefix, trailing slash included', async () => {
    for (const [i, prefix] of PREFIXES.entries()) {
      const username = `prefix-user-${i}`;
      expectOk(await oidc(t, 'POST', 'nmcusers/telekom/', { prefix, json: { username, displayname: 'P' } }), { id: username });
      expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${username}/`, { prefix, json: { quota: '1TB' } }), userView(username, { displayname: 'P', quota: '1TB' }));
      const token = await oidc(t, 'GET', `token/telekom/${username}/`, { prefix });
      expect(token.status).toBe(200);
      expect(token.body.token).toMatch(/^[A-Za-z0-9]{72}$/);
      expectOk(await oidc(t, 'DELETE', `nmcusers/telekom/${username}/`, { prefix }), '');
    }
  });

  test('path segments are percent-decoded exactly once; %2F carries a slash inside an id', async () => {
    expectOk(await oidc(t, 'POST', 'nmcusers/%54elekom', { json: { username: 'dir/name', displayname: 'Slash' } }), { id: 'dir/name' });
    const res = await oidc(t, 'GET', 'nmcusers/telekom/dir%2Fname');
    expect(res.text).toBe('{"id":"dir\\/name","displayname":"Slash","email":null,"quota":"3GB","altemail":"","migrated":true,"enabled":true}');
    expectOk(await oidc(t, 'GET', 'nmcusers/TELE%4BOM/dir%2fname'), userView('dir/name', { displayname: 'Slash' }));
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/dir%252Fname'), 404, 'No user dir%2Fname, id=dir%2Fname');
    expectMessage(await oidc(t, 'GET', 'nmcusers/tele%2525kom/dir%2Fname'), 404, 'No oidc provider tele%25kom');
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/dir/name'), 404, 'Not found');
    // a 65-byte id sent percent-encoded is hashed after decoding
    const long = `é${'x'.repeat(63)}`; // 2 + 63 = 65 bytes
    const hashed = await createOidc(t, { username: long, displayname: 'Long' });
    expect(hashed).toBe(sha256Hex(long));
    expectOk(await oidc(t, 'GET', `nmcusers/telekom/${encodeURIComponent(long)}`), userView(hashed, { displayname: 'Long' }));
  });

  test.each([
    ['', 'GET'],
    ['nmcusers', 'GET'],
    ['nmcusers/', 'POST'],
    ['nmcusers/telekom/a/b', 'GET'],
    ['token/telekom', 'GET'],
    ['token', 'GET'],
    ['users/telekom', 'GET'],
    ['NMCUSERS/telekom', 'GET'],
    ['token/telekom/a/b', 'DELETE'],
  ] as const)('unknown path %j (%s) → 404 Not found, also without credentials', async (path, method) => {
    expectMessage(await oidc(t, method, path), 404, 'Not found');
    expectMessage(await oidc(t, method, path, { auth: 'none' }), 404, 'Not found');
  });

  test.each([
    ['nmcusers/telekom', 'PUT'],
    ['nmcusers/telekom', 'DELETE'],
    ['nmcusers/telekom', 'PATCH'],
    ['nmcusers/telekom/x', 'POST'],
    ['nmcusers/telekom/x', 'PATCH'],
    ['token/telekom/x', 'POST'],
    ['token/telekom/x', 'PUT'],
    ['token/telekom/x', 'DELETE'],
  ] as const)('known path %j with %s → 405 Method not allowed, also without credentials', async (path, method) => {
    const before = await t.knex('users').count({ n: '*' }).first();
    expectMessage(await oidc(t, method, path, { json: { username: 'x', displayname: 'x' } }), 405, 'Method not allowed');
    expectMessage(await oidc(t, method, path, { auth: 'none' }), 405, 'Method not allowed');
    expect(await t.knex('users').count({ n: '*' }).first()).toEqual(before);
  });

  test('strings are escaped as in OCS: / → \\/, < → \\u003C, > → \\u003E, non-ASCII → lowercase \\u00e9', async () => {
    const id = await createOidc(t, { username: 'esc1', displayname: '<b>José/x</b>', altemail: 'Zoë ∑ 😀' });
    const res = await oidc(t, 'GET', `nmcusers/telekom/${id}`);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.text).toBe(
      '{"id":"esc1","displayname":"\\u003Cb\\u003EJos\\u00e9\\/x\\u003C\\/b\\u003E","email":null,"quota":"3GB","altemail":"Zo\\u00eb \\u2211 \\ud83d\\ude00","migrated":true,"enabled":true}',
    );
    expect(res.body).toEqual(userView(id, { displayname: '<b>José/x</b>', altemail: 'Zoë ∑ 😀' }));
    // error messages are escaped too
    expect((await oidc(t, 'GET', 'nmcusers/telekom/caf%C3%A9%2F%3C')).text).toBe('{"message":"No user caf\\u00e9\\/\\u003C, id=caf\\u00e9\\/\\u003C"}');
  });

  test('format=xml (and format=json) is ignored: the answer stays JSON', async () => {
    for (const query of ['?format=xml', '?format=json', '?format=xml&pattern=0061']) {
      const res = await oidc(t, 'GET', `nmcusers/telekom/${uid}${query}`);
      expectOk(res, userView(uid, { displayname: 'User, Test', email: 'test@example.org', quota: '25GB' }));
    }
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom?format=xml&pattern=6612061'), [uid]);
    expectMessage(await oidc(t, 'GET', 'nmcusers/nope?format=xml'), 404, 'No oidc provider nope');
  });
});

describe('processing order of unreadable bodies (§3, §4.1)', () => {
  // A body that cannot be decoded (unsupported Content-Encoding) is a body-parsing failure, step 6 of §4.1.
  // Regression: the body is read only for POST and PUT and only after steps 1-5 (disabled component, OPTIONS,
  // path, 401, 403), so an unreadable body cannot pre-empt those answers (§4.1 order, §3).
  const bad = { raw: { type: 'application/json', body: '{}' }, headers: { 'Content-Encoding': 'x-unknown' } };

  test('without credentials → 401 (step 4 precedes body parsing)', async () => {
    const before = await t.knex('users').count({ n: '*' }).first();
    // Regression: the missing credentials answer 401 (§4.1 step 4) before the unreadable body is looked at.
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { ...bad, auth: 'none' }), 401, 'CORS requires basic auth');
    expect(await t.knex('users').count({ n: '*' }).first()).toEqual(before);
  });

  test('OPTIONS → the preflight (step 2 needs no body and no credentials)', async () => {
    const preflight = await oidc(t, 'OPTIONS', 'nmcusers/telekom', { ...bad, auth: 'none' });
    // Regression: OPTIONS is the preflight (§4.1 step 2); its body is never read.
    expect({ status: preflight.status, text: preflight.text }).toEqual({ status: 200, text: '' });
  });

  test('a GET ignores its body: only POST and PUT bodies are read (§3)', async () => {
    // Regression: a GET body is ignored (§3), so the unreadable body does not stop the list.
    expectOk(await oidc(t, 'GET', `nmcusers/telekom?pattern=${uid}`, bad), [uid]);
  });
});

describe('CORS (§4.3, §11 case 18)', () => {
  test.each(PREFIXES)('preflight under %s: 200, empty body, the exact headers, no credentials needed', async (prefix) => {
    for (const path of ['nmcusers/telekom', `nmcusers/telekom/${uid}`, 'token/telekom/x', 'anything/at/all', 'nmcusers/telekom/']) {
      const res = await oidc(t, 'OPTIONS', path, { prefix, auth: 'none', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT' } });
      expect({ path, status: res.status, text: res.text }).toEqual({ path, status: 200, text: '' });
      expect(res.headers).toMatchObject({ ...PREFLIGHT_HEADERS, 'access-control-allow-origin': ORIGIN });
    }
  });

  test('preflight without Origin answers *; wrong credentials do not matter', async () => {
    const res = await oidc(t, 'OPTIONS', 'nmcusers/telekom', { auth: 'none' });
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
    expect(res.headers).toMatchObject({ ...PREFLIGHT_HEADERS, 'access-control-allow-origin': '*' });
    const wrong = await oidc(t, 'OPTIONS', 'nmcusers/telekom', { auth: ['admin', 'wrong'], headers: { Origin: 'null' } });
    expect(wrong.status).toBe(200);
    expect(wrong.headers['access-control-allow-origin']).toBe('null');
    expect(await t.knex('users').where({ username: 'admin' }).first('nb_failed_login')).toEqual({ nb_failed_login: 0 });
  });

  const withOrigin: [string, OidcMethod, string, Parameters<typeof oidc>[3], number][] = [
    ['200 read', 'GET', 'nmcusers/telekom/120049010000000006612061', {}, 200],
    ['200 list', 'GET', 'nmcusers/telekom', {}, 200],
    ['200 token', 'GET', 'token/telekom/120049010000000006612061', {}, 200],
    ['400 invalid JSON', 'POST', 'nmcusers/telekom', { json: '{' }, 400],
    ['400 missing field', 'POST', 'nmcusers/telekom', { json: {} }, 400],
    ['401 no credentials', 'GET', 'nmcusers/telekom', { auth: 'none' }, 401],
    ['401 wrong password', 'GET', 'nmcusers/telekom', { auth: ['admin', 'nope'] }, 401],
    ['403 plain user', 'GET', 'nmcusers/telekom', { auth: ['plain', 'plain-secret-1'] }, 403],
    ['404 unknown path', 'GET', 'nothing', {}, 404],
    ['404 unknown provider', 'GET', 'nmcusers/o9', {}, 404],
    ['404 unknown user', 'DELETE', 'nmcusers/telekom/ghost', {}, 404],
    ['405', 'PATCH', 'nmcusers/telekom', {}, 405],
    ['409', 'POST', 'nmcusers/telekom', { json: { username: 'local1', displayname: 'x' } }, 409],
  ];

  test.each(withOrigin)('%s: Access-Control-Allow-Origin echoes the Origin, Vary: Origin, never Allow-Credentials: true', async (_name, method, path, options, status) => {
    const res = await oidc(t, method, path, { ...options, headers: { Origin: ORIGIN } });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers.vary).toMatch(/(^|,\s*)Origin(\s*,|$)/);
    expect(res.headers['access-control-allow-credentials']).not.toBe('true');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});

describe('the disabled component (§10, §11 case 19)', () => {
  let d: TestApp;
  let token: string;
  let id: string;
  beforeAll(async () => {
    d = await startOidcApp();
    id = await createOidc(d, { username: '120049010000000006612099', displayname: 'Before' });
    token = (await oidc(d, 'GET', `token/telekom/${id}`)).body.token as string;
  });
  afterAll(() => d.close());

  const ROUTES: [OidcMethod, string, Parameters<typeof oidc>[3]][] = [
    ['GET', 'nmcusers/telekom', {}],
    ['POST', 'nmcusers/telekom', { json: { username: 'while-disabled', displayname: 'x' } }],
    ['GET', 'nmcusers/telekom/120049010000000006612099', {}],
    ['PUT', 'nmcusers/telekom/120049010000000006612099', { json: { displayname: 'During' } }],
    ['DELETE', 'nmcusers/telekom/120049010000000006612099', {}],
    ['GET', 'token/telekom/120049010000000006612099', {}],
    ['OPTIONS', 'nmcusers/telekom', { auth: 'none' }],
    ['GET', 'unknown/path', { auth: 'none' }],
    ['PATCH', 'nmcusers/telekom', { auth: 'none' }],
    ['GET', 'nmcusers/telekom', { auth: 'none' }],
  ];

  test('DELETE /ocs/v1.php/cloud/apps/nmcuser_oidc → every route, OPTIONS included, answers 404 "App nmcuser_oidc is disabled"; POST re-enables', async () => {
    const off = await ocsJson(d, 'DELETE', 1, 'apps/nmcuser_oidc');
    expect({ status: off.status, statuscode: off.statuscode }).toEqual({ status: 200, statuscode: 100 });
    const before = { users: await d.knex('users').count({ n: '*' }).first(), tokens: await d.knex('app_passwords').count({ n: '*' }).first() };
    for (const prefix of PREFIXES) {
      for (const [method, path, options] of ROUTES) {
        const res = await oidc(d, method, path, { ...options, prefix, headers: { Origin: ORIGIN } });
        expect({ prefix, method, path, status: res.status, text: res.text, type: res.headers['content-type'] }).toEqual({
          prefix,
          method,
          path,
          status: 404,
          text: '{"message":"App nmcuser_oidc is disabled"}',
          type: JSON_TYPE,
        });
        expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      }
    }
    expect({ users: await d.knex('users').count({ n: '*' }).first(), tokens: await d.knex('app_passwords').count({ n: '*' }).first() }).toEqual(before);
    expect((await d.knex('users').where({ username: id }).first('name')).name).toBe('Before');

    // a token minted before keeps working on OCS; the provider procedures keep working
    const me = await ocsJson(d, 'GET', 2, 'user', { caller: [id, token] });
    expect({ status: me.status, statuscode: me.statuscode, id: (me.data as { id: string }).id }).toEqual({ status: 200, statuscode: 200, id });
    expect((await d.rpc('/rpc', 'getOidcProvider', [1])).result).toEqual({ id: 1, identifier: 'Telekom', client_id: '', discovery_url: '' });

    const on = await ocsJson(d, 'POST', 1, 'apps/nmcuser_oidc');
    expect({ status: on.status, statuscode: on.statuscode }).toEqual({ status: 200, statuscode: 100 });
    expectOk(await oidc(d, 'GET', `nmcusers/telekom/${id}`), userView(id, { displayname: 'Before' }));
    expectOk(await oidc(d, 'PUT', `nmcusers/telekom/${id}`, { json: { displayname: 'After' } }), userView(id, { displayname: 'After' }));
    const pre = await oidc(d, 'OPTIONS', 'nmcusers/telekom', { auth: 'none' });
    expect({ status: pre.status, text: pre.text }).toEqual({ status: 200, text: '' });
  });

  test('the v2 OCS path disables it too', async () => {
    expect((await ocsJson(d, 'DELETE', 2, 'apps/nmcuser_oidc')).statuscode).toBe(200);
    expectMessage(await oidc(d, 'GET', `nmcusers/telekom/${id}`, { prefix: '/index.php/apps/nmcuser_oidc/api/1.0' }), 404, 'App nmcuser_oidc is disabled');
    expect((await ocsJson(d, 'POST', 2, 'apps/nmcuser_oidc')).statuscode).toBe(200);
    expect((await oidc(d, 'GET', `nmcusers/telekom/${id}`)).status).toBe(200);
  });
});

