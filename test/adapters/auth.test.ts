/**
 * Authentication at both JSON-RPC endpoints (contract §4.1–§4.4, §3.2, §3.3): credential sources,
 * app mode, user mode (password, personal token, app password), two-factor, Kanboard hashes,
 * disabled and unknown users, last_login. The optional API auth header is in auth-header.test.ts.
 */
import bcrypt from 'bcrypt';
import { createHash } from 'node:crypto';
import { API_TOKEN, ADMIN, startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const UNAUTHORIZED: Record<Endpoint, string> = {
  '/jsonrpc.php': '{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"},"id":null}',
  '/rpc': '{"jsonrpc":"2.0","error":{"code":-32004,"message":"Unauthenticated","data":{"reason":"unauthenticated"}},"id":null}',
};
const GET_ME = { jsonrpc: '2.0', method: 'getMe', id: 1 };
const GET_VERSION = { jsonrpc: '2.0', method: 'getVersion', id: 1 };

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

type Res = { status: number; text: string; headers: Record<string, string> };

function expectUnauthorized(res: Res, endpoint: Endpoint) {
  expect({ status: res.status, text: res.text, www: res.headers['www-authenticate'] }).toEqual({
    status: 401,
    text: UNAUTHORIZED[endpoint],
    www: 'Basic realm="JsonRPC"',
  });
}

/** getMe with these credentials answers the user `username`. */
async function expectUser(endpoint: Endpoint, auth: Auth, username: string, headers?: Record<string, string>) {
  const res = await t.call(endpoint, GET_ME, auth, headers);
  expect(res.status).toBe(200);
  expect(res.body.result?.username).toBe(username);
}

/** getVersion answers normally (any authenticated caller). */
async function expectAccepted(endpoint: Endpoint, auth: Auth, headers?: Record<string, string>) {
  const res = await t.call(endpoint, GET_VERSION, auth, headers);
  expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '{"jsonrpc":"2.0","result":"1.2.53","id":1}' });
}

async function expectRefused(endpoint: Endpoint, auth: Auth, headers?: Record<string, string>, body: unknown = GET_VERSION) {
  expectUnauthorized(await t.call(endpoint, body, auth, headers), endpoint);
}

async function userRow(id: number) {
  const row = await t.knex('users').where({ id }).first('nb_failed_login', 'lock_expiration_date', 'last_login');
  return { nb_failed_login: Number(row.nb_failed_login), lock_expiration_date: Number(row.lock_expiration_date), last_login: Number(row.last_login) };
}

async function failureCounts(): Promise<Record<string, number>> {
  const rows = await t.knex('users').select('username', 'nb_failed_login');
  return Object.fromEntries(rows.map((r: { username: string; nb_failed_login: unknown }) => [r.username, Number(r.nb_failed_login)]));
}

async function mintAppPassword(endpoint: Endpoint, auth: Auth, name: string) {
  const res = await t.call(endpoint, { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name }, id: 1 }, auth);
  expect(res.status).toBe(200);
  const result = res.body.result as { id: number; name: string; token: string };
  expect(Object.keys(result)).toEqual(['id', 'name', 'token']);
  expect(result.name).toBe(name);
  expect(result.token).toMatch(/^[A-Za-z0-9]{72}$/);
  return result;
}

describe.each(ENDPOINTS)('%s', (endpoint) => {
  describe('app mode', () => {
    test('the application token authenticates', async () => {
      await expectAccepted(endpoint, 'app');
    });

    test('a wrong application token gets the exact 401 answer and nothing runs', async () => {
      const before = await t.knex('users').count({ n: '*' }).first();
      const res = await t.call(endpoint, { jsonrpc: '2.0', method: 'createUser', params: { username: `x${endpoint.length}`, password: '123456' }, id: 7 }, [
        'jsonrpc',
        `${API_TOKEN}x`,
      ]);
      expectUnauthorized(res, endpoint);
      const after = await t.knex('users').count({ n: '*' }).first();
      expect(Number(after!.n)).toBe(Number(before!.n));
      await expectRefused(endpoint, ['jsonrpc', '']);
      await expectRefused(endpoint, ['jsonrpc', API_TOKEN.slice(0, -1)]);
    });

    test('the application token is not valid for another user name', async () => {
      await expectRefused(endpoint, [ADMIN.username, API_TOKEN]);
      await expectRefused(endpoint, ['JSONRPC', API_TOKEN]);
    });
  });

  describe('credential parsing', () => {
    test('no credentials at all → 401', async () => {
      await expectRefused(endpoint, 'none');
    });

    test('a malformed Authorization header → 401', async () => {
      for (const value of [
        'Basic !!!not-base64!!!',
        `Basic ${b64(`jsonrpc${API_TOKEN}`)}`, // no colon
        'Bearer x',
        `Bearer ${API_TOKEN}`,
        `Basic`,
        `Digest ${b64(`jsonrpc:${API_TOKEN}`)}`,
        b64(`jsonrpc:${API_TOKEN}`), // no scheme
      ]) {
        await expectRefused(endpoint, 'none', { Authorization: value });
      }
    });

    test('the scheme is case-insensitive', async () => {
      await expectAccepted(endpoint, 'none', { Authorization: `basic ${b64(`jsonrpc:${API_TOKEN}`)}` });
      await expectAccepted(endpoint, 'none', { Authorization: `BASIC ${b64(`jsonrpc:${API_TOKEN}`)}` });
    });

    test('invalid UTF-8 in the decoded credentials → 401', async () => {
      // The user's password holds U+FFFD, what a lenient decoder would turn the byte 0xFF into.
      const username = `utf8-${endpoint.length}`;
      await t.createUser(username, 'ab\uFFFDcdef');
      await expectUser(endpoint, [username, 'ab\uFFFDcdef'], username);
      const bytes = Buffer.concat([Buffer.from(`${username}:ab`), Buffer.from([0xff]), Buffer.from('cdef')]);
      await expectRefused(endpoint, 'none', { Authorization: `Basic ${bytes.toString('base64')}` });
    });
  });

  describe('user mode', () => {
    test('username:password authenticates as that user; a wrong password gets 401', async () => {
      await expectUser(endpoint, [ADMIN.username, ADMIN.password], ADMIN.username);
      const res = await t.call(endpoint, { jsonrpc: '2.0', method: 'getMe', id: 70 }, [ADMIN.username, 'wrong-secret']);
      expectUnauthorized(res, endpoint);
      await t.knex('users').where({ id: 1 }).update({ nb_failed_login: 0 });
    });

    test('the credentials are split at the first colon', async () => {
      const username = `colon-${endpoint.length}`;
      await t.createUser(username, 'pa:ss:word');
      await expectUser(endpoint, [username, 'pa:ss:word'], username);
      await expectUser(endpoint, 'none', username, { Authorization: `Basic ${b64(`${username}:pa:ss:word`)}` });
      await expectRefused(endpoint, [username, 'pa']);
    });

    test('user names are case-sensitive (BOB vs bob)', async () => {
      const lower = `bob${endpoint.length}`;
      const upper = lower.toUpperCase();
      const lowerId = await t.createUser(lower, 'bob-secret');
      await expectUser(endpoint, [lower, 'bob-secret'], lower);
      await expectRefused(endpoint, [upper, 'bob-secret']);
      expect((await userRow(lowerId)).nb_failed_login).toBe(0);
      const upperId = await t.createUser(upper, 'BOB-secret');
      await expectUser(endpoint, [upper, 'BOB-secret'], upper);
      await expectRefused(endpoint, [upper, 'bob-secret']);
      expect((await userRow(upperId)).nb_failed_login).toBe(1);
      expect((await userRow(lowerId)).nb_failed_login).toBe(0);
    });

    test('a personal access token (SHA-256 in users.api_access_token) authenticates', async () => {
      const username = `pat-${endpoint.length}`;
      const id = await t.createUser(username, 'pat-password');
      const token = `personal-token-${endpoint.length}-0123456789abcdef`;
      await t.knex('users').where({ id }).update({ api_access_token: sha256(token) });
      await expectUser(endpoint, [username, token], username);
      await expectRefused(endpoint, [username, sha256(token)]); // the digest itself is not a credential
      await expectRefused(endpoint, [ADMIN.username, token]); // only for its own user
      expect((await userRow(id)).nb_failed_login).toBe(1);
    });

    test('an app password works at once, and stops when revoked, when the user is disabled or removed', async () => {
      const username = `apppw-${endpoint.length}`;
      const id = await t.createUser(username, 'apppw-password');
      const first = await mintAppPassword(endpoint, [username, 'apppw-password'], 'laptop');
      const second = await mintAppPassword(endpoint, [username, 'apppw-password'], 'phone');
      const stored = await t.knex('app_passwords').where({ user_id: id }).orderBy('id').select('id', 'name', 'token_hash', 'revoked_at');
      expect(stored.map((r: { id: number; name: string; token_hash: string; revoked_at: unknown }) => [Number(r.id), r.name, r.token_hash, r.revoked_at])).toEqual([
        [first.id, 'laptop', sha256(first.token), null],
        [second.id, 'phone', sha256(second.token), null],
      ]);
      for (const ep of ENDPOINTS) {
        await expectUser(ep, [username, first.token], username);
        await expectUser(ep, [username, second.token], username);
      }
      await expectRefused(endpoint, [ADMIN.username, first.token]); // bound to its user

      await t.knex('app_passwords').where({ id: first.id }).update({ revoked_at: Math.floor(Date.now() / 1000) });
      await expectRefused(endpoint, [username, first.token]);
      await expectUser(endpoint, [username, second.token], username);

      expect((await t.rpc('/rpc', 'disableUser', [id])).result).toBe(true);
      await expectRefused(endpoint, [username, second.token]);
      expect((await t.rpc('/rpc', 'enableUser', [id])).result).toBe(true);
      await expectUser(endpoint, [username, second.token], username);

      expect((await t.rpc('/rpc', 'removeUser', [id])).result).toBe(true);
      await expectRefused(endpoint, [username, second.token]);
    });

    test('two-factor users cannot use their password but can use an app password or personal token', async () => {
      const username = `tfa-${endpoint.length}`;
      const id = await t.createUser(username, 'tfa-password');
      const appPassword = await mintAppPassword(endpoint, [username, 'tfa-password'], 'cli');
      const token = `tfa-personal-token-${endpoint.length}`;
      await t.knex('users').where({ id }).update({ twofactor_activated: true, api_access_token: sha256(token) });
      await expectRefused(endpoint, [username, 'tfa-password']);
      await expectUser(endpoint, [username, appPassword.token], username);
      await expectUser(endpoint, [username, token], username);
    });

    test('a Kanboard bcrypt hash with the $2y$ prefix verifies', async () => {
      const username = `kanboard-${endpoint.length}`;
      const id = await t.createUser(username, 'initial-password');
      const hash = (await bcrypt.hash('imported secret', 10)).replace(/^\$2b\$/, '$2y$');
      expect(hash.startsWith('$2y$10$')).toBe(true);
      await t.knex('users').where({ id }).update({ password: hash });
      await expectUser(endpoint, [username, 'imported secret'], username);
      await expectRefused(endpoint, [username, 'initial-password']);
    });

    test('a disabled user gets 401 even with the right password', async () => {
      const username = `disabled-${endpoint.length}`;
      const id = await t.createUser(username, 'disabled-password');
      expect((await t.rpc('/rpc', 'disableUser', [id])).result).toBe(true);
      await expectRefused(endpoint, [username, 'disabled-password'], undefined, GET_ME);
      expect((await t.rpc('/rpc', 'enableUser', [id])).result).toBe(true);
      await expectUser(endpoint, [username, 'disabled-password'], username);
    });

    test('an unknown user gets 401 and no failure is counted anywhere', async () => {
      const before = await failureCounts();
      await expectRefused(endpoint, ['nobody-here', 'whatever-secret']);
      await expectRefused(endpoint, ['nobody-here', ADMIN.password]);
      expect(await failureCounts()).toEqual(before);
    });

    test('a user named jsonrpc can never authenticate (the name always means app mode)', async () => {
      let id = (await t.knex('users').where({ username: 'jsonrpc' }).first('id'))?.id as number | undefined;
      if (id === undefined) id = await t.createUser('jsonrpc', 'jsonrpc-password');
      await t.knex('users').where({ id }).update({ api_access_token: sha256('jsonrpc-personal-token') });
      await expectRefused(endpoint, ['jsonrpc', 'jsonrpc-password'], undefined, GET_ME);
      await expectRefused(endpoint, ['jsonrpc', 'jsonrpc-personal-token'], undefined, GET_ME);
      expect(await userRow(id)).toEqual({ nb_failed_login: 0, lock_expiration_date: 0, last_login: 0 });
      await expectAccepted(endpoint, 'app'); // the application token is still app mode
    });

    test('a success writes users.last_login', async () => {
      const username = `lastlogin-${endpoint.length}`;
      const id = await t.createUser(username, 'lastlogin-password');
      expect((await userRow(id)).last_login).toBe(0);
      const before = Math.floor(Date.now() / 1000);
      await expectUser(endpoint, [username, 'lastlogin-password'], username);
      const after = Math.floor(Date.now() / 1000);
      const { last_login } = await userRow(id);
      expect(last_login).toBeGreaterThanOrEqual(before);
      expect(last_login).toBeLessThanOrEqual(after);
    });
  });
});
