/**
 * The optional API auth header (contract §4.1, §12.1 #13): with API_AUTH_HEADER=X-API-Auth its value
 * is base64(user:secret) without a scheme and, when sent, the only credential source of the request.
 */
import { API_TOKEN, ADMIN, startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const UNAUTHORIZED: Record<Endpoint, string> = {
  '/jsonrpc.php': '{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"},"id":null}',
  '/rpc': '{"jsonrpc":"2.0","error":{"code":-32004,"message":"Unauthenticated","data":{"reason":"unauthenticated"}},"id":null}',
};
const GET_ME = { jsonrpc: '2.0', method: 'getMe', id: 1 };
const GET_VERSION = { jsonrpc: '2.0', method: 'getVersion', id: 1 };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const APP = b64(`jsonrpc:${API_TOKEN}`);

let t: TestApp; // API_AUTH_HEADER=X-API-Auth
let plain: TestApp; // same database, header not configured
const USER = { username: 'header-user', password: 'head:er:secret' };

beforeAll(async () => {
  t = await startTestApp({ env: { API_AUTH_HEADER: 'X-API-Auth' } });
  plain = await startTestApp({ db: t.db });
  await t.createUser(USER.username, USER.password);
});
afterAll(async () => {
  await plain.close();
  await t.close();
});

async function expectUnauthorized(app: TestApp, endpoint: Endpoint, auth: Auth, headers: Record<string, string>) {
  const res = await app.call(endpoint, GET_VERSION, auth, headers);
  expect({ status: res.status, text: res.text, www: res.headers['www-authenticate'] }).toEqual({
    status: 401,
    text: UNAUTHORIZED[endpoint],
    www: 'Basic realm="JsonRPC"',
  });
}

async function expectCaller(app: TestApp, endpoint: Endpoint, auth: Auth, headers: Record<string, string>, username: string | 'app') {
  if (username === 'app') {
    const res = await app.call(endpoint, GET_VERSION, auth, headers);
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '{"jsonrpc":"2.0","result":"1.2.53","id":1}' });
  } else {
    const res = await app.call(endpoint, GET_ME, auth, headers);
    expect(res.status).toBe(200);
    expect(res.body.result?.username).toBe(username);
  }
}

describe.each(ENDPOINTS)('%s with API_AUTH_HEADER=X-API-Auth', (endpoint) => {
  test('the header value is base64(user:secret) without a scheme: app token and user credentials', async () => {
    await expectCaller(t, endpoint, 'none', { 'X-API-Auth': APP }, 'app');
    await expectCaller(t, endpoint, 'none', { 'X-API-Auth': b64(`${ADMIN.username}:${ADMIN.password}`) }, ADMIN.username);
  });

  test('it is split at the first colon (a password containing ":" works)', async () => {
    await expectCaller(t, endpoint, 'none', { 'X-API-Auth': b64(`${USER.username}:${USER.password}`) }, USER.username);
  });

  test('when present it is the only source, even malformed, even with a valid Authorization', async () => {
    for (const value of ['!!!not-base64!!!', b64('no-colon-here'), `Basic ${APP}`, b64(`jsonrpc:${API_TOKEN}x`), b64(`${USER.username}:wrong`), '']) {
      await expectUnauthorized(t, endpoint, 'app', { 'X-API-Auth': value });
    }
    // and it wins over an invalid Authorization header
    await expectCaller(t, endpoint, ['jsonrpc', 'wrong-token'], { 'X-API-Auth': b64(`${ADMIN.username}:${ADMIN.password}`) }, ADMIN.username);
  });

  test('when absent, Authorization is used', async () => {
    await expectCaller(t, endpoint, 'app', {}, 'app');
    await expectCaller(t, endpoint, [USER.username, USER.password], {}, USER.username);
    await expectUnauthorized(t, endpoint, 'none', {});
  });

  test('failures through the header are counted like any other', async () => {
    const id = (await t.knex('users').where({ username: USER.username }).first('id')).id;
    await t.knex('users').where({ id }).update({ nb_failed_login: 0 });
    await expectUnauthorized(t, endpoint, 'none', { 'X-API-Auth': b64(`${USER.username}:bad`) });
    expect(Number((await t.knex('users').where({ id }).first('nb_failed_login')).nb_failed_login)).toBe(1);
    await expectCaller(t, endpoint, 'none', { 'X-API-Auth': b64(`${USER.username}:${USER.password}`) }, USER.username);
    expect(Number((await t.knex('users').where({ id }).first('nb_failed_login')).nb_failed_login)).toBe(0);
  });
});

describe.each(ENDPOINTS)('%s without API_AUTH_HEADER', (endpoint) => {
  test('X-API-Auth is not honoured', async () => {
    await expectUnauthorized(plain, endpoint, 'none', { 'X-API-Auth': APP });
    await expectUnauthorized(plain, endpoint, 'none', { 'X-API-Auth': b64(`${ADMIN.username}:${ADMIN.password}`) });
  });

  test('a malformed X-API-Auth does not hide a valid Authorization', async () => {
    await expectCaller(plain, endpoint, 'app', { 'X-API-Auth': '!!!' }, 'app');
    await expectCaller(plain, endpoint, [USER.username, USER.password], { 'X-API-Auth': b64('x:y') }, USER.username);
  });
});
