/**
 * OCS transport, the `OCS-APIRequest` header (ocs-provisioning §3.4) and the processing order of
 * §3.6: body size, credentials, route, login, level A/S, header, level B, malformed JSON.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { as, ocsJson, ocsRequest, seedOcsFixtures, type OcsVersion } from '../helpers/ocs';

const VERSIONS: OcsVersion[] = [1, 2];
const CSRF = '{"message":"CSRF check failed"}';
const JSON_TYPE = 'application/json; charset=utf-8';
const INVALID_QUERY_JSON =
  '"Invalid query, please check the syntax. API specifications are here: http:\\/\\/www.freedesktop.org\\/wiki\\/Specifications\\/open-collaboration-services.\\n"';

function jsonDoc(v: OcsVersion, statuscode: number, message: string): string {
  const paging = v === 1 ? ',"totalitems":"","itemsperpage":""' : '';
  return `{"ocs":{"meta":{"status":"failure","statuscode":${statuscode},"message":${message}${paging}},"data":[]}}`;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
}, 120_000);
afterAll(() => t.close());

const userCount = async () => Number((await t.knex('users').count({ n: '*' }).first())!.n);

function expect412(res: request.Response) {
  expect({ status: res.status, type: res.headers['content-type'], text: res.text }).toEqual({ status: 412, type: JSON_TYPE, text: CSRF });
}

describe.each(VERSIONS)('v%i', (v) => {
  describe('§3.4 the OCS-APIRequest header', () => {
    test('missing → 412 {"message":"CSRF check failed"}, whatever the format (case 3)', async () => {
      expect412(await ocsRequest(t, 'GET', v, 'users', { apiHeader: false }));
      expect412(await ocsRequest(t, 'GET', v, 'users', { apiHeader: false, format: 'xml' }));
      expect412(await ocsRequest(t, 'GET', v, 'users', { apiHeader: false, format: 'json', headers: { Accept: 'application/xml' } }));
      expect412(await ocsRequest(t, 'GET', v, 'user', { apiHeader: false, caller: as('plain') }));
    });

    test('the header name is case-insensitive and any non-empty value passes', async () => {
      for (const [name, value] of [
        ['ocs-apirequest', 'true'],
        ['OCS-APIREQUEST', 'true'],
        ['Ocs-ApiRequest', '1'],
        ['OCS-APIRequest', 'false'],
      ]) {
        const answer = await ocsJson(t, 'GET', v, 'users', { apiHeader: false, headers: { [name]: value }, caller: as('sub') });
        expect([answer.status, answer.statuscode, answer.data]).toEqual([200, v === 1 ? 100 : 200, { users: ['carol', 'sub'] }]);
      }
    });

    test('an empty value counts as missing', async () => {
      const res = await ocsRequest(t, 'GET', v, 'users', { apiHeader: false, headers: { 'OCS-APIRequest': '' } });
      // The header must really arrive (empty) for this test to mean anything.
      expect((res as unknown as { req: { getHeader(name: string): unknown } }).req.getHeader('ocs-apirequest')).toBe('');
      expect412(res);
    });

    test('a write without the header changes nothing', async () => {
      const before = await userCount();
      expect412(await ocsRequest(t, 'POST', v, 'users', { apiHeader: false, form: { userid: `nohdr${v}`, password: 'S3cure-pw!' } }));
      expect412(await ocsRequest(t, 'PUT', v, 'users/alice', { apiHeader: false, form: { key: 'email', value: 'changed@example.com' } }));
      expect412(await ocsRequest(t, 'DELETE', v, 'users/carol', { apiHeader: false }));
      expect412(await ocsRequest(t, 'POST', v, 'groups', { apiHeader: false, json: { groupid: `nohdr${v}` } }));
      expect412(await ocsRequest(t, 'DELETE', v, 'apps/mail', { apiHeader: false }));
      expect(await userCount()).toBe(before);
      expect(await t.knex('users').where({ username: `nohdr${v}` }).first()).toBeUndefined();
      expect(await t.knex('users').where({ username: 'alice' }).first('email')).toEqual({ email: 'alice@example.com' });
      expect(await t.knex('users').where({ username: 'carol' }).first('username')).toEqual({ username: 'carol' });
      expect(await t.knex('groups').where({ name: `nohdr${v}` }).first()).toBeUndefined();
      expect((await ocsJson(t, 'GET', v, 'apps?filter=disabled')).data).toEqual({ apps: [] });
    });
  });

  describe('§3.6 processing order', () => {
    test('unknown path without credentials → 998, not 997 (and without the header too)', async () => {
      for (const apiHeader of [true, false]) {
        const res = await ocsRequest(t, 'GET', v, 'nonexistent', { caller: 'none', apiHeader, format: 'json' });
        expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([v === 1 ? 200 : 404, undefined, jsonDoc(v, 998, INVALID_QUERY_JSON)]);
      }
    });

    test('wrong credentials on an unknown path → 997 Unauthorised', async () => {
      const res = await ocsRequest(t, 'GET', v, 'nonexistent', { caller: ['plain', 'wrong-password'], format: 'json' });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, 'Basic realm="Authorisation Required"', jsonDoc(v, 997, '"Unauthorised"')]);
    });

    test('known path, no credentials, no header → 997 Current user is not logged in (before 403 and 412)', async () => {
      const res = await ocsRequest(t, 'GET', v, 'apps', { caller: 'none', apiHeader: false, format: 'json' });
      expect([res.status, res.text]).toEqual([401, jsonDoc(v, 997, '"Current user is not logged in"')]);
    });

    test('405 comes after the credential check and before the login check', async () => {
      const anonymous = await request(t.app).patch(`/ocs/v${v}.php/cloud/users`);
      expect([anonymous.status, anonymous.text]).toEqual([405, '']);
      const wrong = await request(t.app).patch(`/ocs/v${v}.php/cloud/users?format=json`).auth('plain', 'wrong-password').set('OCS-APIRequest', 'true');
      expect([wrong.status, wrong.text]).toEqual([401, jsonDoc(v, 997, '"Unauthorised"')]);
    });

    test('case 6: GET /apps as sub without the header → 403 admin (level A before the header)', async () => {
      const res = await ocsRequest(t, 'GET', v, 'apps', { caller: as('sub'), apiHeader: false, format: 'json' });
      expect([res.status, res.text]).toEqual([v === 1 ? 200 : 403, jsonDoc(v, 403, '"Logged in account must be an admin"')]);
    });

    test('level S (GET /groups/details) as sub without the header → 403 with the S message', async () => {
      const res = await ocsRequest(t, 'GET', v, 'groups/details', { caller: as('sub'), apiHeader: false, format: 'json' });
      expect([res.status, res.text]).toEqual([
        v === 1 ? 200 : 403,
        jsonDoc(v, 403, '"Logged in account must be an admin, a sub admin or gotten special right to access this setting"'),
      ]);
    });

    test('plain user on a level-B route without the header → 412 (the header before level B)', async () => {
      expect412(await ocsRequest(t, 'GET', v, 'users', { caller: as('plain'), apiHeader: false, format: 'json' }));
      expect412(await ocsRequest(t, 'POST', v, 'users', { caller: as('plain'), apiHeader: false, json: '{broken' }));
    });

    test('case 5: plain user on GET /users → 403 at least a sub admin, exact body', async () => {
      const res = await ocsRequest(t, 'GET', v, 'users', { caller: as('plain'), format: 'json' });
      expect([res.status, res.headers['content-type'], res.text]).toEqual([
        v === 1 ? 200 : 403,
        JSON_TYPE,
        jsonDoc(v, 403, '"Logged in account must be at least a sub admin"'),
      ]);
      if (v === 1) {
        expect(res.text).toBe(
          '{"ocs":{"meta":{"status":"failure","statuscode":403,"message":"Logged in account must be at least a sub admin","totalitems":"","itemsperpage":""},"data":[]}}',
        );
      }
    });

    test('malformed JSON on a level-B route as a plain user → 403 (level B before 996)', async () => {
      const res = await ocsRequest(t, 'POST', v, 'users?format=json', { caller: as('plain'), json: '{"userid":"x",' });
      expect([res.status, res.text]).toEqual([v === 1 ? 200 : 403, jsonDoc(v, 403, '"Logged in account must be at least a sub admin"')]);
    });

    test('malformed JSON as admin → 400 "Invalid JSON body" (v1 200, v2 400; issue 8: no 5xx for a client mistake), nothing written', async () => {
      const before = await userCount();
      const res = await ocsRequest(t, 'POST', v, 'users?format=json', { json: '{"userid":"mal","password":"S3cure-pw!"' });
      expect([res.status, res.text]).toEqual([v === 1 ? 200 : 400, jsonDoc(v, 400, '"Invalid JSON body"')]);
      const xml = await ocsRequest(t, 'PUT', v, 'users/alice', { json: 'key=email' });
      expect(xml.status).toBe(v === 1 ? 200 : 400);
      expect(xml.text).toContain('\n  <statuscode>400</statuscode>\n  <message>Invalid JSON body</message>\n');
      expect(await userCount()).toBe(before);
    });

    test('malformed JSON on a level-U route as a plain user → 400 (no level B to fail)', async () => {
      const res = await ocsRequest(t, 'GET', v, 'user?format=json', { caller: as('plain'), json: '[1,' });
      expect([res.status, res.text]).toEqual([v === 1 ? 200 : 400, jsonDoc(v, 400, '"Invalid JSON body"')]);
    });

    test('malformed JSON on an unknown path → 998; on a known path with another method → 405', async () => {
      const unknown = await ocsRequest(t, 'POST', v, 'nonexistent?format=json', { json: '{' });
      expect([unknown.status, unknown.text]).toEqual([v === 1 ? 200 : 404, jsonDoc(v, 998, INVALID_QUERY_JSON)]);
      const other = await request(t.app).patch(`/ocs/v${v}.php/cloud/users`).auth('admin', 'admin-secret').set('OCS-APIRequest', 'true').type('json').send('{');
      expect([other.status, other.text]).toEqual([405, '']);
    });

    test('malformed JSON as admin without the header → 412 (the header before 996)', async () => {
      expect412(await ocsRequest(t, 'POST', v, 'users', { apiHeader: false, json: '{' }));
    });
  });
});

describe('§3.6 item 10: an unexpected failure (the database is gone) → 996', () => {
  let broken: TestApp;
  beforeAll(async () => {
    broken = await startTestApp();
    await broken.db.close();
  });
  afterAll(() => broken.close().catch(() => undefined));

  test.each(VERSIONS)('v%i: selected by Accept; logged once with the request id; no detail reaches the client', async (v) => {
    const logged = broken.logs.length;
    const res = await request(broken.app)
      .get(`/ocs/v${v}.php/cloud/users`)
      .auth('admin', 'admin-secret')
      .set('OCS-APIRequest', 'true')
      .set('Accept', 'application/json')
      .set('X-Request-Id', `gone-${v}`);
    expect([res.status, res.headers['content-type'], res.text]).toEqual([v === 1 ? 200 : 500, JSON_TYPE, jsonDoc(v, 996, '"Internal Server Error\\n"')]);
    const lines = broken.logs.slice(logged).map((line) => JSON.parse(line) as { requestId?: string; level: number });
    expect(lines.filter((line) => line.level >= 50).map((line) => line.requestId)).toEqual([`gone-${v}`]);
  });

  test.each(VERSIONS)('v%i: selected by the format parameter', async (v) => {
    // Regression: the catch-all 996 answer keeps the format chosen by the `format` parameter, as every
    // response does (§4.1), instead of falling back to Accept.
    const res = await request(broken.app).get(`/ocs/v${v}.php/cloud/users?format=json`).auth('admin', 'admin-secret').set('OCS-APIRequest', 'true');
    expect([res.status, res.headers['content-type'], res.text]).toEqual([v === 1 ? 200 : 500, JSON_TYPE, jsonDoc(v, 996, '"Internal Server Error\\n"')]);
  });
});

describe('OCS_REQUIRE_API_HEADER', () => {
  test.each(['false', '0'])('=%s: the same request succeeds without the header (case 3)', async (value) => {
    const relaxed = await startTestApp({ db: t.db, env: { OCS_REQUIRE_API_HEADER: value } });
    try {
      for (const v of VERSIONS) {
        const res = await ocsRequest(relaxed, 'GET', v, 'users', { apiHeader: false, caller: as('sub'), format: 'json' });
        expect([res.status, JSON.parse(res.text).ocs.data]).toEqual([200, { users: ['carol', 'sub'] }]);
        const write = await ocsJson(relaxed, 'PUT', v, 'users/bob', { apiHeader: false, form: { key: 'phone', value: `${value}-${v}` } });
        expect(write.statuscode).toBe(v === 1 ? 100 : 200);
        expect(await t.knex('users').where({ username: 'bob' }).first('phone')).toEqual({ phone: `${value}-${v}` });
      }
      // The other checks stay: no credentials is still 997.
      expect((await ocsRequest(relaxed, 'GET', 2, 'users', { apiHeader: false, caller: 'none' })).status).toBe(401);
    } finally {
      await relaxed.close();
    }
  });

  test.each(['true', '1'])('=%s: the header is required', async (value) => {
    const required = await startTestApp({ db: t.db, env: { OCS_REQUIRE_API_HEADER: value } });
    try {
      expect412(await ocsRequest(required, 'GET', 1, 'users', { apiHeader: false }));
    } finally {
      await required.close();
    }
  });
});
