/**
 * RATE_LIMIT_PER_MINUTE on the nmcuser_oidc surface (issue 8): one unit per request, counted after
 * authentication (§4.1 step 4) and before the admin check; a spent budget answers HTTP 429
 * `{"message":"Too many requests"}` with `Retry-After` (and the CORS headers of every answer).
 *
 * `setup` (no limit) holds the fixtures and reads the database; `limited` (limit 2) shares the
 * database, with a frozen clock moved to 10 s into a fresh window before every test.
 */
import type { TestApp } from '../helpers/app';
import { enterNextWindow, startLimitedApp, unitsUsedBy } from '../helpers/rateLimit';
import { ADMIN_CALLER, JSON_TYPE, PLAIN, expectMessage, oidc, startOidcApp, wire } from '../helpers/nmcuserOidc';

const LIMIT = 2;

let setup: TestApp;
let limited: TestApp;

beforeAll(async () => {
  setup = await startOidcApp();
  limited = await startLimitedApp(setup, LIMIT);
});
afterAll(async () => {
  await limited.close();
  await setup.close();
});
beforeEach(() => enterNextWindow(limited));

const usedBy = (username: string) => unitsUsedBy(limited, username);

test('the request after the limit gets 429 {"message":"Too many requests"}, Retry-After and the CORS headers', async () => {
  for (let i = 0; i < LIMIT; i += 1) expect((await oidc(limited, 'GET', 'nmcusers/telekom')).status).toBe(200);
  const res = await oidc(limited, 'GET', 'nmcusers/telekom', { headers: { Origin: 'https://portal.example' } });
  expect({
    status: res.status,
    type: res.headers['content-type'],
    text: res.text,
    retryAfter: res.headers['retry-after'],
    origin: res.headers['access-control-allow-origin'],
  }).toEqual({ status: 429, type: JSON_TYPE, text: wire({ message: 'Too many requests' }), retryAfter: '50', origin: 'https://portal.example' });
  limited.advanceClock(30);
  expect((await oidc(limited, 'GET', 'nmcusers/telekom')).headers['retry-after']).toBe('20');
  expect(await usedBy('admin')).toBe(LIMIT);
});

test('a refused POST creates nothing', async () => {
  for (let i = 0; i < LIMIT; i += 1) expect((await oidc(limited, 'GET', 'nmcusers/telekom')).status).toBe(200);
  const res = await oidc(limited, 'POST', 'nmcusers/telekom', { json: { username: 'never-created', displayname: 'Never' } });
  expectMessage(res, 429, 'Too many requests');
  expect(await setup.knex('users').where({ username: 'never-created' }).orWhere({ oidc_subject: 'never-created' }).first()).toBeUndefined();
});

test('counted before the admin check: a non-admin spends units on 403 answers, then gets 429', async () => {
  for (let i = 0; i < LIMIT; i += 1) expectMessage(await oidc(limited, 'GET', 'nmcusers/telekom', { auth: PLAIN }), 403, 'Logged in account must be an admin');
  expectMessage(await oidc(limited, 'GET', 'nmcusers/telekom', { auth: PLAIN }), 429, 'Too many requests');
  expect(await usedBy('plain')).toBe(LIMIT);
  expect((await oidc(limited, 'GET', 'nmcusers/telekom', { auth: ADMIN_CALLER })).status).toBe(200);
});

test('answers given before authentication succeeds are not counted (preflight, unknown path, 401)', async () => {
  const before = await setup.knex('rate_limit_windows').select();
  expect((await oidc(limited, 'OPTIONS', 'nmcusers/telekom', { auth: 'none' })).status).toBe(200);
  expect((await oidc(limited, 'GET', 'no/such/route')).status).toBe(404);
  expect((await oidc(limited, 'GET', 'nmcusers/telekom', { auth: 'none' })).status).toBe(401);
  expect((await oidc(limited, 'GET', 'nmcusers/telekom', { auth: [PLAIN[0], 'wrong-password'] })).status).toBe(401);
  expect(await setup.knex('rate_limit_windows').select()).toEqual(before);
});
