/**
 * RATE_LIMIT_PER_MINUTE on the OCS surface (issue 8): one unit per request, counted right after
 * authentication (ocs-provisioning §3.6 step 2) and before routing. A spent budget answers the OCS
 * envelope with statuscode 429 — HTTP 429 on v2 and HTTP 200 on v1, as §4.3 maps every code from 200
 * to 600 — plus `Retry-After` on both. The budget is the principal's across every surface.
 *
 * `setup` (no limit) seeds the §11 fixtures and reads the database; `limited` (limit 3) shares the
 * database, with a frozen clock moved to 10 s into a fresh window before every test.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { enterNextWindow, startLimitedApp, unitsUsedBy } from '../helpers/rateLimit';
import { ADMIN_CALLER, as, ocsJson, ocsRequest, seedOcsFixtures } from '../helpers/ocs';

const LIMIT = 3;
const MESSAGE = 'Reached maximum number of requests';

let setup: TestApp;
let limited: TestApp;

beforeAll(async () => {
  setup = await startTestApp();
  await seedOcsFixtures(setup);
  limited = await startLimitedApp(setup, LIMIT);
}, 60_000);
afterAll(async () => {
  await limited.close();
  await setup.close();
});
beforeEach(() => enterNextWindow(limited));

const usedBy = (username: string) => unitsUsedBy(limited, username);

/** Spends `n` units of `username` with GET /user (level U: any user). */
async function spend(username: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const answer = await ocsJson(limited, 'GET', 2, 'user', { caller: as(username) });
    expect({ http: answer.status, statuscode: answer.statuscode }).toEqual({ http: 200, statuscode: 200 });
  }
}

test('v2: the request after the limit gets HTTP 429, Retry-After and the failure envelope (JSON and XML)', async () => {
  await spend('admin', LIMIT);
  const json = await ocsRequest(limited, 'GET', 2, 'users', { format: 'json' });
  expect({ status: json.status, type: json.headers['content-type'], retryAfter: json.headers['retry-after'], text: json.text }).toEqual({
    status: 429,
    type: 'application/json; charset=utf-8',
    retryAfter: '50',
    text: `{"ocs":{"meta":{"status":"failure","statuscode":429,"message":"${MESSAGE}"},"data":[]}}`,
  });
  const xml = await ocsRequest(limited, 'GET', 2, 'users');
  expect({ status: xml.status, type: xml.headers['content-type'], retryAfter: xml.headers['retry-after'], text: xml.text }).toEqual({
    status: 429,
    type: 'application/xml; charset=utf-8',
    retryAfter: '50',
    text: ['<?xml version="1.0"?>', '<ocs>', ' <meta>', '  <status>failure</status>', '  <statuscode>429</statuscode>', `  <message>${MESSAGE}</message>`, ' </meta>', ' <data/>', '</ocs>', ''].join('\n'),
  });
  expect(await usedBy('admin')).toBe(LIMIT);
});

test('v1: HTTP 200 with statuscode 429 (§4.3) and Retry-After; the header counts down with the clock', async () => {
  await spend('alice', LIMIT);
  const answer = await ocsRequest(limited, 'GET', 1, 'user', { format: 'json', caller: as('alice') });
  expect({ status: answer.status, retryAfter: answer.headers['retry-after'], text: answer.text }).toEqual({
    status: 200,
    retryAfter: '50',
    text: `{"ocs":{"meta":{"status":"failure","statuscode":429,"message":"${MESSAGE}","totalitems":"","itemsperpage":""},"data":[]}}`,
  });
  limited.advanceClock(45);
  expect((await ocsRequest(limited, 'GET', 1, 'user', { caller: as('alice') })).headers['retry-after']).toBe('5');
  limited.advanceClock(5);
  await spend('alice', LIMIT);
});

test('a refused write changes nothing', async () => {
  await spend('admin', LIMIT);
  const answer = await ocsJson(limited, 'POST', 2, 'users', { form: { userid: 'never-created', password: 'Fixture-pw-1' } });
  expect({ http: answer.status, statuscode: answer.statuscode, message: answer.message }).toEqual({ http: 429, statuscode: 429, message: MESSAGE });
  expect(await setup.knex('users').where({ username: 'never-created' }).first()).toBeUndefined();
});

test('counted after authentication and before everything else: an exhausted caller gets 429, not 998, 403 or 412', async () => {
  await spend('plain', LIMIT);
  const codes = async (path: string, options = {}) => {
    const a = await ocsJson(limited, 'GET', 2, path, { caller: as('plain'), ...options });
    return [a.status, a.statuscode];
  };
  expect(await codes('no/such/route')).toEqual([429, 429]);
  expect(await codes('users')).toEqual([429, 429]); // level B
  expect(await codes('user', { apiHeader: false })).toEqual([429, 429]);
  expect(await usedBy('plain')).toBe(LIMIT);
});

test('requests without credentials or with wrong ones are not counted', async () => {
  const before = await setup.knex('rate_limit_windows').select();
  expect((await ocsJson(limited, 'GET', 2, 'user', { caller: 'none' })).statuscode).toBe(997);
  expect((await ocsJson(limited, 'GET', 2, 'user', { caller: ['bob', 'wrong-password'] })).status).toBe(401);
  expect(await setup.knex('rate_limit_windows').select()).toEqual(before);
});

test('one budget per principal across surfaces: OCS and JSON-RPC calls of a user add up; other users are unaffected', async () => {
  await spend('carol', LIMIT - 1);
  const rpc = await limited.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, as('carol'));
  expect(rpc.status).toBe(200);
  expect((await ocsJson(limited, 'GET', 2, 'user', { caller: as('carol') })).status).toBe(429);
  expect((await limited.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, as('carol'))).status).toBe(429);
  await spend('sub', 1);
  expect((await ocsJson(limited, 'GET', 2, 'user', { caller: ADMIN_CALLER })).status).toBe(200);
  expect(await usedBy('carol')).toBe(LIMIT);
});
