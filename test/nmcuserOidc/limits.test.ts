/**
 * Size limits of the nmcuser_oidc adapter: a body over BODY_LIMIT → 413 `Request body too large`
 * (read only after authorization, §4.1 step 6, so a non-admin gets 403 whatever the size); the list
 * has no page-size cap (§6.1: no `limit` → all), so a huge `limit` is the whole list.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { PLAIN, createOidc, expectMessage, expectOk, oidc, startOidcApp } from '../helpers/nmcuserOidc';

let t: TestApp;
let small: TestApp;
const ids: string[] = [];
beforeAll(async () => {
  t = await startOidcApp();
  small = await startTestApp({ db: t.db, env: { BODY_LIMIT: '1kb' } });
  for (const username of ['u3', 'u1', 'u2']) ids.push(await createOidc(t, { username, displayname: username }));
  ids.sort();
});
afterAll(async () => {
  await small.close();
  await t.close();
});

const padded = (bytes: number) => {
  const body = { username: 'big-body', displayname: '' };
  body.displayname = 'x'.repeat(bytes - JSON.stringify(body).length);
  return JSON.stringify(body);
};

test('BODY_LIMIT=1kb: 1025 bytes → 413 and nothing is created; 1024 bytes are read', async () => {
  expect(padded(1025)).toHaveLength(1025);
  expectMessage(await oidc(small, 'POST', 'nmcusers/telekom', { json: padded(1025) }), 413, 'Request body too large');
  expectMessage(await oidc(small, 'PUT', 'nmcusers/telekom/u1', { json: padded(1025) }), 413, 'Request body too large');
  expect(await t.knex('users').where({ username: 'big-body' }).first()).toBeUndefined();
  // 1024 bytes pass the size check (then the displayname rule of at most 255 characters answers)
  expectMessage(await oidc(small, 'POST', 'nmcusers/telekom', { json: padded(1024) }), 400, 'Invalid value for displayname');
});

test('an over-large body from a non-admin is never read: 403', async () => {
  expectMessage(await oidc(small, 'POST', 'nmcusers/telekom', { auth: PLAIN, json: padded(5000) }), 403, 'Logged in account must be an admin');
});

test('a huge limit is the whole list; a small one pages', async () => {
  for (const limit of ['100000', '2147483648', '99999999999999999999']) expectOk(await oidc(t, 'GET', `nmcusers/telekom?limit=${limit}`), ids);
  expectOk(await oidc(t, 'GET', 'nmcusers/telekom?limit=2&offset=1'), ids.slice(1, 3));
});
