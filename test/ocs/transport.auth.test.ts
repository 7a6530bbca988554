/**
 * OCS transport, authentication (ocs-provisioning §3.3): the two 997 answers and their headers,
 * the shared user authentication (disabled and locked users, the shared lockout, app passwords,
 * the refused application token, case-sensitive logins) and lastLogin.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, PASSWORD, seedOcsFixtures, type OcsCaller, type OcsVersion } from '../helpers/ocs';

const VERSIONS: OcsVersion[] = [1, 2];
const XML = 'application/xml; charset=utf-8';
const REALM = 'Basic realm="Authorisation Required"';

function xml997(v: OcsVersion, message: string): string {
  const paging = v === 1 ? '  <totalitems></totalitems>\n  <itemsperpage></itemsperpage>\n' : '';
  return `<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>failure</status>\n  <statuscode>997</statuscode>\n  <message>${message}</message>\n${paging} </meta>\n <data/>\n</ocs>\n`;
}

function json997(v: OcsVersion, message: string): string {
  const paging = v === 1 ? ',"totalitems":"","itemsperpage":""' : '';
  return `{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"${message}"${paging}},"data":[]}}`;
}

const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
}, 120_000);
afterAll(() => t.close());

async function userRow(app: TestApp, username: string) {
  const row = await app.knex('users').where({ username }).first('id', 'nb_failed_login', 'lock_expiration_date', 'last_login', 'is_active');
  return { ...row, id: Number(row.id), nb_failed_login: Number(row.nb_failed_login), lock_expiration_date: Number(row.lock_expiration_date), last_login: Number(row.last_login) };
}

/** A raw GET with exactly the given headers (plus the API header). */
function rawGet(v: OcsVersion, path: string, headers: Record<string, string>) {
  let req = request(t.app).get(`/ocs/v${v}.php/cloud/${path}`).set('OCS-APIRequest', 'true');
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req;
}

let serial = 0;
async function freshUser(prefix: string): Promise<string> {
  serial += 1;
  const userid = `${prefix}${serial}`;
  await createOcsUser(t, { userid });
  return userid;
}

describe.each(VERSIONS)('v%i', (v) => {
  describe('no usable credentials → 997 "Current user is not logged in", HTTP 401, no WWW-Authenticate', () => {
    test.each<[string, Record<string, string>]>([
      ['no Authorization header', {}],
      ['a Bearer token', { Authorization: 'Bearer abcdef0123456789' }],
      ['a Bearer token for the app token', { Authorization: `Bearer ${API_TOKEN}` }],
      ['undecodable Basic: "Basic !!!"', { Authorization: 'Basic !!!' }],
      ['Basic without a colon in the decoded text', { Authorization: basic('adminadmin-secret') }],
      ['"Basic" with no token', { Authorization: 'Basic' }],
      ['Basic of bytes that are not UTF-8', { Authorization: `Basic ${Buffer.from([0x61, 0xff, 0x3a, 0x62]).toString('base64')}` }],
      ['Digest scheme', { Authorization: 'Digest username="admin"' }],
    ])('%s', async (_name, headers) => {
      const res = await rawGet(v, 'users', headers);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe(XML);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.text).toBe(xml997(v, 'Current user is not logged in'));
    });

    test('also with X-Requested-With: XMLHttpRequest, and as JSON', async () => {
      const res = await rawGet(v, 'users?format=json', { 'X-Requested-With': 'XMLHttpRequest' });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, undefined, json997(v, 'Current user is not logged in')]);
    });
  });

  describe('refused credentials → 997 "Unauthorised", HTTP 401, WWW-Authenticate', () => {
    test.each<[string, OcsCaller]>([
      ['wrong password', ['alice', 'wrong-password']],
      ['unknown login', ['nobody', PASSWORD]],
      ['login in another case (ADMIN)', ['ADMIN', 'admin-secret']],
      ['login in another case (Alice)', ['Alice', PASSWORD]],
      ['the application token (jsonrpc:<API_TOKEN>)', ['jsonrpc', API_TOKEN]],
      ['empty password', ['alice', '']],
    ])('%s', async (_name, caller) => {
      const res = await ocsRequest(t, 'GET', v, 'user', { caller });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe(XML);
      expect(res.headers['www-authenticate']).toBe(REALM);
      expect(res.text).toBe(xml997(v, 'Unauthorised'));
    });

    test('with X-Requested-With: XMLHttpRequest the scheme is DummyBasic', async () => {
      const res = await ocsRequest(t, 'GET', v, 'users', { caller: ['alice', 'wrong-password'], headers: { 'X-Requested-With': 'XMLHttpRequest' }, format: 'json' });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, 'DummyBasic realm="Authorisation Required"', json997(v, 'Unauthorised')]);
    });

    test('the application token is refused even on a route any user may call, and counts against nobody', async () => {
      const before = await t.knex('users').select('id', 'nb_failed_login').orderBy('id');
      const res = await ocsRequest(t, 'GET', v, 'users/admin', { caller: ['jsonrpc', API_TOKEN], format: 'json' });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, REALM, json997(v, 'Unauthorised')]);
      expect(await t.knex('users').select('id', 'nb_failed_login').orderBy('id')).toEqual(before);
    });

    test('a user disabled over OCS (PUT /users/x/disable) is refused; enabled again, accepted', async () => {
      const userid = await freshUser(`dis-ocs-v${v}-`);
      expect((await ocsJson(t, 'GET', v, 'user', { caller: as(userid) })).data).toMatchObject({ id: userid });
      expect((await ocsJson(t, 'PUT', v, `users/${userid}/disable`)).meta.status).toBe('ok');
      const res = await ocsRequest(t, 'GET', v, 'user', { caller: as(userid) });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, REALM, xml997(v, 'Unauthorised')]);
      expect((await ocsJson(t, 'PUT', v, `users/${userid}/enable`)).meta.status).toBe('ok');
      expect((await ocsJson(t, 'GET', v, 'user', { caller: as(userid) })).data).toMatchObject({ id: userid });
    });

    test('a user disabled through JSON-RPC disableUser is refused (case 4)', async () => {
      const userid = await freshUser(`dis-rpc-v${v}-`);
      const { id } = await userRow(t, userid);
      expect(await t.rpc('/rpc', 'disableUser', { user_id: id })).toMatchObject({ result: true });
      const res = await ocsRequest(t, 'GET', v, 'users', { caller: as(userid) });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, REALM, xml997(v, 'Unauthorised')]);
    });

    test('a login containing NUL (no such user can exist) is an unknown login → Unauthorised', async () => {
      // Regression: no stored login holds a NUL, so this is an unknown login answered 997 Unauthorised, not a
      // database error answered 996.
      const res = await rawGet(v, 'users', { Authorization: basic('ad\u0000min:admin-secret') });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, REALM, xml997(v, 'Unauthorised')]);
    });
  });

  describe('accepted secrets', () => {
    test('an app password minted with JSON-RPC createMyAppPassword authenticates GET /user', async () => {
      const userid = await freshUser(`app-pw-v${v}-`);
      const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'ocs' }, [userid, PASSWORD]);
      const token = (minted.result as { token: string }).token;
      expect(typeof token).toBe('string');
      const answer = await ocsJson(t, 'GET', v, 'user', { caller: [userid, token] });
      expect([answer.status, answer.statuscode]).toEqual([200, v === 1 ? 100 : 200]);
      expect(answer.data).toMatchObject({ id: userid, backend: 'Database' });
      // A wrong token is still refused (the last character is changed, whatever it was).
      const last = token.slice(-1) === 'x' ? 'y' : 'x';
      const wrong = await ocsRequest(t, 'GET', v, 'user', { caller: [userid, `${token.slice(0, -1)}${last}`] });
      expect([wrong.status, wrong.headers['www-authenticate']]).toEqual([401, REALM]);
    });

    test('the secret is split at the first colon and read as UTF-8', async () => {
      const userid = `colon-v${v}`;
      const secret = `pä:ss:wörd-${v}`;
      expect((await ocsJson(t, 'POST', v, 'users', { json: { userid, password: secret } })).statuscode).toBe(v === 1 ? 100 : 200);
      const res = await rawGet(v, 'user?format=json', { Authorization: basic(`${userid}:${secret}`) });
      expect([res.status, JSON.parse(res.text).ocs.data.id]).toEqual([200, userid]);
    });

    test('a personal access token works; with two-factor on the password is refused, tokens still work', async () => {
      const userid = await freshUser(`pat-v${v}-`);
      const token = `personal-token-${v}-0123456789abcdef`;
      await t.knex('users').where({ username: userid }).update({ api_access_token: sha256(token) });
      expect((await ocsJson(t, 'GET', v, 'user', { caller: [userid, token] })).data).toMatchObject({ id: userid });
      expect((await ocsRequest(t, 'GET', v, 'user', { caller: [userid, sha256(token)] })).status).toBe(401);
      const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'tfa' }, [userid, PASSWORD]);
      const appPassword = (minted.result as { token: string }).token;
      await t.knex('users').where({ username: userid }).update({ twofactor_activated: true });
      const refused = await ocsRequest(t, 'GET', v, 'user', { caller: as(userid) });
      expect([refused.status, refused.headers['www-authenticate'], refused.text]).toEqual([401, REALM, xml997(v, 'Unauthorised')]);
      expect((await ocsJson(t, 'GET', v, 'user', { caller: [userid, token] })).data).toMatchObject({ id: userid });
      expect((await ocsJson(t, 'GET', v, 'user', { caller: [userid, appPassword] })).data).toMatchObject({ id: userid });
    });

    test('a revoked app password is refused', async () => {
      const userid = await freshUser(`revoked-v${v}-`);
      const minted = (await t.rpc('/rpc', 'createMyAppPassword', { name: 'old' }, [userid, PASSWORD])).result as { id: number; token: string };
      expect((await ocsJson(t, 'GET', v, 'user', { caller: [userid, minted.token] })).statuscode).toBe(v === 1 ? 100 : 200);
      await t.knex('app_passwords').where({ id: minted.id }).update({ revoked_at: Math.floor(Date.now() / 1000) });
      const res = await ocsRequest(t, 'GET', v, 'user', { caller: [userid, minted.token] });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, REALM, xml997(v, 'Unauthorised')]);
    });

    test('lastLogin is 0 before the first login and last_login×1000 after a successful request', async () => {
      const userid = await freshUser(`last-v${v}-`);
      expect((await ocsJson(t, 'GET', v, `users/${userid}`)).data).toMatchObject({ id: userid, lastLogin: 0 });
      expect((await userRow(t, userid)).last_login).toBe(0);
      const before = Math.floor(Date.now() / 1000);
      expect((await ocsJson(t, 'GET', v, 'user', { caller: as(userid) })).statuscode).toBe(v === 1 ? 100 : 200);
      const { last_login } = await userRow(t, userid);
      expect(last_login).toBeGreaterThanOrEqual(before);
      expect(last_login).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      expect((await ocsJson(t, 'GET', v, `users/${userid}`)).data).toMatchObject({ id: userid, lastLogin: last_login * 1000 });
    });
  });
});

describe('the shared lockout (BRUTEFORCE_LOCKDOWN=2)', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ db: t.db, env: { BRUTEFORCE_LOCKDOWN: '2' } });
  });
  afterAll(() => strict.close());

  async function getUserOverRpc(id: number) {
    return (await strict.rpc('/rpc', 'getUser', { user_id: id })).result as Record<string, unknown>;
  }

  test('OCS failures count in nb_failed_login (visible in JSON-RPC getUser); a success resets it', async () => {
    const userid = await freshUser('count-');
    const { id } = await userRow(t, userid);
    for (const v of VERSIONS) {
      const res = await ocsRequest(strict, 'GET', v, 'user', { caller: [userid, 'wrong-password'] });
      expect([res.status, res.text]).toEqual([401, xml997(v, 'Unauthorised')]);
    }
    expect(await getUserOverRpc(id)).toMatchObject({ nb_failed_login: 2, lock_expiration_date: 0 });
    expect((await ocsJson(strict, 'GET', 2, 'user', { caller: as(userid) })).statuscode).toBe(200);
    expect(await getUserOverRpc(id)).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
  });

  test('the third failure locks: the right password is then refused over OCS and JSON-RPC', async () => {
    const userid = await freshUser('lock-');
    const { id } = await userRow(t, userid);
    for (const v of [1, 2, 1] as OcsVersion[]) {
      expect((await ocsRequest(strict, 'GET', v, 'users', { caller: [userid, 'wrong-password'] })).status).toBe(401);
    }
    const locked = await getUserOverRpc(id);
    expect(locked.nb_failed_login).toBe(3);
    expect(locked.lock_expiration_date as number).toBeGreaterThan(Math.floor(Date.now() / 1000));
    for (const v of VERSIONS) {
      const res = await ocsRequest(strict, 'GET', v, 'user', { caller: as(userid) });
      expect([res.status, res.headers['www-authenticate'], res.text]).toEqual([401, REALM, xml997(v, 'Unauthorised')]);
    }
    expect((await strict.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [userid, PASSWORD])).status).toBe(401);
    // After the lock expires (15 minutes by default) the right password works again.
    strict.advanceClock(16 * 60);
    expect((await ocsJson(strict, 'GET', 1, 'user', { caller: as(userid) })).statuscode).toBe(100);
    expect(await getUserOverRpc(id)).toMatchObject({ nb_failed_login: 0, lock_expiration_date: 0 });
  });

  test('JSON-RPC failures and OCS failures add up', async () => {
    const userid = await freshUser('mixed-');
    const { id } = await userRow(t, userid);
    expect((await strict.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [userid, 'wrong'])).status).toBe(401);
    expect((await ocsRequest(strict, 'GET', 2, 'user', { caller: [userid, 'wrong'] })).status).toBe(401);
    expect((await getUserOverRpc(id)).nb_failed_login).toBe(2);
    expect((await ocsRequest(strict, 'GET', 1, 'user', { caller: [userid, 'wrong'] })).status).toBe(401);
    expect((await ocsRequest(strict, 'GET', 1, 'user', { caller: as(userid) })).status).toBe(401);
  });
});

describe('the JSON-RPC API auth header is not read (API_AUTH_HEADER=X-API-Auth)', () => {
  test.each(VERSIONS)('v%i: X-API-Auth alone is no credentials; next to Basic it is ignored', async (v) => {
    const withHeader = await startTestApp({ db: t.db, env: { API_AUTH_HEADER: 'X-API-Auth' } });
    try {
      const valid = Buffer.from('admin:admin-secret').toString('base64');
      const alone = await request(withHeader.app).get(`/ocs/v${v}.php/cloud/users`).set('OCS-APIRequest', 'true').set('X-API-Auth', valid);
      expect([alone.status, alone.headers['www-authenticate'], alone.text]).toEqual([401, undefined, xml997(v, 'Current user is not logged in')]);
      const wrongHeader = Buffer.from('admin:wrong').toString('base64');
      const both = await ocsJson(withHeader, 'GET', v, 'users?search=plain', { headers: { 'X-API-Auth': wrongHeader } });
      expect([both.status, both.data]).toEqual([200, { users: ['plain'] }]);
    } finally {
      await withHeader.close();
    }
  });
});
