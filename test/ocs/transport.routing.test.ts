/**
 * OCS transport, entry points and routing (ocs-provisioning §3.1): the 998 answer, trailing
 * slashes, 405 with an empty body, fixed words before placeholders, the rest-of-path group id, and
 * percent-decoding exactly once.
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { createOcsUser, ocsJson, seedOcsFixtures, type OcsVersion } from '../helpers/ocs';

const VERSIONS: OcsVersion[] = [1, 2];
const INVALID_QUERY =
  'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n';
const INVALID_QUERY_JSON =
  '"Invalid query, please check the syntax. API specifications are here: http:\\/\\/www.freedesktop.org\\/wiki\\/Specifications\\/open-collaboration-services.\\n"';

function xml998(v: OcsVersion): string {
  const paging = v === 1 ? '  <totalitems></totalitems>\n  <itemsperpage></itemsperpage>\n' : '';
  return `<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>failure</status>\n  <statuscode>998</statuscode>\n  <message>${INVALID_QUERY}</message>\n${paging} </meta>\n <data/>\n</ocs>\n`;
}

function json998(v: OcsVersion): string {
  const paging = v === 1 ? ',"totalitems":"","itemsperpage":""' : '';
  return `{"ocs":{"meta":{"status":"failure","statuscode":998,"message":${INVALID_QUERY_JSON}${paging}},"data":[]}}`;
}

/** A request on a raw path under `/ocs/v{n}.php` (not necessarily under /cloud), as admin with the header. */
function raw(method: 'get' | 'post' | 'put' | 'delete' | 'patch' | 'options', path: string) {
  return request(t.app)[method](path).auth('admin', 'admin-secret').set('OCS-APIRequest', 'true');
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
  await createOcsUser(t, { userid: 'disabled' });
  await createOcsUser(t, { userid: 'details' });
  for (const groupid of ['a+b', 'a b', 'a/b', 'x%41', 'a/b/users']) {
    expect((await ocsJson(t, 'POST', 1, 'groups', { form: { groupid } })).statuscode).toBe(100);
  }
  for (const [userid, groupid] of [
    ['alice', 'a+b'],
    ['bob', 'a b'],
    ['carol', 'a/b'],
    ['plain', 'x%41'],
    ['sub', 'a/b/users'],
  ]) {
    expect((await ocsJson(t, 'POST', 1, `users/${userid}/groups`, { form: { groupid } })).statuscode).toBe(100);
  }
}, 120_000);
afterAll(() => t.close());

describe.each(VERSIONS)('v%i', (v) => {
  describe('unknown paths → 998 with the fixed message (case 9)', () => {
    test.each([`/ocs/v${v}.php/cloud/nonexistent`, `/ocs/v${v}.php/cloud`, `/ocs/v${v}.php/cloud/`, `/ocs/v${v}.php/somethingelse`, `/ocs/v${v}.php/cloudy/users`])(
      '%s, XML and JSON',
      async (path) => {
        const xml = await raw('get', path);
        expect([xml.status, xml.headers['content-type'], xml.text]).toEqual([v === 1 ? 200 : 404, 'application/xml; charset=utf-8', xml998(v)]);
        const json = await raw('get', `${path}?format=json`);
        expect([json.status, json.headers['content-type'], json.text]).toEqual([v === 1 ? 200 : 404, 'application/json; charset=utf-8', json998(v)]);
      },
    );

    test.each(['users/alice/wipe', 'users/alice/groups/extra', 'user/apps', 'users/search/by-phone', 'apps/mail/extra', 'groups/team/subgroups/x'])(
      'GET /%s (not a listed route) → 998',
      async (path) => {
        const answer = await ocsJson(t, 'GET', v, path);
        expect([answer.status, answer.statuscode]).toEqual(path.startsWith('groups/') ? [v === 1 ? 200 : 404, 404] : [v === 1 ? 200 : 404, 998]);
      },
    );
  });

  describe('trailing slash tolerated', () => {
    test('GET /users/ is GET /users', async () => {
      const answer = await ocsJson(t, 'GET', v, 'users/');
      expect(answer.data).toEqual({ users: ['admin', 'alice', 'bob', 'carol', 'details', 'disabled', 'plain', 'sub'] });
    });

    test('GET /apps/ is GET /apps; GET /users/alice/ and /users/alice/groups/ too', async () => {
      expect((await ocsJson(t, 'GET', v, 'apps/')).data).toEqual({ apps: ['jsonrpc', 'ldap', 'mail', 'nmcuser_oidc', 'provisioning_api'] });
      expect((await ocsJson(t, 'GET', v, 'users/alice/')).data).toMatchObject({ id: 'alice' });
      expect((await ocsJson(t, 'GET', v, 'users/alice/groups/')).data).toEqual({ groups: ['a+b'] });
    });

    test('POST /groups/ creates a group', async () => {
      expect((await ocsJson(t, 'POST', v, 'groups/', { form: { groupid: `slash${v}` } })).statuscode).toBe(v === 1 ? 100 : 200);
      expect(await t.knex('groups').where({ name: `slash${v}` }).first('name')).toEqual({ name: `slash${v}` });
    });
  });

  describe('known path, undefined method → 405 with an empty body', () => {
    test.each<['patch' | 'post' | 'options' | 'put' | 'delete' | 'get', string]>([
      ['patch', 'users'],
      ['post', 'users/details'],
      ['options', 'users'],
      ['put', 'users'],
      ['delete', 'users'],
      ['put', 'groups'],
      ['patch', 'groups/team'],
      ['post', 'user'],
      ['put', 'apps'],
      ['get', 'users/alice/welcome'],
      ['patch', 'users/'],
    ])('%s /%s', async (method, path) => {
      const res = await raw(method, `/ocs/v${v}.php/cloud/${path}?format=json`).set('Accept', 'application/json');
      expect([res.status, res.text]).toEqual([405, '']);
    });

    test('405 without the API header and without credentials; nothing written', async () => {
      const before = await t.knex('users').count({ n: '*' }).first();
      const res = await request(t.app).post(`/ocs/v${v}.php/cloud/users/details`).type('form').send('userid=via405&password=S3cure-pw!');
      expect([res.status, res.text]).toEqual([405, '']);
      expect(await t.knex('users').count({ n: '*' }).first()).toEqual(before);
    });
  });

  describe('fixed words before placeholders', () => {
    test('GET /users/details is the details list, not the user "details"', async () => {
      const answer = await ocsJson(t, 'GET', v, 'users/details?search=det');
      expect(Object.keys((answer.data as { users: object }).users)).toEqual(['details']);
      expect((answer.data as { users: Record<string, object> }).users.details).toMatchObject({ id: 'details', enabled: true });
    });

    test('other methods on /users/details and /groups/details reach the placeholder routes', async () => {
      expect((await ocsJson(t, 'PUT', v, 'users/details', { form: { key: 'phone', value: `det-${v}` } })).statuscode).toBe(v === 1 ? 100 : 200);
      expect(await t.knex('users').where({ username: 'details' }).first('phone')).toEqual({ phone: `det-${v}` });
      expect((await ocsJson(t, 'GET', v, 'users/details/groups')).data).toEqual({ groups: [] });
      const group = await ocsJson(t, 'PUT', v, 'groups/details', { form: { key: 'displayname', value: 'x' } });
      expect([group.statuscode, group.message]).toEqual([998, 'Group does not exist']);
      const members = await ocsJson(t, 'GET', v, 'groups/details/users');
      expect([members.statuscode, members.message]).toEqual([404, 'The requested group could not be found']);
    });

    test('GET /users/disabled reads the user named "disabled"', async () => {
      const answer = await ocsJson(t, 'GET', v, 'users/disabled');
      expect([answer.statuscode, answer.data]).toEqual([v === 1 ? 100 : 200, expect.objectContaining({ id: 'disabled', enabled: true })]);
    });
  });

  describe('NUL from a percent-decoded path or query is just a value that matches nothing', () => {
    // Regression: the endpoint's own checks answer (§6.4 check 1, §7.4 check 1, §5.4 search); the NUL rule no
    // longer pre-empts them with 101.
    test('GET /users/al%00ice → 404 User does not exist', async () => {
      const answer = await ocsJson(t, 'GET', v, 'users/al%00ice');
      expect([answer.status, answer.statuscode, answer.message]).toEqual([v === 1 ? 200 : 404, 404, 'User does not exist']);
    });

    test('GET /groups/te%00am → 404 The requested group could not be found', async () => {
      const answer = await ocsJson(t, 'GET', v, 'groups/te%00am');
      expect([answer.status, answer.statuscode, answer.message]).toEqual([v === 1 ? 200 : 404, 404, 'The requested group could not be found']);
    });

    test('GET /users?search=%00 → an empty list', async () => {
      const answer = await ocsJson(t, 'GET', v, 'users?search=%00');
      expect([answer.status, answer.statuscode, answer.data]).toEqual([200, v === 1 ? 100 : 200, { users: [] }]);
    });
  });

  describe('group ids in paths', () => {
    test('the rest of the path is the id: GET /groups/a/b and GET /groups/a%2Fb', async () => {
      expect((await ocsJson(t, 'GET', v, 'groups/a/b')).data).toEqual({ users: ['carol'] });
      expect((await ocsJson(t, 'GET', v, 'groups/a%2Fb')).data).toEqual({ users: ['carol'] });
    });

    test('elsewhere "/" must be %2F: GET /groups/a%2Fb/users lists a/b; /groups/a/b/users reads the group "a/b/users"', async () => {
      expect((await ocsJson(t, 'GET', v, 'groups/a%2Fb/users')).data).toEqual({ users: ['carol'] });
      expect((await ocsJson(t, 'GET', v, 'groups/a%2Fb/users/details')).data).toEqual({ users: { carol: expect.objectContaining({ id: 'carol' }) } });
      expect((await ocsJson(t, 'GET', v, 'groups/a/b/users')).data).toEqual({ users: ['sub'] });
    });

    test('PUT and DELETE take the rest of the path as well', async () => {
      const put = await ocsJson(t, 'PUT', v, 'groups/a/b', { form: { key: 'displayname', value: `Slash ${v}` } });
      expect(put.statuscode).toBe(v === 1 ? 100 : 200);
      expect(await t.knex('groups').where({ name: 'a/b' }).first('display_name')).toEqual({ display_name: `Slash ${v}` });
      expect((await ocsJson(t, 'POST', v, 'groups', { form: { groupid: `del/${v}/x` } })).statuscode).toBe(v === 1 ? 100 : 200);
      expect((await ocsJson(t, 'DELETE', v, `groups/del/${v}/x`)).statuscode).toBe(v === 1 ? 100 : 200);
      expect(await t.knex('groups').where({ name: `del/${v}/x` }).first()).toBeUndefined();
    });

    test('"+" in a path is a plus, %2B is a plus, %20 is a space', async () => {
      expect((await ocsJson(t, 'GET', v, 'groups/a+b')).data).toEqual({ users: ['alice'] });
      expect((await ocsJson(t, 'GET', v, 'groups/a%2Bb')).data).toEqual({ users: ['alice'] });
      expect((await ocsJson(t, 'GET', v, 'groups/a%2Bb/users')).data).toEqual({ users: ['alice'] });
      expect((await ocsJson(t, 'GET', v, 'groups/a%20b')).data).toEqual({ users: ['bob'] });
      expect((await ocsJson(t, 'GET', v, 'groups/a%20b/users')).data).toEqual({ users: ['bob'] });
    });

    test('decoded exactly once: %2541 reads the group "x%41"; %41 reads "xA", which does not exist', async () => {
      expect((await ocsJson(t, 'GET', v, 'groups/x%2541')).data).toEqual({ users: ['plain'] });
      expect((await ocsJson(t, 'GET', v, 'groups/x%2541/users')).data).toEqual({ users: ['plain'] });
      const missing = await ocsJson(t, 'GET', v, 'groups/x%41');
      expect([missing.status, missing.statuscode, missing.message]).toEqual([v === 1 ? 200 : 404, 404, 'The requested group could not be found']);
      expect((await ocsJson(t, 'GET', v, 'users/%61lice')).data).toMatchObject({ id: 'alice' });
    });

    test('a UTF-8 id round-trips (GET /groups/Espa%C3%B1a)', async () => {
      expect((await ocsJson(t, 'POST', v, 'groups', { form: { groupid: `España${v}` } })).statuscode).toBe(v === 1 ? 100 : 200);
      expect((await ocsJson(t, 'POST', v, 'users/bob/groups', { form: { groupid: `España${v}` } })).statuscode).toBe(v === 1 ? 100 : 200);
      expect((await ocsJson(t, 'GET', v, `groups/Espa%C3%B1a${v}`)).data).toEqual({ users: ['bob'] });
    });
  });

  describe('a malformed percent escape in the path → 998', () => {
    test.each(['users/%zz', 'users/alice%', 'groups/%E0%A4%A', 'users/%C3%28', 'groups/team%2/users'])('/%s', async (path) => {
      const answer = await ocsJson(t, 'GET', v, path);
      expect([answer.status, answer.text]).toEqual([v === 1 ? 200 : 404, json998(v)]);
    });
  });
});
